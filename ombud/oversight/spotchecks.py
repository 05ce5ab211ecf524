"""Spot checks (抽查): a reproducible, stratified sample of handled cases, and the findings.

How a sample is drawn (docs/spot-checks.md has the full argument):

- The population is the handled cases of the drawer's jurisdiction, of a campaign and/or
  received in a period (`queries_spotchecks.population`).
- Strata are (company head office, outcome) (`queries_spotchecks.outcome_of`).
- Every case gets a rank: the SHA-256 hex digest of "<seed>/<tracking number>" (UTF-8). In
  each stratum the cases with the smallest ranks are the sample. The rank of a case depends
  only on the seed and its own tracking number, so the sample depends neither on the order
  the database returns rows in, nor on its collation, nor on the Python version (SHA-256 is
  a standard; Python's `random` guarantees only `random()` across versions, not `sample()`),
  and anyone can recompute it with `sha256sum`. A case added to one stratum never changes the
  sample of another.
- Size per stratum: `count` → min(size, stratum size); `percent` → ceil(stratum size × p /
  100), which is at least 1 for a non-empty stratum and never more than the stratum.
- Items are numbered 1, 2, … stratum by stratum, strata sorted by (company id, outcome in
  OUTCOMES order), and by rank within a stratum.
"""

from __future__ import annotations

import hashlib
import secrets
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ombud.campaigns.models import Campaign
from ombud.cases import lifecycle
from ombud.cases.models import Case
from ombud.cases.services import take_action
from ombud.directory.access import require_regulator, scope_for
from ombud.directory.models import User
from ombud.errors import Conflict, InvalidInput
from ombud.oversight import queries_spotchecks as q
from ombud.oversight.models import SpotCheck, SpotCheckItem

# The outcome strata, in the order strata are listed and items numbered.
OUTCOMES: dict[str, str] = {
    "resolved_on_site": gettext_lazy("resolved on site"),
    "time_limited": gettext_lazy("time-limited"),
    "upheld": gettext_lazy("upheld"),
    "partly_upheld": gettext_lazy("partly upheld"),
    "not_upheld": gettext_lazy("not upheld"),
    "not_accepted": gettext_lazy("not accepted"),
}
_OUTCOME_ORDER = {o: i for i, o in enumerate(OUTCOMES)}

SEED_MAX = 64
TITLE_MAX = 100
REASONS_MAX = 2000
COUNT_MAX = 10_000  # per stratum
SAMPLE_MAX = 2_000  # cases in one spot check: each is read by an officer

FOLLOW_UPS = {"reopen": SpotCheckItem.FollowUp.REOPENED, "refer": SpotCheckItem.FollowUp.REFERRED}


# ---- the sampler: pure functions, no database --------------------------------------------------


def rank(seed: str, tracking_no: str) -> str:
    """The position of a case in every draw with `seed`: smaller ranks are drawn first."""
    return hashlib.sha256(f"{seed}/{tracking_no}".encode()).hexdigest()


def stratum_sample_size(stratum_size: int, size_mode: str, size_value: int) -> int:
    if stratum_size <= 0:
        return 0
    if size_mode == SpotCheck.SizeMode.PERCENT:
        return min(stratum_size, -(-stratum_size * size_value // 100))  # ceil, integers only
    return min(stratum_size, size_value)


@dataclass
class Stratum:
    company_id: int
    outcome: str
    population: int = 0
    sample: list[q.Member] = field(default_factory=list)


def select(members: list[q.Member], seed: str, size_mode: str, size_value: int) -> list[Stratum]:
    """Split `members` into strata and pick each stratum's sample (see the module docstring).
    Strata come sorted by (company id, outcome); each sample is sorted by rank."""
    groups: dict[tuple[int, str], list[q.Member]] = defaultdict(list)
    for m in members:
        groups[(m.company_id, m.outcome)].append(m)
    strata = []
    for company_id, outcome in sorted(groups, key=lambda k: (k[0], _OUTCOME_ORDER.get(k[1], 99), k[1])):
        group = groups[(company_id, outcome)]
        k = stratum_sample_size(len(group), size_mode, size_value)
        ranked = sorted(group, key=lambda m: (rank(seed, m.tracking_no), m.tracking_no))
        strata.append(Stratum(company_id, outcome, len(group), ranked[:k]))
    return strata


def new_seed() -> str:
    """Eight digits, easy to read out and type again; from `secrets`, so not guessable."""
    return f"{secrets.randbelow(10**8):08d}"


# ---- drawing ------------------------------------------------------------------------------------


def _check_draw(
    *,
    title: str,
    since: date | None,
    until: date | None,
    size_mode: str,
    size_value: int | None,
    seed: str,
) -> dict[str, str]:
    errors: dict[str, str] = {}
    if len(title) > TITLE_MAX:
        errors["title"] = _("A title has at most %d characters.") % TITLE_MAX
    if size_mode not in SpotCheck.SizeMode.values:
        errors["size_mode"] = _("Use count or percent.")
    if size_value is None or size_value <= 0:
        errors["size_value"] = _("Give a sample size greater than 0.")
    elif size_mode == SpotCheck.SizeMode.PERCENT and size_value > 100:
        errors["size_value"] = _("A percentage is at most 100.")
    elif size_mode == SpotCheck.SizeMode.COUNT and size_value > COUNT_MAX:
        errors["size_value"] = _("At most %d cases per stratum.") % COUNT_MAX
    errors.update(q.check_period(since, until))
    if len(seed) > SEED_MAX:
        errors["seed"] = _("A seed has at most %d characters.") % SEED_MAX
    elif any(not ch.isprintable() for ch in seed):
        errors["seed"] = _("A seed is made of printable characters only.")
    return errors


def _default_title(campaign: Campaign | None, since: date | None, until: date | None) -> str:
    if campaign is not None:
        return (_("Spot check: %(campaign)s") % {"campaign": campaign.name})[:TITLE_MAX]
    start = since.isoformat() if since else "…"
    end = until.isoformat() if until else "…"
    return (_("Spot check: received %(start)s to %(end)s") % {"start": start, "end": end})[:TITLE_MAX]


@transaction.atomic
def draw(
    actor: User,
    *,
    title: str = "",
    campaign_id: int | None = None,
    since: date | None = None,
    until: date | None = None,
    size_mode: str,
    size_value: int | None,
    seed: str | None = None,
    now: datetime | None = None,
) -> SpotCheck:
    """Draw and store a stratified sample of handled cases (see the module docstring).

    Regulator officers and administrators only (403). A seed not given is generated and
    stored; every draw is kept, so drawing again and again until a convenient sample turns up
    would be on the record. 400 for bad input or an empty population; nothing is written then.
    """
    require_regulator(actor)  # 403
    scope = scope_for(actor)
    bureau = q.drawing_bureau(actor, scope)
    title = (title or "").strip()
    seed = (seed or "").strip() or new_seed()
    errors = _check_draw(
        title=title,
        since=since,
        until=until,
        size_mode=size_mode,
        size_value=size_value,
        seed=seed,
    )
    campaign = None
    if campaign_id is not None:
        campaign = q.campaign_in_scope(actor, campaign_id, scope)
        if campaign is None:
            errors["campaign_id"] = _("No such campaign in your jurisdiction.")
    if errors:
        raise InvalidInput(_("The sample was not drawn."), fields=errors)
    assert size_value is not None
    members = q.population(scope, campaign_id=campaign_id, since=since, until=until)
    if not members:
        raise InvalidInput(
            _("No handled cases match: there is nothing to sample. Choose another campaign or period."),
            code="empty_population",
        )
    strata = select(members, seed, size_mode, size_value)
    total = sum(len(s.sample) for s in strata)
    if total > SAMPLE_MAX:
        raise InvalidInput(
            _("The sample would have %(total)d cases; at most %(max)d can be checked in one spot check.")
            % {"total": total, "max": SAMPLE_MAX},
            fields={"size_value": _("choose a smaller size")},
        )
    spot_check = SpotCheck.objects.create(
        title=title or _default_title(campaign, since, until),
        bureau=bureau,
        campaign=campaign,
        since=since,
        until=until,
        seed=seed,
        size_mode=size_mode,
        size_value=size_value,
        population=len(members),
        strata=[{"company_id": st.company_id, "outcome": st.outcome, "population": st.population} for st in strata],
        drawn_by=actor,
        drawn_at=now or timezone.now(),
    )
    items = []
    for stratum in strata:
        items += [
            SpotCheckItem(
                spot_check=spot_check,
                case_id=m.case_id,
                position=len(items) + i + 1,
                stratum_company_id=stratum.company_id,
                stratum_outcome=stratum.outcome,
            )
            for i, m in enumerate(stratum.sample)
        ]
    SpotCheckItem.objects.bulk_create(items)
    return spot_check


@dataclass
class Redraw:
    """A spot check's sample drawn again now, from the same parameters and seed."""

    population: int
    strata: list[Stratum]
    case_ids: list[int]
    same_sample: bool


def redraw(spot_check: SpotCheck, sample_ids: list[int]) -> Redraw:
    """Draw again with the stored parameters over the population as it is now, within the
    spot check's bureau's jurisdiction. `same_sample` says whether the stored sample (case ids
    in position order) comes out again; it does not when cases joined or left the population
    since (new decisions, a case reopened by a finding)."""
    members = q.population(
        q.bureau_scope(spot_check.bureau_id),
        campaign_id=spot_check.campaign_id,
        since=spot_check.since,
        until=spot_check.until,
    )
    strata = select(members, spot_check.seed, spot_check.size_mode, spot_check.size_value)
    ids = [m.case_id for s in strata for m in s.sample]
    return Redraw(population=len(members), strata=strata, case_ids=ids, same_sample=ids == sample_ids)


def strata_table(
    items: list[SpotCheckItem], counts: dict[tuple[int, str], int], drawn: list[dict] | None = None
) -> list[dict]:
    """Per stratum: the population at the draw and now, the sample drawn, and the findings so far."""
    at_draw = {(r["company_id"], r["outcome"]): r["population"] for r in drawn or []}
    rows: dict[tuple[int, str], dict] = {}
    for (company_id, outcome), n in counts.items():
        rows[(company_id, outcome)] = {
            "company_id": company_id,
            "outcome": outcome,
            "population": n,
            "sample": 0,
            "checked": 0,
            "improper": 0,
        }
    for item in items:
        row = rows.setdefault(
            (item.stratum_company_id, item.stratum_outcome),
            {
                "company_id": item.stratum_company_id,
                "outcome": item.stratum_outcome,
                "population": 0,
                "sample": 0,
                "checked": 0,
                "improper": 0,
            },
        )
        row["sample"] += 1
        row["checked"] += item.finding != ""
        row["improper"] += item.finding == SpotCheckItem.Finding.IMPROPER
    for key in at_draw:
        rows.setdefault(
            key,
            {"company_id": key[0], "outcome": key[1], "population": 0, "sample": 0, "checked": 0, "improper": 0},
        )
    for key, row in rows.items():
        row["population_drawn"] = at_draw.get(key, 0)
    names = q.company_names({k[0] for k in rows})
    ordered = sorted(rows.values(), key=lambda r: (r["company_id"], _OUTCOME_ORDER.get(r["outcome"], 99)))
    for r in ordered:
        r["company_name"] = names.get(r["company_id"], "")
        r["outcome_label"] = str(OUTCOMES.get(r["outcome"], r["outcome"]))
    return ordered


# ---- findings -----------------------------------------------------------------------------------


@transaction.atomic
def record_finding(
    actor: User,
    item_id: int,
    *,
    finding: str,
    reasons: str = "",
    follow_up: str | None = None,
    spot_check_id: int | None = None,
    now: datetime | None = None,
) -> SpotCheckItem:
    """Record whether a sampled case was handled properly, and optionally act on it.

    `finding`: proper | improper; `reasons` are required for improper. `follow_up` (only with
    improper): "reopen" sends the case back to the handler (allowed when the case is closed or
    the consumer informed), "refer" refers a suspected violation for enforcement (allowed while
    the case is open); both through `cases.services.take_action`, with the reasons as the
    reason on the case's timeline. All in one transaction: if the follow-up is refused (409,
    403), the finding is not saved either.

    A finding may be recorded again, the last one standing, until a follow-up has been taken:
    then the case has moved on the strength of the finding, and the finding is final (409).
    """
    now = now or timezone.now()
    item = q.access_item(actor, spot_check_id, item_id, for_update=True)
    reasons = (reasons or "").strip()
    follow_up = (follow_up or "").strip() or None
    errors: dict[str, str] = {}
    if finding not in (SpotCheckItem.Finding.PROPER, SpotCheckItem.Finding.IMPROPER):
        errors["finding"] = _("Use proper or improper.")
    elif finding == SpotCheckItem.Finding.IMPROPER and not reasons:
        errors["reasons"] = _("Say why the case was not handled properly.")
    if len(reasons) > REASONS_MAX:
        errors["reasons"] = _("At most %d characters.") % REASONS_MAX
    if follow_up is not None:
        if follow_up not in FOLLOW_UPS:
            errors["follow_up"] = _("Use reopen or refer, or leave it empty.")
        elif finding != SpotCheckItem.Finding.IMPROPER:
            errors["follow_up"] = _("Only a case not handled properly is reopened or referred.")
    if errors:
        raise InvalidInput(_("The finding was not saved."), fields=errors)
    if item.follow_up:
        raise Conflict(
            _("This finding is final: the case was already %(follow_up)s on its strength.")
            % {"follow_up": item.get_follow_up_display()},
            code="finding_final",
        )
    if follow_up is not None:
        action = follow_up
        try:
            take_action(actor, item.case_id, action, {"reason": reasons}, now=now)
        except Conflict as e:
            status = Case.Status(item.case.status).label
            if e.code == "no_change":  # e.g. already referred for enforcement
                message = _("The finding was not saved: %(reason)s") % {"reason": e.message}
            elif action == "reopen":
                message = _(
                    "The finding was not saved: the case is %(status)s, and a case is reopened only when it is "
                    "closed or the consumer has been informed."
                ) % {"status": status}
            else:
                message = _(
                    "The finding was not saved: the case is %(status)s, and only an open case can be referred "
                    "for enforcement."
                ) % {"status": status}
            raise Conflict(message, fields={"follow_up": str(e.message)}, code=e.code) from None
        item.follow_up = FOLLOW_UPS[follow_up]
    item.finding, item.reasons, item.checked_by, item.checked_at = finding, reasons, actor, now
    item.save(update_fields=["finding", "reasons", "follow_up", "checked_by", "checked_at"])
    return item


def follow_ups_allowed(case_status: str) -> list[str]:
    """The follow-ups the case's lifecycle allows now (cases/lifecycle.py): what the finding
    form offers. `record_finding` checks again, through `take_action`."""
    return [f for f in FOLLOW_UPS if case_status in lifecycle.TRANSITIONS[f].sources]


# ---- the report ---------------------------------------------------------------------------------


def pass_rates(
    user: User,
    *,
    spot_check_id: int | None = None,
    campaign_id: int | None = None,
    since: date | None = None,
    until: date | None = None,
) -> list[dict]:
    """Spot-check pass rate per company (head office), one SQL aggregate.

    Counts sampled items (a case sampled by two spot checks counts twice) of cases in the
    user's scope — whichever spot check sampled them — optionally of one spot check, of the
    cases of one campaign, or of cases received (Asia/Shanghai) from `since` to `until`.
    Regulators only (403). Returns, sorted by company name:

        [{"company_id": int, "company_name": str, "sampled": int, "checked": int,
          "proper": int, "improper": int, "pass_rate": float | None}]

    `pass_rate` = proper / checked, between 0 and 1; None when nothing is checked yet.
    """
    require_regulator(user)
    errors = q.check_period(since, until)
    if errors:
        raise InvalidInput(_("Bad period."), fields=errors)
    qs = SpotCheckItem.objects.filter(scope_for(user).q("case__"))
    if spot_check_id is not None:
        qs = qs.filter(spot_check=q.access_spot_check(user, spot_check_id))
    if campaign_id is not None:
        qs = qs.filter(case__visit__campaign_id=campaign_id)
    if since is not None:
        qs = qs.filter(case__opened_at__gte=q.day_start(since))
    if until is not None:
        qs = qs.filter(case__opened_at__lt=q.day_start(until + timedelta(days=1)))
    rows = (
        qs.values("stratum_company_id", "stratum_company__name", "stratum_company__short_name")
        .annotate(
            sampled=Count("pk"),
            checked=Count("pk", filter=~Q(finding="")),
            proper=Count("pk", filter=Q(finding=SpotCheckItem.Finding.PROPER)),
            improper=Count("pk", filter=Q(finding=SpotCheckItem.Finding.IMPROPER)),
        )
        .order_by("stratum_company__name", "stratum_company_id")
    )
    return [
        {
            "company_id": r["stratum_company_id"],
            "company_name": r["stratum_company__name"],
            "company_short_name": r["stratum_company__short_name"] or r["stratum_company__name"],
            "sampled": r["sampled"],
            "checked": r["checked"],
            "proper": r["proper"],
            "improper": r["improper"],
            "pass_rate": r["proper"] / r["checked"] if r["checked"] else None,
        }
        for r in rows
    ]


# ---- one spot check as the pages and the API show it ----------------------------------------------


# Above this population, a page view does not redraw by itself (it loads and hashes the whole
# population); `verify=True` asks for it.
AUTO_VERIFY_MAX = 20_000


@dataclass
class Described:
    spot_check: SpotCheck
    items: list[SpotCheckItem]
    strata: list[dict]
    population_now: int
    again: Redraw | None  # None: not redrawn (population above AUTO_VERIFY_MAX, not asked)

    @property
    def checked(self) -> int:
        return sum(1 for i in self.items if i.finding)

    @property
    def improper(self) -> int:
        return sum(1 for i in self.items if i.finding == SpotCheckItem.Finding.IMPROPER)


def describe(user: User, spot_check_id: int, *, verify: bool | None = None) -> Described:
    """A spot check with its items, its strata table (populations now, one aggregate) and,
    when `verify` is true, or not given and the population is small, a fresh redraw
    (scoped: 403/404)."""
    spot_check = q.access_spot_check(user, spot_check_id)
    items = list(q.items_of(spot_check))
    counts = q.population_counts(
        q.bureau_scope(spot_check.bureau_id),
        campaign_id=spot_check.campaign_id,
        since=spot_check.since,
        until=spot_check.until,
    )
    if verify is None:
        verify = spot_check.population <= AUTO_VERIFY_MAX
    again = redraw(spot_check, [i.case_id for i in items]) if verify else None
    table = strata_table(items, counts, spot_check.strata)
    return Described(spot_check, items, table, sum(counts.values()), again)
