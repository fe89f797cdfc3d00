"""What the communicator plugs into the platform (`tawasul.core.registry`).

Each area of the module (tasks, follow-ups, reminders, notifications, automation, agenda)
declares its own entries in `<area>_module.py`; this file adds the module's section, URLs and
API once and calls them in a fixed order."""

from importlib import import_module

from django.utils.translation import gettext_lazy as _

from . import roles

SECTION = "activities"
AREAS = ("tasks", "followups", "reminders", "notifications", "automation", "agenda")


def register(registry) -> None:
    registry.nav_section(SECTION, _("Communicator"), order=50)
    registry.urls("activities/", "tawasul.activities.urls", namespace="activities")
    registry.api("tawasul.activities.api.register")
    registry.matrix_section("activities", _("Communicator"), order=30)
    roles.register(registry)
    for area in AREAS:
        import_module(f"tawasul.activities.{area}_module").register(registry)
