"""Pages of campaigns: setting one up (sites, roster import), rosters with check-in, the
attendance report, inspections.

Included in ombud/urls.py as `path("", include("ombud.campaigns.urls"))`.
"""

from django.urls import path

from ombud.campaigns import views

app_name = "campaigns"
urlpatterns = [
    path("attendance/", views.index, name="index"),
    path("campaigns/setup/", views.setup_list, name="setup_list"),
    path("campaigns/new/", views.campaign_new, name="new"),
    path("campaigns/<int:campaign_id>/setup/", views.campaign_setup, name="setup"),
    path("campaigns/<int:campaign_id>/edit/", views.campaign_edit, name="edit"),
    path("campaigns/<int:campaign_id>/finish/", views.campaign_finish, name="finish"),
    path("campaigns/<int:campaign_id>/roster/import/", views.roster_import, name="roster_import"),
    path("campaigns/<int:campaign_id>/roster/template.xlsx", views.roster_template, name="roster_template"),
    path("campaigns/<int:campaign_id>/attendance/", views.attendance_report, name="attendance"),
    path("campaigns/<int:campaign_id>/inspections/", views.inspections, name="inspections"),
    path("campaigns/<int:campaign_id>/sites/<int:site_id>/roster/", views.roster, name="roster"),
    path(
        "campaigns/<int:campaign_id>/sites/<int:site_id>/roster/<int:entry_id>/<slug:action>/",
        views.mark,
        name="mark",
    ),
]
