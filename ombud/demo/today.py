"""The demo's today: what every persona can use at once, besides the 2012 day.

`today(b, now)` runs after the 2012 day and its follow-up (`generator.build`, inside the same
transaction and `notify.muted()`), in sections, each a function of the `Today` context that
returns its log line:

- `live_campaign`: a campaign running now (from a few hours ago to midnight, or to the next
  midnight when today's is less than six hours away) with a Maoming and a Guangzhou site; the
  `maoming` / `guangzhou` site staff, a few companies' branches, their executives (among them
  `chinalife_exec`) and staff rostered there; the site staff checked in, the executives not
  yet (they check in themselves);
- `live_visits`: a dozen or two visits already recorded at those sites by their site staff,
  through `intake.services.VisitRecorder` (what `record_visit` uses): consultations,
  suggestions, complaints resolved on site and time-limited ones;
- `online_filings`: complaints, consultations and suggestions filed online in the last weeks
  (`ONLINE`), each through `record_visit` with channel online and the consumer's city, dated in
  the past; the complaints open their cases, routed and due under the legal limits, and the
  companies' complaint handlers move some of them on (accepted, decided, the consumer
  notified) through `cases.services.take_action`, so there is a case at every stage.
  The first notified China Life complaint is the one `ombud demo` prints (tracking number and
  secret code) for a newcomer to open at /track/ (`Today.try_tracking_no`, `try_code`).

Consumers' ratings of notified cases (`ratings`) and an open public consultation with answers
(`consultation`) follow. More sections are functions of the same shape, `(t: Today) -> str`,
added to `SECTIONS`; each takes its own RNG stream (`random.Random(t.b.seed + n)`, n from 11
on: the streams below and the other modules' are taken). What they build on: `t.now` (dates are relative to it, no
later than `t.latest`), `t.b` (the builder: `officer`, `handlers` by head office id,
`site_users`, `heads`, `branches`, `regions`), `t.notified` (the notified online cases, in
`ONLINE` order: the ones a consumer may rate) and `t.try_case_id` (the case printed for the
newcomer, best left for them to act on: rate it, ask for a review).

Seeded (its own RNG streams): the same visits, texts and cases every run, dated relative to
`now`; only the tracking numbers and secret codes are random.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING

from django.utils import timezone

from ombud.campaigns.attendance import check_in
from ombud.campaigns.models import Campaign, RosterEntry, Site
from ombud.campaigns.services import CampaignInput, SiteInput, add_site, create_campaign, roster
from ombud.cases.models import Case
from ombud.cases.services import take_action, take_consumer_action
from ombud.demo import figures, people, replies, texts
from ombud.demo.casework import _after, without_lead
from ombud.demo.insurers import Insurer
from ombud.directory.models import Organization, Staff, User
from ombud.intake.models import Visit
from ombud.intake.services import RecordedVisit, VisitInput, VisitRecorder, record_visit
from ombud.portal.consultations import services as consultations

if TYPE_CHECKING:
    from ombud.demo.generator import _Builder

# This module's RNG streams (generator: seed, +1, +5; casework: +2, +3, +6; oversight: +4).
STREAM_LIVE = 7
STREAM_ONLINE = 8
STREAM_RATINGS = 9
STREAM_CONSULTATION = 10

LIVE_CAMPAIGN_NAME = "广东保险消费者接访日"
LIVE_SITES = (
    (figures.MAOMING, "茂名市保险消费者接访点", "茂名市油城四路文化广场"),
    (figures.GUANGZHOU, "广州市保险消费者接访点", "广州市天河区天河路保险服务中心"),
)
STARTED_AGO = timedelta(hours=3)
MIN_LEFT = timedelta(hours=6)  # less than this to midnight: the campaign runs until tomorrow's
COMPANIES_AT_SITE = 6  # the city's most widespread insurers (China Life among them)
STAFF_PER_COMPANY = 2  # besides its head and one deputy
# (kind, outcome) of the visits recorded at each site so far: 11 in Maoming, 12 in Guangzhou.
LIVE_VISITS = {
    figures.MAOMING: ("consultation",) * 6 + ("suggestion",) + ("resolved_on_site",) * 3 + ("time_limited",),
    figures.GUANGZHOU: ("consultation",) * 6 + ("suggestion",) * 2 + ("resolved_on_site",) * 2 + ("time_limited",) * 2,
}
TIME_LIMITED_DAYS = (5, 7, 10, 15)

_CL = "中国人寿保险股份有限公司"
_PICC = "中国人民财产保险股份有限公司"
_PA_LIFE = "中国平安人寿保险股份有限公司"
_PA_PC = "中国平安财产保险股份有限公司"
_CPIC_LIFE = "中国太平洋人寿保险股份有限公司"
_NCI = "新华人寿保险股份有限公司"
_TK = "泰康人寿保险有限责任公司"


@dataclass(frozen=True)
class Online:
    """One filing of the last weeks: what, about whom, from which city, how many days ago, and
    (a complaint) where its case stands now."""

    kind: str
    insurer: str  # legal name; "" for a consultation or suggestion naming no company
    city: str  # city code
    ago: int  # days before now
    state: str = ""  # received, in_progress, decided, informed (complaints only)


C, Q, S = Visit.Kind.COMPLAINT, Visit.Kind.CONSULTATION, Visit.Kind.SUGGESTION
# The first informed China Life complaint is the one printed for a newcomer to try.
ONLINE: tuple[Online, ...] = (
    Online(C, _CL, figures.MAOMING, 12, "informed"),
    Online(C, _CL, figures.GUANGZHOU, 17, "informed"),
    Online(C, _CL, figures.GUANGZHOU, 8, "decided"),
    Online(C, _CL, "440600", 5, "in_progress"),
    Online(C, _CL, figures.MAOMING, 1, "received"),
    Online(C, _PICC, figures.GUANGZHOU, 15, "informed"),
    Online(C, _PICC, "440400", 6, "in_progress"),
    Online(C, _PA_LIFE, figures.GUANGZHOU, 19, "informed"),
    Online(C, _PA_PC, "441900", 9, "decided"),
    Online(C, _CPIC_LIFE, "440600", 2, "received"),
    Online(C, _TK, figures.GUANGZHOU, 11, "informed"),
    Online(C, _NCI, "440800", 4, "in_progress"),
    Online(Q, _CL, figures.MAOMING, 3),
    Online(Q, "", figures.GUANGZHOU, 6),
    Online(Q, _PA_LIFE, figures.GUANGZHOU, 10),
    Online(Q, "", "441900", 13),
    Online(Q, _PICC, "440600", 16),
    Online(Q, "", figures.MAOMING, 20),
    Online(Q, _TK, figures.GUANGZHOU, 2),
    Online(Q, "", "440400", 8),
    Online(S, "", figures.GUANGZHOU, 5),
    Online(S, _CL, figures.MAOMING, 9),
    Online(S, "", "440600", 14),
    Online(S, _PA_PC, figures.GUANGZHOU, 18),
    Online(S, "", figures.MAOMING, 21),
)


@dataclass
class Today:
    """The context every section reads and adds to."""

    b: _Builder
    now: datetime
    campaign: Campaign | None = None
    sites: dict[str, Site] = field(default_factory=dict)  # by city code
    live_visits: int = 0
    online: dict[str, int] = field(default_factory=dict)  # by kind
    by_state: dict[str, int] = field(default_factory=dict)  # online complaints by where they stand
    notified: list[int] = field(default_factory=list)  # online cases whose consumer was notified
    try_case_id: int | None = None
    try_tracking_no: str = ""
    try_code: str = ""
    actions: int = 0

    @property
    def latest(self) -> datetime:
        """Nothing in the future, nothing that is "just now"."""
        return self.now - timedelta(minutes=30)


Section = Callable[[Today], str]


# ---- the live campaign ------------------------------------------------------------------------


def campaign_window(now: datetime) -> tuple[datetime, datetime]:
    """A few hours ago → the coming midnight (Shanghai), or the one after when today's is near."""
    midnight = timezone.make_aware(datetime.combine(timezone.localdate(now) + timedelta(days=1), time(0, 0)))
    if midnight - now < MIN_LEFT:
        midnight = timezone.make_aware(datetime.combine(timezone.localdate(midnight) + timedelta(days=1), time(0, 0)))
    return now - STARTED_AGO, midnight


def live_campaign(t: Today) -> str:
    b = t.b
    starts_at, ends_at = campaign_window(t.now)
    day = timezone.localdate(t.now)
    t.campaign = create_campaign(
        b.officer,
        CampaignInput(
            name=f"{LIVE_CAMPAIGN_NAME}（{day.year}年{day.month}月{day.day}日）",
            starts_at=starts_at,
            ends_at=ends_at,
            region_code=figures.PROVINCE,
        ),
    )
    rostered = 0
    for code, name, address in LIVE_SITES:
        site = add_site(b.officer, t.campaign, SiteInput(city_code=code, name=name, address=address), now=t.now)
        t.sites[code] = site
        branches = [b.branch(code, insurer) for insurer in b.present[code][:COMPANIES_AT_SITE]]
        people_at = _company_people(branches)
        mine = Staff.objects.get(user=b.site_users[code])
        colleague = Staff.objects.filter(organization=b.gd, roster_entries__site=b.sites[code]).exclude(pk=mine.pk)
        bureau = [mine, *colleague.order_by("pk")[:1]]
        roster(site, [b.gd, *branches], bureau + people_at)
        rostered += len(bureau) + len(people_at)
        # The site's own staff checked in when the doors opened; the executives check in themselves.
        for entry in RosterEntry.objects.filter(site=site, organization=b.gd).order_by("pk"):
            check_in(b.site_users[code], entry.pk, at=starts_at - timedelta(minutes=20), now=t.now)
    ends = timezone.localtime(ends_at)
    return (
        f"Today's campaign 「{t.campaign.name}」, running until {ends:%Y-%m-%d %H:%M}: sites in Maoming and "
        f"Guangzhou, {rostered} people rostered (the maoming and guangzhou logins among them)"
    )


def _company_people(branches: list[Organization]) -> list[Staff]:
    """Each branch's head, one deputy and a couple of staff, from the people it has."""
    chosen: list[Staff] = []
    seen: dict[tuple[int, str], int] = {}
    wanted: dict[str, int] = {Staff.Rank.HEAD: 1, Staff.Rank.DEPUTY: 1, Staff.Rank.STAFF: STAFF_PER_COMPANY}
    for person in Staff.objects.filter(organization__in=branches).order_by("organization_id", "pk"):
        key = (person.organization_id, person.rank)
        if seen.get(key, 0) < wanted[person.rank]:
            seen[key] = seen.get(key, 0) + 1
            chosen.append(person)
    return chosen


def live_visits(t: Today) -> str:
    """The visits recorded at today's sites so far, by each site's staff."""
    b, rng = t.b, random.Random(t.b.seed + STREAM_LIVE)
    assert t.campaign is not None
    start, end = t.campaign.starts_at + timedelta(minutes=10), t.now - timedelta(minutes=5)
    this_year = timezone.localdate(t.now).year
    for code, plan in LIVE_VISITS.items():
        site = t.sites[code]
        recorder = VisitRecorder(b.site_users[code])
        present = b.present[code][:COMPANIES_AT_SITE]
        city = b.regions[code].name
        moments = sorted(start + (end - start) * rng.random() for _ in plan)
        kinds = list(plan)
        rng.shuffle(kinds)
        for at, what in zip(moments, kinds, strict=True):
            district = rng.choice(b.districts[code])
            insurer: Insurer | None = rng.choice(present)
            assert insurer is not None
            due: date | None = None
            kind: str
            if what in ("resolved_on_site", "time_limited"):
                if what == "time_limited":
                    due = timezone.localdate(t.now) + timedelta(days=rng.choice(TIME_LIMITED_DAYS))
                text = texts.complaint(
                    rng, insurer=insurer, city=city, district=district, outcome=what, due=due, this_year=this_year
                )
                kind, outcome = Visit.Kind.COMPLAINT, what
            else:
                named = rng.random() < 0.6
                make = texts.consultation if what == "consultation" else texts.suggestion
                text = make(rng, insurer=insurer if named else None, city=city, district=district)
                kind, outcome = what, ""
                insurer = insurer if named else None
            phone = people.mobile_number(rng) if kind == Visit.Kind.COMPLAINT or rng.random() < 0.6 else ""
            recorder.record(
                VisitInput(
                    kind=kind,
                    visitor_name=people.person_name(rng),
                    summary=text.summary,
                    site_id=site.pk,
                    channel=Visit.Channel.ON_SITE,
                    visitor_phone=phone,
                    company_id=b.branch(code, insurer).pk if insurer else None,
                    product_line=text.line,
                    outcome=outcome,
                    due_date=due,
                    handled_by=Visit.HandledBy.COMPANY if due else "",
                ),
                received_at=at,
            )
            t.live_visits += 1
    return f"Today's visits so far: {t.live_visits} recorded at the two sites by their site staff"


# ---- online filings of the last weeks -----------------------------------------------------------


def file_online(t: Today, data: VisitInput, received_at: datetime) -> RecordedVisit:
    """Record one online filing: the visit of channel online in the consumer's city, entered
    by the bureau's officer (who holds the city) as the bureau's website does."""
    return record_visit(t.b.officer, data, received_at=received_at)


def _received(rng: random.Random, t: Today, ago: int) -> datetime:
    """A moment on the day `ago` days before now, at any hour a consumer is awake (7:00–23:00)."""
    day = timezone.localdate(t.now - timedelta(days=ago))
    moment = timezone.make_aware(datetime.combine(day, time(7, 0))) + timedelta(seconds=rng.randrange(16 * 3600))
    return min(moment, t.now - timedelta(days=ago), t.latest)


def online_filings(t: Today) -> str:
    b, rng = t.b, random.Random(t.b.seed + STREAM_ONLINE)
    this_year = timezone.localdate(t.now).year
    for spec in ONLINE:
        insurer = b.by_name[spec.insurer] if spec.insurer else None
        city = b.regions[spec.city].name
        district = rng.choice(b.districts[spec.city])
        company = None
        if insurer is not None:
            head = b.heads[insurer.name]
            company = b.branches.get((spec.city, head.pk), head)
        if spec.kind == C:
            assert insurer is not None
            text = texts.complaint(rng, insurer=insurer, city=city, district=district, outcome="", this_year=this_year)
            summary = without_lead(text.summary)
        elif spec.kind == Q:
            text = texts.online_consultation(rng, insurer=insurer, city=city, district=district)
            summary = text.summary
        else:
            text = texts.online_suggestion(rng, insurer=insurer, city=city, district=district)
            summary = text.summary
        received_at = _received(rng, t, spec.ago)
        recorded = file_online(
            t,
            VisitInput(
                kind=spec.kind,
                visitor_name=people.person_name(rng),
                summary=summary,
                channel=Visit.Channel.ONLINE,
                city_code=spec.city,
                visitor_phone=people.mobile_number(rng),
                company_id=company.pk if company else None,
                product_line=text.line,
            ),
            received_at,
        )
        t.online[spec.kind] = t.online.get(spec.kind, 0) + 1
        if spec.kind != C:
            continue
        assert recorded.case_id is not None and insurer is not None and company is not None
        t.by_state[spec.state] = t.by_state.get(spec.state, 0) + 1
        _move(t, rng, recorded, spec, insurer.short_name, text)
    complaints = t.online.get(C, 0)
    states = ", ".join(f"{n} {state.replace('_', ' ')}" for state, n in t.by_state.items())
    return (
        f"Online in the last weeks: {complaints} complaints ({states}), {t.online.get(Q, 0)} consultations, "
        f"{t.online.get(S, 0)} suggestions"
    )


def _move(t: Today, rng: random.Random, recorded: RecordedVisit, spec: Online, company: str, text: texts.Text) -> None:
    """Take an online complaint's case to where `spec` says it stands, as its company's handler."""
    if spec.state == "received":
        return
    visit = recorded.visit
    assert visit.company_root_id is not None and recorded.case_id is not None
    actor: User = t.b.handlers[visit.company_root_id]
    case_id = recorded.case_id

    def move(action: str, moment: datetime, **fields: object) -> datetime:
        # Minutes past the hour an office opens: nobody acts at 9:00:00 sharp.
        moment = min(moment + timedelta(seconds=rng.randrange(5 * 60, 50 * 60)), t.latest)
        take_action(actor, case_id, action, fields, now=moment)
        t.actions += 1
        return moment

    accepted = move("accept", _after(rng, visit.received_at, 1, 26))
    if spec.state == "in_progress":
        return
    decision = replies.decision_for(rng, by_regulator=False)
    amount = replies.amount_for(rng, issue=text.issue, line=text.line, decision=decision, summary=text.summary)
    decided_at = max(_after(rng, accepted, 24 * 2, 24 * 6), accepted + timedelta(minutes=5))
    reply = replies.company_reply(
        rng,
        issue=text.issue,
        decision=decision,
        company=company,
        amount=amount,
        paid_on=timezone.localdate(min(decided_at, t.latest)),
    )
    decided_at = move("decide", decided_at, decision=decision, reply=reply, amount_paid=amount)
    if spec.state == "decided":
        return
    move("notify", max(_after(rng, decided_at, 0.5, 20), decided_at + timedelta(minutes=5)), channel="sms")
    t.notified.append(case_id)
    if t.try_case_id is None and spec.insurer == _CL:
        t.try_case_id, t.try_tracking_no, t.try_code = case_id, visit.tracking_no, visit.secret_code


# ---- consumers rate what they were told -------------------------------------------------------

RATINGS = [  # (solved, satisfaction, comment) for the notified cases but the one printed
    (True, 5, "处理及时，工作人员耐心解释，理赔款已经到账。"),
    (True, 4, ""),
    (False, 2, "只给了书面答复，问题没有真正解决。"),
]


def ratings(t: Today) -> str:
    """Consumers rate most of the notified online complaints on their case page (the consumer's
    service, `cases.services.take_consumer_action`); the printed one stays unrated for the
    newcomer to rate."""
    rng = random.Random(t.b.seed + STREAM_RATINGS)
    rated = 0
    for case_id, (solved, satisfaction, comment) in zip(
        [c for c in t.notified if c != t.try_case_id], RATINGS, strict=False
    ):
        informed = Case.objects.values_list("informed_at", flat=True).get(pk=case_id)
        at = min(informed + timedelta(hours=rng.randint(2, 30)), t.latest) if informed else t.latest
        take_consumer_action(
            case_id, "rate", {"solved": solved, "satisfaction": satisfaction, "comment": comment}, now=at
        )
        rated += 1
    return f"{rated} online complaints rated by their consumers, {len(t.notified) - rated} not yet"


# ---- an open public consultation with answers ----------------------------------------------------

CONSULTATION_ANSWERS = [
    ("理赔慢", "车险小额理赔等了二十多天，希望能在十天内赔付。", "理赔速度"),
    ("销售", "电话推销太多，一天接到三四个保险电话。", "销售行为"),
    ("理赔慢", "重疾险理赔要求的材料太多，跑了三次医院。", "理赔速度"),
    ("服务", "营业网点周末不开门，上班族很难去办业务。", "服务渠道"),
    ("销售", "银行柜台把分红险说成存款，退保损失很大。", "销售行为"),
    ("理赔慢", "希望公布各公司的理赔时效排名。", "理赔速度"),
]


def consultation(t: Today) -> str:
    """The bureau opens a public consultation today on how insurers serve consumers; members of
    the public have answered, and an officer has tagged some answers (portal/consultations)."""
    rng = random.Random(t.b.seed + STREAM_CONSULTATION)
    opened = consultations.open_consultation(
        t.b.officer,
        consultations.ConsultationInput(
            title="保险服务公开征求意见",
            description=(
                "为改进保险服务，我局向社会公众征求对保险理赔、销售和服务的意见建议。"
                "您的意见将汇总后用于督促保险机构整改，并在征求意见结束后公布综述。"
            ),
            opens_at=t.latest,
            closes_at=t.now + timedelta(days=30),
            questions=(
                consultations.QuestionInput(
                    text="您最希望保险公司改进哪一方面？",
                    kind="choice",
                    choices=("理赔速度", "销售行为", "服务渠道", "其他"),
                    required=True,
                ),
                consultations.QuestionInput(text="请具体说说您遇到的情况和建议。", required=True),
            ),
        ),
        now=t.latest,
    )
    first, second = list(opened.questions.order_by("position"))
    cities = ["440100", "440900", "440600", "441900", ""]
    for i, (tag, text, choice) in enumerate(CONSULTATION_ANSWERS):
        response = consultations.submit_response(
            opened.pk,
            consultations.ResponseInput(
                answers=(
                    consultations.AnswerInput(question_id=first.pk, choice=choice),
                    consultations.AnswerInput(question_id=second.pk, text=text),
                ),
                city_code=rng.choice(cities),
            ),
            address=f"198.51.100.{i + 1}",  # documentation addresses (RFC 5737), one per answerer
            now=t.latest + timedelta(minutes=i + 1),
        )
        if i < 4:  # an officer has tagged the first answers
            consultations.set_tags(t.b.officer, opened.pk, response.pk, [tag])
    return f"a public consultation open for 30 days, {len(CONSULTATION_ANSWERS)} answers, 4 tagged"


SECTIONS: tuple[Section, ...] = (live_campaign, live_visits, online_filings, ratings, consultation)


def today(
    b: _Builder, now: datetime, *, log: Callable[[str], None] = print, sections: tuple[Section, ...] = SECTIONS
) -> Today:
    """Build the demo's today after the 2012 day: every section in order, each logging a line."""
    t = Today(b=b, now=now)
    for section in sections:
        log(section(t))
    return t


# ---- read back, for `ombud demo --if-empty` on a database that holds the demo ----------------------


def latest_live_campaign() -> Campaign | None:
    """The demo's most recent campaign of today (running or not any more)."""
    return Campaign.objects.filter(name__startswith=LIVE_CAMPAIGN_NAME).order_by("-starts_at", "-pk").first()


def case_to_try() -> tuple[str, str] | None:
    """The tracking number and secret code printed when the demo was loaded: the first notified
    China Life complaint filed online (`ONLINE`), the officer's entry without a staff category."""
    visit = (
        Visit.objects.filter(
            channel=Visit.Channel.ONLINE,
            company_root__name=_CL,
            created_by__username="officer",
            case__category="",
            case__informed_at__isnull=False,
        )
        .order_by("pk")
        .first()
    )
    return (visit.tracking_no, visit.secret_code) if visit else None
