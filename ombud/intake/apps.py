from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save


class IntakeConfig(AppConfig):
    name = "ombud.intake"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from ombud.intake import policy
        from ombud.intake.models import ProductLine

        def forget(**kwargs):
            policy.forget_cached_policy()

        post_save.connect(forget, sender=ProductLine, dispatch_uid="intake-policy-save")
        post_delete.connect(forget, sender=ProductLine, dispatch_uid="intake-policy-delete")
