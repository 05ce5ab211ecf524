from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "ombud.portal"
    default_auto_field = "django.db.models.BigAutoField"
