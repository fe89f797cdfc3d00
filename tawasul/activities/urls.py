"""The communicator's pages: each area's URL list, under the one `activities` namespace."""

from importlib import import_module

from .module import AREAS

app_name = "activities"
urlpatterns = [
    pattern
    for area in AREAS
    for pattern in import_module(f"tawasul.activities.{area}_urls").urlpatterns
]
