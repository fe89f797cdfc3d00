from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "tawasul.catalog"
    label = "catalog"
    verbose_name = "Catalog"

    def ready(self) -> None:
        # Imported once the models are loaded (handlers: domain-event handlers).
        from . import governance, handlers  # noqa: F401

        governance.register()
