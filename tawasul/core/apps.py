from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "tawasul.core"
    label = "core"

    def ready(self) -> None:
        from . import lookups, signals  # noqa: F401

        lookups.register()
