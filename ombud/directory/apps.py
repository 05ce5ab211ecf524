from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _install_cache_triggers(using: str = "default", **kwargs) -> None:
    from ombud.directory import generation

    generation.install(using)


class DirectoryConfig(AppConfig):
    name = "ombud.directory"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.core import checks

        from ombud.directory import generation
        from ombud.directory.access import check_regulators_have_a_bureau

        checks.register(check_regulators_have_a_bureau, "ombud")
        # API tokens are revoked on logout, password change and deactivation.
        from ombud.directory import signals  # noqa: F401

        # The API's token cache (directory/services.py user_for_token) holds a token's expiry,
        # its user and the user's organization.
        for model in ("directory.ApiToken", "directory.User", "directory.Organization"):
            generation.watch(model)
        # After every migrate and flush: the generation row and the triggers of every watched
        # table (a table SQLite rebuilds loses its triggers).
        post_migrate.connect(_install_cache_triggers, sender=self, dispatch_uid="ombud.directory.cache_triggers")
