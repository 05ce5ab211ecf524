"""Call-backs (回访): after a case closed, the regulator calls the consumer to learn whether it
was solved and how satisfied they are (SEED.md: "calls consumers back to learn their
satisfaction"). Writes only; reads are in `queries.py` (docs/callbacks.md).

- `build_call_list`: one CallBack per closed case with a phone, in the officer's scope, for a
  campaign and/or a period of closing; idempotent, optionally a random sample of a target size.
- `reveal_phone`: the consumer's full number for the officer who calls; every opening is an
  audit entry written in the same transaction, so no number leaves without its entry.
- `record_attempt`: one call attempt; a reached consumer answers the short survey; three failed
  attempts or a wrong number make the call-back unreachable.
"""

from __future__ import annotations

import random
import re
import secrets
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db import connection, transaction
from django.db.models import Count, F, QuerySet
from django.db.models.constants import OnConflict
from django.utils import timezone
from django.utils.translation import gettext as _

from ombud.audit.services import record as audit
from ombud.campaigns.queries import access_campaign_in_jurisdiction
from ombud.cases import rollups
from ombud.cases.models import Case
from ombud.directory.access import require_regulator
from ombud.directory.models import User
from ombud.errors import Conflict, InvalidInput
from ombud.oversight import sql
from ombud.oversight.callbacks.queries import access_callback, eligible_cases, period_bounds
from ombud.oversight.models import CallAttempt, CallBack

R = CallAttempt.Result
# A consumer who did not pick up (or was busy) this many times is unreachable. Not a legal
# rule: the common practice of satisfaction surveys (e.g. Beijing 12345 call-backs).
MAX_FAILED_ATTEMPTS = 3
FAILED_RESULTS = frozenset({R.NO_ANSWER, R.BUSY})
MAX_SAMPLE = 100_000
SEED_MAX = 64
NOTE_MAX = 300
COMMENT_MAX = 1000
# NUL and other control characters (a newline or a tab in a comment is fine); PostgreSQL
# refuses NUL in text outright.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# Advisory-lock key serialising list builds on PostgreSQL (a fixed, arbitrary int64).
_BUILD_LOCK_KEY = 0x0CA11BAC


@dataclass(frozen=True)
class BuildResult:
    eligible: int  # closed cases with a phone matching the filter, in scope (listed or not)
    already_listed: int  # of those, already on the call list before this build
    added: int
    seed: str  # the seed the sample was drawn with ("" without a sample)


def _validate_build(
    actor: User, campaign_id: int | None, since: date | None, until: date | None, sample_size: Any, seed: str
) -> int | None:
    require_regulator(actor)
    errors: dict[str, str] = {}
    if not campaign_id and not since and not until:
        errors["campaign_id"] = _("Choose a campaign, a period, or both.")
    try:
        period_bounds(since, until)
    except InvalidInput as e:
        errors.update(e.fields)
    size = None
    if sample_size not in (None, ""):
        try:
            size = int(sample_size)
            if not 1 <= size <= MAX_SAMPLE:
                raise ValueError
        except (TypeError, ValueError):
            errors["sample_size"] = _("A whole number from 1 to %(max)d, or empty for everyone.") % {"max": MAX_SAMPLE}
    if len(seed) > SEED_MAX:
        errors["seed"] = _("At most %(max)d characters.") % {"max": SEED_MAX}
    elif not seed.isprintable():
        errors["seed"] = _("Letters, digits and punctuation only.")
    if errors:
        raise InvalidInput(_("The call list was not built."), fields=errors)
    if campaign_id:
        access_campaign_in_jurisdiction(actor, campaign_id)  # another bureau's campaign: 404
    return size


def sample_positions(seed: str, population: int, k: int) -> list[int]:
    """The positions (0-based, ascending) of the `k` of `population` not-yet-listed cases,
    sorted by id, that a sample with `seed` lists: exactly the cases
    `random.Random(seed).sample(sorted ids, k)` picks, because `Random.sample` reads its
    population only through its length and indexing, so the same calls on
    `range(population)` return the indexes of the cases it picks."""
    return sorted(random.Random(seed).sample(range(population), k))  # noqa: S311 (not a secret)


def _list_cases(fresh: QuerySet[Case], positions: list[int] | None, now: datetime) -> int:
    """One INSERT … SELECT: a pending CallBack listed at `now` for each case of `fresh` (not
    listed yet), or for those at `positions` of `fresh` sorted by id; in case id order. A case
    listed meanwhile by another build stays listed once (the conflict is ignored). Returns
    how many were added."""
    rows = fresh.annotate(cb_case=F("pk"), cb_campaign=F("visit__campaign_id")).values("cb_case", "cb_campaign")
    select_sql, select_params = rows.order_by().query.sql_with_params()
    number, picked, picked_params = "", "1 = 1", list[Any]()  # without positions, every row
    if positions is not None:
        number = ", ROW_NUMBER() OVER (ORDER BY q.cb_case) - 1 AS pos"
        picked, picked_params = sql.one_of(connection, "f.pos", positions)
    meta, qn = CallBack._meta, connection.ops.quote_name
    fields = {field.attname: field for field in meta.concrete_fields}
    names = ("case_id", "campaign_id", "status", "comment", "created_at")  # the order of the SELECT
    columns = ", ".join(qn(fields[name].column) for name in names)
    statement = f"""
{connection.ops.insert_statement(on_conflict=OnConflict.IGNORE)} {qn(meta.db_table)} ({columns})
SELECT f.cb_case, f.cb_campaign, %s, %s, %s FROM (
    SELECT q.cb_case, q.cb_campaign{number} FROM ({select_sql}) q
) f
WHERE {picked}
ORDER BY f.cb_case
{connection.ops.on_conflict_suffix_sql([meta.get_field("case")], OnConflict.IGNORE, None, None)}
"""  # noqa: S608 (names from the model and Django's compiled query; values are parameters)
    created_at = fields["created_at"].get_db_prep_value(now, connection)
    params = [CallBack.Status.PENDING.value, "", created_at, *select_params, *picked_params]
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return max(cursor.rowcount, 0)


def build_call_list(
    actor: User,
    *,
    campaign_id: int | None = None,
    since: date | None = None,
    until: date | None = None,
    sample_size: int | str | None = None,
    seed: str = "",
) -> BuildResult:
    """Add a CallBack for each eligible case not yet listed (building twice adds only cases
    closed since). With `sample_size`, the list for this filter is topped up to that many, the
    new ones drawn at random with `seed` (a fresh one if empty), which is returned and kept in
    the audit log with the filter, so the draw can be repeated.

    Inside the database (docs/callbacks.md): one aggregate counts the eligible and the listed
    cases, and one INSERT … SELECT lists the chosen ones; no case row comes to Python."""
    seed = (seed or "").strip()
    size = _validate_build(actor, campaign_id, since, until, sample_size, seed)
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # Two officers building at once would both top a sample up to its size.
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_BUILD_LOCK_KEY])
        cases = eligible_cases(actor, campaign_id=campaign_id, since=since, until=until)
        counts = cases.aggregate(eligible=Count("pk"), listed=Count("callback"))
        eligible, listed = counts["eligible"], counts["listed"]
        fresh = eligible - listed
        positions = None  # everyone not listed yet
        if size is not None:
            seed = seed or secrets.token_hex(6)
            want = max(0, size - listed)
            positions = sample_positions(seed, fresh, min(want, fresh))
        else:
            seed = ""
        now = timezone.now()
        added = 0 if positions == [] else _list_cases(cases.filter(callback__isnull=True), positions, now)
        audit(
            actor,
            "callbacks.build",
            None,
            campaign_id=campaign_id,
            since=since,
            until=until,
            sample_size=size,
            seed=seed,
            eligible=eligible,
            already_listed=listed,
            added=added,
        )
    return BuildResult(eligible=eligible, already_listed=listed, added=added, seed=seed)


def reveal_phone(actor: User, callback_id: int, *, via: str) -> tuple[CallBack, str]:
    """The call-back and its consumer's full phone number, for the officer making this call.

    Every call is one audit entry ("personal_data.unmask": the call-back, the case's tracking
    number, the field, and `via` — "page" or "api"), written before the number is returned and
    in the same transaction: if the entry cannot be written, the number is not given. Only
    while the call-back is open: a completed one needs no more calls (409).
    """
    with transaction.atomic():
        callback = access_callback(actor, callback_id, for_update=True)
        if callback.status != CallBack.Status.PENDING:
            raise Conflict(_("This call-back is completed; the number is no longer shown."), code="callback_completed")
        phone = callback.case.visit.visitor_phone
        if not phone:
            raise Conflict(_("The consumer left no phone number."), code="no_phone")
        audit(
            actor,
            "personal_data.unmask",
            callback,
            field="phone",
            case=callback.case.tracking_no,
            purpose="callback",
            via=via,
        )
        if callback.assigned_to_id is None:
            # The first officer to open the number is the one calling.
            callback.assigned_to = actor
            callback.save(update_fields=["assigned_to"])
    return callback, phone


def _parse_survey(solved: Any, satisfaction: Any, comment: str) -> tuple[dict[str, str], bool | None, int | None]:
    errors: dict[str, str] = {}
    parsed_solved: bool | None = None
    if isinstance(solved, bool):
        parsed_solved = solved
    elif str(solved).strip().lower() in ("yes", "true", "1"):
        parsed_solved = True
    elif str(solved).strip().lower() in ("no", "false", "0"):
        parsed_solved = False
    else:
        errors["solved"] = _("Ask whether the problem was solved: yes or no.")
    parsed_satisfaction: int | None = None
    try:
        if isinstance(satisfaction, bool):
            raise ValueError
        parsed_satisfaction = int(str(satisfaction).strip())
        if not 1 <= parsed_satisfaction <= 5:
            raise ValueError
    except (TypeError, ValueError):
        parsed_satisfaction = None
        errors["satisfaction"] = _("Satisfaction is a whole number from 1 (very dissatisfied) to 5 (very satisfied).")
    if len(comment) > COMMENT_MAX:
        errors["comment"] = _("At most %(max)d characters.") % {"max": COMMENT_MAX}
    elif _CONTROL.search(comment):
        errors["comment"] = _("The comment contains control characters.")
    return errors, parsed_solved, parsed_satisfaction


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def record_attempt(
    actor: User,
    callback_id: int,
    *,
    result: str,
    note: str = "",
    solved: bool | str | None = None,
    satisfaction: int | str | None = None,
    comment: str = "",
) -> CallBack:
    """Record one call attempt and what it settles.

    reached: the survey (solved yes/no, satisfaction 1–5, optional comment) is required, and
    the call-back is complete. refused: the consumer was reached but declined the survey;
    complete, counted as reached without answers. wrong number: unreachable at once. no answer
    or busy: after MAX_FAILED_ATTEMPTS of them, unreachable. A completed call-back takes no
    more attempts (409).
    """
    note = (note or "").strip()
    comment = (comment or "").strip()
    errors: dict[str, str] = {}
    if result not in R.values:
        errors["result"] = _("Choose one of: %(choices)s.") % {"choices": ", ".join(R.values)}
    if len(note) > NOTE_MAX:
        errors["note"] = _("At most %(max)d characters.") % {"max": NOTE_MAX}
    elif _CONTROL.search(note):
        errors["note"] = _("The note contains control characters.")
    parsed_solved = parsed_satisfaction = None
    if result == R.REACHED:
        survey_errors, parsed_solved, parsed_satisfaction = _parse_survey(solved, satisfaction, comment)
        errors.update(survey_errors)
    elif result in R.values:
        for name, value in (("solved", solved), ("satisfaction", satisfaction), ("comment", comment)):
            if not _blank(value):
                errors[name] = _("Only a consumer who was reached answers the survey.")
    with transaction.atomic():
        # Scope and state first: a stranger learns nothing from the field errors.
        callback = access_callback(actor, callback_id, for_update=True)
        if callback.status != CallBack.Status.PENDING:
            raise Conflict(
                _("This call-back is already completed (%(status)s).") % {"status": callback.get_status_display()},
                code="callback_completed",
            )
        if errors:
            raise InvalidInput(_("The call was not recorded."), fields=errors)
        # A reached call-back is an answer of the three rates, which the case's month tally
        # counts: the case is locked as its own actions lock it, and moved (cases/rollups.py).
        case = Case.objects.select_for_update().select_related("visit").get(pk=callback.case_id)
        before = rollups.place_of(case)
        now = timezone.now()
        CallAttempt.objects.create(callback=callback, result=result, note=note, by=actor, at=now)
        fields = ["status", "completed_at", "completed_by"]
        if result == R.REACHED:
            callback.status = CallBack.Status.REACHED
            callback.solved, callback.satisfaction, callback.comment = parsed_solved, parsed_satisfaction, comment
            fields += ["solved", "satisfaction", "comment"]
        elif result == R.REFUSED:
            callback.status = CallBack.Status.REACHED
        elif result == R.WRONG_NUMBER:
            callback.status = CallBack.Status.UNREACHABLE
        else:
            failed = callback.attempts.filter(result__in=sorted(FAILED_RESULTS)).count()
            if failed >= MAX_FAILED_ATTEMPTS:
                callback.status = CallBack.Status.UNREACHABLE
        if callback.status != CallBack.Status.PENDING:
            callback.completed_at, callback.completed_by = now, actor
        if callback.assigned_to_id is None:
            callback.assigned_to = actor
            fields.append("assigned_to")
        callback.save(update_fields=fields)
        rollups.move(before, rollups.place_of(case))
    return callback
