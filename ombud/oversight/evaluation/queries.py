"""The reads of the company evaluation: the scorecard of a period and the periods with figures.

Metrics (RULES.md "Published metrics"), each with a weight that is data (`EvaluationWeight`,
seeded by migration 0002 with the CIRC 2013 points where known):

    volume             complaints opened in the period                         lower is better
    per_100m_premium   complaints per ¥100 million of premium (件/亿元)         lower is better
    per_10k_policies   complaints per 10,000 policies (件/万张)                 lower is better
    per_10k_insured    complaints per 10,000 insured persons (life insurers)   lower is better
    premium_change     per_100m_premium now minus in the previous period       lower is better
                       (the latest period with imported figures that ends before this one)
    timeliness         decided within the deadline / decided                   higher is better
    review_rate        reviews requested / decided                             lower is better
    mediation_rate     mediations started / decided                            lower is better
    spotcheck_pass     spot-check items handled properly / checked             higher is better
    satisfaction       mean call-back satisfaction (1–5) of reached consumers  higher is better

How the values become a score and a rank is the scoring rule (`scoring.py`). Beside the score,
each row carries the three rates (三率: response, resolution, satisfaction; consumer ratings
and call-backs), `cases.queries.three_rates`, shown but not weighted.

The case figures (volume, decisions, timeliness, reviews, mediations, the response rate) are
read from the case rollups (cases/rollups.py: `CaseMonthTally` for whole months, `CaseTally` for
the days at a period's ends), never from every case; the open
cases alone give what depends on now (overdue undecided, for the response rate).

The evaluated companies are the head offices with complaints in the caller's scope in the
period, plus those with imported figures for the period. Each figure is one SQL aggregate
grouped by company; nothing loops over cases in Python.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from ombud.cases import rollups
from ombud.cases.models import Case
from ombud.cases.queries import Answers, cases_for, three_rates
from ombud.directory.access import Scope, require_regulator, scope_for, sees_everything
from ombud.directory.models import Organization, User
from ombud.errors import InvalidInput
from ombud.oversight.evaluation.scoring import FOUR_PLACES, CompanyScore, MetricScore, score
from ombud.oversight.models import CompanyFigures, EvaluationWeight
from ombud.oversight.spotchecks.queries import pass_rates
from ombud.timebounds import EARLIEST_DAY, LATEST_DAY

HUNDRED_MILLION = Decimal(100_000_000)
TEN_THOUSAND = Decimal(10_000)


@dataclass(frozen=True)
class Period:
    start: date
    end: date  # inclusive

    @property
    def starts_at(self) -> datetime:
        """Midnight (Asia/Shanghai, TIME_ZONE) that starts the first day."""
        return timezone.make_aware(datetime.combine(self.start, time.min))

    @property
    def ends_at(self) -> datetime:
        """Midnight (Asia/Shanghai) that ends the last day: an exclusive bound."""
        return timezone.make_aware(datetime.combine(self.end + timedelta(days=1), time.min))


@dataclass
class Scorecard:
    period: Period
    weights: list[EvaluationWeight]
    rows: list[CompanyScore]

    def as_dict(self) -> dict[str, Any]:
        """Plain data for the API, exports and frozen published reports."""
        zh = (get_language() or "").startswith("zh")
        return {
            "period": {"start": self.period.start.isoformat(), "end": self.period.end.isoformat()},
            "metrics": [
                {
                    "metric": w.metric,
                    "name": w.name_zh if zh else w.name_en,
                    "weight": str(w.weight),
                    "higher_is_better": w.higher_is_better,
                }
                for w in self.weights
            ],
            "rows": [
                {
                    "rank": r.rank,
                    "company_id": r.company_id,
                    "company_name": r.company_name,
                    "complaints": r.complaints,
                    "score": str(r.score),
                    "rates": r.rates,
                    "metrics": {
                        code: {
                            "value": _str(m.value),
                            "scaled": _str(m.scaled),
                            "points": _str(m.points),
                        }
                        for code, m in r.metrics.items()
                    },
                }
                for r in self.rows
            ],
        }


def _str(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _ratio(numerator: int | Decimal, denominator: int | Decimal) -> Decimal | None:
    if not denominator:
        return None
    return (Decimal(numerator) / Decimal(denominator)).quantize(FOUR_PLACES, ROUND_HALF_UP)


def parse_period(start: date | None, end: date | None) -> Period:
    errors = {}
    if start is None:
        errors["period_start"] = _("Give the first day of the period.")
    if end is None:
        errors["period_end"] = _("Give the last day of the period.")
    for name, day in (("period_start", start), ("period_end", end)):
        if day and not (EARLIEST_DAY <= day <= LATEST_DAY):
            errors[name] = _("Give a date between 2000 and 2099.")
    if errors:
        raise InvalidInput(_("The period is not valid."), fields=errors)
    if start and end and end < start:
        errors["period_end"] = _("The period ends before it starts.")
    if start and end and (end - start).days > 3660:
        errors["period_end"] = _("A period is at most ten years.")
    if errors or start is None or end is None:  # (a missing day is in `errors` already)
        raise InvalidInput(_("The period is not valid."), fields=errors)
    return Period(start, end)


def _in_period(qs: QuerySet[Case], period: Period) -> QuerySet[Case]:
    return qs.filter(opened_at__gte=period.starts_at, opened_at__lt=period.ends_at)


def _sums(
    user: User, scope: Scope, period: Period, names: tuple[str, ...], *, answers: bool = False
) -> dict[int, dict[str, int]]:
    """Per head office, the figures `names` (rollups.tally_sums' names) of the cases opened in
    the period, and with `answers` the three rates' answers (`rollups.answer_sums`): a GROUP
    BY over the month tallies of its whole months and one over the day tallies of the days at
    its ends, added here."""
    parts = rollups.split_period(period.start, period.end)
    extra = rollups.answer_sums() if answers else {}
    sources: list[QuerySet] = []
    if parts.months is not None:
        months = parts.of_months(rollups.month_tallies_for(user, scope))
        sources.append(months.values("company_root_id").annotate(**_only(rollups.month_sums(), names), **extra))
    if parts.days:
        days = parts.of_days(rollups.tallies_for(user, scope))
        sources.append(days.values("company_root_id").annotate(**_only(rollups.tally_sums(), names), **extra))
    out: dict[int, dict[str, int]] = {}
    for rows in sources:
        for r in rows.order_by():
            into = out.setdefault(r["company_root_id"], dict.fromkeys((*names, *extra), 0))
            for name in (*names, *extra):
                into[name] += r[name] or 0
    return out


def _only(sums: dict[str, Any], names: tuple[str, ...]) -> dict[str, Any]:
    return {name: sums[name] for name in names}


def _case_figures(
    user: User, scope: Scope, period: Period, now: datetime
) -> tuple[dict[int, dict[str, Any]], dict[str, dict[int, Answers]]]:
    """Per head office: complaints, decisions, in-time decisions, reviews and mediations, and
    the three rates' response figures (responded, due), from the rollups (cases/rollups.py)
    and, for what depends on now (open cases overdue undecided), the open cases; and the three
    rates' answers per source, read with them: GROUP BYs that never read every case."""
    rows: dict[int, dict[str, Any]] = {}
    names = ("opened", "decisions", "decisions_in_time", "reviews", "mediations", "responded", "owed")
    sums = _sums(user, scope, period, names, answers=True)
    answers = rollups.answers_of_rows({"company_root_id": company_id, **r} for company_id, r in sums.items())
    for company_id, r in sums.items():
        rows[company_id] = {
            "complaints": r["opened"],
            "decided": r["decisions"],
            "in_time": r["decisions_in_time"],
            "reviews": r["reviews"],
            "mediations": r["mediations"],
            "responded": r["responded"],
            "due": r["owed"],
        }
    open_cases = rollups.open_cases(_in_period(cases_for(user, scope), period))
    for r in open_cases.order_by().values("company_root_id").annotate(**rollups.open_counts(now)):
        if r["company_root_id"] in rows:  # (every open case is in its tally)
            rows[r["company_root_id"]]["due"] += r["owed_overdue"]
    return rows, answers


def _complaints(user: User, scope: Scope, period: Period) -> dict[int, int]:
    return {company_id: r["opened"] for company_id, r in _sums(user, scope, period, ("opened",)).items()}


def figures_bureau(user: User) -> int | None:
    """Whose figures a regulator reads and writes: its bureau's; a nationwide scope the
    nationwide ones (no bureau)."""
    require_regulator(user)
    return None if sees_everything(user) else user.organization_id


def _own_figures(user: User) -> QuerySet[CompanyFigures]:
    return CompanyFigures.objects.filter(bureau_id=figures_bureau(user))


def _figures(user: User, period: Period) -> dict[int, CompanyFigures]:
    rows = _own_figures(user).filter(period_start=period.start, period_end=period.end)
    return {f.company_id: f for f in rows}


def _previous_period(user: User, period: Period) -> Period | None:
    row = (
        _own_figures(user)
        .filter(period_end__lt=period.start)
        .order_by("-period_end", "-period_start")
        .values_list("period_start", "period_end")
        .first()
    )
    return Period(*row) if row else None


def _spot_checks(user: User, period: Period) -> dict[int, dict[str, Any]]:
    """Checked and proper spot-check items per head office, for cases opened in the period:
    the spot checks' own pass-rate aggregate (oversight/spotchecks/queries.py)."""
    rows = pass_rates(user, since=period.start, until=period.end)
    return {r["company_id"]: r for r in rows if r["checked"]}


def _satisfaction(answers: dict[str, dict[int, Answers]]) -> dict[int, Decimal]:
    """Per head office, the mean satisfaction (1–5) the reached call-backs gave, from the
    rollups' answers of the period (`_case_figures`)."""
    return {
        company: (Decimal(a.satisfaction_sum) / Decimal(a.satisfaction_of)).quantize(FOUR_PLACES, ROUND_HALF_UP)
        for company, a in answers.get("callbacks", {}).items()
        if a.satisfaction_of
    }


def rates_none() -> dict[str, Any]:
    """The three rates of a company without cases in the period (imported figures only)."""
    return (
        dict.fromkeys(("response_rate", "resolution_rate", "satisfaction_rate"))
        | dict.fromkeys(("responded", "due", "solved", "solved_of", "satisfied", "satisfaction_of"), 0)
        | {"ratings_answers": 0, "callbacks_answers": 0}
    )


def scorecard(user: User, period: Period) -> Scorecard:
    require_regulator(user)
    now = timezone.now()
    weights = list(EvaluationWeight.objects.all())
    scope = scope_for(user)
    scoped = cases_for(user, scope)
    cases, answers = _case_figures(user, scope, period, now)
    figures = _figures(user, period)
    before_period = _previous_period(user, period)
    previous = _complaints(user, scope, before_period) if before_period else {}
    previous_figures = _figures(user, before_period) if before_period else {}
    checks = _spot_checks(user, period)
    response = {company: (c["responded"], c["due"]) for company, c in cases.items()}
    rates = three_rates(_in_period(scoped, period), now=now, response=response, answers=answers)
    satisfaction = _satisfaction(answers)

    company_ids = set(cases) | set(figures)
    names = dict(Organization.objects.filter(pk__in=company_ids).values_list("pk", "name"))
    rows: list[CompanyScore] = []
    for company_id in company_ids:
        c = cases.get(company_id, {"complaints": 0, "decided": 0, "in_time": 0, "reviews": 0, "mediations": 0})
        f, pf = figures.get(company_id), previous_figures.get(company_id)
        per_premium = _ratio(c["complaints"] * HUNDRED_MILLION, f.premium) if f else None
        before = _ratio(previous.get(company_id, 0) * HUNDRED_MILLION, pf.premium) if pf else None
        check = checks.get(company_id)
        values = {
            "volume": Decimal(c["complaints"]),
            "per_100m_premium": per_premium,
            "per_10k_policies": _ratio(c["complaints"] * TEN_THOUSAND, f.policies) if f else None,
            "per_10k_insured": (
                _ratio(c["complaints"] * TEN_THOUSAND, f.insured_persons) if f and f.insured_persons else None
            ),
            "premium_change": (per_premium - before) if per_premium is not None and before is not None else None,
            "timeliness": _ratio(c["in_time"], c["decided"]),
            "review_rate": _ratio(c["reviews"], c["decided"]),
            "mediation_rate": _ratio(c["mediations"], c["decided"]),
            "spotcheck_pass": _ratio(check["proper"], check["checked"]) if check else None,
            "satisfaction": satisfaction.get(company_id),
        }
        rows.append(
            CompanyScore(
                company_id=company_id,
                company_name=names.get(company_id, ""),
                complaints=c["complaints"],
                metrics={w.metric: MetricScore(values.get(w.metric)) for w in weights},
                rates=rates.get(company_id) or rates_none(),
            )
        )
    score(rows, weights)
    return Scorecard(period, weights, rows)


def figure_periods(user: User) -> list[Period]:
    """The periods for which the user's bureau imported figures, newest first (the page's choices)."""
    rows = _own_figures(user).order_by("-period_start", "-period_end").values_list("period_start", "period_end")
    return [Period(s, e) for s, e in dict.fromkeys(rows)]
