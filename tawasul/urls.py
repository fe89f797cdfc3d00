"""Top-level URLs: the frame's pages, each module's pages where its `module.py` says (prefix,
URL module, namespace; `core.registry`), the API and its documentation."""

from django.contrib import admin
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.exceptions import AuthenticationFailed, NotAuthenticated

from tawasul.core import views as core_views
from tawasul.core.http import safe_next
from tawasul.core.registry import get_registry


class ApiDocsView(SpectacularSwaggerSplitView):
    """Swagger UI, for signed-in staff like the schema (SERVE_PERMISSIONS); others sign in first."""

    def handle_exception(self, exc):
        if isinstance(exc, NotAuthenticated | AuthenticationFailed):
            return redirect_to_login(self.request.get_full_path())
        return super().handle_exception(exc)


def admin_sign_in(request, extra_context=None):
    """The Django admin's own sign-in form would skip the two-factor step: sign in through ours.

    A signed-in user sent here is not staff: refused rather than sent round in a loop.
    """
    if request.user.is_authenticated:
        raise PermissionDenied
    return redirect_to_login(safe_next(request, "admin:index"))


admin.site.login = admin_sign_in  # type: ignore[method-assign]

urlpatterns = [
    path("", core_views.HomeView.as_view(), name="home"),
    path("search/", core_views.GlobalSearchView.as_view(), name="global_search"),
    path("accounts/", include("tawasul.core.auth_urls")),
    path("preferences/", core_views.PreferencesView.as_view(), name="preferences"),
    *(
        path(entry.prefix, include(entry.module, namespace=entry.namespace))
        for entry in get_registry().url_includes
    ),
    path("api/", include("tawasul.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", ApiDocsView.as_view(url_name="api-schema"), name="api-docs"),
    path("django-admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
]
