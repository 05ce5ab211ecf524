"""Attendance at a site: check-in and check-out of rostered people, and a whole sign-in sheet.

Rules (docs/attendance.md):
- Who: the rostered person themselves (their `Staff.user`), the staff of that site (site
  staff rostered there), or a regulator whose jurisdiction covers the site's city. A company's
  handlers and executives mark only themselves: a company does not vouch for its own
  attendance. An entry the actor may not even see is a 404, one they see but may not mark 403.
- When: attendance opens `OPENS_BEFORE` the campaign starts and closes `CLOSES_AFTER` it
  ends (409 `attendance_closed` outside). The time recorded (`at`, default now) may be earlier
  than now, for a person who signed the paper sheet before the button was pressed, but never
  in the future; a check-in lies between opening and the end, a check-out between the
  check-in and closing.
- Idempotent: checking in someone already checked in changes nothing and answers the first
  check-in (`changed` False), so a double click or a client's retry is harmless, and when two
  people press at once the first wins (a conditional UPDATE). The same holds for check-out.
  Checking out someone not checked in is 409 `not_checked_in`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ombud.campaigns.models import Campaign, RosterEntry, Site
from ombud.campaigns.queries import marks_whole_site, visible_roster
from ombud.directory.access import has_role, scope_for
from ombud.directory.models import User
from ombud.errors import Conflict, Forbidden, InvalidInput, NotFound

# Executives arrive before the doors open; the last check-outs and corrections come after.
OPENS_BEFORE = timedelta(hours=2)
CLOSES_AFTER = timedelta(hours=2)


def window(campaign: Campaign) -> tuple[datetime, datetime]:
    """When attendance may be recorded for `campaign`: [opens, closes]."""
    return campaign.starts_at - OPENS_BEFORE, campaign.ends_at + CLOSES_AFTER


def window_state(campaign: Campaign, now: datetime | None = None) -> str:
    """ "upcoming", "open" or "closed"."""
    now = now or timezone.now()
    opens, closes = window(campaign)
    if now < opens:
        return "upcoming"
    return "open" if now <= closes else "closed"


@dataclass(frozen=True)
class Marked:
    entry: RosterEntry
    changed: bool  # False when it was already done: the first time stands


def _load(actor: User, entry_id: int) -> RosterEntry:
    """The entry with its site and campaign; 404 when `actor` may not see it, 403 when they see
    it but may not mark it."""
    scope = scope_for(actor)
    entry = (
        visible_roster(actor, scope)
        .select_related("site__campaign", "site__city", "staff", "organization")
        .filter(pk=entry_id)
        .first()
    )
    if entry is None:
        raise NotFound(_("No such roster entry."), fields={"entry_id": _("unknown roster entry")})
    own = entry.staff.user_id == actor.pk and has_role(actor, *User.Role.values)
    if not own and not marks_whole_site(actor, scope, entry.site):
        raise Forbidden(
            _("Only the person, the site's staff or the regulator may record this attendance."),
            fields={"entry_id": _("not yours to mark")},
        )
    return entry


def _when(campaign: Campaign, at: datetime | None, now: datetime) -> datetime:
    opens, closes = window(campaign)
    if not opens <= now <= closes:
        raise Conflict(
            _("Attendance is recorded from %(opens)s to %(closes)s.")
            % {
                "opens": timezone.localtime(opens).strftime("%Y-%m-%d %H:%M"),
                "closes": timezone.localtime(closes).strftime("%Y-%m-%d %H:%M"),
            },
            code="attendance_closed",
        )
    if at is None:
        return now
    if at.tzinfo is None:
        raise InvalidInput(_("Give a time zone, e.g. 2026-03-24T09:30:00+08:00."), fields={"at": _("no time zone")})
    if at > now:
        raise InvalidInput(_("The time cannot be in the future."), fields={"at": _("in the future")})
    return at


def check_in(actor: User, entry_id: int, at: datetime | None = None, *, now: datetime | None = None) -> Marked:
    entry = _load(actor, entry_id)
    campaign = entry.site.campaign
    at = _when(campaign, at, now or timezone.now())
    opens, _closes = window(campaign)
    if entry.checked_in_at is not None:
        return Marked(entry, changed=False)
    if not opens <= at <= campaign.ends_at:
        raise InvalidInput(
            _("A check-in lies between the opening of attendance and the end of the campaign."),
            fields={"at": _("outside the campaign")},
        )
    # Conditional: when two people press at once, the first wins and the second changes nothing.
    done = RosterEntry.objects.filter(pk=entry.pk, checked_in_at__isnull=True).update(
        checked_in_at=at, checked_in_by=actor
    )
    entry.refresh_from_db(fields=["checked_in_at", "checked_in_by", "checked_out_at", "checked_out_by"])
    return Marked(entry, changed=bool(done))


def check_out(actor: User, entry_id: int, at: datetime | None = None, *, now: datetime | None = None) -> Marked:
    entry = _load(actor, entry_id)
    campaign = entry.site.campaign
    at = _when(campaign, at, now or timezone.now())
    if entry.checked_in_at is None:
        raise Conflict(_("Check in before checking out."), code="not_checked_in")
    if entry.checked_out_at is not None:
        return Marked(entry, changed=False)
    _opens, closes = window(campaign)
    if not entry.checked_in_at <= at <= closes:
        raise InvalidInput(
            _("A check-out lies between the check-in and the close of attendance."),
            fields={"at": _("before the check-in or after the close")},
        )
    done = RosterEntry.objects.filter(pk=entry.pk, checked_out_at__isnull=True).update(
        checked_out_at=at, checked_out_by=actor
    )
    entry.refresh_from_db(fields=["checked_in_at", "checked_in_by", "checked_out_at", "checked_out_by"])
    return Marked(entry, changed=bool(done))


@dataclass(frozen=True)
class SheetRow:
    """One line of a site's sign-in sheet: who came when (and left when, if known)."""

    entry_id: int
    checked_in_at: datetime
    checked_out_at: datetime | None = None


@transaction.atomic
def record_sheet(actor: User, site_id: int, rows: list[SheetRow], *, now: datetime | None = None) -> int:
    """Record a site's sign-in sheet at once (a paper sheet typed in, or the demo's day): the
    site's staff or the regulator only; every row is checked before anything is written; people
    already checked in keep their first time. One prepared UPDATE for all rows; returns the rows written."""
    scope = scope_for(actor)
    site = Site.objects.select_related("campaign").filter(pk=site_id).first()
    if site is None:
        raise NotFound(_("No such site."), fields={"site_id": _("unknown site")})
    if not marks_whole_site(actor, scope, site):
        raise Forbidden(_("Only the site's staff or the regulator may record a sign-in sheet."))
    campaign = site.campaign
    _when(campaign, None, now or timezone.now())
    opens, closes = window(campaign)
    entries = {
        e.pk: e for e in RosterEntry.objects.select_for_update().filter(site=site, pk__in=[r.entry_id for r in rows])
    }
    errors: dict[str, str] = {}
    for n, row in enumerate(rows):
        if row.entry_id not in entries:
            errors[f"rows.{n}.entry_id"] = _("not on this site's roster")
        elif row.checked_in_at.tzinfo is None or not opens <= row.checked_in_at <= campaign.ends_at:
            errors[f"rows.{n}.checked_in_at"] = _("outside the campaign")
        elif row.checked_out_at is not None and (
            row.checked_out_at.tzinfo is None or not row.checked_in_at <= row.checked_out_at <= closes
        ):
            errors[f"rows.{n}.checked_out_at"] = _("before the check-in or after the close")
    if errors:
        raise InvalidInput(_("The sign-in sheet was not recorded."), fields=errors)
    params = []
    seen: set[int] = set()
    for row in rows:
        if entries[row.entry_id].checked_in_at is not None or row.entry_id in seen:
            continue
        seen.add(row.entry_id)
        out = row.checked_out_at
        params.append(
            (
                _db_time(row.checked_in_at),
                actor.pk,
                _db_time(out),
                actor.pk if out is not None else None,
                row.entry_id,
            )
        )
    # One prepared UPDATE run for every row (executemany): Django's bulk_update builds a CASE
    # per column and row, which took seconds for the demo's 6,000 people on SQLite.
    # Names from the model's own metadata, values as parameters.
    qn = connection.ops.quote_name
    table = qn(RosterEntry._meta.db_table)
    col = {x.name: qn(x.column) for x in RosterEntry._meta.concrete_fields}
    assignments = ", ".join(
        f"{col[n]} = %s" for n in ("checked_in_at", "checked_in_by", "checked_out_at", "checked_out_by")
    )
    sql = f"UPDATE {table} SET {assignments} WHERE {col['id']} = %s AND {col['checked_in_at']} IS NULL"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)
    return len(params)


def _db_time(value: datetime | None):
    return connection.ops.adapt_datetimefield_value(value) if value is not None else None
