"""Spot checks (抽查): the writes — drawing a sample and recording the findings.

The sample is drawn inside the database by `queries.draw_sample`, which equals the rule of
`sampling.py` (the reference, pure Python) over the population `queries.population` reads;
reads, the strata table, the pass rates and the redraw are in `queries.py`
(docs/spot-checks.md).
"""

from __future__ import annotations

from datetime import date, datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ombud.campaigns.models import Campaign
from ombud.cases import lifecycle
from ombud.cases.models import Case
from ombud.cases.services import take_action
from ombud.directory.access import require_regulator, scope_for
from ombud.directory.models import User
from ombud.errors import Conflict, InvalidInput
from ombud.oversight.models import SpotCheck, SpotCheckItem
from ombud.oversight.spotchecks import queries as q
from ombud.oversight.spotchecks.sampling import new_seed

SEED_MAX = 64
TITLE_MAX = 100
REASONS_MAX = 2000
COUNT_MAX = 10_000  # per stratum
SAMPLE_MAX = 2_000  # cases in one spot check: each is read by an officer

FOLLOW_UPS = {"reopen": SpotCheckItem.FollowUp.REOPENED, "refer": SpotCheckItem.FollowUp.REFERRED}


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
    """Draw and store a stratified sample of handled cases (the rule of `sampling.py`, run in
    SQL by `queries.draw_sample`).

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
    drawn = q.draw_sample(
        scope,
        campaign_id=campaign_id,
        since=since,
        until=until,
        seed=seed,
        size_mode=size_mode,
        size_value=size_value,
        max_total=SAMPLE_MAX,
    )
    if not drawn.population:
        raise InvalidInput(
            _("No handled cases match: there is nothing to sample. Choose another campaign or period."),
            code="empty_population",
        )
    if drawn.total > SAMPLE_MAX:
        raise InvalidInput(
            _("The sample would have %(total)d cases; at most %(max)d can be checked in one spot check.")
            % {"total": drawn.total, "max": SAMPLE_MAX},
            fields={"size_value": _("choose a smaller size")},
        )
    strata = drawn.strata
    spot_check = SpotCheck.objects.create(
        title=title or _default_title(campaign, since, until),
        bureau=bureau,
        campaign=campaign,
        since=since,
        until=until,
        seed=seed,
        size_mode=size_mode,
        size_value=size_value,
        population=drawn.population,
        strata=[{"company_id": st.company_id, "outcome": st.outcome, "population": st.population} for st in strata],
        drawn_by=actor,
        drawn_at=now or timezone.now(),
    )
    items: list[SpotCheckItem] = []
    opened = dict(
        Case.objects.filter(pk__in=sorted(m.case_id for st in strata for m in st.sample)).values_list("pk", "opened_at")
    )
    for stratum in strata:
        items += [
            SpotCheckItem(
                spot_check=spot_check,
                case_id=m.case_id,
                case_opened_at=opened[m.case_id],
                position=len(items) + i + 1,
                stratum_company_id=stratum.company_id,
                stratum_outcome=stratum.outcome,
            )
            for i, m in enumerate(stratum.sample)
        ]
    SpotCheckItem.objects.bulk_create(items)
    return spot_check


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
