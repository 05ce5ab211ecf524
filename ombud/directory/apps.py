from django.apps import AppConfig


class DirectoryConfig(AppConfig):
    name = "ombud.directory"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # API tokens are revoked on logout, password change and deactivation.
        from ombud.directory import signals  # noqa: F401
