"""Reads of reports to the media: a preview, the reports a regulator manages, a public
report by its public id, and the readers' reaction counts."""

from __future__ import annotations

from django.db.models import Count, QuerySet
from django.utils.translation import gettext as _

from ombud.directory.access import require_regulator, scope_for
from ombud.directory.models import User
from ombud.errors import NotFound
from ombud.reports.models import PublishedReport, Reaction, ReportReaction
from ombud.reports.publication.poll import voter_digest, voter_id
from ombud.reports.publication.snapshot import build_snapshot


def preview(user: User, **kwargs) -> dict:
    """The snapshot `services.publish` would freeze now, not saved."""
    return build_snapshot(user, **kwargs)


def published_reports_for(user: User) -> QuerySet[PublishedReport]:
    """The reports a regulator may manage: its bureau's, or every one for a province-wide admin."""
    require_regulator(user, _("Only regulator officers publish reports."))
    qs = PublishedReport.objects.select_related("campaign", "bureau").defer("snapshot")
    if scope_for(user).everything:
        return qs
    return qs.filter(bureau=user.organization)


def public_report(public_id: str) -> PublishedReport:
    """A published, not withdrawn report by its public id; NotFound otherwise."""
    report = PublishedReport.objects.filter(public_id=public_id, withdrawn_at__isnull=True).first()
    if report is None:
        raise NotFound(_("No such report."))
    return report


def public_reports(limit: int = 50) -> list[PublishedReport]:
    """The latest published, not withdrawn reports (newest first), for the public list."""
    return list(PublishedReport.objects.filter(withdrawn_at__isnull=True).defer("snapshot")[:limit])


def reaction_counts(report: PublishedReport) -> list[dict]:
    """Every reaction with its label and count (zeros included), in a fixed order: one query."""
    counts = dict(
        ReportReaction.objects.filter(report=report).order_by().values_list("reaction").annotate(n=Count("id"))
    )
    return [{"code": code, "label": str(label), "count": counts.get(code, 0)} for code, label in Reaction.choices]


def reader_choice(report: PublishedReport, voter_token: str | None) -> str | None:
    voter = voter_id(report, voter_token)
    if voter is None:
        return None
    return (
        ReportReaction.objects.filter(report=report, voter=voter_digest(report, voter))
        .values_list("reaction", flat=True)
        .first()
    )
