"""Placeholder: pages are built in the UI pass."""

from django.http import HttpResponse


def visit_list(request):
    return HttpResponse("visits")


def new_visit(request):
    return HttpResponse("new")


def receipt(request, visit_id):
    return HttpResponse("receipt")
