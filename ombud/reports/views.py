"""Placeholder: pages are built in the UI pass."""

from django.http import HttpResponse


def campaign_list(request):
    return HttpResponse("campaigns")


def dashboard(request, campaign_id):
    return HttpResponse("dashboard")


def dashboard_live(request, campaign_id):
    return HttpResponse("live")
