from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OversightConfig(AppConfig):
    name = "ombud.oversight"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = _("Oversight")
