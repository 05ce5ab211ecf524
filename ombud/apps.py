from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _record_key_fingerprint(sender, using="default", **kwargs):
    from ombud.keyring import record_current_key

    record_current_key(using)


class OmbudConfig(AppConfig):
    name = "ombud"
    label = "ombud"
    verbose_name = "Ombud"

    def ready(self):
        # After `migrate` (and `flush`): the database records which key its personal data is under.
        post_migrate.connect(_record_key_fingerprint, sender=self, dispatch_uid="ombud.record_key_fingerprint")
