from django.apps import AppConfig


class AccessConfig(AppConfig):
    name = "tawasul.access"
    label = "access"
