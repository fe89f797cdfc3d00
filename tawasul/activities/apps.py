from django.apps import AppConfig


class ActivitiesConfig(AppConfig):
    name = "tawasul.activities"
    label = "activities"

    def ready(self) -> None:
        # Governance and event handlers need the models loaded.
        from . import governance, handlers  # noqa: F401

        governance.register()
