"""Project-level views: the landing page (staff to their work, the public to its home) and the
API's JSON 404."""

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect

from ombud.portal.home.views import public_home


def home(request: HttpRequest) -> HttpResponse:
    """Staff land on their work; a visitor, or an account without a role, on the public home."""
    user = request.user
    if not user.is_authenticated or not (user.role or user.is_superuser):
        return public_home(request)
    if user.effective_role == "site_staff":
        return redirect("intake:new")
    if user.is_company_user:
        # A company's handlers and executives work from their queue of cases.
        return redirect("cases:queue")
    return redirect("reports:campaigns")


def api_not_found(request: HttpRequest) -> HttpResponse:
    return JsonResponse({"error": {"code": "not_found", "message": "No such API route.", "fields": {}}}, status=404)
