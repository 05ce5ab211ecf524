"""Pages of spot checks (抽查); url names are "oversight:<name>"."""

from django.urls import path

from ombud.oversight.spotchecks import views

urlpatterns = [
    path("oversight/spot-checks/", views.spot_check_list, name="spotchecks"),
    path("oversight/spot-checks/report/", views.pass_rate_report, name="spotcheck_report"),
    path("oversight/spot-checks/<int:spot_check_id>/", views.spot_check_detail, name="spotcheck"),
    path(
        "oversight/spot-checks/<int:spot_check_id>/items/<int:item_id>/finding/",
        views.record_finding,
        name="spotcheck_finding",
    ),
]
