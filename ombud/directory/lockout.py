"""What a locked-out login gets (django-axes' AXES_LOCKOUT_CALLABLE): JSON for the API, a
page for people. 429 tells a client to stop retrying for the cool-off period."""

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _


def lockout_response(request: HttpRequest, original_response=None, credentials=None) -> HttpResponse:
    message = _("Too many failed sign-ins: this account is locked for 15 minutes from this address.")
    if request.path.startswith("/api/"):
        return JsonResponse({"error": {"code": "locked_out", "message": message, "fields": {}}}, status=429)
    return render(request, "registration/locked_out.html", {"message": message}, status=429)
