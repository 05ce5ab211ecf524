"""`ombud worker`: runs background tasks (django-tasks' database backend).

Workers claim tasks with SELECT ... FOR UPDATE SKIP LOCKED on PostgreSQL, so as many worker
processes as needed may run at once.
"""

from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Run the background task worker."

    def add_arguments(self, parser):
        parser.add_argument("--batch", action="store_true", help="process what is queued, then exit")

    def handle(self, *args, **opts):
        extra = ["--batch"] if opts["batch"] else []
        call_command("db_worker", *extra)
