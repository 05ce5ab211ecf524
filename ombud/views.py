"""Project-level views: the landing redirect and the API's JSON 404."""

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect

from ombud.directory.access import page


@page()
def home(request: HttpRequest) -> HttpResponse:
    if request.user.effective_role == "site_staff":
        return redirect("intake:new")
    if request.user.is_company_user:
        # A company's handlers and executives work from their queue of cases.
        return redirect("cases:queue")
    return redirect("reports:campaigns")


def api_not_found(request: HttpRequest) -> HttpResponse:
    return JsonResponse({"error": {"code": "not_found", "message": "No such API route.", "fields": {}}}, status=404)
