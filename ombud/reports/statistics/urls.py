"""Routes of the statistics pages: campaigns, the live dashboard, case statistics."""

from django.urls import path

from ombud.reports.statistics import views

app_name = "reports"
urlpatterns = [
    path("campaigns/", views.campaign_list, name="campaigns"),
    path("campaigns/<int:campaign_id>/dashboard/", views.dashboard, name="dashboard"),
    path("campaigns/<int:campaign_id>/dashboard/live/", views.dashboard_live, name="dashboard_live"),
    path("campaigns/<int:campaign_id>/dashboard/cases/", views.dashboard_cases, name="dashboard_cases"),
    path("reports/cases/", views.case_report, name="cases"),
]
