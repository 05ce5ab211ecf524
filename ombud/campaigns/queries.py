"""Reads of campaigns and sites, scoped to the user."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from ombud.campaigns.models import Campaign, RosterEntry, Site
from ombud.directory.models import Jurisdiction, User
from ombud.errors import Forbidden, InvalidInput, NotFound


def site_ids_for_user(user: User) -> list[int]:
    return list(RosterEntry.objects.filter(staff__user=user).values_list("site_id", flat=True))


def campaigns_for(user: User) -> QuerySet[Campaign]:
    """Campaigns are public events: every signed-in user may list them; what each may see of
    their visits is scoped separately (directory/access.py)."""
    return Campaign.objects.select_related("region").order_by("-starts_at", "id")


def access_campaign(user: User, campaign_id: int) -> Campaign:
    try:
        return campaigns_for(user).get(pk=campaign_id)
    except Campaign.DoesNotExist:
        raise NotFound(_("No such campaign."), fields={"campaign_id": _("unknown campaign")}) from None


def sites_for(user: User, campaign: Campaign) -> QuerySet[Site]:
    qs = Site.objects.filter(campaign=campaign).select_related("city")
    if user.effective_role == User.Role.SITE_STAFF:
        qs = qs.filter(roster__staff__user=user)
    return qs.order_by("city_id", "id")


def may_record_at(user: User) -> Q | Exists | None:
    """An expression true for sites where `user` may record visits; None = every site."""
    role = user.effective_role
    if role in (User.Role.REGULATOR_ADMIN, User.Role.REGULATOR_OFFICER):
        if user.is_superuser or user.organization_id is None:
            return None
        return Exists(
            Jurisdiction.objects.filter(regulator_id=user.organization_id).filter(
                Q(region_id=OuterRef("city_id")) | Q(region_id=OuterRef("city__parent_id"))
            )
        )
    if role == User.Role.SITE_STAFF:
        return Exists(RosterEntry.objects.filter(site_id=OuterRef("pk"), staff__user=user))
    if role in (User.Role.COMPANY_HANDLER, User.Role.EXECUTIVE):
        # Company staff record at sites where their company takes part.
        from ombud.campaigns.models import SiteOrganization

        org = user.organization
        head = (org.head_office_id or org.pk) if org else None
        return Exists(
            SiteOrganization.objects.filter(site_id=OuterRef("pk")).filter(
                Q(organization_id=head) | Q(organization__head_office_id=head)
            )
        )
    return Q(pk__in=[])


def access_site_for_intake(user: User, site_id: int) -> Site:
    """Load a site with its campaign and city, checking that `user` may record visits there.

    One query: the permission is an EXISTS computed with the row.
    """
    qs = Site.objects.select_related("campaign", "city")
    allowed = may_record_at(user)
    if allowed is not None:
        qs = qs.annotate(allowed=allowed)
    try:
        site = qs.get(pk=site_id)
    except Site.DoesNotExist:
        raise InvalidInput(_("No such site."), fields={"site_id": _("unknown site")}) from None
    if allowed is not None and not site.allowed:
        raise Forbidden(_("You may not record visits at this site."), fields={"site_id": _("not your site")})
    return site


def sites_for_intake(user: User, *, at: datetime | None = None) -> QuerySet[Site]:
    """Sites of campaigns running at `at` where `user` may record visits (the form's choices):
    the same permission `access_site_for_intake` checks, as one EXISTS."""
    at = at or timezone.now()
    qs = Site.objects.filter(campaign__starts_at__lte=at, campaign__ends_at__gte=at).select_related("campaign", "city")
    allowed = may_record_at(user)
    if allowed is not None:
        qs = qs.filter(allowed)
    return qs.order_by("-campaign__starts_at", "city_id", "id")
