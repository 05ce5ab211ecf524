"""The cases app's pages: the workspace (the company workspace and the case pages, namespace
`cases`) and its backlog import (`imports/urls.py`, namespace `cases_import`)."""

from django.urls import include, path

from ombud.cases import views

workspace = [
    path("cases/", views.queue, name="queue"),
    path("cases/<int:case_id>/", views.case_page, name="detail"),
    path("cases/<int:case_id>/actions/<slug:action>/", views.case_action, name="action"),
    path("cases/<int:case_id>/attachments/", views.upload, name="upload"),
    path("cases/<int:case_id>/attachments/<int:attachment_id>/", views.download, name="download"),
]

urlpatterns = [
    path("", include((workspace, "cases"))),
    path("", include("ombud.cases.imports.urls")),
]
