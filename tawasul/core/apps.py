from django.apps import AppConfig
from django.db import connections
from django.db.models.signals import post_migrate

from .db import planner_statistics_refresh


def _refresh_statistics(sender, using, **kwargs) -> None:
    """After migrations on SQLite, give the planner statistics to choose indexes by (`core.db`);
    PostgreSQL's autovacuum keeps its own."""
    if connections[using].vendor == "sqlite":
        planner_statistics_refresh(using=using)


class CoreConfig(AppConfig):
    name = "tawasul.core"
    label = "core"

    def ready(self) -> None:
        from . import lookups, signals  # noqa: F401

        lookups.register()
        # Every app's module.py, in layer order (after this app's own).
        from .registry import autodiscover

        autodiscover()
        post_migrate.connect(_refresh_statistics, sender=self)
