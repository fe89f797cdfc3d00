from django.apps import AppConfig


class ContactsConfig(AppConfig):
    name = "tawasul.contacts"
    label = "contacts"

    def ready(self) -> None:
        # Imported once the models are loaded, which both need (handlers: domain-event handlers).
        from . import handlers, registry  # noqa: F401

        registry.register()
