from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "ombud.portal"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from ombud.portal import checks, limits  # noqa: F401 (checks registers the deploy check)

        limits.trusted_proxies()  # a bad OMBUD_TRUSTED_PROXIES stops the start, with its message
