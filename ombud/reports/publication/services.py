"""Writes of reports to the media: publish (freeze a snapshot), withdraw, and a reader's vote.

Each validates everything first (the snapshot is built, and so checked, before anything is
written), then writes in one transaction; refusals are `DomainError`s.
"""

from __future__ import annotations

import secrets
from datetime import date

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ombud.directory.models import User
from ombud.errors import Conflict, Forbidden, InvalidInput, NotFound
from ombud.portal import limits
from ombud.reports.models import PublishedReport, Reaction, ReportReaction
from ombud.reports.publication.poll import poll_limit, voter_digest, voter_id
from ombud.reports.publication.queries import published_reports_for
from ombud.reports.publication.snapshot import build_snapshot


def new_public_id() -> str:
    return secrets.token_urlsafe(12)  # 16 characters, 96 random bits


def publish(
    actor: User,
    *,
    campaign_id: int | None = None,
    since: date | None = None,
    until: date | None = None,
    title: str = "",
    language: str | None = None,
) -> PublishedReport:
    """Freeze the report as it stands now and give it a public address. Regulators only."""
    snapshot = build_snapshot(actor, campaign_id=campaign_id, since=since, until=until, title=title, language=language)
    subject_campaign = campaign_id if snapshot["kind"] == "campaign" else None
    with transaction.atomic():
        return PublishedReport.objects.create(
            public_id=new_public_id(),
            kind=snapshot["kind"],
            campaign_id=subject_campaign,
            since=None if subject_campaign else since,
            until=None if subject_campaign else until,
            title=snapshot["title"],
            language=snapshot["language"],
            snapshot=snapshot,
            bureau=actor.organization,
            published_by=actor,
            published_at=timezone.now(),
        )


def withdraw(actor: User, public_id: str) -> PublishedReport:
    """Take a report off the public site (its address then answers 404). Kept for the record."""
    with transaction.atomic():
        try:
            report = published_reports_for(actor).select_for_update(of=("self",)).get(public_id=public_id)
        except PublishedReport.DoesNotExist:
            raise NotFound(_("No such published report.")) from None
        if report.withdrawn_at is not None:
            raise Conflict(_("This report was already withdrawn."), code="already_withdrawn")
        report.withdrawn_at, report.withdrawn_by = timezone.now(), actor
        report.save(update_fields=["withdrawn_at", "withdrawn_by"])
    return report


def react(report: PublishedReport, voter_token: str | None, reaction: str, *, address: str) -> ReportReaction:
    """Record a reader's reaction. One per reader id and report (a unique constraint): voting
    again changes it. Every vote from an address on a report counts against `poll_limit()`,
    refused ones included; a vote without a reader id this server issued for this report is
    refused (`Forbidden`), and so counts nothing (reports/publication/poll.py)."""
    if report.withdrawn_at is not None:
        raise NotFound(_("No such report."))
    per_address, scope_key = poll_limit(), f"{report.public_id}\x00{address}"
    if limits.hit(per_address, scope_key) > per_address.limit:
        raise limits.refusal(
            per_address,
            scope_key,
            _("Too many votes on this report have come from your network. Please try again after %(time)s."),
            code="too_many_votes",
        )
    if reaction not in Reaction.values:
        raise InvalidInput(_("Choose one of the reactions."), fields={"reaction": _("unknown reaction")})
    voter_value = voter_id(report, voter_token)
    if voter_value is None:
        raise Forbidden(
            _("Your browser did not send the reader cookie of this report. Reload the page and vote again."),
            code="no_reader_id",
        )
    voter, now = voter_digest(report, voter_value), timezone.now()
    for _attempt in range(2):
        try:
            with transaction.atomic():
                updated = ReportReaction.objects.filter(report=report, voter=voter).update(
                    reaction=reaction, updated_at=now
                )
                if not updated:
                    ReportReaction.objects.create(
                        report=report, voter=voter, reaction=reaction, created_at=now, updated_at=now
                    )
                return ReportReaction.objects.get(report=report, voter=voter)
        except IntegrityError:
            continue  # the same reader voted twice at once: the second attempt updates
    raise Conflict(_("Your reaction could not be recorded; please try again."))
