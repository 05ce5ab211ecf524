"""Pages of campaigns: rosters with check-in, the attendance report, inspections.

Included in ombud/urls.py as `path("", include("ombud.campaigns.urls"))`.
"""

from django.urls import path

from ombud.campaigns import views

app_name = "campaigns"
urlpatterns = [
    path("attendance/", views.index, name="index"),
    path("campaigns/<int:campaign_id>/attendance/", views.attendance_report, name="attendance"),
    path("campaigns/<int:campaign_id>/inspections/", views.inspections, name="inspections"),
    path("campaigns/<int:campaign_id>/sites/<int:site_id>/roster/", views.roster, name="roster"),
    path(
        "campaigns/<int:campaign_id>/sites/<int:site_id>/roster/<int:entry_id>/<slug:action>/",
        views.mark,
        name="mark",
    ),
]
