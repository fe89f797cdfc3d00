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
        # Imported once the models are loaded: signals and lookups need them, and so do the
        # modules the registry's discovery imports (every app's module.py, in layer order).
        from . import lookups, signals  # noqa: F401
        from .registry import autodiscover

        lookups.register()
        autodiscover()
        post_migrate.connect(_refresh_statistics, sender=self)
