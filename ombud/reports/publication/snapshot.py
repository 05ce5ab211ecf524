"""What a report to the media (向媒体公开) says: the snapshot.

`build_snapshot` is the one place that assembles what a report says — key figures, tables,
chart series, the press-release text, the evaluation ranking, spot-check and call-back
results, typical cases — as plain JSON (numbers as ints, decimal figures as strings, every
label already translated into the report's language). `services.publish` freezes it in a
`PublishedReport`; the public page, the Word document and the Excel workbook of a published
report are rendered from that snapshot alone, so new visits or decisions never change what
was published.

Nothing personal goes in: every figure is an aggregate over the publisher's scope, typical
cases come already scrubbed (oversight/typical/), and no database id is kept (companies
are named, cities carry their public GB/T 2260 code).

Snapshot layout (version 1)::

    {"version": 1, "language": "zh-hans", "kind": "campaign" | "period",
     "title": str, "subtitle": str (publisher · covers), "covers": str (region and dates),
     "publisher": str (the bureau), "generated_at": iso datetime,
     "campaign": {"name", "region", "starts_at", "ends_at"} | None,
     "period": {"since", "until"},                     # the days the figures cover
     "figures": [{"key", "label", "value"}],           # the key figures (ints)
     "press": {"title", "paragraphs": [{"heading", "text"}]},
     "tables": [{"key", "title", "sheet", "note", "columns": [{"key", "label", "type"}],
                 "rows": [[cell, ...]], "footer": [cell, ...] | None}],
     "charts": {"labels": {...}, "cities": {...}, "outcomes": [...], "ranking": {...} | None},
     "typical_cases": {"title", "items": [{"title", "company", "text", "lesson", "published_at", "path"}]}
                      | None,
     "sections": {"ranking": bool, "case_statistics": bool, ...}}

Column types: "text"; "int"; "decimal" (a string such as "3.6900"); "percent" (a ratio
between 0 and 1 as a string, "0.8750", shown as 87.5%). Empty cells are None.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from ombud import charts
from ombud.campaigns.models import Campaign
from ombud.campaigns.queries import access_campaign_in_jurisdiction
from ombud.directory.access import require_regulator
from ombud.directory.models import User
from ombud.errors import InvalidInput
from ombud.oversight.callbacks.queries import callback_report
from ombud.oversight.evaluation import queries as evaluation
from ombud.oversight.spotchecks.queries import pass_rates
from ombud.oversight.typical.queries import published_typical_cases
from ombud.reports.statistics import press
from ombud.reports.statistics.queries import COUNT_KEYS, campaign_report, case_statistics, period_report

SNAPSHOT_VERSION = 1
TITLE_MAX = 200
PERIOD_MAX_DAYS = 3660
FOUR_PLACES = Decimal("0.0001")


# ---- what is reported on --------------------------------------------------------------------


@dataclass(frozen=True)
class Subject:
    """A campaign, or a period of days (Asia/Shanghai, both ends included)."""

    kind: str
    campaign: Campaign | None
    since: date
    until: date

    @property
    def campaign_id(self) -> int | None:
        return self.campaign.pk if self.campaign else None


def _local_day(moment: datetime) -> date:
    return timezone.localdate(moment)


def subject_for(
    user: User, *, campaign_id: int | None = None, since: date | None = None, until: date | None = None
) -> Subject:
    """Check what the report is about: a campaign in the user's jurisdiction, or a period."""
    require_regulator(user, _("Only regulator officers publish reports."))
    if campaign_id is not None:
        if since is not None or until is not None:
            raise InvalidInput(
                _("Choose a campaign or a period, not both."),
                fields={"since": _("Leave the dates empty for a campaign report.")},
            )
        campaign = access_campaign_in_jurisdiction(user, campaign_id)  # another bureau's: 404
        last = campaign.ends_at - timedelta(microseconds=1)
        return Subject("campaign", campaign, _local_day(campaign.starts_at), _local_day(last))
    errors = {}
    if since is None:
        errors["since"] = _("Give the first day of the period, or choose a campaign.")
    if until is None:
        errors["until"] = _("Give the last day of the period, or choose a campaign.")
    if since and until and until < since:
        errors["until"] = _("The period ends before it starts.")
    if since and until and (until - since).days > PERIOD_MAX_DAYS:
        errors["until"] = _("A period is at most ten years.")
    if errors:
        raise InvalidInput(_("Choose a campaign or a period."), fields=errors)
    assert since is not None and until is not None  # narrowed by the checks above
    return Subject("period", None, since, until)


# ---- building the snapshot ------------------------------------------------------------------


def _dec(value: Any, places: Decimal = FOUR_PLACES) -> str | None:
    if value is None:
        return None
    return str(Decimal(str(value)).quantize(places, ROUND_HALF_UP))


def _count_labels() -> dict[str, str]:
    return {
        "visits": _("Visits"),
        "cases": _("Cases"),
        "resolved_on_site": _("Resolved on site"),
        "time_limited": _("Time-limited"),
        "referred": _("Referred"),
        "consultations": _("Consultations"),
        "suggestions": _("Suggestions"),
        "practitioners_complained": _("Practitioners"),
    }


def _figure_labels() -> dict[str, str]:
    return {
        "visits": _("Visits"),
        "cases": _("Cases (complaints)"),
        "resolved_on_site": _("Resolved on site"),
        "time_limited": _("Time-limited"),
        "referred": _("Referred for investigation"),
        "consultations": _("Consultations"),
        "suggestions": _("Suggestions"),
        "practitioners_complained": _("Practitioners complained about"),
        "sites": _("Sites"),
        "staff": _("Staff on duty"),
        "executives": _("Executives"),
        "companies": _("Companies"),
    }


def _col(key: str, label: str, type_: str = "int") -> dict:
    return {"key": key, "label": label, "type": type_}


def _table(key: str, title: str, sheet: str, columns: list[dict], rows: list[list], **extra) -> dict:
    table = {"key": key, "title": title, "sheet": sheet, "note": "", "columns": columns, "rows": rows, "footer": None}
    table.update(extra)
    return table


def _visit_report(user: User, subject: Subject) -> dict:
    """Visit counts in total, per city and per company: the campaign report, or the same
    figures for the visits received in the period (without the campaign's rosters)."""
    if subject.campaign is not None:
        return campaign_report(user, subject.campaign)
    start = timezone.make_aware(datetime.combine(subject.since, time.min))
    end = timezone.make_aware(datetime.combine(subject.until + timedelta(days=1), time.min))
    return period_report(user, start, end)


def _press(subject: Subject, report: dict) -> dict:
    paragraphs = []
    if subject.campaign is not None:
        press.with_text(subject.campaign, report)
        paragraphs.append({"heading": "", "text": report["press_release"]})
    else:
        lead = _("From %(since)s to %(until)s, the insurance regulator and insurance companies received consumers.") % {
            "since": subject.since.isoformat(),
            "until": subject.until.isoformat(),
        }
        paragraphs.append({"heading": "", "text": lead + press.totals(report)})
        for row in report["by_city"]:
            row["paragraph"] = press.city_paragraph(row)
    paragraphs.extend(
        {"heading": row["city_name"], "text": row["paragraph"]} for row in report["by_city"] if row["visits"]
    )
    return {"title": _("Press release"), "paragraphs": paragraphs}


def _visit_tables(subject: Subject, report: dict, figures: list[dict]) -> list[dict]:
    labels = _count_labels()
    count_cols = [_col(k, labels[k]) for k in COUNT_KEYS]
    totals = _table(
        "totals",
        _("Key figures"),
        _("Key figures"),
        [_col("figure", _("Figure"), "text"), _col("value", _("Number"))],
        [[f["label"], f["value"]] for f in figures],
    )
    city_cols = [_col("city", _("City"), "text"), *count_cols]
    people = subject.kind == "campaign"
    if people:
        city_cols += [_col("companies", _("Companies")), _col("staff", _("Staff")), _col("executives", _("Executives"))]

    def city_row(row: dict) -> list:
        cells = [row["city_name"], *(row[k] for k in COUNT_KEYS)]
        return [*cells, row["companies"], row["staff"], row["executives"]] if people else cells

    footer = [_("Total"), *(report[k] for k in COUNT_KEYS)]
    if people:
        footer += [report["companies"], report["staff"], report["executives"]]
    cities = _table(
        "cities",
        _("By city"),
        _("By city"),
        city_cols,
        [city_row(r) for r in report["by_city"]],
        footer=footer if report["by_city"] else None,
    )
    companies = _table(
        "companies",
        _("By company"),
        _("By company"),
        [_col("company", _("Company"), "text"), *count_cols],
        [[r["company_name"], *(r[k] for k in COUNT_KEYS)] for r in report["by_company"]],
    )
    return [totals, cities, companies]


# Scorecard metrics that are shares (shown as %) or counts; the others are ratios per premium
# or per policies, shown as decimals (oversight/evaluation/queries.py).
METRIC_TYPES = {
    "volume": "int",
    "timeliness": "percent",
    "review_rate": "percent",
    "mediation_rate": "percent",
    "spotcheck_pass": "percent",
}


def _ranking(user: User, subject: Subject) -> tuple[dict | None, dict | None]:
    card = evaluation.scorecard(user, evaluation.Period(subject.since, subject.until)).as_dict()
    if not card["rows"]:
        return None, None
    metrics = card["metrics"]
    columns = [
        _col("rank", _("Rank")),
        _col("company", _("Company"), "text"),
        # The raw count, then each scored metric with its weight: the "volume" metric is also
        # named 投诉件数, so the two columns must not share a heading.
        _col("complaints", _("Complaints in the period")),
        _col("score", _("Score"), "decimal"),
        *(
            _col(
                m["metric"],
                _("%(metric)s (weight %(weight)s)") % {"metric": m["name"], "weight": m["weight"]},
                METRIC_TYPES.get(m["metric"], "decimal"),
            )
            for m in metrics
        ),
    ]
    rows = [
        [
            r["rank"],
            r["company_name"],
            r["complaints"],
            r["score"],
            *(r["metrics"][m["metric"]]["value"] for m in metrics),
        ]
        for r in card["rows"]
    ]
    note = _(
        "Each metric is scaled across the companies; the score is the points earned over the weights of the "
        "metrics a company has figures for, out of 100. Weights: %(weights)s."
    ) % {"weights": ", ".join(f"{m['name']} {m['weight']}" for m in metrics)}
    table = _table("ranking", _("Company evaluation ranking"), _("Ranking"), columns, rows, note=note)
    chart = {
        "label": charts.label("score"),
        "names": [r["company_name"] for r in card["rows"]],
        "scores": [float(r["score"]) for r in card["rows"]],
    }
    return table, chart


def _case_tables(user: User, subject: Subject) -> list[dict]:
    stats = case_statistics(
        user,
        campaign_id=subject.campaign_id,
        since=None if subject.campaign else subject.since,
        until=None if subject.campaign else subject.until,
    )
    cols = [
        _col("opened", _("Opened")),
        _col("open", _("Open")),
        _col("overdue", _("Overdue")),
        _col("decided", _("Decided")),
        _col("decided_in_time", _("Decided in time")),
        _col("decided_in_time_pct", _("In time (%)"), "percent"),
        _col("median_days_to_decision", _("Median days to decision"), "decimal"),
        _col("reviews", _("Reviews")),
        _col("mediations", _("Mediations")),
    ]

    def cells(row: dict) -> list:
        pct = row["decided_in_time_pct"]
        return [
            row["opened"],
            row["open"],
            row["overdue"],
            row["decided"],
            row["decided_in_time"],
            _dec(Decimal(str(pct)) / 100) if pct is not None else None,
            _dec(row["median_days_to_decision"], Decimal("0.1")),
            row["reviews"],
            row["mediations"],
        ]

    if not stats["totals"]["opened"]:
        return []
    footer_label = _("Total")
    return [
        _table(
            "case_companies",
            _("Case statistics by company"),
            _("Cases by company"),
            [_col("company", _("Company"), "text"), *cols],
            [[r["company_name"], *cells(r)] for r in stats["companies"]],
            footer=[footer_label, *cells(stats["totals"])],
        ),
        _table(
            "case_cities",
            _("Case statistics by city"),
            _("Cases by city"),
            [_col("city", _("City"), "text"), *cols],
            [[r["city_name"] or _("no city"), *cells(r)] for r in stats["cities"]],
            footer=[footer_label, *cells(stats["totals"])],
        ),
    ]


def _spot_check_table(user: User, subject: Subject) -> dict | None:
    rows = pass_rates(
        user,
        campaign_id=subject.campaign_id,
        since=None if subject.campaign else subject.since,
        until=None if subject.campaign else subject.until,
    )
    if not rows:
        return None
    return _table(
        "spot_checks",
        _("Spot-check pass rate per company"),
        _("Spot checks"),
        [
            _col("company", _("Company"), "text"),
            _col("sampled", _("Sampled")),
            _col("checked", _("Checked")),
            _col("proper", _("Handled properly")),
            _col("improper", _("Not handled properly")),
            _col("pass_rate", _("Pass rate"), "percent"),
        ],
        [
            [r["company_name"], r["sampled"], r["checked"], r["proper"], r["improper"], _dec(r["pass_rate"])]
            for r in rows
        ],
        note=_("Pass rate = cases found handled properly ÷ cases checked."),
    )


def _callback_table(user: User, subject: Subject) -> dict | None:
    report = callback_report(
        user,
        campaign_id=subject.campaign_id,
        since=None if subject.campaign else subject.since,
        until=None if subject.campaign else subject.until,
    )
    if not report["by_company"]:
        return None

    def cells(f: dict) -> list:
        return [
            f["listed"],
            f["reached"],
            f["unreachable"],
            f["answered"],
            f["solved"],
            f["satisfied"],
            _dec(f["reach_rate"]),
            _dec(f["solved_rate"]),
            _dec(f["mean_satisfaction"], Decimal("0.01")),
            _dec(f["satisfied_rate"]),
        ]

    rows = sorted(report["by_company"].values(), key=lambda f: f["name"])
    return _table(
        "callbacks",
        _("Call-backs per company"),
        _("Call-backs"),
        [
            _col("company", _("Company"), "text"),
            _col("listed", _("Listed")),
            _col("reached", _("Reached")),
            _col("unreachable", _("Unreachable")),
            _col("answered", _("Answered")),
            _col("solved", _("Solved")),
            _col("satisfied", _("Satisfied (4–5)")),
            _col("reach_rate", _("Reach rate"), "percent"),
            _col("solved_rate", _("Solved rate"), "percent"),
            _col("mean_satisfaction", _("Mean satisfaction"), "decimal"),
            _col("satisfied_rate", _("Satisfied rate"), "percent"),
        ],
        [[f["name"], *cells(f)] for f in rows],
        footer=[_("Total"), *cells(report["totals"])],
        note=_(
            "Reach rate: reached among completed call-backs. Solved and satisfied: among consumers who answered "
            "the survey. Satisfied: 4 or 5 out of 5."
        ),
    )


def _typical_cases(subject: Subject) -> dict | None:
    """Published typical cases of the campaign, or published in the period: already scrubbed of
    personal data by oversight/typical/ (which refuses to publish a text that still names the
    complainant)."""
    if subject.campaign is not None:
        cases = published_typical_cases(campaign_id=subject.campaign_id)
    else:
        cases = published_typical_cases(since=subject.since, until=subject.until)
    items = [
        {
            "title": c.title,
            "company": c.company_name,
            "text": c.text,
            "lesson": c.lesson,
            "published_at": _local_day(c.published_at).isoformat() if c.published_at else None,
            "path": c.path,
        }
        for c in cases
    ]
    return {"title": _("Typical cases"), "items": items} if items else None


def _typical_table(typical: dict) -> dict:
    return _table(
        "typical_cases",
        typical["title"],
        typical["title"],
        [
            _col("title", _("Title"), "text"),
            _col("company", _("Company"), "text"),
            _col("published_at", _("Published on"), "text"),
            _col("text", _("Case"), "text"),
            _col("lesson", _("Lesson for consumers"), "text"),
        ],
        [[c["title"], c["company"], c["published_at"], c["text"], c["lesson"]] for c in typical["items"]],
    )


def _charts(report: dict, ranking: dict | None) -> dict:
    cities = report["by_city"]
    return {
        "labels": charts.labels(
            (*charts.CITY_SERIES, *charts.OUTCOME_SERIES), titles=("cities", "outcomes", "ranking")
        ),
        "cities": {
            "names": [r["city_name"] for r in cities],
            "complaint": [r["cases"] for r in cities],
            "consultation": [r["consultations"] for r in cities],
            "suggestion": [r["suggestions"] for r in cities],
        },
        "outcomes": {
            "resolved_on_site": report["resolved_on_site"],
            "time_limited_company": report["time_limited"] - report["referred"],
            "referred": report["referred"],
        },
        "ranking": ranking,
    }


def _default_title(subject: Subject) -> str:
    if subject.campaign is not None:
        return _("%(campaign)s: report to the media") % {"campaign": subject.campaign.name}
    return _("Insurance consumer complaints, %(since)s to %(until)s") % {
        "since": subject.since.isoformat(),
        "until": subject.until.isoformat(),
    }


def _covers(subject: Subject) -> str:
    if subject.campaign is not None:
        c = subject.campaign
        start, end = timezone.localtime(c.starts_at), timezone.localtime(c.ends_at)
        return f"{c.region.name} · {start:%Y-%m-%d %H:%M} – {end:%Y-%m-%d %H:%M}"
    return f"{subject.since.isoformat()} – {subject.until.isoformat()}"


def _publisher(user: User) -> str:
    org = user.organization
    return org.name if org is not None else ""


def _check_language(language: str | None) -> str:
    language = language or settings.LANGUAGE_CODE
    if language not in dict(settings.LANGUAGES):
        raise InvalidInput(_("Unknown language."), fields={"language": _("Choose one of the site's languages.")})
    return language


def build_snapshot(
    user: User,
    *,
    campaign_id: int | None = None,
    since: date | None = None,
    until: date | None = None,
    title: str = "",
    language: str | None = None,
) -> dict:
    """Everything the report page and its files show, as JSON-ready data (see the module doc)."""
    subject = subject_for(user, campaign_id=campaign_id, since=since, until=until)
    language = _check_language(language)
    title = (title or "").strip()
    if len(title) > TITLE_MAX:
        raise InvalidInput(_("The title is too long."), fields={"title": _("At most 200 characters.")})
    with translation.override(language):
        return _build(user, subject, title, language)


def _build(user: User, subject: Subject, title: str, language: str) -> dict:
    report = _visit_report(user, subject)
    labels = _figure_labels()
    keys = [*COUNT_KEYS, *(("sites", "staff", "executives", "companies") if subject.campaign else ())]
    figures = [{"key": k, "label": labels[k], "value": int(report[k])} for k in keys]
    press_text = _press(subject, report)
    tables = _visit_tables(subject, report, figures)
    ranking_table, ranking_chart = _ranking(user, subject)
    case_tables = _case_tables(user, subject)
    spot_checks = _spot_check_table(user, subject)
    callbacks = _callback_table(user, subject)
    typical = _typical_cases(subject)
    tables += [t for t in (ranking_table, *case_tables, spot_checks, callbacks) if t is not None]
    if typical:
        tables.append(_typical_table(typical))
    publisher = _publisher(user)
    covers = _covers(subject)
    campaign = subject.campaign
    return {
        "version": SNAPSHOT_VERSION,
        "language": language,
        "kind": subject.kind,
        "title": title or _default_title(subject),
        "subtitle": f"{publisher} · {covers}" if publisher else covers,
        "covers": covers,
        "publisher": publisher,
        "generated_at": timezone.now().isoformat(),
        "campaign": (
            {
                "name": campaign.name,
                "region": campaign.region.name,
                "starts_at": campaign.starts_at.isoformat(),
                "ends_at": campaign.ends_at.isoformat(),
            }
            if campaign
            else None
        ),
        "period": {"since": subject.since.isoformat(), "until": subject.until.isoformat()},
        "figures": figures,
        "press": press_text,
        "tables": tables,
        "charts": _charts(report, ranking_chart),
        "typical_cases": typical,
        "sections": {
            "ranking": ranking_table is not None,
            "case_statistics": bool(case_tables),
            "spot_checks": spot_checks is not None,
            "callbacks": callbacks is not None,
            "typical_cases": typical is not None,
        },
    }
