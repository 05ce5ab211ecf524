"""The company workspace and the case pages."""

from django.urls import path

from ombud.cases import views

app_name = "cases"
urlpatterns = [
    path("cases/", views.queue, name="queue"),
    path("cases/<int:case_id>/", views.case_page, name="detail"),
    path("cases/<int:case_id>/actions/<slug:action>/", views.case_action, name="action"),
    path("cases/<int:case_id>/attachments/", views.upload, name="upload"),
    path("cases/<int:case_id>/attachments/<int:attachment_id>/", views.download, name="download"),
]
