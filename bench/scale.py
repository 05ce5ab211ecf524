"""Add N realistic cases to the PostgreSQL database that DATABASE_URL names, by COPY.

    export OMBUD_DATA_DIR=/tmp/scale-1m DATABASE_URL=postgres://postgres@127.0.0.1:5432/ombud_scale1m
    .venv/bin/ombud migrate && .venv/bin/ombud demo        # optional: the demo gives the distributions
    .venv/bin/python bench/scale.py --cases 1000000 --seed 11

Runs after `ombud demo` (the demo's bureau, insurers, branches, cities, sites, handlers and
cases give the distributions) or on an empty migrated database (it then creates a bureau,
the demo's insurers with their branches in the Guangdong cities, a handler per insurer and a
reception-day campaign, through the ORM). It adds, over the last `--years` years (more each
year) and in time order, as the application would have written them:

- visits: the complaints that open the cases, plus about 0.5 consultations and suggestions
  per case; about a fifth at reception-day campaigns (two a year, one site per city, and the
  demo's campaign 1 a share of them: `--campaign1-share`), the rest by phone, online, letter
  or at the director's reception day;
- cases in the demo's proportions of city, head office + branch, issue (category), product
  line and channel, each moved through its lifecycle until now (received, accepted, extended,
  decided in time or late, informed, reviews, mediations, withdrawals, not accepted, closed),
  with their timeline events, so that recent cases are open and a few old ones stuck;
- consumer ratings, call-backs with their call attempts, spot checks with their items, and
  premium/policy figures per head office and quarter for the evaluation.

Personal data are valid ciphertexts under the key ring of OMBUD_DATA_DIR (the server's): a
pool of a few thousand names, phones (with their blind index), ID numbers, secret codes and
comments is encrypted once and reused. Tracking numbers are unique, in the project's format
(ombud/intake/tracking.py). Deterministic for a given `--seed`, `--now` and starting database.

Columns are read from information_schema: a NOT NULL column this script does not know gets
its database default, else the Django field's default, else the type's zero value, so a new
column does not break it. Rows go in by `cursor.copy` in foreign-key order, one transaction
per chunk; ids are allocated after the current maximum and the sequences set after. At the
end: `had_review` / `had_mediation` set from the events if those columns exist,
`ombud rebuild-rollups` run if the command exists, ANALYZE, the time of each phase and the
table sizes. See bench/README.md, "At scale".
"""

from __future__ import annotations

import argparse
import json
import math
import os
import queue
import random
import subprocess
import sys
import threading
import time
from bisect import bisect_right
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from itertools import accumulate
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

DAY = 86400
HOUR = 3600
TZ = 8 * HOUR  # Asia/Shanghai (settings.TIME_ZONE); no daylight saving since 1991
EPOCH = date(1970, 1, 1)
NULL = "\\N"
POOL = 4000  # distinct encrypted values per kind of personal data

# The mix per case (bench/README.md, "At scale"): every complaint opens a case; campaign
# visits are about a fifth of all visits, mostly consultations, as on the demo's day.
CAMPAIGN_COMPLAINT_SHARE = 0.036  # of complaints, at a campaign site
OTHER_VISITS_PER_CASE = 0.5  # consultations and suggestions
CAMPAIGN_SHARE_OF_OTHERS = 0.528  # of those, at a campaign site (0.264 per case)
CAMPAIGN_CONSULTATION = 0.234 / 0.264
OFFSITE_CONSULTATION = 0.186 / 0.236
GROWTH = 1.08  # more cases every year
# Kinds and channels in the schedule code.
COMPLAINT, CONSULTATION, SUGGESTION = 0, 1, 2
KINDS = ("complaint", "consultation", "suggestion")
CHANNELS = ("on_site", "online", "phone", "letter", "reception_day")
ON_SITE, ONLINE, PHONE, LETTER, RECEPTION = range(5)
OFFSITE_CHANNELS = {
    COMPLAINT: ((PHONE, 45), (ONLINE, 35), (LETTER, 12), (RECEPTION, 8)),
    CONSULTATION: ((PHONE, 55), (ONLINE, 45)),
    SUGGESTION: ((ONLINE, 60), (PHONE, 30), (LETTER, 10)),
}
COMPANY_DUE_DAYS = (3, 5, 7, 7, 10, 10, 14, 15, 15, 20, 30)  # as the demo (demo/generator.py)
REFERRED_DUE_DAYS = (15, 20, 30, 30, 45, 60)
NATURES = (("contract_dispute", 94), ("service", 3), ("suspected_violation", 3))
HANDLED = ("decided", "informed", "closed")


class Stop(Exception):
    """A case's story reaches the present: what follows has not happened yet."""


def log(msg: str) -> None:
    print(msg, flush=True)


# ---- time as integer seconds (UTC), formatted for COPY --------------------------------------

_TOD = [f" {h:02d}:{m:02d}:{s:02d}+00" for h in range(24) for m in range(60) for s in range(60)]
_DAYS: dict[int, str] = {}


def day_str(d: int) -> str:
    s = _DAYS.get(d)
    if s is None:
        s = _DAYS[d] = (EPOCH + timedelta(days=d)).isoformat()
    return s


def ts(sec: int) -> str:
    return day_str(sec // DAY) + _TOD[sec % DAY]


def local_day(sec: int) -> int:
    return (sec + TZ) // DAY


def end_of_local_day(d: int) -> int:
    """24:00 Asia/Shanghai of local day `d`, in UTC seconds (what `Due.at` is)."""
    return (d + 1) * DAY - TZ


def to_sec(moment: datetime) -> int:
    return int(moment.timestamp())


def esc(text: str) -> str:
    """A value for COPY's text format."""
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def jdump(obj: object) -> str:
    return esc(json.dumps(obj, ensure_ascii=False, separators=(", ", ": ")))


# Event data that does not vary (the demo's words, ombud/demo/replies.py).
NOT_ACCEPTED_DATA = jdump(
    {"reason": "投诉事项已经人民法院作出生效判决，依照《银行保险机构消费投诉处理管理办法》不予受理，已告知投诉人。"}
)
WITHDRAWN_DATA = jdump({"reason": "投诉人与公司协商一致，撤回投诉。"})
REVIEW_DATA = jdump({"reason": "投诉人对处理结果不服，认为核定金额过低，申请核查。"})
ENFORCEMENT_DATA = jdump({"reason": "涉嫌销售误导，移交稽查部门。"})
EXTENDED_DATA = (
    jdump(
        {
            "level": "complex",
            "reason": "案情复杂，需调取病历并委托第三方机构鉴定，处理期限依法延长至30日，已告知投诉人。",
        }
    )[:-1]
    + ', "due_date": "%s"}'
)


# ---- tables: the columns the database has, the ones we fill, defaults for the others ------------


class Table:
    """A table we COPY into: the columns we give (in order) plus constant values for the NOT
    NULL columns we do not know and the database has no default for."""

    def __init__(self, cursor, name: str, columns: list[str]):
        cursor.execute(
            "SELECT column_name, is_nullable, column_default, data_type FROM information_schema.columns "
            "WHERE table_schema = current_schema() AND table_name = %s ORDER BY ordinal_position",
            [name],
        )
        info = {r[0]: r for r in cursor.fetchall()}
        if not info:
            raise SystemExit(f"table {name} does not exist: run `ombud migrate` first")
        unknown = [c for c in columns if c not in info]
        if unknown:
            raise SystemExit(f"{name} has no column {', '.join(unknown)}: this script is older than the schema")
        self.name, self.columns = name, columns
        self.extra: dict[str, str] = {}
        for col, nullable, default, data_type in info.values():
            if col in columns or nullable == "YES" or default is not None:
                continue  # NULL or the database's default
            self.extra[col] = _default_literal(name, col, data_type)
        if self.extra:
            log(f"  {name}: filling {', '.join(f'{k}={v}' for k, v in self.extra.items())} (columns not known here)")
        self.suffix = "".join("\t" + v for v in self.extra.values())
        self.copy_sql = f"COPY {name} ({', '.join([*columns, *self.extra])}) FROM STDIN"
        self.rows = 0
        self.seconds = 0.0

    def line(self, values: tuple[str, ...]) -> str:
        return "\t".join(values) + self.suffix + "\n"


def _default_literal(table: str, column: str, data_type: str) -> str:
    """The COPY text of a NOT NULL column's value we do not generate: the Django field's
    default if the model declares one, else the type's zero."""
    from django.apps import apps
    from django.db import connection
    from django.db.models import NOT_PROVIDED

    for model in apps.get_models():
        if model._meta.db_table != table:
            continue
        for f in model._meta.concrete_fields:
            if f.column != column:
                continue
            if f.has_default() or getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                value = f.get_default() if f.has_default() else datetime.now(UTC)
                prepared = f.get_db_prep_save(value, connection)
                if getattr(prepared, "adapted", None) is not None:  # a JSON adapter
                    prepared = prepared.adapted
                return _literal(prepared)
            if getattr(f, "db_default", NOT_PROVIDED) is not NOT_PROVIDED:
                break
    zero = {
        "boolean": "f",
        "jsonb": "{}",
        "json": "{}",
        "date": datetime.now(UTC).date().isoformat(),
        "timestamp with time zone": datetime.now(UTC).isoformat(),
    }
    if data_type in zero:
        return zero[data_type]
    if data_type in ("integer", "bigint", "smallint", "numeric", "double precision", "real"):
        return "0"
    return ""


def _literal(value: object) -> str:
    if value is None:
        return NULL
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, (dict, list)):
        return jdump(value)
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return esc(str(value))


# ---- what the database already holds ------------------------------------------------------------


@dataclass
class Head:
    id: int
    name: str
    short: str
    life: bool
    insurer: object  # ombud.demo.insurers.Insurer (the demo's, or a stand-in of the same type)
    weight: float = 1.0


@dataclass
class CampaignSlot:
    id: int
    start: int
    end: int
    sites: list[tuple[int, str, int | None]]  # (site id, city code, recorder user id)
    weight: float


@dataclass
class World:
    bureau_id: int
    bureau_region: str
    officer_id: int
    mediation: tuple[int, str] | None
    heads: dict[int, Head]
    branches: dict[tuple[str, int], int]  # (city, head id) → branch id
    cities: list[str]
    city_names: dict[str, str]
    city_weights: list[float]
    districts: dict[str, list[str]]
    counties: dict[str, list[str]]
    handlers: dict[int, int]  # head id → handler user id
    practitioners: dict[int, list[int]]  # organization id → practitioner ids
    lines: dict[str, str]  # product line code → company type
    natures: dict[str, str]  # nature → handled_by
    campaign1: CampaignSlot | None = None
    campaigns: list[CampaignSlot] = field(default_factory=list)


def bootstrap_directory(rng: random.Random) -> None:
    """An empty migrated database: a bureau over the demo's Guangdong cities, the demo's
    insurers with branches where the demo places them, a handler per insurer, an officer and
    a reception-day campaign with a site per city (through the ORM, as the demo does)."""
    from django.contrib.auth.hashers import make_password
    from django.db import transaction
    from django.utils import timezone

    from ombud.campaigns.models import Campaign, Site
    from ombud.demo import figures
    from ombud.demo.generator import GD_BUREAU, MEDIATION
    from ombud.demo.insurers import branch_name, demo_insurers
    from ombud.directory.models import Jurisdiction, Organization, Region, User

    insurers = demo_insurers()
    names = dict(Region.objects.filter(code__in=[c.code for c in figures.CITIES]).values_list("code", "name"))
    with transaction.atomic():
        bureau = Organization.objects.create(
            kind=Organization.Kind.REGULATOR, name=GD_BUREAU[0], short_name=GD_BUREAU[1], region_id=figures.PROVINCE
        )
        Organization.objects.create(
            kind=Organization.Kind.MEDIATION, name=MEDIATION[0], short_name=MEDIATION[1], region_id=figures.PROVINCE
        )
        Jurisdiction.objects.bulk_create(
            [Jurisdiction(regulator=bureau, region_id=c.code, source="bench/scale.py") for c in figures.CITIES]
        )
        heads = Organization.objects.bulk_create(
            [
                Organization(
                    kind=Organization.Kind.INSURER, name=i.name, short_name=i.short_name, company_type=i.company_type
                )
                for i in insurers
            ]
        )
        for h in heads:
            h.head_office_id = h.pk
        Organization.objects.bulk_update(heads, ["head_office_id"])
        branches = []
        for city in figures.CITIES:
            for insurer, head in list(zip(insurers, heads, strict=True))[: city.companies]:
                branches.append(
                    Organization(
                        kind=Organization.Kind.INSURER,
                        name=branch_name(insurer.name, names[city.code]),
                        short_name=f"{insurer.short_name}{names[city.code].removesuffix('市')}分公司"[:32],
                        company_type=insurer.company_type,
                        parent=head,
                        head_office_id=head.pk,
                        region_id=city.code,
                    )
                )
        Organization.objects.bulk_create(branches, batch_size=500)
        unusable = make_password(None)
        officer = User.objects.create(
            username="scale-officer", role=User.Role.REGULATOR_OFFICER, organization=bureau, password=unusable
        )
        User.objects.bulk_create(
            [
                User(
                    username=f"scale-handler-{n:02d}", role=User.Role.COMPANY_HANDLER, organization=h, password=unusable
                )
                for n, h in enumerate(heads)
            ]
        )
        tz = timezone.get_default_timezone()
        day = figures.DAY
        campaign = Campaign.objects.create(
            name=figures.CAMPAIGN_NAME,
            starts_at=datetime(day.year, day.month, day.day, 10, tzinfo=tz),
            ends_at=datetime(day.year, day.month, day.day, 18, tzinfo=tz),
            region_id=figures.PROVINCE,
            organizer=bureau,
            created_by=officer,
        )
        Site.objects.bulk_create(
            [Site(campaign=campaign, city_id=c.code, name=c.site_name, address=c.address) for c in figures.CITIES]
        )
    log(
        f"  empty database: created {len(heads)} insurers, {len(branches)} branches, "
        f"a bureau and campaign {campaign.pk}"
    )


def load_world(rng: random.Random) -> World:
    from django.db.models import Count

    from ombud.campaigns.models import Campaign, Site
    from ombud.cases.models import Case, RoutingRule
    from ombud.demo import figures
    from ombud.demo.insurers import demo_insurers
    from ombud.directory.models import Jurisdiction, Organization, Practitioner, Region, User
    from ombud.intake.models import ProductLine

    insurer_kind = Organization.Kind.INSURER
    if not Organization.objects.filter(kind=insurer_kind, parent__isnull=True).exists():
        bootstrap_directory(rng)
    bureau_row = (
        Organization.objects.filter(kind=Organization.Kind.REGULATOR)
        .annotate(n=Count("jurisdictions"))
        .order_by("-n", "pk")
        .values_list("pk", "region_id", "n")
        .first()
    )
    if bureau_row is None or not bureau_row[2]:
        raise SystemExit("no regulator with a jurisdiction: run `ombud demo`, or start from an empty database")
    bureau_id, bureau_region, _n = bureau_row
    cities = sorted(Jurisdiction.objects.filter(regulator_id=bureau_id).values_list("region_id", flat=True))
    officer = (
        User.objects.filter(role=User.Role.REGULATOR_OFFICER, organization_id=bureau_id, is_active=True)
        .order_by("pk")
        .values_list("pk", flat=True)
        .first()
    )
    if officer is None:
        raise SystemExit("no active regulator officer of the bureau: run `ombud demo` first")
    mediation = (
        Organization.objects.filter(kind=Organization.Kind.MEDIATION).order_by("pk").values_list("pk", "name").first()
    )

    demo = {i.name: i for i in demo_insurers()}
    by_type: dict[str, object] = {}
    for i in demo.values():
        by_type.setdefault(i.company_type, i)
    heads: dict[int, Head] = {}
    for pk, name, short, ctype in (
        Organization.objects.filter(kind=insurer_kind, parent__isnull=True)
        .order_by("pk")
        .values_list("pk", "name", "short_name", "company_type")
    ):
        insurer = demo.get(name) or by_type.get(ctype) or next(iter(demo.values()))
        heads[pk] = Head(pk, name, short or name, ctype == Organization.CompanyType.LIFE, insurer)
    branches = {
        (region, head): pk
        for pk, region, head in Organization.objects.filter(
            kind=insurer_kind, parent__isnull=False, region_id__in=cities, head_office_id__in=list(heads)
        ).values_list("pk", "region_id", "head_office_id")
    }

    # Distributions: the demo's cases per head office and per city (smoothed), else by rank.
    per_head = dict(Case.objects.values_list("company_root_id").annotate(n=Count("pk")).order_by())
    per_city = dict(Case.objects.filter(city_id__in=cities).values_list("city_id").annotate(n=Count("pk")).order_by())
    total_heads = sum(per_head.values())
    for h in heads.values():
        rank_weight = 1 / (getattr(h.insurer, "rank", 40) + 3)
        h.weight = (per_head.get(h.id, 0) / total_heads + 0.1 * rank_weight) if total_heads > 200 else rank_weight
    city_figures = {c.code: max(c.weight, 10) for c in figures.CITIES}
    total_cities = sum(per_city.values())
    city_weights = [
        (per_city.get(c, 0) / total_cities + 0.01) if total_cities > 200 else city_figures.get(c, 10) for c in cities
    ]

    names = dict(Region.objects.filter(code__in=cities).values_list("code", "name"))
    districts: dict[str, list[str]] = {c: [] for c in cities}
    counties: dict[str, list[str]] = {c: [] for c in cities}
    for code, name, parent in Region.objects.filter(parent_id__in=cities).values_list("code", "name", "parent_id"):
        districts[parent].append(name)
        counties[parent].append(code)
    for code in cities:
        districts[code] = districts[code] or list(figures.TOWNS.get(code, ())) or [names.get(code, code)]
        counties[code] = counties[code] or [code]

    handlers = {  # the lowest id wins (ordered by -pk)
        org: pk
        for pk, org in User.objects.filter(
            role=User.Role.COMPANY_HANDLER, organization_id__in=list(heads), is_active=True
        )
        .order_by("-pk")
        .values_list("pk", "organization_id")
    }
    practitioners: dict[int, list[int]] = defaultdict(list)
    for pk, org in Practitioner.objects.values_list("pk", "employer_id"):
        practitioners[org].append(pk)
    lines = dict(ProductLine.objects.filter(is_active=True).values_list("code", "company_type"))
    natures = dict(RoutingRule.objects.values_list("nature", "handled_by"))

    world = World(
        bureau_id=bureau_id,
        bureau_region=bureau_region or figures.PROVINCE,
        officer_id=officer,
        mediation=mediation,
        heads=heads,
        branches=branches,
        cities=cities,
        city_names=names,
        city_weights=city_weights,
        districts=districts,
        counties=counties,
        handlers=handlers,
        practitioners=dict(practitioners),
        lines=lines,
        natures=natures,
    )
    first = Campaign.objects.filter(name=figures.CAMPAIGN_NAME).order_by("pk").first() or (
        Campaign.objects.order_by("pk").first()
    )
    if first is not None:
        world.campaign1 = CampaignSlot(first.pk, to_sec(first.starts_at), to_sec(first.ends_at), [], 0.0)
        world.campaign1.sites = _sites(Site.objects.filter(campaign=first, city_id__in=cities), officer)
        if not world.campaign1.sites:
            world.campaign1 = None
    return world


def _sites(qs, officer: int) -> list[tuple[int, str, int | None]]:
    """(site, city, who records there): the site staff rostered with a login, else the officer."""
    from ombud.campaigns.models import RosterEntry

    recorder = {}
    for site, user in (
        RosterEntry.objects.filter(site__in=qs, staff__user__role="site_staff")
        .order_by("pk")
        .values_list("site_id", "staff__user_id")
    ):
        recorder.setdefault(site, user)
    return [(pk, city, recorder.get(pk, officer)) for pk, city in qs.order_by("pk").values_list("pk", "city_id")]


def ensure_campaigns(world: World, start: int, end: int) -> None:
    """Two reception days a year (15 March, consumer rights day, and a Saturday in
    September), each with a site per city and the city's branches taking part; reused on a
    second run."""
    from django.db import transaction
    from django.utils import timezone

    from ombud.campaigns.models import Campaign, Site, SiteOrganization

    tz = timezone.get_default_timezone()
    first_year = (EPOCH + timedelta(days=local_day(start))).year
    last_year = (EPOCH + timedelta(days=local_day(end))).year
    made = 0
    for year in range(first_year, last_year + 1):
        sept = date(year, 9, 1) + timedelta(days=(5 - date(year, 9, 1).weekday()) % 7 + 7)
        for n, day in enumerate((date(year, 3, 15), sept), start=1):
            starts = datetime(day.year, day.month, day.day, 10, tzinfo=tz)
            ends = datetime(day.year, day.month, day.day, 17, 30, tzinfo=tz)
            if to_sec(starts) < start or to_sec(ends) > end:
                continue
            name = f"{year}年广东保险消费者{'权益日' if n == 1 else '秋季'}大接访"
            campaign = Campaign.objects.filter(name=name, starts_at=starts).first()
            if campaign is None:
                with transaction.atomic():
                    campaign = Campaign.objects.create(
                        name=name,
                        starts_at=starts,
                        ends_at=ends,
                        region_id=world.bureau_region,
                        organizer_id=world.bureau_id,
                        created_by_id=world.officer_id,
                    )
                    sites = Site.objects.bulk_create(
                        [
                            Site(
                                campaign=campaign,
                                city_id=c,
                                name=f"{world.city_names.get(c, c)}{name}接待点",
                                address=f"{world.city_names.get(c, c)}人民路",
                            )
                            for c in world.cities
                        ]
                    )
                    SiteOrganization.objects.bulk_create(
                        [
                            SiteOrganization(site=s, organization_id=world.branches[(s.city_id, h)])
                            for s in sites
                            for h in world.heads
                            if (s.city_id, h) in world.branches
                        ],
                        batch_size=2000,
                    )
                made += 1
            years_in = year - first_year
            world.campaigns.append(
                CampaignSlot(
                    campaign.pk,
                    to_sec(starts),
                    to_sec(ends),
                    _sites(Site.objects.filter(campaign=campaign), world.officer_id),
                    GROWTH**years_in,
                )
            )
    log(f"  campaigns: {len(world.campaigns)} reception days in the period ({made} new)")


# ---- pools: texts and personal data, made once ----------------------------------------------------


@dataclass
class Pools:
    names: list[str]
    phones: list[str]
    phone_index: list[str]
    ids: dict[str, list[str]]  # city → encrypted ID numbers of people from its counties
    codes: list[str]
    comments: list[str]
    complaints: dict[str, list[tuple]]  # city → [(head id, summary, line, category)]
    consultations: dict[str, list[tuple]]  # city → [(head id or None, summary, line)]
    suggestions: dict[str, list[tuple]]
    replies: dict[tuple[int, str], list[tuple[str, str]]]  # (head, decision) → [(reply, amount)]
    regulator_replies: dict[tuple[int, str], list[tuple[str, str]]]
    review_replies: dict[int, list[tuple[str, str]]]
    mediation_replies: dict[int, list[tuple[str, str]]]


def make_pools(world: World, rng: random.Random) -> Pools:
    from ombud.demo import people, replies, texts
    from ombud.personal_data import blind_index, encrypt

    enc = encrypt
    names = [enc(people.person_name(rng)) for _ in range(POOL)]
    phones_clear = sorted({people.mobile_number(rng) for _ in range(POOL)})
    phones = [enc(p) for p in phones_clear]
    phone_index = [blind_index(p) for p in phones_clear]
    per_city = max(20, POOL // (4 * len(world.cities)))
    ids = {
        c: [enc(people.id_number(rng, rng.choice(world.counties[c]), on=date(2020, 1, 1))) for _ in range(per_city)]
        for c in world.cities
    }
    from ombud.intake.tracking import new_secret_code  # secrets-based: the pool alone is random

    codes = [enc(new_secret_code()) for _ in range(POOL)]
    comments = [enc(c) for cs in replies.CALLBACK_COMMENTS.values() for c in cs if c]

    heads = list(world.heads.values())
    head_w = [h.weight for h in heads]
    complaints: dict[str, list[tuple]] = {}
    consultations: dict[str, list[tuple]] = {}
    suggestions: dict[str, list[tuple]] = {}
    total_w = sum(world.city_weights)
    for city, w in zip(world.cities, world.city_weights, strict=True):
        present = [h for h in heads if (city, h.id) in world.branches] or heads
        pw = [h.weight for h in present]
        cname = world.city_names.get(city, city)
        n = max(40, int(6000 * w / total_w))
        rows = []
        for _ in range(n):
            h = rng.choices(present, weights=pw)[0] if rng.random() < 0.95 else rng.choices(heads, weights=head_w)[0]
            t = texts.complaint(
                rng,
                insurer=h.insurer,
                city=cname,
                district=rng.choice(world.districts[city]),
                outcome="",
                this_year=2020,
            )
            line = t.line if t.line in world.lines else ""
            category = texts.ISSUE_BY_CODE[t.issue].label if t.issue in texts.ISSUE_BY_CODE else ""
            rows.append((h.id, esc(t.summary), line, esc(category), t.issue))
        complaints[city] = rows
        for target, make, named, size in (
            (consultations, texts.consultation, 0.72, n // 2),
            (suggestions, texts.suggestion, 0.45, max(20, n // 6)),
        ):
            rows = []
            for _ in range(max(20, size)):
                h = rng.choices(present, weights=pw)[0] if rng.random() < named else None
                t = make(rng, insurer=h.insurer if h else None, city=cname, district=rng.choice(world.districts[city]))
                rows.append((h.id if h else None, esc(t.summary), t.line if t.line in world.lines else ""))
            target[city] = rows

    issues = list(texts.ISSUES)
    dec = ("upheld", "partly_upheld", "not_upheld")
    replies_pool: dict[tuple[int, str], list[tuple[str, str]]] = {}
    regulator_pool: dict[tuple[int, str], list[tuple[str, str]]] = {}
    review_pool: dict[int, list[tuple[str, str]]] = {}
    mediation_pool: dict[int, list[tuple[str, str]]] = {}

    def amount_of(a: Decimal | None) -> str:
        return NULL if a is None else str(a)

    for h in heads:
        for d in dec:
            rows, regs = [], []
            for _ in range(6):
                issue = rng.choice(issues)
                line = rng.choice(list((issue.life if h.life else issue.pc) or issue.life or issue.pc or {"other": 1}))
                amount = replies.amount_for(rng, issue=issue.code, line=line, decision=d)
                paid_on = date(2020, 1, 1) + timedelta(days=rng.randrange(2000))
                text = replies.company_reply(
                    rng, issue=issue.code, decision=d, company=h.short, amount=amount, paid_on=paid_on
                )
                rows.append((esc(text), amount_of(amount)))
                text = replies.regulator_reply(rng, issue=issue.code, decision=d, company=h.short, amount=amount)
                regs.append((esc(text), amount_of(amount)))
            replies_pool[(h.id, d)] = rows
            regulator_pool[(h.id, d)] = regs
        rv, md = [], []
        for _ in range(4):
            issue = rng.choice(issues)
            amount = Decimal(rng.choice((800, 1500, 3000, 6000, 12000))).quantize(Decimal("0.01"))
            changed = rng.random() < 0.5
            text = replies.review_reply(
                rng, issue=issue.code, changed=changed, company=h.short, amount=amount, paid_on=date(2021, 5, 6)
            )
            rv.append((esc(text), str(amount) if changed else NULL))
            md.append((esc(replies.mediation_reply(rng, company=h.short, amount=amount)), str(amount)))
        review_pool[h.id] = rv
        mediation_pool[h.id] = md
    return Pools(
        names,
        phones,
        phone_index,
        ids,
        codes,
        comments,
        complaints,
        consultations,
        suggestions,
        replies_pool,
        regulator_pool,
        review_pool,
        mediation_pool,
    )


# ---- the generator ------------------------------------------------------------------------------


class Calendar:
    """Working days and due dates, by local day index, cached (ombud/cases/deadlines.py)."""

    def __init__(self):
        from ombud.cases import deadlines
        from ombud.cases.models import DeadlineRule

        self.deadlines = deadlines
        self.cal = deadlines.calendar()
        self.rules = {r.code: r for r in DeadlineRule.objects.all()}
        self._working: dict[int, bool] = {}
        self._due: dict[tuple[str, int], tuple[int, bool]] = {}

    def working(self, d: int) -> bool:
        w = self._working.get(d)
        if w is None:
            w = self._working[d] = self.cal.is_working_day(EPOCH + timedelta(days=d))
        return w

    def due(self, code: str, start_day: int) -> tuple[int, bool]:
        """(due local day, provisional) of rule `code` for something received on `start_day`."""
        key = (code, start_day)
        hit = self._due.get(key)
        if hit is None:
            rule = self.rules.get(code)
            days, unit, roll = (rule.days, rule.unit, rule.roll_to_working_day) if rule else (15, "calendar", True)
            d = self.deadlines.add_days(
                EPOCH + timedelta(days=start_day), days, unit, self.cal, roll_to_working_day=roll
            )
            hit = self._due[key] = ((d.date - EPOCH).days, d.provisional)
        return hit

    def office(self, sec: int) -> int:
        """`sec` moved forward into office hours (9:00–17:30 on a working day)."""
        d, t = divmod(sec + TZ, DAY)
        # Moved to a morning: spread over 9:00–11:00 (a hash of `sec`, so no random stream).
        morning = 9 * HOUR + (sec * 2654435761) % (2 * HOUR)
        if t > 17 * HOUR + 1800:
            d, t = d + 1, morning
        elif t < 9 * HOUR:
            t = morning
        moved = False
        while not self.working(d):
            d, moved = d + 1, True
        if moved:
            t = morning
        return d * DAY + t - TZ


class Ids:
    """The next id of each table: after the current maximum and the sequence's last value."""

    def __init__(self, cursor, tables: list[str]):
        self.next: dict[str, int] = {}
        for t in tables:
            cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {t}")  # noqa: S608 (our table names)
            top = cursor.fetchone()[0]
            cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [t])
            seq = cursor.fetchone()[0]
            if seq:
                cursor.execute(f"SELECT last_value FROM {seq}")  # noqa: S608
                top = max(top, cursor.fetchone()[0])
            self.next[t] = top + 1

    def take(self, table: str) -> int:
        n = self.next[table]
        self.next[table] = n + 1
        return n


class Generator:
    def __init__(self, args, world: World, pools: Pools, cal: Calendar, tables: dict[str, Table], ids: Ids, taken: set):
        self.args, self.w, self.p, self.cal, self.t, self.ids = args, world, pools, cal, tables, ids
        self.rng = random.Random(args.seed)
        self.now = args.now_sec
        self.taken = taken  # tracking numbers already in the database or made here
        self.stats: Counter = Counter()
        self.statuses: Counter = Counter()
        # Spot-check material: handled company cases by (quarter, head, stratum).
        self.strata_counts: Counter = Counter()
        self.strata_sample: dict[tuple, list[tuple[int, int]]] = {}  # (case id, opened at)
        self.city_cum = list(accumulate(world.city_weights))
        self.mediation_name = world.mediation[1] if world.mediation else ""
        self.nature_cum = list(accumulate(w for _n, w in NATURES))
        self._prefixes: dict[int, str] = {}
        self.informed_data = [jdump({"channel": ch}) for ch in ("phone", "letter", "in_person", "phone", "sms")]
        self.mediation_data = jdump({"mediation_body": self.mediation_name})

    # -- the schedule: every visit's time, kind, channel and campaign, sorted by time --

    def schedule(self) -> list[int]:
        a, rng, w = self.args, random.Random(self.args.seed + 1), self.w
        start, end = a.start_sec, self.now - 600
        years = (end - start) / (365.25 * DAY)
        span_growth = GROWTH**years - 1
        log_g = math.log(GROWTH)

        def when() -> int:
            return start + int(365.25 * DAY * math.log(1 + rng.random() * span_growth) / log_g)

        slots: list[CampaignSlot] = []
        weights: list[float] = []
        if w.campaign1 is not None and a.campaign1_share > 0:
            slots.append(w.campaign1)
            weights.append(a.campaign1_share)
        total = sum(c.weight for c in w.campaigns)
        for c in w.campaigns:
            slots.append(c)
            weights.append((1 - a.campaign1_share) * c.weight / total)
        self.slots = slots
        if not slots:
            log("  no campaign: every visit comes by phone, online, letter or reception day")
        slot_cum = list(accumulate(weights))

        def campaign_visit(kind: int) -> int:
            k = bisect_right(slot_cum, rng.random() * slot_cum[-1])
            c = slots[min(k, len(slots) - 1)]
            t = c.start + rng.randrange(max(1, c.end - c.start))
            return (t << 16) | ((min(k, len(slots) - 1) + 1) << 5) | (kind << 3) | ON_SITE

        channel_cum = {k: (list(accumulate(x[1] for x in v)), [x[0] for x in v]) for k, v in OFFSITE_CHANNELS.items()}

        def offsite(kind: int) -> int:
            cum, chans = channel_cum[kind]
            ch = chans[bisect_right(cum, rng.random() * cum[-1])]
            t = when()
            if ch != ONLINE:
                moved = self.cal.office(t)
                t = moved if moved < end else t
            return (t << 16) | (kind << 3) | ch

        n = a.cases
        out = [
            campaign_visit(COMPLAINT) if slots and rng.random() < CAMPAIGN_COMPLAINT_SHARE else offsite(COMPLAINT)
            for _ in range(n)
        ]
        for _ in range(round(n * OTHER_VISITS_PER_CASE)):
            if slots and rng.random() < CAMPAIGN_SHARE_OF_OTHERS:
                out.append(campaign_visit(CONSULTATION if rng.random() < CAMPAIGN_CONSULTATION else SUGGESTION))
            else:
                out.append(offsite(CONSULTATION if rng.random() < OFFSITE_CONSULTATION else SUGGESTION))
        out.sort()
        return out

    # -- helpers --

    def tracking_no(self, sec: int) -> str:
        d = local_day(sec)
        prefix = self._prefixes.get(d)
        if prefix is None:
            prefix = self._prefixes[d] = (EPOCH + timedelta(days=d)).strftime("%y%m%d")
        rng = self.rng
        while True:
            no = f"{prefix}{rng.randrange(10**10):010d}"
            if no not in self.taken:
                self.taken.add(no)
                return no

    def city(self) -> str:
        return self.w.cities[bisect_right(self.city_cum, self.rng.random() * self.city_cum[-1])]

    def nature(self) -> str:
        return NATURES[bisect_right(self.nature_cum, self.rng.random() * self.nature_cum[-1])][0]

    # -- one chunk of the schedule → rows of every table --

    def chunk(self, items: list[int]) -> list[tuple[Table, list[str]]]:
        t = self.t
        out: dict[str, list[str]] = {name: [] for name in t}
        for item in items:
            sec, code = item >> 16, item & 0xFFFF
            slot, kind, channel = code >> 5, (code >> 3) & 3, code & 7
            self.visit(out, sec, kind, channel, self.slots[slot - 1] if slot else None)
        return [(t[name], rows) for name, rows in out.items() if rows]

    def visit(self, out, sec: int, kind: int, channel: int, camp: CampaignSlot | None) -> None:
        rng, w, p = self.rng, self.w, self.p
        vid = self.ids.take("intake_visit")
        if camp is not None:
            site_id, city, recorder = camp.sites[rng.randrange(len(camp.sites))]
        else:
            site_id, city, recorder = None, self.city(), (None if channel == ONLINE else w.officer_id)
        head_id = None
        line = category = ""
        if kind == COMPLAINT:
            pool = p.complaints[city]
            head_id, summary, line, category, _issue = pool[rng.randrange(len(pool))]
        else:
            pool = (p.consultations if kind == CONSULTATION else p.suggestions)[city]
            head_id, summary, line = pool[rng.randrange(len(pool))]
        branch = w.branches.get((city, head_id)) if head_id else None
        company = (branch or head_id) if head_id else None
        if kind == COMPLAINT and camp is None and branch and rng.random() < 0.05:
            company = head_id  # named the head office; routing gives the case to the branch
        practitioner = None
        outcome = handled_visit = ""
        due_day = None
        if kind == COMPLAINT and camp is not None:
            r = rng.random()
            if r < 0.805:
                outcome = "resolved_on_site"
            else:
                outcome = "time_limited"
                regulator = r > 0.971
                handled_visit = "regulator" if regulator else "company"
                days = rng.choice(REFERRED_DUE_DAYS if regulator else COMPANY_DUE_DAYS)
                due_day = local_day(sec) + days
            staff = w.practitioners.get(company or 0)
            if staff and rng.random() < (1.0 if handled_visit == "regulator" else 0.3):
                practitioner = staff[rng.randrange(len(staff))]
        if kind == COMPLAINT and camp is None and rng.random() < 0.3:
            line = ""  # a hotline or a letter often names no line
        phone = rng.randrange(len(p.phones)) if kind == COMPLAINT or rng.random() < 0.7 else -1
        with_id = rng.random() < (0.6 if (kind == COMPLAINT and camp is not None) else 0.08)
        ids_city = p.ids[city]
        tracking = self.tracking_no(sec)
        created = sec + rng.randrange(5, 180)
        out["intake_visit"].append(
            self.t["intake_visit"].line(
                (
                    str(vid),
                    KINDS[kind],
                    CHANNELS[channel],
                    str(camp.id) if camp else NULL,
                    str(site_id) if site_id else NULL,
                    city,
                    p.names[rng.randrange(len(p.names))],
                    p.phones[phone] if phone >= 0 else "",
                    ids_city[rng.randrange(len(ids_city))] if with_id else "",
                    p.phone_index[phone] if phone >= 0 else "",
                    str(company) if company else NULL,
                    str(head_id) if head_id else NULL,
                    str(practitioner) if practitioner else NULL,
                    line or NULL,
                    summary,
                    outcome,
                    day_str(due_day) if due_day is not None else NULL,
                    handled_visit,
                    tracking,
                    p.codes[rng.randrange(len(p.codes))],
                    ts(sec),
                    str(recorder) if recorder else NULL,
                    ts(created),
                )
            )
        )
        self.stats[f"visits.{KINDS[kind]}"] += 1
        self.stats["visits.campaign" if camp else f"visits.{CHANNELS[channel]}"] += 1
        if kind == COMPLAINT:
            assert head_id is not None
            self.case(
                out,
                vid=vid,
                tracking=tracking,
                sec=sec,
                channel=channel,
                camp=camp,
                site_id=site_id,
                city=city,
                head_id=head_id,
                company=branch or head_id,
                outcome=outcome,
                handled_visit=handled_visit,
                due_day=due_day,
                category=category if (camp is None or (outcome == "time_limited" and rng.random() < 0.5)) else "",
                has_phone=phone >= 0,
            )

    def case(
        self,
        out,
        *,
        vid: int,
        tracking: str,
        sec: int,
        channel: int,
        camp: CampaignSlot | None,
        site_id: int | None,
        city: str,
        head_id: int,
        company: int,
        outcome: str,
        handled_visit: str,
        due_day: int | None,
        category: str,
        has_phone: bool,
    ) -> None:
        rng, w, cal, now = self.rng, self.w, self.cal, self.now
        cid = self.ids.take("cases_case")
        events: list[tuple[str, int, int | None, str]] = []  # (type, at, actor, data json)
        c = {
            "status": "",
            "due": None,
            "prov": False,
            "decided_at": None,
            "in_time": None,
            "decision": "",
            "amount": NULL,
            "reply": "",
            "informed_at": None,
            "closed_at": None,
            "mediation": None,
            "extension": "",
        }
        if outcome == "resolved_on_site":
            nature, handled_by = "contract_dispute", "company"
        elif outcome == "time_limited":
            handled_by = handled_visit
            nature = "suspected_violation" if handled_by == "regulator" else "contract_dispute"
        else:
            nature = self.nature()
            handled_by = w.natures.get(nature, "company")
        actor = w.officer_id if handled_by == "regulator" else w.handlers.get(head_id, w.officer_id)
        by_regulator = handled_by == "regulator"

        def ev(type_: str, at: int, data: str = "{}", who: int | None = -1) -> int:
            if at > now:
                raise Stop
            events.append((type_, at, actor if who == -1 else who, data))
            return at

        def decide(at: int, *, review: bool = False, mediated: bool = False) -> int:
            d = rng.choices(
                ("upheld", "partly_upheld", "not_upheld"), weights=(55, 30, 15) if by_regulator else (42, 33, 25)
            )[0]
            if review:
                text, amount = rng.choice(self.p.review_replies[head_id])
                d = "partly_upheld" if amount != NULL else c["decision"] or d
            elif mediated:
                text, amount = rng.choice(self.p.mediation_replies[head_id])
                d = "partly_upheld"
            else:
                pool = self.p.regulator_replies if by_regulator else self.p.replies
                text, amount = rng.choice(pool[(head_id, d)])
            in_time = c["due"] is None or at <= end_of_local_day(c["due"])
            paid = "null" if amount == NULL else f'"{amount}"'
            data = f'{{"decision": "{d}", "amount_paid": {paid}, "in_time": {"true" if in_time else "false"}'
            data += ', "review": true}' if review else "}"
            ev("review_decided" if review else "decided", at, data)
            c.update(status="decided", decided_at=at, in_time=in_time, decision=d, amount=amount, reply=text)
            return at

        def decision_time(start: int) -> int:
            due_end = end_of_local_day(c["due"]) if c["due"] is not None else start + 15 * DAY
            if rng.random() < 0.94 and due_end > start + 2 * HOUR:  # in time
                lo = min(start + 4 * HOUR, due_end - HOUR)
                at = cal.office(lo + rng.randrange(max(HOUR, due_end - lo)))
                return min(at, due_end - 1800) if at > due_end else at
            return cal.office(due_end + rng.randrange(DAY, 8 * DAY))

        def inform(at: int) -> int:
            ev("informed", at, self.informed_data[rng.randrange(5)])
            c.update(status="informed", informed_at=at, due=None, prov=False)
            return at

        def close(at: int) -> int:
            ev("closed", at)
            c.update(status="closed", closed_at=at, due=None, prov=False)
            return at

        rating: tuple | None = None
        try:
            if outcome == "resolved_on_site":
                c.update(status="closed", closed_at=sec)
                ev("resolved_on_site", sec)
            else:
                if outcome == "time_limited":
                    c.update(status="in_progress", due=due_day)
                    ev("referred" if by_regulator else "promised", sec, f'{{"due_date": "{day_str(due_day)}"}}')
                    t = sec
                else:
                    due, prov = cal.due("complaint.decision", local_day(sec))
                    c.update(status="received", due=due, prov=prov)
                    data = f'{{"due_date": "{day_str(due)}", "company_id": {company}, "handled_by": "{handled_by}"}}'
                    ev("received", sec, data, who=None if channel == ONLINE else w.officer_id)
                    r = rng.random()
                    if r < 0.06:  # not accepted: a court judgment, no contact details
                        t = ev("not_accepted", cal.office(sec + rng.randrange(4 * HOUR, 5 * DAY)), NOT_ACCEPTED_DATA)
                        c.update(status="not_accepted", due=None, prov=False)
                        close(cal.office(t + rng.randrange(DAY, 4 * DAY)))
                        raise Stop
                    t = ev("accepted", cal.office(sec + rng.randrange(2 * HOUR, 2 * DAY)))
                    c["status"] = "in_progress"
                if rng.random() < 0.03:
                    due, prov = cal.due("complaint.decision_complex", local_day(sec))
                    t = ev(
                        "extended",
                        cal.office(t + rng.randrange(2 * DAY, 8 * DAY)),
                        EXTENDED_DATA % day_str(due),
                    )
                    c.update(extension="complex", due=due, prov=prov)
                if rng.random() < 0.05 and outcome != "time_limited":
                    t = ev("withdrawn", cal.office(t + rng.randrange(DAY, 10 * DAY)), WITHDRAWN_DATA, who=None)
                    c.update(status="closed", closed_at=t, due=None, prov=False)
                    raise Stop
                if rng.random() < 0.003:  # a backlog that never moved
                    raise Stop
                t = decide(decision_time(t))
                t = inform(cal.office(t + rng.randrange(1200, 20 * HOUR)))
                if rng.random() < (0.25 if channel == ONLINE else 0.04):
                    solved = rng.random() < (0.35 if c["decision"] == "not_upheld" else 0.85)
                    sat = rng.choice((4, 5, 5, 5, 3) if solved else (1, 2, 2, 3))
                    at = t + rng.randrange(HOUR, 5 * DAY)
                    ev(
                        "rated",
                        at,
                        f'{{"by": "consumer", "solved": {"true" if solved else "false"}, "satisfaction": {sat}}}',
                        who=None,
                    )
                    comment = rng.choice(self.p.comments) if rng.random() < 0.4 else ""
                    rating = (solved, sat, comment, c["decided_at"], at)
                r = rng.random()
                if r < 0.03:
                    asked = ev("review_requested", cal.office(t + rng.randrange(2 * DAY, 12 * DAY)), REVIEW_DATA)
                    due, prov = cal.due("complaint.review_decide", local_day(asked))
                    c.update(status="in_review", due=due, prov=prov)
                    t = decide(cal.office(asked + rng.randrange(5 * DAY, 20 * DAY)), review=True)
                    t = inform(cal.office(t + rng.randrange(1800, DAY)))
                elif r < 0.045 and w.mediation:
                    started = ev(
                        "mediation_started", cal.office(t + rng.randrange(3 * DAY, 10 * DAY)), self.mediation_data
                    )
                    c.update(status="in_mediation", mediation=w.mediation[0], due=None, prov=False)
                    t = decide(cal.office(started + rng.randrange(10 * DAY, 30 * DAY)), mediated=True)
                    t = inform(cal.office(t + rng.randrange(1800, DAY)))
                if by_regulator and rng.random() < 0.1:
                    ev("referred_for_enforcement", cal.office(t + rng.randrange(DAY, 20 * DAY)), ENFORCEMENT_DATA)
                if rng.random() < 0.01:  # informed, never closed
                    raise Stop
                close(cal.office(t + rng.randrange(2 * DAY, 8 * DAY)))
        except Stop:
            pass
        if events:
            events.sort(key=lambda e: e[1])
        last = max((e[1] for e in events), default=sec)
        status = c["status"]
        self.statuses[status] += 1
        due = c["due"]
        dec_at, inf_at, cl_at = c["decided_at"], c["informed_at"], c["closed_at"]
        out["cases_case"].append(
            self.t["cases_case"].line(
                (
                    str(cid),
                    str(vid),
                    tracking,
                    status,
                    handled_by,
                    str(site_id) if site_id else NULL,
                    city,
                    str(company),
                    str(head_id),
                    NULL,  # bureau: only for a case without a city
                    "t" if outcome == "resolved_on_site" else "f",
                    "t" if outcome == "time_limited" else "f",
                    "t" if has_phone else "f",
                    ts(sec),
                    day_str(due) if due is not None else NULL,
                    ts(end_of_local_day(due)) if due is not None else NULL,
                    "t" if c["prov"] else "f",
                    category,
                    nature,
                    c["extension"],
                    c["decision"],
                    c["amount"],
                    c["reply"],
                    ts(dec_at) if dec_at else NULL,
                    NULL if c["in_time"] is None else ("t" if c["in_time"] else "f"),
                    ts(inf_at) if inf_at else NULL,
                    NULL,  # escalated_at
                    str(c["mediation"]) if c["mediation"] else NULL,
                    ts(cl_at) if cl_at else NULL,
                    ts(last),
                )
            )
        )
        table = self.t["cases_caseevent"]
        ev_rows = out["cases_caseevent"]
        for type_, at, who, data in events:
            ev_rows.append(
                table.line(
                    (str(self.ids.take("cases_caseevent")), str(cid), type_, str(who) if who else NULL, data, ts(at))
                )
            )
        self.stats["events"] += len(events)
        for type_, *_rest in events:
            if type_ in ("review_requested", "mediation_started"):
                self.stats[f"cases.{type_}"] += 1
        if rating:
            solved, sat, comment, decided_at, at = rating
            out["cases_rating"].append(
                self.t["cases_rating"].line(
                    (
                        str(self.ids.take("cases_rating")),
                        str(cid),
                        "t" if solved else "f",
                        str(sat),
                        comment,
                        ts(decided_at),
                        ts(at),
                    )
                )
            )
            self.stats["ratings"] += 1
        if status in HANDLED and handled_by == "company":
            quarter = EPOCH + timedelta(days=local_day(sec))
            qkey = (quarter.year, (quarter.month - 1) // 3)
            stratum = outcome or c["decision"] or "not_accepted"
            key = (qkey, head_id, stratum)
            self.strata_counts[key] += 1
            kept = self.strata_sample.setdefault(key, [])
            if len(kept) < 2:
                kept.append((cid, sec))
            elif rng.random() < 0.01:
                kept[rng.randrange(2)] = (cid, sec)
        if status == "closed" and has_phone and cl_at and rng.random() < 0.08:
            self.callback(out, cid, camp.id if camp else None, cl_at)

    def callback(self, out, cid: int, campaign_id: int | None, closed_at: int) -> None:
        rng, now, officer = self.rng, self.now, self.w.officer_id
        created = closed_at + rng.randrange(DAY, 10 * DAY)
        if created > now:
            return
        cb = self.ids.take("oversight_callback")
        recent = now - created < 14 * DAY
        r = rng.random()
        status = (
            "pending"
            if (recent and r < 0.6) or (not recent and r < 0.12)
            else ("unreachable" if r > 0.93 else "reached")
        )
        attempts = []
        t = created + rng.randrange(HOUR, 3 * DAY)
        solved = sat = NULL
        comment = ""
        done = done_by = NULL
        if status != "pending":
            fails = rng.choice((0, 0, 0, 1, 1, 2)) if status == "reached" else 3
            for _ in range(fails):
                attempts.append((rng.choice(("no_answer", "no_answer", "busy", "wrong_number")), "无人接听", t))
                t += rng.randrange(HOUR, 2 * DAY)
            if t > now:
                status, attempts = "pending", []
            else:
                if status == "reached":
                    attempts.append(("reached", "", t))
                    if rng.random() < 0.95:
                        s = rng.random() < 0.8
                        solved, sat = ("t" if s else "f"), str(rng.choice((5, 5, 4, 4, 3) if s else (1, 2, 3)))
                        comment = rng.choice(self.p.comments) if rng.random() < 0.85 else ""
                done, done_by = ts(t), str(officer)
        out["oversight_callback"].append(
            self.t["oversight_callback"].line(
                (
                    str(cb),
                    str(cid),
                    str(campaign_id) if campaign_id else NULL,
                    status,
                    str(officer) if status != "pending" else NULL,
                    solved,
                    sat,
                    comment,
                    ts(created),
                    done,
                    done_by,
                )
            )
        )
        for result, note, at in attempts:
            out["oversight_callattempt"].append(
                self.t["oversight_callattempt"].line(
                    (
                        str(self.ids.take("oversight_callattempt")),
                        str(cb),
                        result,
                        note if result != "reached" else "",
                        str(officer),
                        ts(at),
                    )
                )
            )
        self.stats["callbacks"] += 1
        self.stats["call_attempts"] += len(attempts)

    # -- after the cases: spot checks and company figures --

    def spot_checks(self) -> list[tuple[Table, list[str]]]:
        rng, w = self.rng, self.w
        quarters = sorted({k[0] for k in self.strata_counts})
        wanted = min(len(quarters), max(2, self.args.cases // 25000))
        chosen = sorted(rng.sample(quarters, wanted)) if quarters else []
        sc_rows, item_rows = [], []
        for year, q in chosen:
            since = date(year, 3 * q + 1, 1)
            until = (date(year + (q == 3), (3 * q + 3) % 12 + 1, 1)) - timedelta(days=1)
            drawn_at = to_sec(datetime(until.year, until.month, until.day, 10, tzinfo=UTC)) + 20 * DAY
            if drawn_at > self.now:
                continue
            keys = sorted(k for k in self.strata_counts if k[0] == (year, q))
            sid = self.ids.take("oversight_spotcheck")
            strata = [{"company_id": k[1], "outcome": k[2], "population": self.strata_counts[k]} for k in keys]
            population = sum(self.strata_counts[k] for k in keys)
            position = 0
            for k in keys:
                for case_id, opened_at in self.strata_sample[k]:
                    position += 1
                    checked = rng.random() < 0.85
                    improper = checked and rng.random() < 0.05
                    item_rows.append(
                        self.t["oversight_spotcheckitem"].line(
                            (
                                str(self.ids.take("oversight_spotcheckitem")),
                                str(sid),
                                str(case_id),
                                ts(opened_at),
                                str(position),
                                str(k[1]),
                                k[2],
                                ("improper" if improper else "proper") if checked else "",
                                "答复未告知消费者申请核查和调解的途径。" if improper else "",
                                "",
                                str(w.officer_id) if checked else NULL,
                                ts(drawn_at + rng.randrange(DAY, 20 * DAY)) if checked else NULL,
                            )
                        )
                    )
            sc_rows.append(
                self.t["oversight_spotcheck"].line(
                    (
                        str(sid),
                        esc(f"{year}年第{q + 1}季度投诉处理情况抽查"),
                        str(w.bureau_id),
                        NULL,
                        since.isoformat(),
                        until.isoformat(),
                        f"scale-{self.args.seed}-{year}q{q + 1}",
                        "count",
                        "2",
                        str(population),
                        jdump(strata),
                        str(w.officer_id),
                        ts(drawn_at),
                    )
                )
            )
            self.stats["spot_checks"] += 1
        self.stats["spot_check_items"] = len(item_rows)
        return [(self.t["oversight_spotcheck"], sc_rows), (self.t["oversight_spotcheckitem"], item_rows)]

    def company_figures(self, existing: set) -> list[tuple[Table, list[str]]]:
        rng, w = self.rng, self.w
        rows = []
        first = EPOCH + timedelta(days=local_day(self.args.start_sec))
        last = EPOCH + timedelta(days=local_day(self.now))
        year, q = first.year, (first.month - 1) // 3
        imported = ts(self.now)
        while True:
            start = date(year, 3 * q + 1, 1)
            end = date(year + (q == 3), (3 * q + 3) % 12 + 1, 1) - timedelta(days=1)
            if end >= last:
                break
            for h in w.heads.values():
                if (h.id, start, end) in existing:
                    continue
                rank = getattr(h.insurer, "rank", 40)
                premium = 4e9 / (rank + 2) * GROWTH ** (year - first.year) * rng.uniform(0.85, 1.15)
                policies = int(premium / (3000 if h.life else 1500))
                rows.append(
                    self.t["oversight_companyfigures"].line(
                        (
                            str(self.ids.take("oversight_companyfigures")),
                            str(w.bureau_id),
                            str(h.id),
                            start.isoformat(),
                            end.isoformat(),
                            f"{premium:.2f}",
                            str(policies),
                            str(int(policies * 1.5)),
                            "bench/scale.py（生成数据，非真实统计）",
                            imported,
                        )
                    )
                )
            year, q = (year + 1, 0) if q == 3 else (year, q + 1)
        self.stats["company_figures"] = len(rows)
        return [(self.t["oversight_companyfigures"], rows)]


COLUMNS = {
    "intake_visit": [
        "id", "kind", "channel", "campaign_id", "site_id", "city_id", "visitor_name", "visitor_phone",
        "visitor_id_number", "visitor_phone_index", "company_id", "company_root_id", "practitioner_id",
        "product_line_id", "summary", "outcome", "due_date", "handled_by", "tracking_no", "secret_code",
        "received_at", "created_by_id", "created_at",
    ],
    "cases_case": [
        "id", "visit_id", "tracking_no", "status", "handled_by", "site_id", "city_id", "company_id",
        "company_root_id", "bureau_id", "resolved_on_site", "time_limited", "has_phone", "opened_at", "due_date",
        "due_at", "due_provisional",
        "category", "nature", "extension", "decision", "amount_paid", "reply", "decided_at", "decided_in_time",
        "informed_at", "escalated_at", "mediation_body_id", "closed_at", "updated_at",
    ],
    "cases_caseevent": ["id", "case_id", "type", "actor_id", "data", "created_at"],
    "cases_rating": ["id", "case_id", "solved", "satisfaction", "comment", "decided_at", "rated_at"],
    "oversight_callback": [
        "id", "case_id", "campaign_id", "status", "assigned_to_id", "solved", "satisfaction", "comment",
        "created_at", "completed_at", "completed_by_id",
    ],
    "oversight_callattempt": ["id", "callback_id", "result", "note", "by_id", "at"],
    "oversight_spotcheck": [
        "id", "title", "bureau_id", "campaign_id", "since", "until", "seed", "size_mode", "size_value",
        "population", "strata", "drawn_by_id", "drawn_at",
    ],
    "oversight_spotcheckitem": [
        "id", "spot_check_id", "case_id", "case_opened_at", "position", "stratum_company_id", "stratum_outcome",
        "finding",
        "reasons", "follow_up", "checked_by_id", "checked_at",
    ],
    "oversight_companyfigures": [
        "id", "bureau_id", "company_id", "period_start", "period_end", "premium", "policies", "insured_persons",
        "source", "imported_at",
    ],
}  # fmt: skip


# ---- loading ------------------------------------------------------------------------------------


def copy_rows(conn, blocks: list[tuple[Table, list[str]]]) -> None:
    with conn.cursor() as cur:
        for table, rows in blocks:
            t0 = time.perf_counter()
            with cur.copy(table.copy_sql) as cp:
                for i in range(0, len(rows), 5000):
                    cp.write("".join(rows[i : i + 5000]))
            table.seconds += time.perf_counter() - t0
            table.rows += len(rows)


def run_load(conn, gen: Generator, schedule: list[int], chunk: int) -> None:
    """The producer thread turns the schedule into rows while this thread COPYs the previous
    chunk: Python and PostgreSQL work on the two cores at once."""
    q: queue.Queue = queue.Queue(maxsize=2)
    failure: list[BaseException] = []

    def produce() -> None:
        try:
            for i in range(0, len(schedule), chunk):
                q.put(gen.chunk(schedule[i : i + chunk]))
        except BaseException as e:  # handed to the main thread
            failure.append(e)
        finally:
            q.put(None)

    producer = threading.Thread(target=produce, name="scale-producer", daemon=True)
    producer.start()
    done, started = 0, time.perf_counter()
    while True:
        blocks = q.get()
        if blocks is None:
            break
        with conn.transaction():
            copy_rows(conn, blocks)
        done += sum(len(rows) for t, rows in blocks if t.name == "intake_visit")
        elapsed = time.perf_counter() - started
        log(f"  {done:,}/{len(schedule):,} visits ({elapsed:.0f} s, {done / max(elapsed, 1e-9):,.0f} visits/s)")
    producer.join()
    if failure:
        raise failure[0]


def set_sequences(cursor, tables: list[str]) -> None:
    for t in tables:
        cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [t])
        seq = cursor.fetchone()[0]
        if seq:
            cursor.execute(f"SELECT setval(%s, GREATEST((SELECT COALESCE(MAX(id), 0) FROM {t}), 1))", [seq])  # noqa: S608


def column_exists(cursor, table: str, column: str) -> bool:
    cursor.execute(
        "SELECT 1 FROM information_schema.columns WHERE table_schema = current_schema() "
        "AND table_name = %s AND column_name = %s",
        [table, column],
    )
    return cursor.fetchone() is not None


def command_named(name: str) -> str | None:
    """How `ombud help` lists a management command (with - or _), or None."""
    from django.core.management import get_commands

    commands = get_commands()
    return next((n for n in (name, name.replace("-", "_")) if n in commands), None)


def main() -> int:
    p = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--cases", type=int, required=True, help="cases to add (each with its complaint visit)")
    p.add_argument("--seed", type=int, default=11)
    p.add_argument("--years", type=float, default=10.0, help="the period the new rows span, ending now (default 10)")
    p.add_argument("--now", default="", help="the end of the period, ISO 8601 with zone (default: now)")
    p.add_argument(
        "--campaign1-share",
        type=float,
        default=0.05,
        help="share of the campaign visits that go to the demo's campaign 1 (default 0.05; 0 = none)",
    )
    p.add_argument("--chunk", type=int, default=60000, help="visits per transaction (default 60,000)")
    p.add_argument(
        "--skip-fk-checks",
        action="store_true",
        help="session_replication_role=replica while copying (no foreign-key triggers; faster, needs a superuser)",
    )
    p.add_argument("--no-analyze", action="store_true")
    args = p.parse_args()
    if args.cases < 1:
        p.error("--cases must be at least 1")
    if not 0 <= args.campaign1_share <= 1:
        p.error("--campaign1-share is between 0 and 1")
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        p.error("DATABASE_URL must name a PostgreSQL database (COPY, sequences, pg_total_relation_size)")

    phases: dict[str, float] = {}
    t0 = time.perf_counter()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ombud.settings")
    import django

    django.setup()
    from django.db import connection

    from ombud import keyring

    message = keyring.check_key()
    if message:
        sys.stderr.write(message + "\n")
        return 3
    now = datetime.fromisoformat(args.now) if args.now else datetime.now(UTC)
    if now.tzinfo is None:
        p.error("--now needs a zone, e.g. 2026-12-07T12:00:00+08:00")
    args.now_sec = to_sec(now)
    args.start_sec = args.now_sec - int(args.years * 365.25 * DAY)
    rng = random.Random(args.seed)

    log(
        f"Database {connection.settings_dict['NAME']}: adding {args.cases:,} cases "
        f"over {args.years:g} years to {now:%Y-%m-%d %H:%M} UTC"
    )
    world = load_world(rng)
    ensure_campaigns(world, args.start_sec, args.now_sec - 600)
    cal = Calendar()
    phases["directory and campaigns"] = time.perf_counter() - t0

    t = time.perf_counter()
    pools = make_pools(world, random.Random(args.seed + 2))
    phases["pools (texts, encryption)"] = time.perf_counter() - t
    log(
        f"  pools: {len(pools.names)} names, {len(pools.phones)} phones, "
        f"{sum(map(len, pools.complaints.values()))} complaint texts ({phases['pools (texts, encryption)']:.1f} s)"
    )

    connection.ensure_connection()
    conn = connection.connection  # psycopg 3
    conn.autocommit = True
    with conn.cursor() as cur:
        tables = {name: Table(cur, name, cols) for name, cols in COLUMNS.items()}
        ids = Ids(cur, list(tables))
        cur.execute("SELECT tracking_no FROM intake_visit")
        taken = {r[0] for r in cur.fetchall()}
        cur.execute(
            "SELECT company_id, period_start, period_end FROM oversight_companyfigures WHERE bureau_id = %s",
            [world.bureau_id],
        )
        figures_taken = set(cur.fetchall())
        if args.skip_fk_checks:
            cur.execute("SET session_replication_role = replica")

    gen = Generator(args, world, pools, cal, tables, ids, taken)
    t = time.perf_counter()
    schedule = gen.schedule()
    phases["schedule"] = time.perf_counter() - t
    log(f"  schedule: {len(schedule):,} visits in time order ({phases['schedule']:.1f} s)")

    t = time.perf_counter()
    run_load(conn, gen, schedule, args.chunk)
    del schedule
    phases["visits, cases, events, ratings, call-backs (COPY)"] = time.perf_counter() - t
    t = time.perf_counter()
    with conn.transaction():
        copy_rows(conn, gen.spot_checks() + gen.company_figures(figures_taken))
    phases["spot checks, company figures"] = time.perf_counter() - t

    with conn.cursor() as cur:
        if args.skip_fk_checks:
            cur.execute("SET session_replication_role = DEFAULT")
        t = time.perf_counter()
        set_sequences(cur, list(tables))
        phases["sequences"] = time.perf_counter() - t

        flags = [
            (col, etype)
            for col, etype in (("had_review", "review_requested"), ("had_mediation", "mediation_started"))
            if column_exists(cur, "cases_case", col)
        ]
        if flags:
            t = time.perf_counter()
            # Only the cases that had such an event: the others keep the column's default
            # (false), and an UPDATE of every row would rewrite the whole table.
            sets = ", ".join(f"{col} = x.{col}" for col, _e in flags)
            aggs = ", ".join(f"bool_or(type = '{etype}') AS {col}" for col, etype in flags)
            types = ", ".join(f"'{etype}'" for _c, etype in flags)
            cur.execute(
                f"UPDATE cases_case c SET {sets} FROM (SELECT case_id, {aggs} FROM cases_caseevent "  # noqa: S608
                f"WHERE type IN ({types}) GROUP BY case_id) x WHERE x.case_id = c.id"
            )
            phases[f"UPDATE {', '.join(c for c, _ in flags)}"] = time.perf_counter() - t
    connection.close()

    rebuild = command_named("rebuild-rollups")
    if rebuild:
        t = time.perf_counter()
        subprocess.run([sys.executable, "-m", "ombud.cli", rebuild], cwd=ROOT, check=True)  # noqa: S603
        phases["ombud rebuild-rollups"] = time.perf_counter() - t
    else:
        log("  (no `ombud rebuild-rollups` command in this code: no rollups to rebuild)")
    if not args.no_analyze:  # last: the rollups too
        t = time.perf_counter()
        with connection.cursor() as cur:
            cur.execute("ANALYZE")
        phases["ANALYZE"] = time.perf_counter() - t
        connection.close()

    total = time.perf_counter() - t0
    report(args, gen, tables, phases, total)
    return 0


def report(args, gen: Generator, tables: dict[str, Table], phases: dict[str, float], total: float) -> None:
    from django.db import connection

    s = gen.stats
    cases = args.cases
    log("")
    log(
        f"Added {cases:,} cases, {tables['intake_visit'].rows:,} visits, "
        f"{s['events']:,} events ({s['events'] / cases:.2f} per case)"
    )
    log("  statuses: " + ", ".join(f"{k} {v:,}" for k, v in gen.statuses.most_common()))
    log(
        "  visits: "
        + ", ".join(f"{k.removeprefix('visits.')} {v:,}" for k, v in sorted(s.items()) if k.startswith("visits."))
    )
    log(
        f"  reviews {s['cases.review_requested']:,}, mediations {s['cases.mediation_started']:,}, "
        f"ratings {s['ratings']:,}, "
        f"call-backs {s['callbacks']:,} ({s['call_attempts']:,} attempts), spot checks {s['spot_checks']:,} "
        f"({s['spot_check_items']:,} items), company figures {s['company_figures']:,}"
    )
    log("")
    log("| phase | seconds |")
    log("|---|---|")
    for name, secs in phases.items():
        log(f"| {name} | {secs:.1f} |")
    log(f"| **total** | **{total:.1f}** |")
    log("")
    log("| table | rows added | COPY s | rows/s | total size |")
    log("|---|---|---|---|---|")
    with connection.cursor() as cur:
        for name, t in tables.items():
            cur.execute("SELECT pg_total_relation_size(%s)", [name])
            size = cur.fetchone()[0]
            rate = t.rows / t.seconds if t.seconds else 0
            log(f"| {name} | {t.rows:,} | {t.seconds:.1f} | {rate:,.0f} | {size / 2**20:,.0f} MB |")
        cur.execute("SELECT pg_database_size(current_database())")
        log(f"| database | | | | {cur.fetchone()[0] / 2**20:,.0f} MB |")


if __name__ == "__main__":
    sys.exit(main())
