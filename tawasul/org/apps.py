from django.apps import AppConfig


class OrgConfig(AppConfig):
    name = "tawasul.org"
    label = "org"

    def ready(self) -> None:
        from . import worktime

        worktime.connect_invalidation()
