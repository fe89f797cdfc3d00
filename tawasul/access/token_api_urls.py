"""The API's token endpoints (sign in for a token, list and revoke one's tokens), under /api/."""

from django.urls import path

from . import token_api

urlpatterns = [
    path("auth/token/", token_api.ObtainTokenView.as_view(), name="api-token"),
    path("auth/tokens/", token_api.TokenListView.as_view(), name="api-token-list"),
    path("auth/tokens/current/", token_api.CurrentTokenView.as_view(), name="api-token-current"),
    path("auth/tokens/<int:pk>/", token_api.TokenDetailView.as_view(), name="api-token-detail"),
]
