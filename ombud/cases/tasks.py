"""Background tasks of cases (django-tasks; run by `ombud worker`).

Tasks only nudge: the durable state is the outbox row (`Notification`) and the alert row
(`Alert`), so a task lost with a killed worker loses nothing; the deadline sweep finds the row.
"""

from __future__ import annotations

from django_tasks import task


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
