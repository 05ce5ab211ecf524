"""The backlog import page."""

from django.urls import path

from ombud.cases import import_views

app_name = "cases_import"
urlpatterns = [
    path("cases/import/", import_views.upload, name="upload"),
    path("cases/import/template.xlsx", import_views.template, name="template"),
]
