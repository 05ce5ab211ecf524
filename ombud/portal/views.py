from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache

from ombud.errors import NotFound
from ombud.intake.tracking import format_tracking_no
from ombud.portal import limits, services


class TrackForm(forms.Form):
    tracking_no = forms.CharField(label=_("Tracking number"), max_length=24)
    code = forms.CharField(label=_("Secret code"), max_length=16)


@never_cache
def track(request: HttpRequest) -> HttpResponse:
    """The public tracking page; the limits are `portal.services.look_up`'s (docs/tracking.md)."""
    form = TrackForm(request.POST or None)
    visit, status, retry_after = None, 200, None
    if request.method == "POST":
        if not form.is_valid():
            status = 400
        else:
            try:
                visit = services.look_up(
                    form.cleaned_data["tracking_no"], form.cleaned_data["code"], limits.client_address(request)
                )
            except limits.TooManyAttempts as e:
                form.add_error(None, str(e.message))
                status, retry_after = 429, e.retry_after
            except NotFound as e:
                form.add_error(None, str(e.message))
                status = 404
    events = list(visit.case.events.order_by("created_at", "id")) if visit and hasattr(visit, "case") else []
    context = {
        "form": form,
        "visit": visit,
        "events": events,
        "tracking_no": format_tracking_no(visit.tracking_no) if visit else "",
    }
    response = render(request, "portal/track.html", context, status=status)
    if retry_after is not None:
        response["Retry-After"] = str(retry_after)
    return response
