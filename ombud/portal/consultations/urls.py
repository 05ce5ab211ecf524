"""Pages of public consultations; url names are "portal:<name>".

The public pages (consultations, consultation, consultation-verify) need no login; the
officers' live under /consultations/manage/.
"""

from django.urls import path

from ombud.portal.consultations import views

urlpatterns = [
    path("consultations/", views.public_list, name="consultations"),
    path("consultations/<int:consultation_id>/", views.public_detail, name="consultation"),
    path("consultations/<int:consultation_id>/verify/", views.public_verify, name="consultation-verify"),
    path("consultations/manage/", views.manage_list, name="consultations-manage"),
    path("consultations/manage/new/", views.manage_new, name="consultation-new"),
    path("consultations/manage/<int:consultation_id>/", views.manage_detail, name="consultation-manage"),
    path("consultations/manage/<int:consultation_id>/edit/", views.manage_edit, name="consultation-edit"),
    path("consultations/manage/<int:consultation_id>/summary/", views.manage_summary, name="consultation-summary"),
    path("consultations/manage/<int:consultation_id>/answers/", views.manage_answers, name="consultation-answers"),
    path(
        "consultations/manage/<int:consultation_id>/answers/<int:response_id>/tags/",
        views.manage_tags,
        name="consultation-tags",
    ),
    path(
        "consultations/manage/<int:consultation_id>/answers/<int:response_id>/read/",
        views.manage_read,
        name="consultation-read",
    ),
]
