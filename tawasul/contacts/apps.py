from django.apps import AppConfig


class ContactsConfig(AppConfig):
    name = "tawasul.contacts"
    label = "contacts"

    def ready(self) -> None:
        from . import registry

        registry.register()
