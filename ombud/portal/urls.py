"""The public side's pages: one url module per part, so that each part owns its routes."""

from django.urls import include, path

from ombud.portal import views

app_name = "portal"
urlpatterns = [
    path("track/", views.track, name="track"),
    path("", include("ombud.portal.home.urls")),
    path("", include("ombud.portal.filing.urls")),
    path("", include("ombud.portal.casepage.urls")),
    path("", include("ombud.portal.consultations.urls")),
]
