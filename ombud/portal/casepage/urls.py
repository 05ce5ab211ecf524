"""The consumer's case page (docs/tracking.md); names in the "portal" namespace."""

from django.urls import path

from ombud.portal.casepage import views

urlpatterns = [
    path("track/", views.track, name="track"),
    path("track/mine/", views.mine, name="mine"),
    path("track/<str:tracking_no>/", views.case, name="case"),
    path("track/<str:tracking_no>/actions/<str:action>/", views.case_action, name="case_action"),
]
