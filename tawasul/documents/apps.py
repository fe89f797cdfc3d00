from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    name = "tawasul.documents"
    label = "documents"
    verbose_name = "Documents"
