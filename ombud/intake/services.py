"""Recording a visit: the one service behind the site form, the API, imports and the demo.

A complaint opens its case in the visit's transaction. Cases sit above intake (a case is
opened from a visit and reads it), so intake never imports `ombud.cases`: the cases app hands
`record_visit` its `CaseOpening` when it loads (`CasesConfig.ready` → `open_cases_with`).
"""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import asdict, dataclass
from datetime import date, datetime

from django.core.exceptions import ImproperlyConfigured
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ombud.campaigns.models import Site
from ombud.campaigns.queries import access_site_for_intake
from ombud.directory.access import Scope, bureau_holding, is_company_user, require_bureau, require_city, scope_for
from ombud.directory.generation import ProcessCache
from ombud.directory.models import Organization, Practitioner, Region, User
from ombud.errors import Conflict, Forbidden, InvalidInput
from ombud.intake import policy
from ombud.intake.models import IdempotencyKey, Visit
from ombud.intake.tracking import new_secret_code, new_tracking_no
from ombud.personal_data import blind_index, is_valid_id_number, is_valid_phone, normalise_phone
from ombud.timebounds import occurred_error

SUMMARY_MAX = 4000
NAME_MAX = 64
COMPANY_KINDS = (Organization.Kind.INSURER, Organization.Kind.INTERMEDIARY)


@dataclass(frozen=True)
class VisitInput:
    """What a receptionist, a site tablet or a hotline system tells us about one visit."""

    kind: str
    visitor_name: str
    summary: str
    site_id: int | None = None
    channel: str | None = None
    city_code: str | None = None
    visitor_phone: str = ""
    visitor_id_number: str = ""
    company_id: int | None = None
    practitioner_name: str = ""
    practitioner_licence_no: str = ""
    product_line: str = ""
    outcome: str = ""
    due_date: date | None = None
    handled_by: str = ""
    nature: str = ""  # one of CaseOpening.natures (cases.models.Nature); routes a case without outcome
    # A complaint with neither site nor city (against a head office without a region): the
    # bureau that supervises its case (cases.services.register_complaint decides it).
    bureau_id: int | None = None

    def fingerprint(self) -> str:
        return hashlib.sha256(json.dumps(asdict(self), sort_keys=True, default=str).encode()).hexdigest()


@dataclass(frozen=True)
class CaseOpening:
    """What recording a complaint needs of the cases app: the natures a complaint may have
    and the function that opens its case inside the visit's transaction, returning the case's
    id (`cases.services.open_case_for_visit`)."""

    natures: tuple[str, ...]
    # (visit, actor, nature, bureau_id) → case id; actor None for the public (record_online_visit)
    open: Callable[[Visit, User | None, str, int | None], int]


_case_opening: CaseOpening | None = None


def open_cases_with(opening: CaseOpening) -> None:
    """Called once by the cases app when it loads (`CasesConfig.ready`)."""
    global _case_opening
    _case_opening = opening


def case_opening() -> CaseOpening:
    """The cases app's `CaseOpening`; without it no complaint is recorded (fail closed)."""
    if _case_opening is None:
        raise ImproperlyConfigured("ombud.cases is not loaded: complaints cannot open their cases.")
    return _case_opening


@dataclass(frozen=True)
class _Checked:
    errors: dict[str, str]
    site: Site | None
    city_id: str | None
    campaign_id: int | None
    company: Organization | None


@dataclass(frozen=True)
class RecordedVisit:
    visit: Visit
    case_id: int | None
    replayed: bool  # True when an idempotent retry returned the first result


def _check_fields(data: VisitInput, received_at: datetime) -> dict[str, str]:
    """Checks that need no database: kind, outcome rules, visitor data, text sizes."""
    errors: dict[str, str] = {}
    kinds, outcomes, handlers = Visit.Kind.values, Visit.Outcome.values, Visit.HandledBy.values
    if data.kind not in kinds:
        errors["kind"] = _("Unknown kind; use one of: %s.") % ", ".join(kinds)
    if data.channel is not None and data.channel not in Visit.Channel.values:
        errors["channel"] = _("Unknown channel; use one of: %s.") % ", ".join(Visit.Channel.values)
    if (data.channel in (None, Visit.Channel.ON_SITE)) and data.site_id is None:
        errors["site_id"] = _("An on-site visit needs its site.")

    if not data.visitor_name.strip():
        errors["visitor.name"] = _("Enter the visitor's name.")
    elif len(data.visitor_name.strip()) > NAME_MAX:
        errors["visitor.name"] = _("A name has at most %d characters.") % NAME_MAX
    if data.visitor_phone and not is_valid_phone(data.visitor_phone):
        errors["visitor.phone"] = _("Enter an 11-digit mobile number or a landline with area code.")
    if data.visitor_id_number and not is_valid_id_number(data.visitor_id_number):
        errors["visitor.id_number"] = _("This is not a valid 18-character ID-card number.")
    if not data.summary.strip():
        errors["summary"] = _("Write what the visitor brought.")
    elif len(data.summary) > SUMMARY_MAX:
        errors["summary"] = _("The summary has at most %d characters.") % SUMMARY_MAX
    if data.product_line and data.product_line not in policy.active_product_lines():
        errors["product_line"] = _("Unknown product line.")

    if data.kind == Visit.Kind.COMPLAINT:
        if data.company_id is None:
            errors["company_id"] = _("A complaint must name the company complained about.")
        if not data.outcome:
            if data.channel in (None, Visit.Channel.ON_SITE):
                errors["outcome"] = _("Record the outcome: resolved on site or time-limited.")
            # A complaint by phone, letter or online arrives without an outcome: its case
            # starts as received, is routed, and runs on the legal time limits (cases/).
            if data.due_date is not None:
                errors["due_date"] = _("Only a time-limited complaint has a promised date.")
            if data.handled_by:
                errors["handled_by"] = _("Only a time-limited complaint is handed over.")
        elif data.outcome not in outcomes:
            errors["outcome"] = _("Unknown outcome; use one of: %s.") % ", ".join(outcomes)
        elif data.outcome == Visit.Outcome.TIME_LIMITED:
            if data.due_date is None:
                errors["due_date"] = _("A time-limited complaint needs the promised date.")
            elif data.due_date < timezone.localdate(received_at):
                errors["due_date"] = _("The promised date cannot be before the visit.")
            if data.handled_by and data.handled_by not in handlers:
                errors["handled_by"] = _("Unknown handler; use one of: %s.") % ", ".join(handlers)
        else:
            if data.due_date is not None:
                errors["due_date"] = _("Only a time-limited complaint has a promised date.")
            if data.handled_by:
                errors["handled_by"] = _("Only a time-limited complaint is handed over.")
    elif data.kind in kinds:
        for name in ("outcome", "due_date", "handled_by"):
            if getattr(data, name):
                errors[name] = _("Only a complaint has an outcome, a promised date or a handler.")
        if data.practitioner_name or data.practitioner_licence_no:
            errors["practitioner"] = _("Only a complaint names a practitioner.")
    if data.nature:
        natures = case_opening().natures
        if data.kind != Visit.Kind.COMPLAINT or data.nature not in natures:
            errors["nature"] = _("Unknown nature; use one of: %s.") % ", ".join(natures)
    if data.practitioner_licence_no and not data.practitioner_name.strip():
        errors["practitioner.name"] = _("Give the practitioner's name with the licence number.")
    return errors


# The API's caches, per process, valid under the cache generation the request read
# (directory/generation.py; the tables they depend on are watched in IntakeConfig.ready):
# (user id, site id) → the site with its campaign and city, which that user may record at;
# company id → the company. Only what was found and allowed is kept.
_shared_sites: ProcessCache[tuple[int, int], Site] = ProcessCache("intake sites")
_shared_companies: ProcessCache[int, Organization] = ProcessCache("intake companies")


def _load_company(
    scope: Scope | None, company_id: int, errors: dict[str, str], generation: int | None = None
) -> Organization | None:
    """The company a visit names; `scope` is a company user's (None for everybody else)."""
    company = _shared_companies.get(company_id, generation)
    if company is None:
        try:
            company = Organization.objects.only("id", "head_office_id", "name").get(
                pk=company_id, kind__in=COMPANY_KINDS
            )
        except Organization.DoesNotExist:
            errors["company_id"] = _("Unknown company.")
            return None
        _shared_companies.put(company_id, company, generation)
    company = copy.copy(company)  # the cached one is never handed out
    if scope is not None and company.head_office_id != scope.company_id:
        raise Forbidden(
            _("You may record visits only about your own company."), fields={"company_id": _("not your company")}
        )
    return company


def _practitioner(data: VisitInput, company: Organization) -> Practitioner:
    name = data.practitioner_name.strip()
    employer_id = company.head_office_id or company.pk  # a head office is its own head office
    if data.practitioner_licence_no:
        found, _created = Practitioner.objects.get_or_create(
            licence_no=data.practitioner_licence_no.strip(),
            defaults={"name": name, "employer_id": employer_id},
        )
        return found
    same = Practitioner.objects.filter(employer_id=employer_id, name=name, licence_no=None).first()
    return same or Practitioner.objects.create(name=name, employer_id=employer_id)


def record_visit(
    actor: User,
    data: VisitInput,
    *,
    received_at: datetime | None = None,
    idempotency_key: str | None = None,
    cache_generation: int | None = None,
) -> RecordedVisit:
    """Validate and record one visit; a complaint opens its case in the same transaction.

    Raises InvalidInput (every field error at once), Forbidden, or Conflict (an idempotency key
    reused for a different visit), leaving nothing written. With an idempotency key, a retry of
    the same request returns the first visit instead of recording a second.
    `cache_generation` (an API request's, read in autocommit: directory/generation.py) lets the
    site and the company come from this process's caches.
    """
    return VisitRecorder(actor, cache_generation=cache_generation).record(
        data, received_at=received_at, idempotency_key=idempotency_key
    )


def record_online_visit(data: VisitInput, *, received_at: datetime | None = None) -> RecordedVisit:
    """The public's path (portal/filing/): a consumer files a complaint, consultation or
    suggestion online, without an account. The same checks as `record_visit`, and instead of
    the staff's place rules (`require_city`), the public's: channel `online`, no site, the
    consumer's prefecture-level city inside the area of some bureau (`bureau_holding`); no
    outcome, promised date, handler, nature, bureau or practitioner (those are the staff's to
    set). The visit has no creator (`created_by` empty: the consumer filed it); a complaint's
    case is opened received, routed, with its legal deadlines, like one by phone. Idempotency
    is the caller's (portal.models.FilingKey, per verified phone)."""
    return VisitRecorder(None, public=True).record(data, received_at=received_at)


def online_visit_errors(data: VisitInput) -> dict[str, str]:
    """The field errors `record_online_visit` would raise, without writing anything (so that
    portal/filing shows them together with its own)."""
    return VisitRecorder(None, public=True).check(data, timezone.now()).errors


class VisitRecorder:
    """Records visits for one actor, remembering the sites and companies it has already
    loaded and checked: the same rules as `record_visit`, for batches (the demo's replay of
    15,307 visits, spreadsheet imports) without re-reading the same site 15,000 times.

    Only successful checks are remembered; a refusal is raised again on every visit. With a
    `cache_generation` (see `record_visit`), what one recorder found is shared with the next
    ones of this process while the generation stays the same.
    """

    def __init__(self, actor: User | None, *, public: bool = False, cache_generation: int | None = None):
        if actor is None and not public:
            raise ValueError("a staff recording needs its actor")
        self.actor = actor
        self.public = public  # record_online_visit: the public's rules for the place
        self.cache_generation = cache_generation
        self._sites: dict[int, Site] = {}
        self._companies: dict[int, Organization] = {}
        self._scope: Scope | None = None

    @property
    def scope(self) -> Scope:
        if self._scope is None:
            assert self.actor is not None, "the public has no scope"
            self._scope = scope_for(self.actor)
        return self._scope

    def _site(self, site_id: int) -> Site:
        site = self._sites.get(site_id)
        if site is None:
            assert self.actor is not None, "the public records no site"
            key = (self.actor.pk, site_id)
            shared = _shared_sites.get(key, self.cache_generation)
            if shared is None:
                shared = access_site_for_intake(self.actor, site_id)
                _shared_sites.put(key, shared, self.cache_generation)
            site = self._sites[site_id] = copy.copy(shared)  # the cached one is never handed out
        return site

    def _company(self, company_id: int, errors: dict[str, str]) -> Organization | None:
        company = self._companies.get(company_id)
        if company is None:
            own = self.scope if not self.public and is_company_user(self.actor) else None
            company = _load_company(own, company_id, errors, self.cache_generation)
            if company is not None:
                self._companies[company_id] = company
        return company

    def check(self, data: VisitInput, received_at: datetime) -> _Checked:
        """Every check of `record` that reads the database, without writing: the field errors
        and what the visit will point to. Raises Forbidden for a staff place refused."""
        actor = self.actor
        errors = _check_fields(data, received_at)
        if self.public:
            errors.update(_public_errors(data, errors))
        site: Site | None = None
        city_id: str | None = None
        campaign_id: int | None = None
        company = self._company(data.company_id, errors) if data.company_id is not None else None
        company_root_id = company.head_office_id if company else None
        if data.site_id is not None and "site_id" not in errors:
            site = self._site(data.site_id)
            campaign = site.campaign
            if received_at > campaign.ends_at:
                errors["site_id"] = _("The campaign of this site has ended.")
            elif received_at < campaign.starts_at:
                errors["site_id"] = _("The campaign of this site has not started yet.")
            city_id, campaign_id = site.city_id, campaign.pk
        elif data.city_code:
            if not Region.objects.filter(code=data.city_code, level=Region.Level.PREFECTURE).exists():
                errors["city_code"] = _("Unknown prefecture-level city code.")
            elif self.public:
                if bureau_holding(data.city_code) is None:
                    errors["city_code"] = _("No bureau takes complaints from this city here.")
            else:
                # Fail closed: regulators in their jurisdiction, company users about their own
                # company in its cities, nobody else (directory/access.py).
                assert actor is not None
                require_city(actor, data.city_code, company_root_id=company_root_id, scope=self.scope)
            city_id = data.city_code
        elif data.bureau_id is not None and data.kind == Visit.Kind.COMPLAINT and not self.public:
            assert actor is not None
            require_bureau(actor, data.bureau_id, company_root_id=company_root_id, scope=self.scope)
        elif self.public:
            errors["city_code"] = _("Choose your city.")
        elif "site_id" not in errors:
            # Every visit has a place: the site, or for calls, letters and online visits the
            # consumer's city, which decides who may see it and (issue 3) who handles it.
            errors["city_code"] = _("Give the consumer's city when the visit has no site.")
        return _Checked(errors, site, city_id, campaign_id, company)

    def record(
        self, data: VisitInput, *, received_at: datetime | None = None, idempotency_key: str | None = None
    ) -> RecordedVisit:
        """Validate and record one visit (see `record_visit`)."""
        actor = self.actor
        now = timezone.now()
        received_error = occurred_error(received_at, now) if received_at is not None else None
        received_at = received_at or now
        fingerprint = data.fingerprint() if idempotency_key else ""
        if idempotency_key:
            assert actor is not None, "the public's idempotency is its caller's"
        # An idempotency key is not looked up first: a retry is rare, a lookup before every
        # first request would cost each of them a round trip. A retry meets the key's unique
        # constraint when it writes (everything it wrote is rolled back and the first visit is
        # returned, below), or, if the visit is no longer valid (the campaign has ended since),
        # is found here before its refusal is raised.
        try:
            checked = self.check(data, received_at)
            errors = checked.errors
            if received_error:  # a time given by the caller (an import, the demo): within timebounds
                errors["received_at"] = received_error
            if errors:
                raise InvalidInput(_("The visit was not recorded."), fields=errors)
        except (InvalidInput, Forbidden):
            replay = _replay(actor, idempotency_key, fingerprint) if idempotency_key and actor else None
            if replay:
                return replay
            raise
        site, city_id, campaign_id, company = checked.site, checked.city_id, checked.campaign_id, checked.company
        opening = case_opening() if data.kind == Visit.Kind.COMPLAINT else None

        for attempt in range(3):
            try:
                # A consultation or suggestion is one INSERT, atomic by itself: an explicit
                # transaction would only add BEGIN and COMMIT round trips to 90% of visits.
                # Inside a caller's transaction (the demo, an import) it needs a savepoint all
                # the same: on PostgreSQL a failed INSERT aborts the whole transaction, so the
                # retry below after a tracking-number collision could not run without one.
                several_writes = data.kind == Visit.Kind.COMPLAINT or bool(idempotency_key)
                savepoint = several_writes or transaction.get_connection().in_atomic_block
                with transaction.atomic() if savepoint else nullcontext():
                    visit = Visit.objects.create(
                        kind=data.kind,
                        channel=data.channel or Visit.Channel.ON_SITE,
                        campaign_id=campaign_id,
                        site=site,
                        city_id=city_id,
                        visitor_name=data.visitor_name.strip(),
                        visitor_phone=normalise_phone(data.visitor_phone) if data.visitor_phone else "",
                        visitor_id_number=data.visitor_id_number.strip().upper(),
                        visitor_phone_index=blind_index(normalise_phone(data.visitor_phone))
                        if data.visitor_phone
                        else "",
                        company=company,
                        company_root_id=company.head_office_id if company else None,
                        practitioner=_practitioner(data, company)
                        if company and data.practitioner_name.strip()
                        else None,
                        product_line_id=data.product_line or None,
                        summary=data.summary.strip(),
                        outcome=data.outcome,
                        due_date=data.due_date if data.outcome == Visit.Outcome.TIME_LIMITED else None,
                        handled_by=(data.handled_by or Visit.HandledBy.COMPANY)
                        if data.outcome == Visit.Outcome.TIME_LIMITED
                        else "",
                        tracking_no=new_tracking_no(received_at),
                        secret_code=new_secret_code(),
                        received_at=received_at,
                        created_by=actor,
                    )
                    case_id = opening.open(visit, actor, data.nature, data.bureau_id) if opening else None
                    if idempotency_key and actor is not None:
                        IdempotencyKey.objects.create(
                            user=actor, key=idempotency_key, fingerprint=fingerprint, visit=visit
                        )
                    return RecordedVisit(visit=visit, case_id=case_id, replayed=False)
            except IntegrityError:
                # Either a concurrent request with the same idempotency key committed first, or a
                # random tracking number collided (ten random digits a day: among the 15,307
                # visits of the reception day, a collision about once in a hundred days): replay
                # or retry.
                if idempotency_key and actor is not None:
                    replay = _replay(actor, idempotency_key, fingerprint)
                    if replay:
                        return replay
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")


def _public_errors(data: VisitInput, found: dict[str, str]) -> dict[str, str]:
    """What the public may not set (record_online_visit), beyond the checks for everybody."""
    errors: dict[str, str] = {}
    if data.channel != Visit.Channel.ONLINE:
        errors["channel"] = _("A visit filed by the public is an online visit.")
    if data.site_id is not None:
        errors["site_id"] = _("An online visit has no site.")
    for name in ("outcome", "due_date", "handled_by", "nature", "bureau_id", "practitioner_name"):
        if getattr(data, name) and name not in found:
            errors[name.removesuffix("_name")] = _("Set by the staff who handle it, not when filing.")
    if data.practitioner_licence_no and "practitioner" not in errors:
        errors["practitioner"] = _("Set by the staff who handle it, not when filing.")
    return errors


def _replay(actor: User, key: str, fingerprint: str) -> RecordedVisit | None:
    try:
        row = IdempotencyKey.objects.select_related("visit", "visit__case").get(user=actor, key=key)
    except IdempotencyKey.DoesNotExist:
        return None
    if row.fingerprint != fingerprint:
        raise Conflict(
            _("This Idempotency-Key was already used for a different visit."),
            fields={"Idempotency-Key": _("reused with a different request")},
            code="idempotency_key_reused",
        )
    visit = row.visit
    case = getattr(visit, "case", None)
    return RecordedVisit(visit=visit, case_id=case.pk if case else None, replayed=True)
