"""The cases after the day, moved through `cases.services` like real ones.

- `settle_2012`: the 300 time-limited cases of 24 March 2012 were resolved within the promised
  time (SEED.md), a handful late: each is decided by the company's complaint handler, or by
  the bureau's officer when it was referred for investigation, the consumer is informed and
  the case closed, with 2012 timestamps before its due date. A few consumers ask for a review
  (核查); a couple go to mediation at the Guangdong insurance dispute mediation centre.
- `backlog_2011`: complaints by hotline, letter and online in the last quarter of 2011,
  handled and closed, so that the evaluation (考评) can compare 2012 Q1 with 2011 Q4.
- `current_work`: complaints by hotline, letter and online received in the last 25 days,
  in every state, so that a handler's queue at /cases/ has overdue cases, cases due within
  three days and later ones today. Their dates are relative to `now`; their content is seeded.

Both run inside `notify.muted()` (the caller's): no SMS is queued for 2012, nor for the
made-up consumers of today's cases. Every step goes through
`take_action` / `register_complaint`, which check the actor's rights and write the timeline.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from django.utils import timezone

from ombud.cases import deadlines
from ombud.cases.models import Case, Nature
from ombud.cases.services import ComplaintInput, register_complaint, take_action
from ombud.demo import people, replies, texts
from ombud.demo.insurers import Insurer
from ombud.directory.models import User
from ombud.intake.models import Visit

if TYPE_CHECKING:
    from ombud.demo.generator import _Builder

SHANGHAI = timezone.get_default_timezone()  # TIME_ZONE, Asia/Shanghai
LATE_2012 = 6  # decided after the promised date: statistics show something
REVIEWS_2012 = 8
MEDIATIONS_2012 = 3
# The seed's own RNG streams (the day's replay uses `seed`; attendance `seed + 1`).
STREAM_2012 = 2
STREAM_TODAY = 3
STREAM_2011 = 6
BACKLOG_2011 = 160
LATE_2011 = 4
NOT_ACCEPTED_2011 = 3


# ---- time helpers ---------------------------------------------------------------------------


def _office(moment: datetime) -> datetime:
    """`moment`, moved forward into office hours (9:00–17:30 on a working day, Shanghai)."""
    cal = deadlines.calendar()
    local = moment.astimezone(SHANGHAI)
    day = local.date()
    if local.time() > time(17, 30):
        day, local = day + timedelta(days=1), None
    elif local.time() < time(9, 0):
        local = None
    while not cal.is_working_day(day):
        day, local = day + timedelta(days=1), None
    if local is None:
        return datetime.combine(day, time(9, 0), tzinfo=SHANGHAI)
    return local


def _at_work(rng: random.Random, day: date) -> datetime:
    """A moment in office hours on `day` (or the next working day)."""
    start = _office(datetime.combine(day, time(9, 0), tzinfo=SHANGHAI))
    return start + timedelta(seconds=rng.randrange(8 * 3600))


def _after(rng: random.Random, moment: datetime, low_hours: float, high_hours: float) -> datetime:
    return _office(moment + timedelta(hours=rng.uniform(low_hours, high_hours)))


def _working_days(start: date, end: date) -> list[date]:
    cal = deadlines.calendar()
    days = (start + timedelta(days=i) for i in range((end - start).days + 1))
    return [day for day in days if cal.is_working_day(day)]


# ---- 2012 ---------------------------------------------------------------------------------------


@dataclass
class Settled:
    cases: int = 0
    actions: int = 0
    late: int = 0
    reviews: int = 0
    mediations: int = 0
    by_regulator: int = 0


class _Mover:
    """Takes actions on one case at increasing times; counts them."""

    def __init__(self, case_id: int, stats: Settled):
        self.case_id, self.stats = case_id, stats

    def __call__(self, actor: User, action: str, at: datetime, **fields) -> None:
        take_action(actor, self.case_id, action, fields, now=at)
        self.stats.actions += 1


def settle_2012(b: _Builder) -> Settled:
    rng = random.Random(b.seed + STREAM_2012)
    fields = ("pk", "handled_by", "company_root_id", "company_root__name", "opened_at", "due_date")
    rows = list(
        Case.objects.filter(visit__campaign=b.campaign_obj, resolved_on_site=False)
        .order_by("opened_at", "pk")
        .values_list(*fields, "visit__product_line_id", "visit__summary")
    )
    stats = Settled(cases=len(rows))
    company_rows = [r for r in rows if r[1] == Visit.HandledBy.COMPANY]
    late = set(rng.sample([r[0] for r in company_rows], min(LATE_2012, len(company_rows))))  # fewer at --scale
    plans = {r[0]: replies.decision_for(rng, by_regulator=r[1] == Visit.HandledBy.REGULATOR) for r in rows}
    # Reviews and mediations follow answers the consumer did not accept.
    disputed = [r[0] for r in company_rows if plans[r[0]] != replies.UPHELD and r[0] not in late]
    chosen = rng.sample(disputed, min(REVIEWS_2012 + MEDIATIONS_2012, len(disputed)))
    reviews, mediations = set(chosen[:REVIEWS_2012]), set(chosen[REVIEWS_2012:])

    for pk, handled_by, root_id, root_name, opened_at, due_date, line, summary in rows:
        regulator = handled_by == Visit.HandledBy.REGULATOR
        insurer = b.by_name[root_name]
        company = insurer.short_name
        issue = b.case_issue.get(pk, "")
        actor = b.officer if regulator else b.handlers[root_id]
        decision = plans[pk]
        if pk in mediations:
            decision = replies.NOT_UPHELD
        move = _Mover(pk, stats)
        opened = opened_at.astimezone(SHANGHAI).date()
        if pk in late:
            days = _working_days(due_date + timedelta(days=1), due_date + timedelta(days=6))
            stats.late += 1
        else:
            days = _working_days(opened + timedelta(days=2), due_date) or [due_date]
        decided_at = _at_work(rng, rng.choice(days))
        if pk not in late:
            decided_at = min(decided_at, datetime.combine(due_date, time(17, 30), tzinfo=SHANGHAI))
        amount = replies.amount_for(rng, issue=issue, line=line or "", decision=decision, summary=summary)
        if regulator:
            reply = replies.regulator_reply(rng, issue=issue, decision=decision, company=company, amount=amount)
            stats.by_regulator += 1
        else:
            reply = replies.company_reply(
                rng, issue=issue, decision=decision, company=company, amount=amount, paid_on=decided_at.date()
            )
        move(actor, "decide", decided_at, decision=decision, reply=reply, amount_paid=amount)
        informed_at = _after(rng, decided_at, 0.3, 20)
        move(actor, "notify", informed_at, channel=rng.choice(replies.NOTIFY_CHANNELS))
        last = informed_at
        if pk in reviews:
            stats.reviews += 1
            asked = _after(rng, informed_at, 48, 24 * 12)
            # The consumer asked the company, or the bureau, which records it for them.
            move(rng.choice((actor, b.officer)), "request_review", asked, reason=rng.choice(replies.REVIEW_REASONS))
            changed = rng.random() < 0.5
            more = None
            if changed:
                more = replies.amount_for(rng, issue=issue, line=line or "", decision=replies.PARTLY, summary=summary)
            reviewed = _after(rng, asked, 24 * 5, 24 * 20)
            review_reply = replies.review_reply(
                rng, issue=issue, changed=changed, company=company, amount=more, paid_on=reviewed.date()
            )
            fields = {"decision": replies.PARTLY if more else decision, "reply": review_reply, "amount_paid": more}
            move(actor, "decide_review", reviewed, **fields)
            last = _after(rng, reviewed, 0.5, 24)
            move(actor, "notify", last, channel="letter")
        elif pk in mediations:
            stats.mediations += 1
            started = _after(rng, informed_at, 24 * 3, 24 * 10)
            move(rng.choice((actor, b.officer)), "mediate", started, mediation_body_id=b.mediation.pk)
            settled = _after(rng, started, 24 * 10, 24 * 30)
            paid = replies.amount_for(rng, issue=issue, line=line or "", decision=replies.PARTLY, summary=summary)
            paid = paid or Decimal("500.00")
            move(
                actor,
                "decide",
                settled,
                decision=replies.PARTLY,
                reply=replies.mediation_reply(rng, company=company, amount=paid),
                amount_paid=paid,
            )
            last = _after(rng, settled, 0.5, 24)
            move(actor, "notify", last, channel="in_person")
        move(actor, "close", _after(rng, last, 24 * 2, 24 * 8))
    return stats


# ---- today ----------------------------------------------------------------------------------------

OVERDUE, SOON, LATER = "overdue", "soon", "later"
MARGIN = timedelta(hours=1)  # away from a category's edges, so that a test run minutes later agrees


@dataclass(frozen=True)
class Spec:
    """One of today's complaints: whom it is about, how it came, where it stands."""

    insurer: str  # legal name
    city: str  # city code
    channel: str
    state: str  # received, in_progress, extended, decided, informed, closed, not_accepted
    due: str = LATER  # for open ones with a running deadline: overdue, soon, later
    nature: str = ""


_CL = "中国人寿保险股份有限公司"
_PICC = "中国人民财产保险股份有限公司"
_PA_LIFE = "中国平安人寿保险股份有限公司"
_PA_PC = "中国平安财产保险股份有限公司"
_CPIC_LIFE = "中国太平洋人寿保险股份有限公司"
_CPIC_PC = "中国太平洋财产保险股份有限公司"
_NCI = "新华人寿保险股份有限公司"
_TK = "泰康人寿保险有限责任公司"
P, W, L = Visit.Channel.PHONE, Visit.Channel.ONLINE, Visit.Channel.LETTER  # phone, web, letter

# 14 for China Life (the `chinalife` login's queue), 27 for six other companies.
TODAY: tuple[Spec, ...] = (
    Spec(_CL, "440100", P, "received", OVERDUE),
    Spec(_CL, "440100", W, "received"),
    Spec(_CL, "440900", P, "received"),
    Spec(_CL, "440600", L, "in_progress", OVERDUE),
    Spec(_CL, "441900", P, "in_progress", OVERDUE),
    Spec(_CL, "440100", W, "in_progress", SOON),
    Spec(_CL, "440800", P, "in_progress", SOON),
    Spec(_CL, "440900", W, "in_progress", SOON),
    Spec(_CL, "440700", L, "in_progress"),
    Spec(_CL, "441300", W, "in_progress"),
    Spec(_CL, "440100", P, "extended"),
    Spec(_CL, "440400", W, "decided"),
    Spec(_CL, "440600", P, "informed"),
    Spec(_CL, "445200", L, "closed"),
    Spec(_PICC, "440100", P, "in_progress", OVERDUE),
    Spec(_PICC, "440600", W, "in_progress", SOON),
    Spec(_PICC, "441900", P, "in_progress"),
    Spec(_PICC, "440400", W, "received"),
    Spec(_PICC, "440800", P, "informed"),
    Spec(_PA_LIFE, "440100", W, "in_progress", SOON),
    Spec(_PA_LIFE, "440600", P, "in_progress"),
    Spec(_PA_LIFE, "441900", L, "decided"),
    Spec(_PA_LIFE, "440100", W, "not_accepted"),
    Spec(_PA_PC, "440100", P, "in_progress", OVERDUE),
    Spec(_PA_PC, "441300", W, "in_progress"),
    Spec(_PA_PC, "440700", P, "received"),
    Spec(_PA_PC, "440100", W, "closed"),
    Spec(_CPIC_LIFE, "440100", P, "in_progress", SOON),
    Spec(_CPIC_LIFE, "440500", W, "in_progress"),
    Spec(_CPIC_LIFE, "440900", L, "informed"),
    Spec(_CPIC_PC, "440600", P, "in_progress"),
    Spec(_CPIC_PC, "441900", W, "received"),
    Spec(_CPIC_PC, "440100", P, "decided"),
    Spec(_NCI, "440100", W, "in_progress", OVERDUE),
    Spec(_NCI, "440800", P, "in_progress"),
    Spec(_NCI, "440900", W, "received"),
    Spec(_TK, "440100", P, "in_progress", SOON),
    Spec(_TK, "441900", W, "in_progress"),
    Spec(_TK, "440600", L, "closed"),
    # A suspected violation goes to the bureau (RoutingRule): the officer's own queue.
    Spec(_NCI, "440100", P, "received", SOON, Nature.SUSPECTED_VIOLATION),
    Spec(_CL, "440900", P, "received", LATER, Nature.SUSPECTED_VIOLATION),
)

LEADS = {
    P: ("12378热线来电反映：", "消费者致电投诉：", "来电反映："),
    W: ("网上投诉：", "通过网站投诉平台反映：", ""),
    L: ("来信反映：", "消费者来信称："),
}
COMPANY_HOTLINE_LEAD = "公司客服热线转来："


@dataclass
class Today:
    cases: int = 0
    actions: int = 0
    by_state: dict[str, int] | None = None


def without_lead(summary: str) -> str:
    """A visit's summary without the receptionist's lead ("来访人称："), for another channel's."""
    for lead in texts.LEADS_COMPLAINT:
        if lead and summary.startswith(lead):
            return summary.removeprefix(lead)
    return summary


def due_categories(now: datetime) -> dict[str, list[int]]:
    """Days ago (1–25) a complaint received then is overdue, due soon (within 3 days) or due
    later now, by the decision deadline rule and the holiday calendar."""
    found: dict[str, list[int]] = {OVERDUE: [], SOON: [], LATER: []}
    for ago in range(1, 26):
        due = deadlines.due_for("complaint.decision", now - timedelta(days=ago)).at
        if due <= now - MARGIN:
            found[OVERDUE].append(ago)
        elif now + MARGIN <= due <= now + timedelta(days=3) - MARGIN:
            found[SOON].append(ago)
        elif due > now + timedelta(days=3) + MARGIN:
            found[LATER].append(ago)
    return found


def _received(rng: random.Random, now: datetime, ago: int) -> datetime:
    day = (now - timedelta(days=ago)).astimezone(SHANGHAI).date()
    moment = datetime.combine(day, time(8, 30), tzinfo=SHANGHAI) + timedelta(seconds=rng.randrange(10 * 3600))
    return min(moment, now - timedelta(days=ago))


def current_work(b: _Builder, now: datetime) -> Today:
    """Register today's complaints (TODAY) and move them to where each stands."""
    rng = random.Random(b.seed + STREAM_TODAY)
    this_year = now.astimezone(SHANGHAI).year
    days = due_categories(now)
    result = Today(by_state={})
    latest = now - timedelta(minutes=30)  # nothing in the future, nothing that is "just now"

    def at(moment: datetime) -> datetime:
        return min(moment, latest)

    for spec in TODAY:
        insurer: Insurer = b.by_name[spec.insurer]
        head = b.heads[spec.insurer]
        branch = b.branches.get((spec.city, head.pk), head)
        city = b.regions[spec.city].name
        district = rng.choice(b.districts[spec.city])
        # Received when: a due category for open cases still on their first deadline, else by state.
        if spec.state in ("received", "in_progress") and not spec.nature:
            ago = rng.choice(days[spec.due] or days[LATER] or [2])
        elif spec.nature:
            ago = rng.choice(days[spec.due] or [2])
        elif spec.state == "extended":
            ago = rng.choice([d for d in days[OVERDUE] if d >= 16] or [18])
        elif spec.state == "decided":
            ago = rng.choice([d for d in days[LATER] if d >= 4] or [5])
        else:
            ago = rng.randint(9, 24)
        text = texts.complaint(rng, insurer=insurer, city=city, district=district, outcome="", this_year=this_year)
        own_hotline = spec.channel == P and insurer.name == _CL and not spec.nature and rng.random() < 0.5
        lead = COMPANY_HOTLINE_LEAD if own_hotline else rng.choice(LEADS[spec.channel])
        summary = lead + without_lead(text.summary)
        received_at = _received(rng, now, ago)
        case = register_complaint(
            b.handler if own_hotline else b.officer,
            ComplaintInput(
                company_id=branch.pk,
                complainant_name=people.person_name(rng),
                summary=summary,
                channel=spec.channel,
                received_at=received_at,
                complainant_phone=people.mobile_number(rng),
                category=texts.ISSUE_BY_CODE[text.issue].label,
                city_code=spec.city,
                nature=spec.nature,
            ),
            now=now,
        )
        result.cases += 1
        result.by_state[spec.state] = result.by_state.get(spec.state, 0) + 1
        if spec.state == "received":
            continue
        actor = b.officer if case.handled_by == Visit.HandledBy.REGULATOR else b.handlers[head.pk]

        def move(action: str, moment: datetime, actor: User = actor, case_id: int = case.pk, **fields) -> datetime:
            take_action(actor, case_id, action, fields, now=moment)
            result.actions += 1
            return moment

        if spec.state == "not_accepted":
            move("reject", at(_after(rng, received_at, 2, 30)), reason=rng.choice(replies.REJECT_REASONS))
            continue
        accepted = move("accept", at(_after(rng, received_at, 1, 30)))
        if spec.state == "in_progress":
            continue
        if spec.state == "extended":
            asked = at(_after(rng, accepted, 24 * 8, 24 * 11))
            move("extend", asked, level=Case.Extension.COMPLEX, reason=replies.extension_reason(rng, city=city))
            continue
        decision = replies.decision_for(rng, by_regulator=False)
        amount = replies.amount_for(rng, issue=text.issue, line=text.line, decision=decision, summary=text.summary)
        if spec.state == "decided":
            decided_at = at(max(accepted + timedelta(hours=2), now - timedelta(hours=rng.uniform(20, 44))))
        else:
            decided_at = at(_after(rng, accepted, 24 * 3, 24 * 8))
        reply = replies.company_reply(
            rng,
            issue=text.issue,
            decision=decision,
            company=insurer.short_name,
            amount=amount,
            paid_on=decided_at.astimezone(SHANGHAI).date(),
        )
        move("decide", decided_at, decision=decision, reply=reply, amount_paid=amount)
        if spec.state == "decided":
            continue
        informed_at = move("notify", at(_after(rng, decided_at, 0.5, 20)), channel=rng.choice(("phone", "sms")))
        if spec.state == "closed":
            move("close", at(_after(rng, informed_at, 24, 24 * 3)))
    return result


# ---- 2011 Q4 --------------------------------------------------------------------------------------


def backlog_2011(b: _Builder) -> Settled:
    """Complaints of October–December 2011 by phone, letter and online, each decided by the
    company (a few late, a few not accepted), the consumer informed, the case closed."""
    rng = random.Random(b.seed + STREAM_2011)
    days = _working_days(date(2011, 10, 10), date(2011, 12, 23))
    cities = sorted(b.present)
    weights = [b.cities[c].weight for c in cities]
    stats = Settled(cases=BACKLOG_2011)
    late = set(rng.sample(range(BACKLOG_2011), LATE_2011))
    rejected = set(rng.sample(sorted(set(range(BACKLOG_2011)) - late), NOT_ACCEPTED_2011))
    for n in range(BACKLOG_2011):
        code = rng.choices(cities, weights=weights)[0]
        present = b.present[code]
        insurer = rng.choices(present, weights=[1 / (i.rank + 2) for i in present])[0]
        head = b.heads[insurer.name]
        city = b.regions[code].name
        text = texts.complaint(
            rng, insurer=insurer, city=city, district=rng.choice(b.districts[code]), outcome="", this_year=2011
        )
        channel = rng.choice((P, P, L, W))
        received_at = _at_work(rng, rng.choice(days))
        case = register_complaint(
            b.officer,
            ComplaintInput(
                company_id=b.branches[(code, head.pk)].pk,
                complainant_name=people.person_name(rng),
                summary=rng.choice(LEADS[channel]) + without_lead(text.summary),
                channel=channel,
                received_at=received_at,
                complainant_phone=people.mobile_number(rng),
                category=texts.ISSUE_BY_CODE[text.issue].label,
                city_code=code,
            ),
        )
        move = _Mover(case.pk, stats)
        actor = b.handlers[head.pk]
        if n in rejected:
            move(actor, "reject", _after(rng, received_at, 2, 30), reason=rng.choice(replies.REJECT_REASONS))
            move(actor, "close", _after(rng, received_at, 48, 96))
            continue
        accepted = _after(rng, received_at, 1, 30)
        move(actor, "accept", accepted)
        assert case.due_date is not None
        if n in late:
            stats.late += 1
            decide_on = _working_days(case.due_date + timedelta(days=1), case.due_date + timedelta(days=6))
        else:
            decide_on = _working_days(accepted.date() + timedelta(days=1), case.due_date) or [case.due_date]
        decided_at = max(_at_work(rng, rng.choice(decide_on)), accepted + timedelta(hours=1))
        if n not in late:
            decided_at = min(decided_at, datetime.combine(case.due_date, time(17, 30), tzinfo=SHANGHAI))
        decision = replies.decision_for(rng, by_regulator=False)
        amount = replies.amount_for(rng, issue=text.issue, line=text.line, decision=decision, summary=text.summary)
        reply = replies.company_reply(
            rng,
            issue=text.issue,
            decision=decision,
            company=insurer.short_name,
            amount=amount,
            paid_on=decided_at.astimezone(SHANGHAI).date(),
        )
        move(actor, "decide", decided_at, decision=decision, reply=reply, amount_paid=amount)
        informed_at = _after(rng, decided_at, 0.3, 20)
        move(actor, "notify", informed_at, channel=rng.choice(replies.NOTIFY_CHANNELS))
        move(actor, "close", _after(rng, informed_at, 24 * 2, 24 * 8))
    return stats
