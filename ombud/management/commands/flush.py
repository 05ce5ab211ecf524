"""`ombud flush`: Django's flush (empty every table), with the audit log's append-only triggers
lifted for its transaction (ombud/audit/triggers.py).

Flushing is the one sanctioned way to remove audit entries: it removes *everything*, asks for
confirmation, and is what the test suite runs after each transactional test. Without this,
the triggers would refuse it (SQLite's DELETE, PostgreSQL's TRUNCATE).
"""

from django.core.management.commands.flush import Command as DjangoFlush

from ombud.audit.triggers import suspended


class Command(DjangoFlush):
    help = DjangoFlush.help + " The audit log is emptied too."

    def handle(self, **options):
        with suspended(options["database"]):
            return super().handle(**options)
