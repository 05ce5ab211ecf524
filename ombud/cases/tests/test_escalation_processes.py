"""The deadline sweep across threads and processes: two sweeps at once, the worker's task
queue, and the real `ombud worker` killed mid-way and restarted. Transactional tests only, in
a file of their own: a transactional test empties the database when it ends, so it must not
share a file (xdist's unit of scheduling) with tests that expect the migrated data."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from ombud.cases import escalation, notify_backends
from ombud.cases.models import Case, CaseEvent, Notification
from ombud.cases.notify_backends import ConsoleBackend
from ombud.cases.tests.test_escalation import DUE_AT, counts, reachable, untouched_case
from ombud.testing import make_world

ROOT = Path(__file__).resolve().parents[3]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_sweeps_at_once_escalate_each_case_once():
    world = make_world()
    reachable(world)
    cases = [untouched_case(world) for _ in range(8)]
    now = DUE_AT + timedelta(minutes=1)
    barrier = threading.Barrier(2)
    results, errors = [], []

    def run():
        try:
            barrier.wait(timeout=10)
            results.append(escalation.sweep(now))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors
    # A case one sweep could not take (SQLite: the other held the write lock) is the next one's.
    results.append(escalation.sweep(now + timedelta(minutes=1)))
    assert sum(r.escalated for r in results) == len(cases)
    for case in cases:
        assert counts(case) == {"alerts": 1, "overdue_events": 1, "notifications": 2}


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_worker_batch_sweeps_and_delivers_through_the_task_queue(settings):
    """`ombud worker --batch` in-process: the sweep escalates; after commit, delivery tasks are
    enqueued in the database; db_worker runs them; the timeline shows what was sent."""
    settings.OMBUD_EMAIL_BACKEND = "memory"
    notify_backends.outbox.clear()
    world = make_world()
    reachable(world)
    case = untouched_case(world)
    case.due_at = timezone.now() - timedelta(minutes=5)  # overdue now (the worker sweeps at now)
    case.save()
    handlers = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM, signal.SIGQUIT)}
    try:
        call_command("worker", batch=True, verbosity=0)
    finally:
        for s, h in handlers.items():
            signal.signal(s, h)
    assert counts(case) == {"alerts": 1, "overdue_events": 1, "notifications": 2}
    assert set(Notification.objects.filter(case=case).values_list("status", flat=True)) == {"sent"}
    assert sorted(m.address for m in notify_backends.outbox) == [
        "head@mm.chinalife.example.cn",
        "officer@gd.example.cn",
    ]
    assert case.events.filter(type=CaseEvent.Type.NOTIFIED).count() == 2


# ---- the real worker, killed and restarted ---------------------------------------------------


class SlowConsoleBackend(ConsoleBackend):
    """A console backend taking 0.3 s a message: gives SIGKILL something to interrupt."""

    def send(self, message):
        time.sleep(0.3)
        super().send(message)


class WorkerDatabase:
    """The database a worker subprocess uses. PostgreSQL: the test database itself. SQLite: the
    test database is in memory, invisible to another process, so it is copied to a file (the
    sqlite3 backup API), the worker runs on the file, and the file is copied back at the end."""

    def __init__(self, tmp_path: Path):
        self.vendor = connection.vendor
        connection.ensure_connection()
        if self.vendor == "sqlite":
            self.file = tmp_path / "worker.sqlite3"
            with sqlite3.connect(self.file) as target:
                connection.connection.backup(target)
            self.url = f"sqlite:///{self.file}"
        else:
            s = connection.settings_dict
            self.url = (
                f"postgres://{s['USER']}:{s['PASSWORD']}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"
            )

    def count(self, sql: str) -> int:
        if self.vendor == "sqlite":
            with sqlite3.connect(self.file, timeout=20) as db:
                return db.execute(sql).fetchone()[0]
        with connection.cursor() as cursor:
            cursor.execute(sql)
            return cursor.fetchone()[0]

    def copy_back(self) -> None:
        if self.vendor == "sqlite":
            with sqlite3.connect(self.file) as source:
                source.backup(connection.connection)

    def worker(self, *args: str, **env: str) -> subprocess.Popen:
        environment = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "ombud.settings_test",
            "DATABASE_URL": self.url,
            "OMBUD_SMS_BACKEND": "ombud.cases.tests.test_escalation_processes.SlowConsoleBackend",
            "OMBUD_EMAIL_BACKEND": "ombud.cases.tests.test_escalation_processes.SlowConsoleBackend",
            "OMBUD_SWEEP_SECONDS": "1",
            "OMBUD_NOTIFY_RETRY_SECONDS": "0",
            **env,
        }
        return subprocess.Popen(
            [sys.executable, "-m", "ombud.cli", "worker", *args],
            cwd=ROOT,
            env=environment,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )


def wait_for(predicate, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        time.sleep(0.05)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_worker_killed_mid_way_and_restarted_escalates_exactly_once(tmp_path):
    world = make_world()
    reachable(world)
    cases = [untouched_case(world) for _ in range(6)]
    Case.objects.filter(pk__in=[c.pk for c in cases]).update(due_at=timezone.now() - timedelta(hours=1))
    expected = 2 * len(cases)  # executive + regulator officer each
    db = WorkerDatabase(tmp_path)

    first = db.worker()
    try:
        wait_for(lambda: db.count("SELECT COUNT(*) FROM cases_notification WHERE status = 'sent'") >= 1)
    finally:
        first.kill()  # SIGKILL: no clean-up of any kind
        output = first.communicate(timeout=30)[0]
    assert first.returncode == -signal.SIGKILL, output
    sent_at_kill = db.count("SELECT COUNT(*) FROM cases_notification WHERE status = 'sent'")
    assert sent_at_kill < expected, "the kill came too late to interrupt anything"

    # Restarted (twice, as a cron job might): rows the dead worker had claimed are released at once.
    for _ in range(2):
        again = db.worker("--batch", OMBUD_NOTIFY_STUCK_SECONDS="0")
        output = again.communicate(timeout=120)[0]
        assert again.returncode == 0, output
    assert "13812345678" not in output and "138****5678" not in output  # no consumer SMS: staff only here
    db.copy_back()

    for case in cases:
        assert counts(case) == {"alerts": 1, "overdue_events": 1, "notifications": 2}
    assert Notification.objects.count() == expected
    assert set(Notification.objects.values_list("status", flat=True)) == {"sent"}
    notified = CaseEvent.objects.filter(type=CaseEvent.Type.NOTIFIED)
    assert notified.count() == expected  # one timeline entry per message, never two
    assert sorted(e.data["notification_id"] for e in notified) == sorted(
        Notification.objects.values_list("pk", flat=True)
    )
