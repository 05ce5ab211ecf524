"""One source of what the charts say and how they look.

Words. Every series a chart draws has a key (`complaint`, `consultation`, …, `score`) and one
translated label here, and every chart one title. The live dashboard's chart data
(reports/statistics/views.py), a report snapshot's `charts.labels` (reports/publication/
snapshot.py, and so the public page and the public API) and the evaluation chart take their
words from `labels()` / `label()`, so a legend reads the same wherever the figures appear.

Colours and font. One CSS custom property per series key, `--chart-<key>` (underscores as
dashes), in static/css/ombud.css next to the site's palette; the chart scripts ask
`Ombud.charts.color(key)` (static/js/ombud.js) and name no colour themselves. A published
snapshot holds words only, so restyling never changes what was published.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

SERIES: dict[str, Promise] = {
    "complaint": _("complaints"),
    "consultation": _("consultations"),
    "suggestion": _("suggestions"),
    "resolved_on_site": _("resolved on site"),
    "time_limited_company": _("time-limited, by the company"),
    "referred": _("referred for investigation"),
    "visits": _("visits"),
    "score": _("Score"),
}

TITLES: dict[str, Promise] = {
    "cities": _("Visits by city and kind"),
    "outcomes": _("Outcome of the cases"),
    "hours": _("Visits by hour"),
    "ranking": _("Scores by company"),
}

NO_DATA = _("No data yet")

# The series each chart draws (the keys of its `--chart-*` colours).
CITY_SERIES = ("complaint", "consultation", "suggestion")
OUTCOME_SERIES = ("resolved_on_site", "time_limited_company", "referred")


def label(key: str) -> str:
    """A series' label or a chart's title in the active language."""
    return str(SERIES.get(key) or TITLES[key])


def labels(series: Iterable[str], titles: Iterable[str] = ()) -> dict[str, str]:
    """The labels of `series` and `titles` in the active language, and `no_data` (the text
    an empty chart shows)."""
    out = {key: str(SERIES[key]) for key in series}
    out.update({key: str(TITLES[key]) for key in titles})
    out["no_data"] = str(NO_DATA)
    return out
