"""Pages of call-backs (回访); url names are "oversight:<name>"."""

from django.urls import path

from ombud.oversight.callbacks import views

urlpatterns = [
    path("oversight/callbacks/", views.callback_list, name="callbacks"),
    path("oversight/callbacks/build/", views.build_list, name="callbacks_build"),
    path("oversight/callbacks/report/", views.report, name="callbacks_report"),
    path("oversight/callbacks/<int:callback_id>/", views.callback_detail, name="callback"),
    path("oversight/callbacks/<int:callback_id>/phone/", views.open_phone, name="callback_phone"),
    path("oversight/callbacks/<int:callback_id>/attempts/", views.add_attempt, name="callback_attempt"),
]
