"""The press-release text of a campaign, in the wording of the seed article.

The Chinese translations of these strings (locale/zh_Hans) reproduce the article's sentences,
e.g. 「现场共接待15307人次来访，其中，解决上访案件1540个，1240个案件得到现场解决，300个案件承诺
限时解决；接受12338人次咨询；1429人次对保险服务提出意见建议。」 Numbers come from
`reports.statistics.queries.campaign_report`; this module only phrases them.
"""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _

from ombud.campaigns.models import Campaign


def _short_city(name: str) -> str:
    return name.removesuffix("市") if len(name) > 2 else name


def lead(campaign: Campaign, report: dict) -> str:
    start = timezone.localtime(campaign.starts_at)
    text = _("From %(hour)d:00 on %(month)d/%(day)d, %(campaign)s was held simultaneously in %(cities)d cities.") % {
        "month": start.month,
        "day": start.day,
        "hour": start.hour,
        "campaign": campaign.name,
        "cities": len(report["by_city"]),
    }
    if report.get("staff"):
        text += _("%(staff)d insurance staff took part, %(executives)d of them executives.") % report
    return text


def totals(report: dict) -> str:
    return (
        _(
            "On site, %(visits)d visits were received: %(cases)d petition and complaint cases were handled, "
            "%(resolved_on_site)d of them resolved on the spot and %(time_limited)d with a promise to resolve "
            "within a time limit; %(consultations)d consultations were answered; %(suggestions)d visitors gave "
            "opinions and suggestions on insurance service."
        )
        % report
    )


def city_paragraph(row: dict) -> str:
    """One city's paragraph, in the style of the article's Maoming paragraph."""
    parts = []
    values = {**row, "city": _short_city(row["city_name"])}
    if row.get("companies"):
        parts.append(_("In %(city)s, %(companies)d insurance companies sent %(staff)d staff to the site.") % values)
    parts.append(
        _(
            "%(consultations)d residents asked about insurance and %(suggestions)d made suggestions for "
            "better insurance service;"
        )
        % values
    )
    if row["cases"] == 0:
        parts.append(_("no complaint was received."))
        return "".join(parts)
    if row["practitioners_complained"] == row["cases"]:
        parts.append(
            _("%(practitioners_complained)d insurance practitioners suspected of violations were complained about.")
            % values
        )
    else:
        parts.append(_("%(cases)d complaints were received.") % values)
    parts.append(_("Reception staff handled %(resolved_on_site)d of the complaints on the spot") % values)
    company_time_limited = row["time_limited"] - row["referred"]
    values["company_time_limited"] = company_time_limited
    if row["time_limited"] == 0:
        parts.append(_("."))
    elif row["referred"] == 0:
        parts.append(_(", and %(time_limited)d are to be resolved within a time limit.") % values)
    elif company_time_limited == 0:
        parts.append(_(", and %(referred)d complaints still to be investigated were referred for follow-up.") % values)
    else:
        parts.append(
            _(
                ", %(company_time_limited)d are to be resolved within a time limit, and %(referred)d "
                "complaints still to be investigated were referred for follow-up."
            )
            % values
        )
    return "".join(parts)


def press_release(campaign: Campaign, report: dict) -> str:
    return lead(campaign, report) + totals(report)


def with_text(campaign: Campaign, report: dict) -> dict:
    """The report with its press release and one paragraph per city added."""
    for row in report["by_city"]:
        row["paragraph"] = city_paragraph(row)
    report["press_release"] = press_release(campaign, report)
    return report
