"""End-to-end journey of a company's complaint handler in headless Chromium against a live server.

The handler signs in by typing, finds its queue most urgent first (and nothing of another
company), opens the overdue case, tries to record a reply still holding a template's blanks
(and is stopped), records its own decision, and — once the worker has delivered the consumer's
SMS — sees that SMS on the case's timeline with the phone number masked. Screenshots go to
/tmp/ombud-shots/ for a human look.

Only transactional tests in this file: a transactional test empties the database when it
ends, and xdist schedules whole files (`--dist loadfile`), so none of them may share a file
with tests that expect the migrations' data to stay in place.
"""

import re
import signal
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from ombud.cases import notify_backends
from ombud.cases.models import Case, CaseEvent, Notification
from ombud.cases.services import ComplaintInput, register_complaint, take_action
from ombud.intake.tracking import format_tracking_no, tracking_url
from ombud.testing import MAOMING, PASSWORD, SHOTS, make_world

PHONE = "13812345678"
MASKED_PHONE = "138****5678"
REPLY = "经调阅保单和理赔材料，您的投诉成立。我司同意全额赔付住院医疗费用12000.50元，将于五个工作日内转入您的账户。"

# Never skipped: a journey that silently does not run would count as passing. `make test`
# installs Chromium when it can (root); otherwise this fails and says what to install.
pytestmark = [pytest.mark.browser]


@pytest.fixture
def sms_outbox(settings):
    """Notifications go to the in-memory backends (the live server runs in this process, so
    it sees these settings too)."""
    settings.OMBUD_SMS_BACKEND = "memory"
    settings.OMBUD_EMAIL_BACKEND = "memory"
    notify_backends.outbox.clear()
    yield notify_backends.outbox
    notify_backends.outbox.clear()


def complaint_case(world, company, days_ago: int, summary: str) -> Case:
    """A complaint by phone, received `days_ago` days ago (due 15 calendar days after), accepted
    by the company's handler so that it is in progress."""
    case = register_complaint(
        world.admin,
        ComplaintInput(
            company_id=company.pk,
            complainant_name="李秀英",
            complainant_phone=PHONE,
            summary=summary,
            channel="phone",
            received_at=timezone.now() - timedelta(days=days_ago, hours=1),
            city_code=MAOMING,
        ),
    )
    handler = world.handler_b if company == world.company_b else world.handler_a
    take_action(handler, case.pk, "accept", {})
    case.refresh_from_db()
    assert case.status == Case.Status.IN_PROGRESS
    return case


def run_worker_once() -> None:
    """What `ombud worker --batch --no-sweep` does: run the queued delivery tasks, then exit.
    db_worker installs signal handlers; give pytest its own back."""
    handlers = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM, signal.SIGQUIT)}
    try:
        call_command("worker", batch=True, no_sweep=True, verbosity=0)
    finally:
        for s, h in handlers.items():
            signal.signal(s, h)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_handler_decides_the_most_urgent_case_and_the_consumer_sms_is_on_the_timeline(
    live_server, browser_page, sms_outbox
):
    from playwright.sync_api import expect

    world = make_world()
    # Created out of order, so that the queue's order can only come from the due dates.
    # (Days chosen so that no holiday break moving a due date can change what is overdue.)
    later = complaint_case(world, world.company_a_maoming, 0, "退保金额计算有误，要求重新核算。")
    overdue = complaint_case(world, world.company_a_maoming, 40, "重疾险理赔被拒，称未如实告知，消费者不认可。")
    soon = complaint_case(world, world.company_a_maoming, 14, "续期保费自动扣款未经同意。")
    # Another company's case, more overdue than any: company A's handler must never see it.
    other = complaint_case(world, world.company_b, 60, "车险定损金额过低。")
    assert overdue.due_date < soon.due_date < later.due_date
    assert other.due_date < overdue.due_date and overdue.due_at < timezone.now() < soon.due_at

    page, errors = browser_page
    base = live_server.url
    dialogs: list[str] = []

    # Sign in by typing; a company handler lands on its queue.
    page.goto(base + "/")  # the public home: staff sign in from its top bar
    page.locator("a.staff-login").click()
    page.wait_for_url(base + reverse("login"))
    page.locator("#id_username").type("handler_a")
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(base + reverse("cases:queue"))
    page.locator("#nav-cases").click()
    page.wait_for_url(base + reverse("cases:queue"))

    # The queue: company A's three cases, most urgent (the overdue one) first; nothing of B.
    rows = page.locator("#queue tbody tr.queue-row[data-case-id]")
    expect(rows).to_have_count(3)
    ids = [int(rows.nth(i).get_attribute("data-case-id")) for i in range(3)]
    assert ids == [overdue.pk, soon.pk, later.pk]
    assert other.pk not in ids
    assert format_tracking_no(other.tracking_no) not in page.content()
    assert "车险定损金额过低" not in page.content()
    first = rows.first
    assert "row-overdue" in first.get_attribute("class")
    assert first.locator("[data-overdue]").count() == 1
    assert "row-overdue" not in rows.nth(1).get_attribute("class")
    assert page.locator('#count-overdue [data-count="overdue"]').inner_text() == "1"
    page.screenshot(path=str(SHOTS / "workspace-1-queue.png"), full_page=True)

    # Take the most urgent case.
    first.locator("a.case-link").click()
    page.wait_for_url(base + reverse("cases:detail", args=[overdue.pk]))
    assert page.locator("#case-tracking-no").inner_text() == format_tracking_no(overdue.tracking_no)
    assert page.locator("#case-head").get_attribute("data-status") == "in_progress"
    assert page.locator("#case-status").inner_text().strip() != ""
    assert page.locator("#case-due [data-overdue]").count() == 1
    assert page.locator("#case-due [data-due]").get_attribute("data-due") == overdue.due_date.isoformat()
    # The consumer, masked: never the full name or number.
    assert page.locator("#consumer-name").inner_text() == "李**"
    assert page.locator("#consumer-phone").inner_text() == MASKED_PHONE
    assert PHONE not in page.content() and "李秀英" not in page.content()

    # The decide form is open; a reply template fills the reply and picks its decision.
    decide = page.locator("#action-decide")
    assert decide.get_attribute("open") is not None
    page.select_option("#template-decide", label="投诉成立：同意赔付")
    assert page.locator('input[name="decide-decision"][value="upheld"]').is_checked()
    reply = page.locator("#id_decide-reply")
    drafted = reply.input_value()
    assert format_tracking_no(overdue.tracking_no) in drafted and "［金额］" in drafted
    expect(reply).to_be_focused()

    # Submitting the template's blanks is stopped on the page (the service refuses it too).
    def refuse(dialog):
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.once("dialog", refuse)
    page.locator("#action-decide [data-submit-action=decide]").click()
    assert len(dialogs) == 1 and "［…］" in dialogs[0]
    assert page.locator("#action-decide form").get_attribute("data-sending") is None  # not sent
    assert page.url == base + reverse("cases:detail", args=[overdue.pk])
    assert page.locator("#case-decision").count() == 0
    assert Case.objects.get(pk=overdue.pk).status == Case.Status.IN_PROGRESS

    # The handler writes the reply in full and records the decision.
    reply.fill("")
    reply.type(REPLY)
    page.locator("#id_decide-amount_paid").type("12000.5")
    page.screenshot(path=str(SHOTS / "workspace-2-decide.png"), full_page=True)
    page.locator("#action-decide [data-submit-action=decide]").click()
    page.wait_for_url(base + reverse("cases:detail", args=[overdue.pk]))
    expect(page.locator(".messages .message-success")).to_be_visible()
    assert len(dialogs) == 1  # no blanks left: no question asked
    assert page.locator("#case-head").get_attribute("data-status") == "decided"
    assert page.locator("#case-decision").inner_text().strip() != ""
    assert page.locator("#case-amount-paid").inner_text() == "¥12,000.50"
    assert page.locator("#case-reply").inner_text() == REPLY
    assert page.locator("#timeline li.timeline-entry[data-event-type=decided]").count() == 1

    decided = Case.objects.get(pk=overdue.pk)
    assert (decided.status, decided.decision, str(decided.amount_paid)) == ("decided", "upheld", "12000.50")
    assert decided.decided_in_time is False  # it was overdue
    # The consumer's SMS is in the outbox, committed with the decision, not sent yet.
    sms = Notification.objects.get(case=decided, template_id="consumer.decided")
    # Short, with the tracking address: the letter itself is on the consumer's case page.
    assert sms.status == Notification.Status.PENDING and REPLY not in sms.body
    assert tracking_url(decided.tracking_no) in sms.body
    assert not decided.events.filter(type=CaseEvent.Type.NOTIFIED, data__template="consumer.decided").exists()

    # The worker delivers it; the timeline shows what was sent, the number masked.
    run_worker_once()
    sms.refresh_from_db()
    assert sms.status == Notification.Status.SENT
    sent = [m for m in sms_outbox if m.id == sms.pk]
    assert len(sent) == 1 and sent[0].address == PHONE and sent[0].body == sms.body
    page.reload()
    notified = page.locator("#timeline li.timeline-entry[data-event-type=notified]").filter(
        has_text=tracking_url(decided.tracking_no)
    )
    expect(notified).to_have_count(1)
    assert notified.locator('[data-key="to"] dd').inner_text() == MASKED_PHONE
    message = notified.locator(".timeline-message").inner_text()
    assert message.startswith("【保险消费者权益保护】") and tracking_url(decided.tracking_no) in message
    assert format_tracking_no(decided.tracking_no).replace(" ", "") in message.replace(" ", "")
    assert PHONE not in page.content()
    # Newest last: the notice comes after the decision on the timeline.
    types = [
        page.locator("#timeline li.timeline-entry").nth(i).get_attribute("data-event-type")
        for i in range(page.locator("#timeline li.timeline-entry").count())
    ]
    assert types.index("decided") < max(i for i, t in enumerate(types) if t == "notified")
    notified.scroll_into_view_if_needed()
    page.screenshot(path=str(SHOTS / "workspace-3-case.png"), full_page=True)

    # Back on the queue, the case shows its new status.
    page.locator("#back-to-queue").click()
    page.wait_for_url(re.compile(re.escape(base + reverse("cases:queue")) + r"$"))
    assert page.locator(f'#queue tr.queue-row[data-case-id="{overdue.pk}"]').get_attribute("data-status") == "decided"

    assert errors == [], errors
