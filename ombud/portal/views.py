from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache

from ombud.intake.tracking import format_tracking_no
from ombud.portal import queries


class TrackForm(forms.Form):
    tracking_no = forms.CharField(label=_("Tracking number"), max_length=24)
    code = forms.CharField(label=_("Secret code"), max_length=16)


@never_cache
def track(request: HttpRequest) -> HttpResponse:
    form = TrackForm(request.POST or None)
    visit, status = None, 200
    if request.method == "POST" and form.is_valid():
        if queries.too_many_attempts(request.META.get("REMOTE_ADDR", "")):
            form.add_error(None, _("Too many attempts. Please try again in ten minutes."))
            status = 429
        else:
            visit = queries.track(form.cleaned_data["tracking_no"], form.cleaned_data["code"])
            if visit is None:
                form.add_error(None, _("No visit matches this tracking number and secret code."))
                status = 404
    events = list(visit.case.events.order_by("created_at", "id")) if visit and hasattr(visit, "case") else []
    context = {
        "form": form,
        "visit": visit,
        "events": events,
        "tracking_no": format_tracking_no(visit.tracking_no) if visit else "",
    }
    return render(request, "portal/track.html", context, status=status)
