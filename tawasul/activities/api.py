"""The communicator's API: each area adds its viewsets (`<area>_api.register(router)`)."""

from importlib import import_module

from .module import AREAS


def register(router) -> None:
    for area in AREAS:
        import_module(f"tawasul.activities.{area}_api").register(router)
