from django.apps import AppConfig


class ContactsConfig(AppConfig):
    name = "tawasul.contacts"
    label = "contacts"

    def ready(self) -> None:
        from . import handlers, registry  # noqa: F401  (handlers: domain-event handlers)

        registry.register()
        from .selectors import register_timeline  # timeline sources (core.timeline)

        register_timeline()
