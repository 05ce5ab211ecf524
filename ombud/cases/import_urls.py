"""The backlog import page."""

from django.urls import path  # noqa: F401

app_name = "cases_import"
urlpatterns: list = []
