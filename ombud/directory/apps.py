from django.apps import AppConfig


class DirectoryConfig(AppConfig):
    name = "ombud.directory"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.core import checks

        from ombud.directory.access import check_regulators_have_a_bureau

        checks.register(check_regulators_have_a_bureau, "ombud")
        # API tokens are revoked on logout, password change and deactivation.
        from ombud.directory import signals  # noqa: F401
