from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OversightConfig(AppConfig):
    name = "ombud.oversight"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = _("Oversight")

    def ready(self) -> None:
        from django.db.backends.signals import connection_created

        from ombud.cases.queries import register_answer_source
        from ombud.oversight.callbacks.queries import callback_answers, callback_expressions
        from ombud.oversight.sql import register_functions

        # The call-backs answer the three rates beside the consumers' ratings (cases/queries.py).
        register_answer_source("callbacks", callback_answers, callback_expressions)
        # SQLite connections get sha256_hex, which the spot-check draw ranks with (oversight/sql.py).
        connection_created.connect(register_functions, dispatch_uid="oversight.sql.register_functions")
