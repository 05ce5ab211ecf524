"""Exactly once under real concurrency and a real crash (issue 8, "done when"): 20 parallel
identical escalations give one event; a worker killed with SIGKILL after handing a message to
its backend, then restarted, delivers the notification once to a backend that honours the
idempotency id, and the timeline says it was handed over twice.

Transactional tests (each thread and the worker subprocess have their own connection), in a
file of their own (see test_escalation_processes.py)."""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connection, connections
from django.utils import timezone

from ombud.cases.models import CaseEvent, Notification
from ombud.cases.services import ComplaintInput, register_complaint
from ombud.cases.tests.test_escalation_processes import WorkerDatabase, wait_for
from ombud.cases.tests.test_exactly_once import make_case
from ombud.testing import MAOMING, ApiClient, make_world

PARALLEL = 20


def in_parallel(tmp_path: Path, clients, path: str, body: dict, **headers) -> list:
    """POST the same request from PARALLEL threads at once, each with its own connection.

    PostgreSQL: to the test database. SQLite: the test database lives in memory with a shared
    cache, where a second writer fails at once ("locked") instead of waiting; deployed, SQLite
    is a file (WAL, busy timeout, IMMEDIATE transactions). So the threads work on a file copy,
    copied back when they are done."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    db = WorkerDatabase(tmp_path)
    file_settings = {**connection.settings_dict, "NAME": str(getattr(db, "file", ""))}
    wrapper = type(connections["default"])
    barrier = threading.Barrier(len(clients))
    answers, errors = [], []

    def run(api):
        try:
            if db.vendor == "sqlite":
                connections["default"] = wrapper(file_settings, "default")
            barrier.wait(timeout=30)
            answers.append(api.post(path, body, **headers))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(api,)) for api in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    assert len(answers) == len(clients)
    db.copy_back()
    return answers


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_20_parallel_identical_escalations_give_one_event(tmp_path):
    world = make_world()
    case = make_case(world)
    clients = [world.api(world.officer) for _ in range(PARALLEL)]
    answers = in_parallel(
        tmp_path, clients, f"/api/v1/cases/{case.pk}/transitions", {"action": "escalate", "reason": "逾期"}
    )
    statuses = Counter(r.status_code for r in answers)
    codes = Counter(r.json().get("error", {}).get("code") for r in answers if r.status_code != 200)
    print(f"\n{connection.vendor}: {PARALLEL} parallel escalations -> {dict(statuses)} {dict(codes)}")
    assert statuses == {200: 1, 409: PARALLEL - 1}
    assert codes == {"no_change": PARALLEL - 1}
    assert case.events.filter(type=CaseEvent.Type.ESCALATED).count() == 1
    case.refresh_from_db()
    assert case.handled_by == "regulator"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_20_parallel_refers_and_reroutes_give_one_event_each(tmp_path):
    world = make_world()
    case = make_case(world)
    clients = [world.api(world.officer) for _ in range(PARALLEL)]
    path = f"/api/v1/cases/{case.pk}/transitions"
    refers = in_parallel(tmp_path / "refer", clients, path, {"action": "refer", "reason": "涉嫌销售误导"})
    reroutes = in_parallel(
        tmp_path / "reroute",
        clients,
        path,
        {"action": "reroute", "reason": "属总公司管辖", "company_id": world.company_a.pk},
    )
    for answers in (refers, reroutes):
        assert Counter(r.status_code for r in answers) == {200: 1, 409: PARALLEL - 1}
    assert case.events.filter(type=CaseEvent.Type.REFERRED_FOR_ENFORCEMENT).count() == 1
    assert case.events.filter(type=CaseEvent.Type.REROUTED).count() == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_20_parallel_retries_with_one_idempotency_key_act_once_and_all_succeed(tmp_path):
    world = make_world()
    case = make_case(world)
    api = world.api(world.handler_a)  # one client retrying: the same token, the same key
    clients = [ApiClient(None) for _ in range(PARALLEL)]
    for c in clients:
        c.headers = api.headers
    answers = in_parallel(
        tmp_path,
        clients,
        f"/api/v1/cases/{case.pk}/transitions",
        {"action": "extend", "level": "complex", "reason": "需调取医院病历"},
        HTTP_IDEMPOTENCY_KEY="client-retry-7",
    )
    assert Counter(r.status_code for r in answers) == {200: PARALLEL}
    assert sum(r.headers.get("Idempotent-Replayed") == "true" for r in answers) == PARALLEL - 1
    assert case.events.filter(type=CaseEvent.Type.EXTENDED).count() == 1


# ---- the worker killed between handing a message over and marking it sent ------------------


class DedupingFileBackend:
    """A backend that honours the idempotency id, as a gateway should: every hand-over is
    appended to a file (what reached it), a repeated id is not delivered again. With
    OMBUD_TEST_HANG=1 it then blocks, so that the test can kill the worker right there."""

    def send(self, message) -> None:
        path = Path(os.environ["OMBUD_TEST_HANDOVERS"])
        with path.open("a") as f:
            record = {"id": message.idempotency_id, "attempt": message.attempt, "pid": os.getpid()}
            f.write(json.dumps(record) + "\n")
            f.flush()
            os.fsync(f.fileno())
        if os.environ.get("OMBUD_TEST_HANG") == "1":
            time.sleep(3600)


def handovers(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_worker_killed_mid_delivery_and_restarted_delivers_once(tmp_path):
    from django_tasks_db.models import DBTaskResult

    world = make_world()
    case = register_complaint(  # the consumer's SMS is queued; its delivery task enqueued on commit
        world.admin,
        ComplaintInput(
            company_id=world.company_a_maoming.pk,
            complainant_name="李秀英",
            summary="重疾险理赔被拒",
            channel="phone",
            received_at=timezone.now() - timedelta(minutes=5),
            complainant_phone="13812345678",
            city_code=MAOMING,
        ),
    )
    (n,) = Notification.objects.filter(case=case)
    assert DBTaskResult.objects.filter(status="READY").count() == 1
    log = tmp_path / "handovers.jsonl"
    db = WorkerDatabase(tmp_path)
    backend = {
        "OMBUD_SMS_BACKEND": f"{__name__}.DedupingFileBackend",
        "OMBUD_EMAIL_BACKEND": f"{__name__}.DedupingFileBackend",
        "OMBUD_TEST_HANDOVERS": str(log),
        "OMBUD_NOTIFY_RETRY_SECONDS": "3600",  # only the task (then the recovered task) sends it
    }

    first = db.worker("--no-sweep", OMBUD_TEST_HANG="1", **backend)
    try:
        wait_for(lambda: len(handovers(log)) == 1 or first.poll() is not None)  # the backend has it ...
    finally:
        first.kill()  # ... and the worker dies before marking it sent (SIGKILL: no clean-up)
        output = first.communicate(timeout=30)[0]
    assert first.returncode == -signal.SIGKILL, output
    assert len(handovers(log)) == 1
    sending = f"SELECT COUNT(*) FROM cases_notification WHERE id = {int(n.pk)} AND status = 'sending'"  # noqa: S608
    assert db.count(sending) == 1
    assert db.count("SELECT COUNT(*) FROM django_tasks_database_dbtaskresult WHERE status = 'RUNNING'") == 1

    # Restarted: the sweep releases the row and re-queues the dead worker's task, which sends it.
    again = db.worker("--batch", OMBUD_NOTIFY_STUCK_SECONDS="0", OMBUD_TASK_STUCK_SECONDS="0", **backend)
    output = again.communicate(timeout=120)[0]
    assert again.returncode == 0, output
    db.copy_back()

    received = handovers(log)
    print(f"\n{connection.vendor}: hand-overs {received}")
    # Two hand-overs, the same idempotency id; a backend honouring it delivers once.
    assert [(h["id"], h["attempt"]) for h in received] == [
        (f"ombud-notification-{n.pk}", 1),
        (f"ombud-notification-{n.pk}", 2),
    ]
    assert received[0]["pid"] != received[1]["pid"]
    assert len({h["id"] for h in received}) == 1
    n.refresh_from_db()
    assert (n.status, n.attempts, n.interrupted) == ("sent", 2, 1)
    # The timeline is honest: sent once, and handed over again at attempt 2.
    assert case.events.filter(type=CaseEvent.Type.NOTIFIED).count() == 1
    (resent,) = case.events.filter(type=CaseEvent.Type.NOTIFICATION_RESENT)
    assert resent.data["attempts"] == 2 and resent.data["interrupted"] == 1
    assert resent.data["idempotency_id"] == f"ombud-notification-{n.pk}"
    (task,) = DBTaskResult.objects.all()
    assert task.status == "SUCCESSFUL" and len(task.worker_ids) == 2  # re-queued by the sweep, run again
