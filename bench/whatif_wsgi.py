"""A what-if for bench/matrix.py (`+fastpath`), from before the real caches were written
(ombud/directory/generation.py); kept to reproduce the figures of bench/README.md. Ombud's WSGI
app with the intake's three reads served from small per-process caches, to measure what such a
change would gain. Never for production: the caches ignore revocation and edits for up to
TTL_SECONDS.

    gunicorn bench.whatif_wsgi:application   (with OMBUD_BENCH_FASTPATH=1)

1. Bearer token → user (ombud/directory/services.py user_for_token): cached by token digest.
2. Site + campaign + city (ombud/campaigns/queries.py access_site_for_intake): cached by site id
   for users who may record at every site (superuser, regulator admin without a bureau);
   everyone else takes the normal path.
3. Company (ombud/intake/services.py _load_company): cached by id.
"""

from __future__ import annotations

import hashlib
import os
import time

from ombud.wsgi import application  # sets Django up

__all__ = ["application"]

TTL_SECONDS = 30.0

if os.environ.get("OMBUD_BENCH_FASTPATH") == "1":
    from django.utils.translation import gettext as _

    import ombud.api
    import ombud.intake.services as intake_services
    from ombud.campaigns import queries as campaign_queries
    from ombud.campaigns.models import Site
    from ombud.directory import services as directory_services
    from ombud.directory.models import Organization
    from ombud.errors import Forbidden

    _tokens: dict[str, tuple[float, object]] = {}
    _sites: dict[int, tuple[float, Site]] = {}
    _companies: dict[int, tuple[float, Organization | None]] = {}
    _original_user_for_token = directory_services.user_for_token
    _original_access_site = campaign_queries.access_site_for_intake
    # The permission expression of access_site_for_intake (named _may_record_at before 96260a8).
    _may_record_at = getattr(campaign_queries, "may_record_at", None) or campaign_queries._may_record_at

    def _fresh(entry: tuple[float, object] | None) -> bool:
        return entry is not None and time.monotonic() - entry[0] < TTL_SECONDS

    def user_for_token(raw: str, **_ignored):  # the generation since the real caches came
        if not raw or len(raw) > 200:
            return None
        digest = hashlib.sha256(raw.encode()).hexdigest()
        entry = _tokens.get(digest)
        if _fresh(entry):
            return entry[1]
        user = _original_user_for_token(raw)
        if user is not None:
            _tokens[digest] = (time.monotonic(), user)
        return user

    def access_site_for_intake(user, site_id: int):
        if _may_record_at(user) is not None:
            return _original_access_site(user, site_id)
        entry = _sites.get(site_id)
        if _fresh(entry):
            return entry[1]
        site = _original_access_site(user, site_id)
        _sites[site_id] = (time.monotonic(), site)
        return site

    def _load_company(actor, company_id: int, errors: dict[str, str], generation=None):
        entry = _companies.get(company_id)
        if _fresh(entry):
            company = entry[1]
        else:
            company = (
                Organization.objects.filter(pk=company_id, kind__in=intake_services.COMPANY_KINDS)
                .only("id", "head_office_id", "name")
                .first()
            )
            _companies[company_id] = (time.monotonic(), company)
        if company is None:
            errors["company_id"] = _("Unknown company.")
            return None
        if actor is not None and company.head_office_id != actor.company_id:  # a company user's scope
            raise Forbidden(
                _("You may record visits only about your own company."), fields={"company_id": "not your company"}
            )
        return company

    ombud.api.user_for_token = user_for_token
    intake_services.access_site_for_intake = access_site_for_intake
    intake_services._load_company = _load_company
