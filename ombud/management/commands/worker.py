"""`ombud worker`: runs background tasks (django-tasks' database backend) and the deadline sweep.

The task loop is django-tasks-db's own `db_worker` (it claims tasks with SELECT ... FOR UPDATE
SKIP LOCKED on PostgreSQL, so as many worker processes as needed may run at once). Beside it, a
thread runs `cases.escalation.sweep()` every OMBUD_SWEEP_SECONDS: reminders, escalations, and
the outbox's recovery. The sweep is idempotent and every alert is a durable row, so several
workers sweeping at once, or a worker killed mid-way, never double-send or lose anything
(docs/notifications.md).

`--batch` runs one sweep, then the queued tasks, and exits (cron, tests).
"""

from __future__ import annotations

import logging
import threading

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import close_old_connections, connection

from ombud.cases import escalation
from ombud.cases.notify_backends import backend_for

logger = logging.getLogger("ombud.worker")


class Sweeper(threading.Thread):
    """Calls the deadline sweep every `interval` seconds until stopped; an error is logged and
    the next round tries again (the sweep rolls back what it did not finish)."""

    def __init__(self, interval: float):
        super().__init__(name="deadline-sweep", daemon=True)
        self.interval = interval
        self.stopped = threading.Event()

    def run(self) -> None:
        try:
            while not self.stopped.is_set():
                close_old_connections()
                try:
                    escalation.sweep()
                except Exception:
                    logger.exception("Deadline sweep failed; retrying in %s s", self.interval)
                self.stopped.wait(self.interval)
        finally:
            connection.close()

    def stop(self) -> None:
        self.stopped.set()


class Command(BaseCommand):
    help = "Run the background task worker and the deadline sweep (reminders, escalations)."

    def add_arguments(self, parser):
        parser.add_argument("--batch", action="store_true", help="sweep once, process what is queued, then exit")
        parser.add_argument(
            "--sweep-seconds",
            type=int,
            default=None,
            help=f"seconds between deadline sweeps (default: OMBUD_SWEEP_SECONDS, {settings.OMBUD_SWEEP_SECONDS})",
        )
        parser.add_argument("--no-sweep", action="store_true", help="run tasks only, no deadline sweep")

    def handle(self, *args, **opts):
        interval = opts["sweep_seconds"] if opts["sweep_seconds"] is not None else settings.OMBUD_SWEEP_SECONDS
        if interval <= 0:
            raise CommandError("The sweep interval must be at least 1 second (OMBUD_SWEEP_SECONDS, --sweep-seconds).")
        for channel in ("sms", "email"):
            try:
                backend_for(channel)
            except ImproperlyConfigured as exc:
                raise CommandError(f"Notifications are misconfigured: {exc}") from None
        worker_opts = {"verbosity": opts["verbosity"], "reload": False, "startup_delay": False}
        if opts["batch"]:
            if not opts["no_sweep"]:
                result = escalation.sweep()
                self.stdout.write(f"Deadline sweep: {result}")
            call_command("db_worker", batch=True, **worker_opts)
            return
        sweeper = None
        if not opts["no_sweep"]:
            sweeper = Sweeper(interval)
            sweeper.start()
            self.stdout.write(f"Deadline sweep every {interval} s.")
        try:
            call_command("db_worker", **worker_opts)
        finally:
            if sweeper is not None:
                sweeper.stop()
