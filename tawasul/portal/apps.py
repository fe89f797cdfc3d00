from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "tawasul.portal"
    label = "portal"
