"""`ombud worker`: runs background tasks (django-tasks' database backend) and the deadline sweep.

The task loop is django-tasks-db's own `Worker`, as its `db_worker` runs it (it claims tasks with
SELECT ... FOR UPDATE SKIP LOCKED on PostgreSQL, so as many worker processes as needed may run at
once), in the subclass below that survives outages. Beside it, a
thread runs `cases.escalation.sweep()` every OMBUD_SWEEP_SECONDS: reminders, escalations, and
the outbox's recovery. The sweep is idempotent and every alert is a durable row, so several
workers sweeping at once, or a worker killed mid-way, never double-send or lose anything
(docs/notifications.md).

A database outage (PostgreSQL restarted, refusing connections, out of connection slots) does
not stop the worker: the task loop and the sweep each close their connection, wait (capped
exponential backoff, 0.5 s doubling up to 5 s, logged with the error class only) and go on.
Any other error still ends the process, for `ombud serve` to restart it (docs/operations.md).

`--batch` runs one sweep, then the queued tasks, and exits (cron, tests).
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, InterfaceError, OperationalError, close_old_connections, connections
from django.utils.crypto import get_random_string
from django_tasks_db.management.commands.db_worker import Command as DbWorkerCommand
from django_tasks_db.management.commands.db_worker import Worker

from ombud.cases import escalation
from ombud.cases.notify_backends import backend_for
from ombud.health import backoff_delay, describe, is_outage

logger = logging.getLogger("ombud.worker")


# A run of the task loop that lasted this long was healthy: the next outage backs off from the start.
HEALTHY_RUN_SECONDS = 60.0


def _close_quietly() -> None:
    """Drop this thread's broken connections; the next query opens a fresh one."""
    for conn in connections.all(initialized_only=True):
        with contextlib.suppress(DatabaseError):
            conn.close()


class ResilientWorker(Worker):
    """django-tasks-db's worker loop, carried through database outages.

    `Worker.run` re-raises any OperationalError but "database is locked", so a PostgreSQL restart
    ends it. Here an outage (ombud.health.is_outage) closes the connection, backs off and runs the
    loop again; any other error still propagates. A task cut off by the outage had its own
    transaction rolled back; its row stays RUNNING, and the deadline sweep queues it again after
    OMBUD_TASK_STUCK_SECONDS (docs/notifications.md).
    """

    def run(self) -> None:
        failures = 0
        while True:
            started = time.monotonic()
            try:
                super().run()
                return
            except (OperationalError, InterfaceError) as exc:
                if not is_outage(exc):
                    raise
                if time.monotonic() - started > HEALTHY_RUN_SECONDS:
                    failures = 0
                _close_quietly()
                if not self.running:
                    return
                delay = backoff_delay(failures)
                failures += 1
                logger.warning("Database unavailable (%s); the task worker tries again in %.1f s", describe(exc), delay)
                self.startup_delay = False
                time.sleep(delay)  # a SIGTERM here exits at once (Worker.shutdown)


class Sweeper(threading.Thread):
    """Calls the deadline sweep every `interval` seconds until stopped; an error is logged and
    the next round tries again (the sweep rolls back what it did not finish). During a database
    outage the next round comes sooner, with the same backoff as the task loop."""

    def __init__(self, interval: float):
        super().__init__(name="deadline-sweep", daemon=True)
        self.interval = interval
        self.stopped = threading.Event()

    def run(self) -> None:
        failures = 0
        try:
            while not self.stopped.is_set():
                wait = self.interval
                try:
                    close_old_connections()
                    escalation.sweep()
                    failures = 0
                except (OperationalError, InterfaceError) as exc:
                    if not is_outage(exc):
                        logger.exception("Deadline sweep failed; retrying in %s s", self.interval)
                    else:
                        _close_quietly()
                        wait = min(self.interval, backoff_delay(failures))
                        failures += 1
                        logger.warning(
                            "Database unavailable (%s); the deadline sweep tries again in %.1f s", describe(exc), wait
                        )
                except Exception:
                    logger.exception("Deadline sweep failed; retrying in %s s", self.interval)
                self.stopped.wait(wait)
        finally:
            _close_quietly()

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
        # What `db_worker` does, with the loop that survives outages (same queue, interval 1 s).
        DbWorkerCommand(stdout=self.stdout, stderr=self.stderr).configure_logging(opts["verbosity"])
        worker = ResilientWorker(
            queue_names=["default"],
            interval=1,
            batch=False,
            backend_name="default",
            startup_delay=False,
            max_tasks=None,
            worker_id=get_random_string(32),
            excluded_queue_names=[],
        )
        worker.configure_signals()
        try:
            worker.run()
        finally:
            if sweeper is not None:
                sweeper.stop()
