"""The public home page at `/`: what the bureau offers a consumer, and where each thing is.

`ombud.views.home` sends staff to their work and everyone else (anonymous, or signed in
without a role) here. No login, no personal data, nothing looked up: the page is the same for
every visitor, so it reveals nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.views.decorators.http import require_safe

from ombud.replica import replica_reads


def link(name: str, fallback: str) -> str:
    """The address of a named route, or its planned path while the part that serves it is
    being built (the filing and consultation pages are built beside this one)."""
    try:
        return reverse(name)
    except NoReverseMatch:
        return fallback


@dataclass(frozen=True)
class Offer:
    key: str  # complaint / consultation / suggestion: the filing form's `kind`
    href: str


@require_safe
@replica_reads
def public_home(request: HttpRequest) -> HttpResponse:
    file_url = link("portal:file", "/file/")
    context = {
        "offers": [Offer(kind, f"{file_url}?kind={kind}") for kind in ("complaint", "consultation", "suggestion")],
        "track_url": reverse("portal:track"),
        "consultations_url": link("portal:consultations", "/consultations/"),
        "typical_url": reverse("oversight:typical-public-list"),
        "reports_url": link("publication:public-list", ""),
        "hotline": settings.OMBUD_HOTLINE,
    }
    return render(request, "portal/home/home.html", context)
