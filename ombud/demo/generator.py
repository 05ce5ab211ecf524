"""Build the demo: the directory, the 2012 Guangdong campaign, logins, and the day's replay.

Directory rows and staff are bulk-created; the campaign and its sites go through
`campaigns.services`; every visit goes through `intake.services.VisitRecorder` (what
`record_visit` uses), the service
behind the API, so the demo data obeys the same rules as real data. All of it runs in one
transaction: a failure leaves nothing behind. Seeded, so every run builds the same demo
(except the random tracking numbers and secret codes).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from ombud.campaigns.attendance import SheetRow, check_in, check_out, record_sheet
from ombud.campaigns.inspections import InspectionInput, record_inspection
from ombud.campaigns.models import Campaign, RosterEntry, Site
from ombud.campaigns.services import CampaignInput, SiteInput, add_site, create_campaign, roster
from ombud.cases import notify
from ombud.demo import casework, figures, oversight, people, texts
from ombud.demo import today as demo_today
from ombud.demo.insurers import Insurer, branch_name, demo_insurers
from ombud.directory.models import Jurisdiction, Organization, Region, Staff, User
from ombud.intake.models import Visit
from ombud.intake.services import VisitInput, VisitRecorder

DEFAULT_SEED = 20120324
DEFAULT_PASSWORD = "ombud-demo-2012"

GD_BUREAU = ("中国保险监督管理委员会广东监管局", "广东保监局")
SZ_BUREAU = ("中国保险监督管理委员会深圳监管局", "深圳保监局")
MEDIATION = ("广东保险纠纷调解中心", "广东保险调解中心")
JURISDICTION_SOURCE = "Demo: Guangdong's prefecture-level cities except Shenzhen, which has its own bureau (SEED.md)"
CHINA_LIFE = "中国人寿保险股份有限公司"

# Visitors per half hour from 10:00 to 17:30: a morning peak, a lunch dip, a quieter end.
HALF_HOURS = (0.9, 1.4, 1.5, 1.3, 0.8, 0.6, 0.6, 0.8, 1.1, 1.2, 1.2, 1.0, 0.9, 0.7, 0.4)
COMPANY_DUE_DAYS = (3, 5, 7, 7, 10, 10, 14, 15, 15, 20, 30)  # insurer: 10 working days / 30 days (2013 rules)
REFERRED_DUE_DAYS = (15, 20, 30, 30, 45, 60)  # regulator: up to 60 days
DEPUTY_TITLES = ("副总经理", "副总经理", "副总经理", "总经理助理")
STAFF_TITLES = (
    "客户经理",
    "理赔专员",
    "柜面服务专员",
    "营销主管",
    "核保专员",
    "客服专员",
    "综合管理部经理",
    "保全专员",
)
BUREAU_TITLES = ("接访工作人员", "消费者权益保护处干部", "监管干部")
# Executives who did not come (the demo's choice: a handful, one of them in Maoming, one a
# branch head), executives who came late, and rostered staff who never checked in.
ABSENT_EXECUTIVES = 6
LATE_EXECUTIVES = 0.03
ABSENT_STAFF = 0.01
LATE_STAFF = 0.05


class DemoExists(Exception):
    """The database already holds the demo (or names it would create)."""


@dataclass(frozen=True)
class Login:
    username: str
    role: str
    where: str


@dataclass
class DemoResult:
    campaign: Campaign
    password: str
    logins: list[Login] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    # The moment today's cases are dated from (their due dates are relative to it).
    now: datetime | None = None
    # The published report to the media: its public page is /r/<report_public_id>/.
    report_public_id: str = ""
    # Today's campaign and online filings (demo/today.py): the tracking number and secret code
    # of a notified online complaint, for a newcomer to try on /track/.
    live_campaign: Campaign | None = None
    try_tracking_no: str = ""
    try_code: str = ""

    @property
    def report_path(self) -> str:
        return f"/r/{self.report_public_id}/" if self.report_public_id else ""


DEMO_USERNAMES = ("admin", "officer", "officer2", "maoming", "guangzhou", "chinalife", "chinalife_exec")
# Demo logins with an e-mail address, so that the deadline worker's reminders and escalations
# reach someone (the console backend prints them, masked). example.com is reserved (RFC 2606).
DEMO_EMAILS = {
    "officer": "officer@example.com",
    "officer2": "officer2@example.com",
    "chinalife": "chinalife@example.com",
    "chinalife_exec": "chinalife.exec@example.com",
}


def handler_username(insurer: Insurer) -> str:
    """The complaint handler of each other insurer: no login (unusable password), but the
    party that decides its company's cases in the demo."""
    return f"demo-handler-{insurer.rank:02d}"


def conflicts() -> list[str]:
    """What already in the database would clash with the demo; empty when it can be built."""
    if Campaign.objects.filter(name=figures.CAMPAIGN_NAME).exists():
        return [f"the campaign 「{figures.CAMPAIGN_NAME}」 exists"]
    usernames = [*DEMO_USERNAMES, *(handler_username(i) for i in demo_insurers())]
    taken = sorted(User.objects.filter(username__in=usernames).values_list("username", flat=True))
    names = [GD_BUREAU[0], SZ_BUREAU[0], MEDIATION[0], *(i.name for i in demo_insurers())]
    orgs = sorted(Organization.objects.filter(name__in=names).values_list("name", flat=True))
    found = [f"user {u!r}" for u in taken] + [f"organization {n}" for n in orgs]
    return found if len(found) <= 5 else [*found[:5], f"{len(found) - 5} more"]


def _at(day: date, hour: int, minute: int = 0, second: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, second, tzinfo=timezone.get_current_timezone())


class _Builder:
    def __init__(self, *, seed: int, scale: float, password: str, log: Callable[[str], None]):
        self.seed = seed
        self.rng = random.Random(seed)  # seeded on purpose: the same demo every run
        self.scale = scale
        self.password = password
        self.log = log
        self.insurers = demo_insurers()
        self.by_name: dict[str, Insurer] = {i.name: i for i in self.insurers}
        self.cities = {c.code: c for c in figures.CITIES}
        self.regions = {r.code: r for r in Region.objects.filter(code__in=[*self.cities, figures.SHENZHEN])}
        self.districts: dict[str, list[str]] = {code: [] for code in self.cities}
        self.county_codes: dict[str, list[str]] = {code: [] for code in self.cities}
        for code, name, parent in (
            Region.objects.filter(parent_id__in=list(self.cities), level=Region.Level.COUNTY)
            .order_by("code")
            .values_list("code", "name", "parent_id")
        ):
            self.districts[parent].append(name)
            self.county_codes[parent].append(code)
        for code, towns in figures.TOWNS.items():
            self.districts[code] = self.districts[code] or list(towns)
        self.licence_serial = 0

    # ---- directory ------------------------------------------------------------------------

    def regulators(self) -> None:
        self.gd = Organization.objects.create(
            kind=Organization.Kind.REGULATOR, name=GD_BUREAU[0], short_name=GD_BUREAU[1], region_id=figures.PROVINCE
        )
        self.sz = Organization.objects.create(
            kind=Organization.Kind.REGULATOR, name=SZ_BUREAU[0], short_name=SZ_BUREAU[1], region_id=figures.SHENZHEN
        )
        self.mediation = Organization.objects.create(
            kind=Organization.Kind.MEDIATION, name=MEDIATION[0], short_name=MEDIATION[1], region_id=figures.PROVINCE
        )
        Jurisdiction.objects.bulk_create(
            [Jurisdiction(regulator=self.gd, region_id=c, source=JURISDICTION_SOURCE) for c in sorted(self.cities)]
            + [Jurisdiction(regulator=self.sz, region_id=figures.SHENZHEN, source=JURISDICTION_SOURCE)]
        )

    def companies(self) -> None:
        heads = Organization.objects.bulk_create(
            [
                Organization(
                    kind=Organization.Kind.INSURER, name=i.name, short_name=i.short_name, company_type=i.company_type
                )
                for i in self.insurers
            ]
        )
        for head in heads:
            head.head_office_id = head.pk
        Organization.objects.bulk_update(heads, ["head_office_id"])
        self.heads = {h.name: h for h in heads}

        # Which insurers take part in each city: mostly the most widespread ones.
        self.present: dict[str, list[Insurer]] = {}
        branches = []
        for code, city in sorted(self.cities.items()):
            n = city.companies
            core = list(self.insurers[: max(0, n - 3)])
            pool = list(self.insurers[len(core) : min(len(self.insurers), n + 6)])
            chosen = core + self.rng.sample(pool, n - len(core))
            chosen.sort(key=lambda i: i.rank)
            self.present[code] = chosen
            city_name = self.regions[code].name
            for insurer in chosen:
                head = self.heads[insurer.name]
                branches.append(
                    Organization(
                        kind=Organization.Kind.INSURER,
                        name=branch_name(insurer.name, city_name),
                        short_name=f"{insurer.short_name}{city_name.removesuffix('市')}分公司",
                        company_type=insurer.company_type,
                        parent=head,
                        head_office_id=head.pk,
                        region_id=code,
                    )
                )
        created = Organization.objects.bulk_create(branches, batch_size=500)
        self.branches = {(b.region_id, b.parent_id): b for b in created}

    def branch(self, city_code: str, insurer: Insurer) -> Organization:
        return self.branches[(city_code, self.heads[insurer.name].pk)]

    # ---- logins ---------------------------------------------------------------------------

    def users(self) -> None:
        # One hash for the shared demo password: Argon2 is slow by design, once is enough.
        hashed = make_password(self.password)
        self.admin = User.objects.create_superuser(
            username="admin", email="", password=None, role=User.Role.REGULATOR_ADMIN
        )
        self.officer = User.objects.create_user(
            username="officer", password=None, role=User.Role.REGULATOR_OFFICER, organization=self.gd
        )
        # A second officer: typical cases are approved by another officer than their author.
        self.officer2 = User.objects.create_user(
            username="officer2", password=None, role=User.Role.REGULATOR_OFFICER, organization=self.gd
        )
        self.site_users = {
            figures.MAOMING: User.objects.create_user(
                username="maoming", password=None, role=User.Role.SITE_STAFF, organization=self.gd
            ),
            figures.GUANGZHOU: User.objects.create_user(
                username="guangzhou", password=None, role=User.Role.SITE_STAFF, organization=self.gd
            ),
        }
        self.handler = User.objects.create_user(
            username="chinalife", password=None, role=User.Role.COMPANY_HANDLER, organization=self.heads[CHINA_LIFE]
        )
        self.executive = User.objects.create_user(
            username="chinalife_exec",
            password=None,
            role=User.Role.EXECUTIVE,
            organization=self.branch(figures.MAOMING, self.by_name[CHINA_LIFE]),
        )
        User.objects.filter(username__in=DEMO_USERNAMES).update(password=hashed)
        for username, email in DEMO_EMAILS.items():
            User.objects.filter(username=username).update(email=email)
        # Each other insurer's complaint handler at its head office (China Life's is `chinalife`).
        names = random.Random(self.seed + 5)  # its own stream: the day's replay stays the same
        handlers = []
        for insurer in self.insurers:
            if insurer.name == CHINA_LIFE:
                continue
            name = people.person_name(names)
            handler = User(
                username=handler_username(insurer),
                role=User.Role.COMPANY_HANDLER,
                organization=self.heads[insurer.name],
                last_name=name[:1],
                first_name=name[1:],
            )
            handler.set_unusable_password()
            handlers.append(handler)
        User.objects.bulk_create(handlers)
        self.handlers: dict[int, User] = {self.heads[CHINA_LIFE].pk: self.handler}
        for handler in User.objects.filter(username__in=[h.username for h in handlers]).select_related("organization"):
            self.handlers[handler.organization_id] = handler

    # ---- campaign, sites, staff -------------------------------------------------------------

    def campaign(self) -> None:
        self.campaign_obj = create_campaign(
            self.officer,
            CampaignInput(
                name=figures.CAMPAIGN_NAME,
                starts_at=_at(figures.DAY, 10),
                ends_at=_at(figures.DAY, 18),
                region_code=figures.PROVINCE,
            ),
        )
        self.sites: dict[str, Site] = {}
        for code, city in sorted(self.cities.items()):
            self.sites[code] = add_site(
                self.officer,
                self.campaign_obj,
                SiteInput(city_code=code, name=city.site_name, address=city.address),
                now=self.campaign_obj.starts_at,
            )

    def staff(self) -> int:
        """Generated staff (names are not real people) rostered at each site."""
        rng = self.rng
        pairs = [(code, insurer) for code in sorted(self.cities) for insurer in self.present[code]]
        # Every branch sends its head and at least one deputy; the other deputies go mostly to
        # the bigger companies, at most three per branch, for exactly 1,500 executives.
        deputies = dict.fromkeys(range(len(pairs)), 1)
        for _ in range(figures.EXECUTIVES - 2 * len(pairs)):
            open_ = [i for i, n in deputies.items() if n < 3]
            i = rng.choices(open_, weights=[1 / (pairs[j][1].rank + 4) for j in open_])[0]
            deputies[i] += 1

        rows: dict[str, list[Staff]] = {code: [] for code in self.cities}
        execs_in: dict[str, int] = dict.fromkeys(self.cities, 0)
        for i, (code, insurer) in enumerate(pairs):
            branch = self.branch(code, insurer)
            user = self.executive if (code, insurer.name) == (figures.MAOMING, CHINA_LIFE) else None
            rows[code].append(
                Staff(name=people.person_name(rng), organization=branch, title="总经理", rank="head", user=user)
            )
            for _ in range(deputies[i]):
                rows[code].append(
                    Staff(
                        name=people.person_name(rng),
                        organization=branch,
                        title=rng.choice(DEPUTY_TITLES),
                        rank=Staff.Rank.DEPUTY,
                    )
                )
            execs_in[code] += 1 + deputies[i]

        for code, city in sorted(self.cities.items()):
            bureau = max(3, city.companies // 6)
            for k in range(bureau):
                user = self.site_users.get(code) if k == 0 else None
                rows[code].append(
                    Staff(
                        name=people.person_name(rng), organization=self.gd, title=rng.choice(BUREAU_TITLES), user=user
                    )
                )
            present = self.present[code]
            rest = city.staff - execs_in[code] - bureau
            extra = figures.apportion(
                rest - 2 * len(present), [(0.7 + 0.6 * rng.random()) / (i.rank + 3) for i in present]
            )
            for insurer, n in zip(present, extra, strict=True):
                branch = self.branch(code, insurer)
                rows[code] += [
                    Staff(name=people.person_name(rng), organization=branch, title=rng.choice(STAFF_TITLES))
                    for _ in range(2 + n)
                ]

        everyone = [s for code in sorted(rows) for s in rows[code]]
        Staff.objects.bulk_create(everyone, batch_size=1000)
        for code in sorted(self.cities):
            orgs = [self.gd] + [self.branch(code, i) for i in self.present[code]]
            roster(self.sites[code], orgs, rows[code])
        return len(everyone)

    # ---- attendance and inspections ------------------------------------------------------------

    def attendance(self) -> dict[str, int]:
        """The day's sign-in sheets, recorded through `campaigns.attendance` by each site's staff
        (or the bureau's officer): everybody came except a handful of executives and a few staff.

        Its own random stream, so that the visits replayed afterwards are the same as without it.
        """
        rng = random.Random(self.seed + 1)
        day = figures.DAY
        entries: dict[int, list[tuple[int, str, str, int | None]]] = {}
        for pk, site_id, duty, rank, user_id in (
            RosterEntry.objects.filter(site__campaign=self.campaign_obj)
            .order_by("site_id", "pk")
            .values_list("pk", "site_id", "duty", "staff__rank", "staff__user_id")
        ):
            entries.setdefault(site_id, []).append((pk, duty, rank, user_id))
        by_code = {code: site.pk for code, site in self.sites.items()}

        # The absentees: one in Maoming, the others in as many other cities; the first a head.
        others = sorted(c for c in self.cities if c != figures.MAOMING)
        absent_cities = [figures.MAOMING, *rng.sample(others, ABSENT_EXECUTIVES - 1)]
        absent: set[int] = set()
        for n, code in enumerate(absent_cities):
            rank = Staff.Rank.HEAD if n == 1 else Staff.Rank.DEPUTY
            pool = [pk for pk, duty, r, user_id in entries[by_code[code]] if r == rank and user_id is None]
            absent.add(rng.choice(pool))

        # The Maoming China Life head checks in in person, on his own login.
        mine = next(pk for rows in entries.values() for pk, _d, _r, user_id in rows if user_id == self.executive.pk)
        at = _at(day, 9, 41, 12)
        check_in(self.executive, mine, at=at, now=at)
        at = _at(day, 17, 46, 3)
        check_out(self.executive, mine, at=at, now=at)

        actors = {by_code[code]: user for code, user in self.site_users.items()}
        closing = _at(day, 18, 30)
        stats = {"absent_executives": len(absent), "late_executives": 0, "absent_staff": 0, "checked_in": 1}
        for site_id, rows in entries.items():
            sheet = []
            for pk, duty, _rank, _user in rows:
                executive = duty == RosterEntry.Duty.EXECUTIVE
                if pk in absent or pk == mine:
                    continue
                if not executive and rng.random() < ABSENT_STAFF:
                    stats["absent_staff"] += 1
                    continue
                if rng.random() < (LATE_EXECUTIVES if executive else LATE_STAFF):
                    came = _at(day, 10, 2) + timedelta(seconds=rng.randrange(45 * 60))
                    stats["late_executives"] += executive
                else:
                    earliest = 9 * 3600 if executive else 8 * 3600 + 30 * 60
                    came = _at(day, 0) + timedelta(seconds=rng.randrange(earliest, 9 * 3600 + 58 * 60))
                left = _at(day, 17, 30) + timedelta(seconds=rng.randrange(50 * 60))
                sheet.append(SheetRow(pk, came, left))
            stats["checked_in"] += record_sheet(actors.get(site_id, self.officer), site_id, sheet, now=closing)
        return stats

    def inspections(self) -> int:
        """A deputy director of the bureau inspected the Maoming site (SEED.md); an officer the
        Guangzhou one. Recorded by the officer's login at the end of each visit."""
        visits = [
            (
                figures.MAOMING,
                "广东保监局副局长",
                (14, 0),
                (15, 10),
                True,
                "检查指导茂名市文化广场接待点。现场秩序良好，21家保险公司到场接访，咨询、投诉分区受理，"
                "群众反映的问题当场登记并明确办理时限。发现1名公司高管未按排班到岗，已要求该公司作出书面说明。",
            ),
            (
                figures.GUANGZHOU,
                "",
                (11, 0),
                (11, 45),
                False,
                "上午客流高峰期间检查广州市接待点：各公司高管按排班在岗，投诉登记台账完整，"
                "现场解决的事项均已告知消费者处理结果。建议午间适当增加咨询台人员。",
            ),
        ]
        for code, led_by, (h1, m1), (h2, m2), issues, findings in visits:
            ended = _at(figures.DAY, h2, m2)
            record_inspection(
                self.officer,
                self.sites[code].pk,
                InspectionInput(
                    started_at=_at(figures.DAY, h1, m1),
                    ended_at=ended,
                    findings=findings,
                    issues_found=issues,
                    led_by=led_by,
                ),
                now=ended,
            )
        return len(visits)

    # ---- the day --------------------------------------------------------------------------

    def _times(self, n: int) -> list[datetime]:
        slots = self.rng.choices(range(len(HALF_HOURS)), weights=HALF_HOURS, k=n)
        start = _at(figures.DAY, 10)
        return sorted(start + timedelta(seconds=s * 1800 + self.rng.randrange(1800)) for s in slots)

    def _company(self, code: str) -> Insurer:
        present = self.present[code]
        return self.rng.choices(present, weights=[1 / (i.rank + 2) for i in present])[0]

    def _practitioner(self, code: str, insurer: Insurer, *, with_licence: bool) -> tuple[str, str]:
        name = people.person_name(self.rng)
        if not with_licence:
            return name, ""
        self.licence_serial += 1
        return name, people.licence_number(insurer.rank, insurer.is_life, code, self.licence_serial)

    def plan(self) -> list[tuple[datetime, User, VisitInput, str]]:
        """Every visit of the day, in the order they arrived."""
        rng = self.rng
        plans = []
        for f in figures.city_figures(self.scale):
            code = f.code
            kinds = (
                [("consultation", "", False)] * f.consultations
                + [("suggestion", "", False)] * f.suggestions
                + [("complaint", "resolved_on_site", False)] * f.resolved_on_site
                + [("complaint", "time_limited", False)] * (f.time_limited - f.referred)
                + [("complaint", "time_limited", True)] * f.referred
            )
            rng.shuffle(kinds)
            for at, (kind, outcome, referred) in zip(self._times(len(kinds)), kinds, strict=True):
                plans.append((at, *self._visit(code, kind, outcome, referred)))
        plans.sort(key=lambda p: p[0])
        return plans

    def _visit(self, code: str, kind: str, outcome: str, referred: bool) -> tuple[User, VisitInput, str]:
        """Who records the visit, what they record, and the complaint's issue (texts.ISSUES)."""
        rng = self.rng
        city = self.regions[code].name
        district = rng.choice(self.districts[code])
        complaint = kind == Visit.Kind.COMPLAINT
        named = with_licence = False
        due = None
        if complaint:
            insurer: Insurer | None = self._company(code)
            # Maoming's 14 complaints each named a practitioner (SEED.md); elsewhere some do,
            # and every complaint referred for investigation does.
            named = code == figures.MAOMING or referred or rng.random() < 0.3
            with_licence = named and (code == figures.MAOMING or rng.random() < 0.8)
            if outcome == Visit.Outcome.TIME_LIMITED:
                due = figures.DAY + timedelta(days=rng.choice(REFERRED_DUE_DAYS if referred else COMPANY_DUE_DAYS))
        elif rng.random() < (0.75 if kind == Visit.Kind.CONSULTATION else 0.45):
            insurer = self._company(code)
        else:
            insurer = None
        agent, licence = self._practitioner(code, insurer, with_licence=with_licence) if named and insurer else ("", "")
        if complaint:
            assert insurer is not None
            text = texts.complaint(
                rng,
                insurer=insurer,
                city=city,
                district=district,
                agent=agent,
                outcome=outcome,
                referred=referred,
                due=due,
            )
        elif kind == Visit.Kind.CONSULTATION:
            text = texts.consultation(rng, insurer=insurer, city=city, district=district)
        else:
            text = texts.suggestion(rng, insurer=insurer, city=city, district=district)

        phone = people.mobile_number(rng) if complaint or rng.random() < 0.7 else ""
        id_number = ""
        if rng.random() < (0.6 if complaint else 0.1):
            counties = self.county_codes[code] or [code]
            id_number = people.id_number(rng, rng.choice(counties), on=figures.DAY)
        company = self.branch(code, insurer) if insurer else None
        # Maoming's visits are recorded by its site staff, and China Life's there by the
        # branch head in person; elsewhere by the regulator admin, whose access check is the
        # cheapest: it needs no permission subquery, which counts over 15,000 calls.
        actor = self.admin
        if code == figures.MAOMING:
            china_life = insurer is not None and insurer.name == CHINA_LIFE
            actor = self.executive if china_life else self.site_users[code]
        data = VisitInput(
            kind=kind,
            visitor_name=people.person_name(rng),
            summary=text.summary,
            site_id=self.sites[code].pk,
            channel=Visit.Channel.ON_SITE,
            visitor_phone=phone,
            visitor_id_number=id_number,
            company_id=company.pk if company else None,
            practitioner_name=agent,
            practitioner_licence_no=licence,
            product_line=text.line,
            outcome=outcome,
            due_date=due,
            handled_by=(Visit.HandledBy.REGULATOR if referred else Visit.HandledBy.COMPANY) if due else "",
        )
        return actor, data, text.issue

    def replay(self, plans: list[tuple[datetime, User, VisitInput, str]]) -> None:
        step = max(1, len(plans) // 5)
        recorders: dict[int, VisitRecorder] = {}  # one per actor: each site is checked once
        self.case_issue: dict[int, str] = {}  # the issue of each complaint's case (texts.ISSUES)
        for n, (at, actor, data, issue) in enumerate(plans, 1):
            recorder = recorders.get(actor.pk) or recorders.setdefault(actor.pk, VisitRecorder(actor))
            recorded = recorder.record(data, received_at=at)
            if recorded.case_id is not None:
                self.case_issue[recorded.case_id] = issue
            if n % step == 0 or n == len(plans):
                self.log(f"  {n:>6,}/{len(plans):,} visits, {timezone.localtime(at):%H:%M}")


def build(
    *,
    seed: int = DEFAULT_SEED,
    scale: float = 1.0,
    password: str = DEFAULT_PASSWORD,
    log: Callable[[str], None] = print,
) -> DemoResult:
    """Create the whole demo in one transaction; raises DemoExists if any of it is there."""
    found = conflicts()
    if found:
        raise DemoExists("; ".join(found))
    seconds: dict[str, float] = {}
    t0 = time.perf_counter()
    with transaction.atomic():
        b = _Builder(seed=seed, scale=scale, password=password, log=log)
        b.regulators()
        b.companies()
        b.users()
        b.campaign()
        n_staff = b.staff()
        seconds["directory"] = time.perf_counter() - t0
        log(
            f"Directory: 3 regulator/mediation bodies, {len(b.heads)} insurers, {len(b.branches)} branches, "
            f"{len(b.sites)} sites, {n_staff:,} staff rostered ({seconds['directory']:.1f} s)"
        )
        t1 = time.perf_counter()
        present = b.attendance()
        n_inspections = b.inspections()
        seconds["attendance"] = time.perf_counter() - t1
        log(
            f"Attendance: {present['checked_in']:,} checked in; {present['absent_executives']} executives absent, "
            f"{present['late_executives']} late; {n_inspections} inspections ({seconds['attendance']:.1f} s)"
        )
        plans = b.plan()
        log(f"Replaying {len(plans):,} visits of {figures.DAY:%Y-%m-%d} through record_visit…")
        t1 = time.perf_counter()
        b.replay(plans)
        seconds["replay"] = time.perf_counter() - t1
        # After the day, and today: no SMS for any of it (made-up consumers, 2012 milestones).
        with notify.muted():
            t1 = time.perf_counter()
            backlog = casework.backlog_2011(b)
            seconds["backlog_2011"] = time.perf_counter() - t1
            log(
                f"2011 Q4: {backlog.cases} complaints by phone, letter and online, handled and closed "
                f"({backlog.late} late; {backlog.actions:,} actions, {seconds['backlog_2011']:.1f} s)"
            )
            t1 = time.perf_counter()
            settled = casework.settle_2012(b)
            seconds["settle_2012"] = time.perf_counter() - t1
            log(
                f"2012 follow-up: {settled.cases} time-limited cases decided, the consumers informed and the cases "
                f"closed ({settled.by_regulator} by the bureau, {settled.late} late, {settled.reviews} reviews, "
                f"{settled.mediations} mediations; {settled.actions:,} actions, {seconds['settle_2012']:.1f} s)"
            )
            t1 = time.perf_counter()
            now = timezone.now()
            today = casework.current_work(b, now)
            seconds["today"] = time.perf_counter() - t1
            states = ", ".join(f"{n} {state.replace('_', ' ')}" for state, n in (today.by_state or {}).items())
            log(
                f"Today's work: {today.cases} complaints by phone, letter and online of the last 25 days "
                f"({states}; {seconds['today']:.1f} s)"
            )
            t1 = time.perf_counter()
            checks = oversight.build(b)
            seconds["oversight"] = time.perf_counter() - t1
            log(
                f"Oversight: a spot check of {checks.sampled} cases ({checks.checked} checked, {checks.improper} not "
                f"handled properly), {checks.call_list} call-backs ({checks.reached} reached, {checks.unreachable} "
                f"unreachable), {checks.figures} company figures, {len(checks.typical_cases or [])} typical cases "
                f"published, the report to the media published ({seconds['oversight']:.1f} s)"
            )
            t1 = time.perf_counter()
            live = demo_today.today(b, now, log=log)
            seconds["live"] = time.perf_counter() - t1
    seconds["total"] = time.perf_counter() - t0
    logins = [
        Login("admin", "regulator admin (superuser)", "everything"),
        Login("officer", "regulator officer", GD_BUREAU[1]),
        Login("officer2", "regulator officer (approves typical cases)", GD_BUREAU[1]),
        *(
            Login(username, "site staff", f"{live.sites[code].name} (today), {b.sites[code].name}")
            for username, code in (("maoming", figures.MAOMING), ("guangzhou", figures.GUANGZHOU))
        ),
        Login("chinalife", "company handler", CHINA_LIFE),
        Login("chinalife_exec", "executive", b.executive.organization.name if b.executive.organization else ""),
    ]
    return DemoResult(
        campaign=b.campaign_obj,
        password=password,
        logins=logins,
        counts={
            "staff": n_staff,
            "visits": len(plans),
            **present,
            "inspections": n_inspections,
            "backlog_2011": backlog.cases,
            "settled_2012": settled.cases,
            "today": today.cases,
            "spot_check_items": checks.sampled,
            "call_backs": checks.call_list,
            "typical_cases": len(checks.typical_cases or []),
            "live_visits": live.live_visits,
            **{f"online_{kind}": n for kind, n in live.online.items()},
        },
        seconds=seconds,
        now=now,
        report_public_id=checks.report_public_id,
        live_campaign=live.campaign,
        try_tracking_no=live.try_tracking_no,
        try_code=live.try_code,
    )
