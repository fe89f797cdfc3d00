"""The REST API router: every module registers its viewsets here."""

from django.urls import path
from rest_framework.routers import DefaultRouter

from tawasul.access import token_api
from tawasul.contacts import api as contacts_api
from tawasul.org import api as org_api

router = DefaultRouter()
org_api.register(router)
contacts_api.register(router)

urlpatterns = [
    path("auth/token/", token_api.ObtainTokenView.as_view(), name="api-token"),
    path("auth/tokens/", token_api.TokenListView.as_view(), name="api-token-list"),
    path("auth/tokens/current/", token_api.CurrentTokenView.as_view(), name="api-token-current"),
    path("auth/tokens/<int:pk>/", token_api.TokenDetailView.as_view(), name="api-token-detail"),
] + router.urls
