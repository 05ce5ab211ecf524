"""Background tasks of cases (django-tasks; run by `ombud worker`).

Tasks only nudge: the durable state is the outbox row (`Notification`) and the alert row
(`Alert`), so a task lost with a killed worker loses nothing; the deadline sweep finds the row.
Every task here is idempotent, so running one twice is harmless.

django-tasks-db marks a task row RUNNING when a worker claims it and keeps no heartbeat: a
worker killed mid-task leaves the row RUNNING for ever. `recover_lost_tasks()`, called by
every deadline sweep, treats a row RUNNING for longer than OMBUD_TASK_STUCK_SECONDS as lost
with its worker: it is put back to READY (run again by any worker) until it has been claimed
TASK_MAX_CLAIMS times, then marked FAILED with the reason.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone
from django_tasks import task

logger = logging.getLogger("ombud.tasks")

TASK_MAX_CLAIMS = 3  # a task whose workers died this many times is not tried again
LOST = "ombud.cases.tasks.WorkerLost"
BATCH = 200


@task()
def deliver_notification(notification_id: int) -> str:
    """Send one queued notification (see cases/notify.py `deliver`)."""
    from ombud.cases import notify

    return notify.deliver(notification_id)


@task()
def sweep_deadlines() -> dict[str, int]:
    """Run the deadline sweep once (see cases/escalation.py `sweep`); safe to run any time."""
    from dataclasses import asdict

    from ombud.cases import escalation

    return asdict(escalation.sweep())


@dataclass
class Recovered:
    requeued: int = 0
    failed: int = 0


def recover_lost_tasks(now: datetime | None = None, *, limit: int = BATCH) -> Recovered:
    """Re-queue (or, after TASK_MAX_CLAIMS claims, fail) task rows left RUNNING by a dead
    worker: RUNNING since longer than OMBUD_TASK_STUCK_SECONDS. Each row is changed by a
    conditional UPDATE on its status and `started_at`, so a row a worker claims again meanwhile,
    or one a live worker finishes, is left alone; two sweeps at once change it once."""
    from django_tasks_db.models import DBTaskResult

    from ombud.cases.notify import retry_when_locked

    now = now or timezone.now()
    before = now - timedelta(seconds=settings.OMBUD_TASK_STUCK_SECONDS)
    stuck = DBTaskResult.objects.running().filter(started_at__lte=before).order_by("started_at")
    rows = retry_when_locked(lambda: list(stuck.values_list("pk", "started_at", "worker_ids", "task_path")[:limit]))
    result = Recovered()
    for pk, started_at, worker_ids, task_path in rows:
        if started_at is None:  # not a row of `stuck` (started_at__lte): the column is nullable
            continue
        mine = DBTaskResult.objects.filter(pk=pk, status="RUNNING", started_at=started_at)
        claims = len(worker_ids or [])
        if claims < TASK_MAX_CLAIMS:
            if retry_when_locked(mine.update, status="READY"):
                result.requeued += 1
                logger.warning("Task %s (%s) was left running by a dead worker; queued again", pk, task_path)
            continue
        reason = (
            f"{LOST}: running since {started_at.isoformat()} with no result after {claims} claims "
            f"(workers {', '.join(map(str, worker_ids))}); each worker is presumed dead after "
            f"OMBUD_TASK_STUCK_SECONDS={settings.OMBUD_TASK_STUCK_SECONDS}"
        )
        changes = {"status": "FAILED", "finished_at": now, "exception_class_path": LOST, "traceback": reason}
        if retry_when_locked(mine.update, **changes):
            result.failed += 1
            logger.error("Task %s (%s) failed: its workers died %s times", pk, task_path, claims)
    return result
