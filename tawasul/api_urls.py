"""The REST API: every module's viewsets and endpoints, as its `module.py` declares them
(`core.registry`: `api` adds viewsets to the router, `api_urls` serves a URL module here)."""

from django.urls import include, path
from rest_framework.routers import DefaultRouter

from tawasul.core.registry import get_registry

registry = get_registry()
router = DefaultRouter()
for register in registry.api_registrations:
    registry.resolve(register)(router)

urlpatterns = [path("", include(module)) for module in registry.api_url_modules] + router.urls
