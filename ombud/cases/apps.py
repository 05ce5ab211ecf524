from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "ombud.cases"
    default_auto_field = "django.db.models.BigAutoField"
