"""The backlog import page and its template workbook (included by `ombud/cases/urls.py`)."""

from django.urls import path

from ombud.cases.imports import views

app_name = "cases_import"
urlpatterns = [
    path("cases/import/", views.upload, name="upload"),
    path("cases/import/template.xlsx", views.template, name="template"),
]
