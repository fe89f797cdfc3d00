from django.apps import AppConfig


class OrgConfig(AppConfig):
    name = "tawasul.org"
    label = "org"
