"""Pages for API tokens: one's own (user menu) and the company's (Settings)."""

from django.urls import path

from . import token_views

app_name = "access_tokens"
urlpatterns = [
    path("", token_views.ApiTokenListView.as_view(), name="mine"),
    path("company/", token_views.CompanyApiTokenListView.as_view(), name="company"),
    path("<int:pk>/revoke/", token_views.ApiTokenRevokeView.as_view(), name="revoke"),
]
