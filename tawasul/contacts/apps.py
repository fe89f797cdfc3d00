from django.apps import AppConfig


class ContactsConfig(AppConfig):
    name = "tawasul.contacts"
    label = "contacts"

    def ready(self) -> None:
        from . import handlers, registry  # noqa: F401  (handlers: domain-event handlers)

        registry.register()
