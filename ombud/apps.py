from django.apps import AppConfig


class OmbudConfig(AppConfig):
    name = "ombud"
    label = "ombud"
    verbose_name = "Ombud"
