"""Writes to campaigns, sites and rosters: validated before anything is written, one
transaction each, recorded in the audit log.

Who: a regulator officer or admin of the bureau that holds the campaign's region
(`directory.access.holds_region`; a nationwide admin anywhere); a site only in a city of the
officer's own jurisdiction. Everybody else is refused (403) before any input is looked at.

Rosters come from a spreadsheet (`import_roster`, docs/campaigns.md): every row is checked
first; the good rows are stored, a bad row is stored not at all and comes back with its row
number and reason. Importing the same file again adds nothing twice.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from ombud.audit.services import record as audit
from ombud.campaigns import rosterfile
from ombud.campaigns.models import Campaign, RosterEntry, Site, SiteOrganization
from ombud.directory.access import (
    COMPANY_ROLES,
    REGULATOR_ROLES,
    SITE_ROLES,
    cities_under,
    holds_region,
    require_regulator,
    scope_for,
)
from ombud.directory.models import Organization, Region, Staff, User
from ombud.errors import Conflict, Forbidden, InvalidInput
from ombud.logfilters import scrub

NAME_MAX = 200
ADDRESS_MAX = 300


@dataclass(frozen=True)
class CampaignInput:
    name: str
    starts_at: datetime
    ends_at: datetime
    region_code: str


def _check_campaign(data: CampaignInput) -> tuple[str, Region | None, dict[str, str]]:
    errors: dict[str, str] = {}
    name = data.name.strip()
    if not name:
        errors["name"] = _("A campaign needs a name.")
    elif len(name) > NAME_MAX:
        errors["name"] = _("At most %d characters.") % NAME_MAX
    if data.starts_at.tzinfo is None:
        errors["starts_at"] = _("Give a time zone, e.g. 2026-03-24T10:00:00+08:00.")
    if data.ends_at.tzinfo is None:
        errors["ends_at"] = _("Give a time zone, e.g. 2026-03-24T18:00:00+08:00.")
    elif data.starts_at.tzinfo is not None and data.ends_at <= data.starts_at:
        errors["ends_at"] = _("The campaign must end after it starts.")
    region = Region.objects.filter(code=data.region_code).first()
    if region is None:
        errors["region_code"] = _("Unknown region code.")
    return name, region, errors


def _require_region(actor: User, region_code: str) -> None:
    if not holds_region(actor, region_code):
        # A Shenzhen officer may run a campaign in Shenzhen, not over all of Guangdong.
        raise Forbidden(
            _("This region is outside your jurisdiction."), fields={"region_code": _("outside your jurisdiction")}
        )


def require_organizer(actor: User, campaign: Campaign) -> None:
    """May `actor` set this campaign up (edit, finish, add sites, import rosters)? 403 if not."""
    require_regulator(actor)
    _require_region(actor, campaign.region_id)


@transaction.atomic
def create_campaign(actor: User, data: CampaignInput) -> Campaign:
    require_regulator(actor)
    name, region, errors = _check_campaign(data)
    if errors or region is None:
        raise InvalidInput(_("The campaign was not created."), fields=errors)
    _require_region(actor, region.code)
    organizer = actor.organization if actor.organization and actor.organization.kind == "regulator" else None
    campaign = Campaign.objects.create(
        name=name,
        starts_at=data.starts_at,
        ends_at=data.ends_at,
        region=region,
        organizer=organizer,
        created_by=actor,
    )
    audit(actor, "campaign.create", campaign, **_facts(campaign))
    return campaign


def _facts(campaign: Campaign) -> dict:
    return {
        "name": scrub(campaign.name),  # the audit log holds no phone or ID-card number
        "region": campaign.region_id,
        "starts_at": campaign.starts_at.isoformat(),
        "ends_at": campaign.ends_at.isoformat(),
    }


@transaction.atomic
def update_campaign(actor: User, campaign: Campaign, data: CampaignInput) -> Campaign:
    """Rename a campaign or move its dates; its region stays (its sites are in it)."""
    require_organizer(actor, campaign)
    name, region, errors = _check_campaign(data)
    if region is not None and region.code != campaign.region_id:
        errors["region_code"] = _("A campaign keeps its region; create another campaign for another region.")
    if errors:
        raise InvalidInput(_("The campaign was not changed."), fields=errors)
    before = _facts(campaign)
    campaign.name, campaign.starts_at, campaign.ends_at = name, data.starts_at, data.ends_at
    campaign.save(update_fields=["name", "starts_at", "ends_at", "updated_at"])
    audit(actor, "campaign.update", campaign, before=before, after=_facts(campaign))
    return campaign


@transaction.atomic
def finish_campaign(actor: User, campaign: Campaign, *, now: datetime | None = None) -> Campaign:
    """End a running campaign now: its end moves to this moment, so visits, attendance and the
    dashboards all treat it as finished (never live, no polling). Finishing a finished campaign
    changes nothing; one that has not started is changed by its dates, not finished."""
    require_organizer(actor, campaign)
    now = now or timezone.now()
    if now > campaign.ends_at:
        return campaign
    if now <= campaign.starts_at:
        raise Conflict(_("The campaign has not started: change its dates instead of finishing it."), code="not_started")
    before = campaign.ends_at
    campaign.ends_at = now
    campaign.save(update_fields=["ends_at", "updated_at"])
    audit(actor, "campaign.finish", campaign, planned_end=before.isoformat(), ended_at=now.isoformat())
    return campaign


@dataclass(frozen=True)
class SiteInput:
    city_code: str
    name: str
    address: str = ""


@transaction.atomic
def add_site(actor: User, campaign: Campaign, data: SiteInput, *, now: datetime | None = None) -> Site:
    require_organizer(actor, campaign)
    errors: dict[str, str] = {}
    city = Region.objects.filter(code=data.city_code).first()
    if city is None:
        errors["city_code"] = _("Unknown region code.")
    elif city.level != Region.Level.PREFECTURE:
        errors["city_code"] = _("A site belongs to a prefecture-level city.")
    elif city.parent_id != campaign.region_id and city.code != campaign.region_id:
        errors["city_code"] = _("This city is outside the campaign's region.")
    elif not scope_for(actor).covers_city(city.code):
        raise Forbidden(
            _("This city is outside your jurisdiction."), fields={"city_code": _("outside your jurisdiction")}
        )
    name = data.name.strip()
    if not name:
        errors["name"] = _("A site needs a name.")
    elif len(name) > NAME_MAX:
        errors["name"] = _("At most %d characters.") % NAME_MAX
    elif Site.objects.filter(campaign=campaign, name=name).exists():
        errors["name"] = _("The campaign already has a site of this name.")
    address = data.address.strip()
    if len(address) > ADDRESS_MAX:
        errors["address"] = _("At most %d characters.") % ADDRESS_MAX
    if (now or timezone.now()) > campaign.ends_at:
        errors["campaign_id"] = _("The campaign has ended.")
    if errors or city is None:
        raise InvalidInput(_("The site was not added."), fields=errors)
    try:
        with transaction.atomic():
            site = Site.objects.create(campaign=campaign, city=city, name=name, address=address)
    except IntegrityError:  # the same site sent twice at once (a double click): the other one won
        raise InvalidInput(
            _("The site was not added."), fields={"name": _("The campaign already has a site of this name.")}
        ) from None
    audit(actor, "campaign.site_add", site, campaign_id=campaign.pk, city=city.code, name=scrub(name))
    return site


@transaction.atomic
def roster(site: Site, organizations: list[Organization], staff: list[Staff]) -> None:
    """Add organizations and people to a site's roster (idempotent). For code that builds a
    world (the demo, tests); officers import rosters with `import_roster`."""
    SiteOrganization.objects.bulk_create(
        [SiteOrganization(site=site, organization=o) for o in organizations], ignore_conflicts=True
    )
    RosterEntry.objects.bulk_create(
        [
            RosterEntry(
                site=site,
                staff=s,
                organization_id=s.organization_id,
                duty=RosterEntry.Duty.EXECUTIVE if s.is_executive else RosterEntry.Duty.RECEPTION,
            )
            for s in staff
        ],
        ignore_conflicts=True,
    )


# ---- roster import -------------------------------------------------------------------------------

COMPANY = "company"  # a row naming a participating organization, not a person
KIND_LABELS = {
    "接访人员": RosterEntry.Duty.RECEPTION,
    "接访": RosterEntry.Duty.RECEPTION,
    "工作人员": RosterEntry.Duty.RECEPTION,
    "reception": RosterEntry.Duty.RECEPTION,
    "高管": RosterEntry.Duty.EXECUTIVE,
    "值班高管": RosterEntry.Duty.EXECUTIVE,
    "executive": RosterEntry.Duty.EXECUTIVE,
    "协调员": RosterEntry.Duty.COORDINATOR,
    "coordinator": RosterEntry.Duty.COORDINATOR,
    "参与机构": COMPANY,
    "参与公司": COMPANY,
    "机构": COMPANY,
    "company": COMPANY,
}
RANK_LABELS = {
    "一把手": Staff.Rank.HEAD,
    "主要负责人": Staff.Rank.HEAD,
    "head": Staff.Rank.HEAD,
    "副职": Staff.Rank.DEPUTY,
    "deputy": Staff.Rank.DEPUTY,
    "工作人员": Staff.Rank.STAFF,
    "staff": Staff.Rank.STAFF,
}
COMPANY_KINDS = (Organization.Kind.INSURER, Organization.Kind.INTERMEDIARY)
PERSON_MAX = 64


@dataclass(frozen=True)
class RowError:
    row: int  # as a spreadsheet program numbers it (the header is row 1)
    column: str  # the column's header as written in the file; "" for the whole row
    message: str


@dataclass
class RosterImport:
    """What an import did. `errors` lists every bad row (none of it stored)."""

    rows: int = 0
    people_added: int = 0
    companies_added: int = 0
    duties_changed: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def rejected_rows(self) -> int:
        return len({e.row for e in self.errors})

    @property
    def stored_rows(self) -> int:
        return self.rows - self.rejected_rows


class _Bad(Exception):
    def __init__(self, column: str, message: str):
        self.column, self.message = column, message


@dataclass
class _Person:
    """A person a row names: an existing `Staff` or one to create (shared by rows naming them)."""

    organization: Organization
    name: str
    title: str
    rank: str
    user: User | None = None
    staff: Staff | None = None


@dataclass(frozen=True)
class _Good:
    number: int
    site: Site
    organization: Organization
    duty: str  # a RosterEntry.Duty, or COMPANY
    person: _Person | None


def import_roster(actor: User, target: Campaign | Site, data: bytes, *, filename: str = "") -> RosterImport:
    """Import a roster spreadsheet into `target` (a campaign: each row names its site; a site:
    rows may leave the site empty). Raises `FileRejected` for a file that cannot be read,
    `Forbidden` for an actor who may not set the campaign up, `InvalidInput` for a finished
    campaign; otherwise stores the good rows in one transaction and returns the bad ones."""
    campaign = target if isinstance(target, Campaign) else target.campaign
    require_organizer(actor, campaign)
    if campaign.is_finished:
        raise InvalidInput(
            _("The campaign has ended; its roster can no longer change."),
            fields={"campaign_id": _("The campaign has ended.")},
        )
    sheet = rosterfile.read(data, filename)
    site_of_file = target if isinstance(target, Site) else None
    if site_of_file is None and "site" not in sheet.headers:
        raise rosterfile.FileRejected(
            _("The header row does not match the template: %(problems)s.")
            % {"problems": _("missing required columns: %(cols)s") % {"cols": "接待点"}}
        )
    checker = _RowChecker(actor, campaign, site_of_file, sheet)
    result = RosterImport(rows=len(sheet.rows))
    good: list[_Good] = []
    for number, row in sheet.rows:
        try:
            good.append(checker.check(number, row))
        except _Bad as bad:
            result.errors.append(RowError(number, sheet.headers.get(bad.column, ""), bad.message))
    with transaction.atomic():
        _store(good, result)
        audit(
            actor,
            "campaign.roster_import",
            target,
            campaign_id=campaign.pk,
            file=scrub(filename[:100]),
            rows=result.rows,
            people_added=result.people_added,
            companies_added=result.companies_added,
            duties_changed=result.duties_changed,
            unchanged=result.unchanged,
            rejected_rows=result.rejected_rows,
        )
    return result


class _RowChecker:
    """Checks rows against the database, looked up once per file (not once per row)."""

    def __init__(self, actor: User, campaign: Campaign, site: Site | None, sheet: rosterfile.Sheet):
        self.scope = scope_for(actor)
        self.site = site
        self.sites = {s.name: s for s in Site.objects.filter(campaign=campaign).select_related("city")}
        cells = [row for _n, row in sheet.rows]
        org_keys = {r.get("organization", "") for r in cells} - {""}
        ids = [int(k) for k in org_keys if k.isdigit()]
        self.orgs_by_id: dict[int, Organization] = {}
        self.orgs_by_name: dict[str, list[Organization]] = defaultdict(list)
        for org in Organization.objects.filter(
            Q(name__in=org_keys) | Q(short_name__in=org_keys) | Q(pk__in=ids), is_active=True
        ):
            self.orgs_by_id[org.pk] = org
            self.orgs_by_name[org.name].append(org)
            if org.short_name and org.short_name != org.name:
                self.orgs_by_name[org.short_name].append(org)
        accounts = {r.get("account", "") for r in cells} - {""}
        self.users = {u.username: u for u in User.objects.filter(username__in=accounts)}
        self.staff_of_user = {s.user_id: s for s in Staff.objects.filter(user__in=self.users.values())}
        names = {r.get("name", "") for r in cells} - {""}
        self.staff_by_name: dict[tuple[int, str], list[Staff]] = defaultdict(list)
        for s in Staff.objects.filter(organization__in=self.orgs_by_id.values(), name__in=names).order_by("pk"):
            self.staff_by_name[(s.organization_id, s.name)].append(s)
        self.rostered = set(
            RosterEntry.objects.filter(site__campaign=campaign, staff__name__in=names).values_list(
                "site_id", "staff_id"
            )
        )
        self.cities_of: dict[str, frozenset[str]] = {}
        self.new_people: dict[tuple, _Person] = {}
        self.seen: dict[tuple, int] = {}

    def check(self, number: int, row: dict[str, str]) -> _Good:
        duty = self._kind(row.get("kind", ""))
        site = self._site(row.get("site", ""))
        org = self._organization(row.get("organization", ""), site)
        person = None if duty == COMPANY else self._person(row, org, duty, site)
        if person is None:
            if row.get("name") or row.get("account"):
                raise _Bad("name", _("A company row names no person: put each person on a row of their own."))
            key: tuple = ("company", site.pk, org.pk)
        elif person.staff is not None:
            key = ("person", site.pk, person.staff.pk)
        else:
            key = ("person", site.pk, id(person))
        first = self.seen.get(key)
        if first is not None:
            raise _Bad("", _("The same as row %(row)d.") % {"row": first})
        self.seen[key] = number
        return _Good(number, site, org, duty, person)

    def _kind(self, text: str) -> str:
        if not text:
            raise _Bad("kind", _("Say what the row is: 接访人员, 高管, 协调员 or 参与机构."))
        duty = KIND_LABELS.get(text.lower())
        if duty is None:
            raise _Bad("kind", _("Unknown kind %(text)s: use 接访人员, 高管, 协调员 or 参与机构.") % {"text": text})
        return duty

    def _site(self, name: str) -> Site:
        if self.site is not None:
            if name and name != self.site.name:
                raise _Bad("site", _("This file is for the site %(site)s only.") % {"site": self.site.name})
            site = self.site
        else:
            if not name:
                raise _Bad("site", _("Name the site."))
            found = self.sites.get(name)
            if found is None:
                raise _Bad("site", _("%(name)s is not a site of this campaign.") % {"name": name})
            site = found
        if not self.scope.covers_city(site.city_id):
            raise _Bad("site", _("This site is outside your jurisdiction."))
        return site

    def _organization(self, text: str, site: Site) -> Organization:
        if not text:
            raise _Bad("organization", _("Name the organization."))
        found = self.orgs_by_name.get(text, [])
        if not found and text.isdigit() and int(text) in self.orgs_by_id:
            found = [self.orgs_by_id[int(text)]]
        if not found:
            raise _Bad("organization", _("Unknown organization %(name)s: use its full name.") % {"name": text})
        if len({o.pk for o in found}) > 1:
            raise _Bad(
                "organization", _("Several organizations are called %(name)s: use the full name.") % {"name": text}
            )
        org = found[0]
        if org.kind in COMPANY_KINDS and org.region_id:
            cities = self.cities_of.get(org.region_id)
            if cities is None:
                cities = self.cities_of[org.region_id] = cities_under([org.region_id])
            if site.city_id not in cities:
                raise _Bad("organization", _("This branch is not in the site's city."))
        return org

    def _person(self, row: dict[str, str], org: Organization, duty: str, site: Site) -> _Person:
        name = row.get("name", "")
        if not name:
            raise _Bad("name", _("Give the person's name."))
        if len(name) > PERSON_MAX:
            raise _Bad("name", _("At most %d characters.") % PERSON_MAX)
        title = row.get("title", "")
        if len(title) > PERSON_MAX:
            raise _Bad("title", _("At most %d characters.") % PERSON_MAX)
        rank_text = row.get("rank", "")
        rank = RANK_LABELS.get(rank_text.lower()) if rank_text else None
        if rank_text and rank is None:
            raise _Bad("rank", _("Unknown rank %(text)s: use 一把手, 副职 or 工作人员.") % {"text": rank_text})
        user = self._account(row.get("account", ""), org, duty)
        staff = self._staff(user, org, name, site)
        if duty == RosterEntry.Duty.EXECUTIVE:
            if org.kind not in COMPANY_KINDS:
                raise _Bad("kind", _("An executive on duty is a company's head or deputy, not the regulator's staff."))
            if (rank or (staff.rank if staff else Staff.Rank.STAFF)) not in (Staff.Rank.HEAD, Staff.Rank.DEPUTY):
                raise _Bad("rank", _("An executive on duty is a head (一把手) or a deputy (副职)."))
        if staff is not None:
            return _Person(org, name, staff.title, staff.rank, staff.user, staff)
        key = ("user", user.pk) if user is not None else ("name", org.pk, name)
        person = self.new_people.get(key)
        if person is None:
            person = self.new_people[key] = _Person(org, name, title, rank or Staff.Rank.STAFF, user)
        elif person.name != name:
            raise _Bad("account", _("This account is another person's in this file."))
        return person

    def _account(self, username: str, org: Organization, duty: str) -> User | None:
        if not username:
            return None
        user = self.users.get(username)
        if user is None or not user.is_active:
            raise _Bad("account", _("Unknown account %(name)s.") % {"name": username})
        if user.organization_id != org.pk:
            raise _Bad("account", _("This account belongs to another organization."))
        company = org.kind in COMPANY_KINDS
        allowed = COMPANY_ROLES if company else (*SITE_ROLES, *REGULATOR_ROLES)
        if user.role not in allowed or (duty == RosterEntry.Duty.EXECUTIVE and user.role in SITE_ROLES):
            raise _Bad(
                "account",
                _("This account's role (%(role)s) does not fit this row.") % {"role": user.get_role_display() or "-"},
            )
        return user

    def _staff(self, user: User | None, org: Organization, name: str, site: Site) -> Staff | None:
        """The directory's record of the person, or None for a person to add."""
        if user is not None:
            staff = self.staff_of_user.get(user.pk)
            if staff is not None and (staff.name != name or staff.organization_id != org.pk):
                raise _Bad("account", _("This account is another person's in the directory."))
            return staff
        same = self.staff_by_name.get((org.pk, name), [])
        if len(same) <= 1:
            return same[0] if same else None
        rostered = [s for s in same if (site.pk, s.pk) in self.rostered]
        if len(rostered) == 1:
            return rostered[0]
        raise _Bad("account", _("Several people of this name work there: give the person's account."))


def _store(good: list[_Good], result: RosterImport) -> None:
    """Write the good rows: new people, participating organizations, roster entries."""
    new = {id(g.person): g.person for g in good if g.person is not None and g.person.staff is None}
    created = Staff.objects.bulk_create(
        [Staff(name=p.name, organization=p.organization, title=p.title, rank=p.rank, user=p.user) for p in new.values()]
    )
    for person, made in zip(new.values(), created, strict=True):
        person.staff = made
    # A company takes part at a site when the file says so, or when one of its people is there.
    wanted = {(g.site.pk, g.organization.pk) for g in good if g.duty == COMPANY or g.organization.kind in COMPANY_KINDS}
    sites = {g.site.pk for g in good}
    have = set(SiteOrganization.objects.filter(site_id__in=sites).values_list("site_id", "organization_id"))
    missing = sorted(wanted - have)
    SiteOrganization.objects.bulk_create([SiteOrganization(site_id=s, organization_id=o) for s, o in missing])
    result.companies_added = len(missing)
    people = [g for g in good if g.person is not None]
    existing = {
        (e.site_id, e.staff_id): e
        for e in RosterEntry.objects.filter(site_id__in=sites, staff__in=[g.person.staff for g in people if g.person])
    }
    add, change = [], []
    for g in people:
        staff = g.person.staff if g.person is not None else None
        if staff is None:  # every person has a directory record by now
            continue
        entry = existing.get((g.site.pk, staff.pk))
        if entry is None:
            add.append(RosterEntry(site=g.site, staff=staff, organization=g.organization, duty=g.duty))
        elif entry.duty != g.duty:
            entry.duty = g.duty
            change.append(entry)
        else:
            result.unchanged += 1
    RosterEntry.objects.bulk_create(add)
    RosterEntry.objects.bulk_update(change, ["duty"])
    result.people_added, result.duties_changed = len(add), len(change)
    result.unchanged += sum(1 for g in good if g.duty == COMPANY and (g.site.pk, g.organization.pk) in have)
