"""The REST API router: every module registers its viewsets here."""

from django.urls import path
from rest_framework.routers import DefaultRouter

from tawasul.contacts import api as contacts_api
from tawasul.core.auth_api import ObtainTokenView
from tawasul.org import api as org_api

router = DefaultRouter()
org_api.register(router)
contacts_api.register(router)

urlpatterns = [path("auth/token/", ObtainTokenView.as_view(), name="api-token")] + router.urls
