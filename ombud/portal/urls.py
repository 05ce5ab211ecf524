"""The public side's pages: one url module per part, so that each part owns its routes."""

from django.urls import include, path

app_name = "portal"
urlpatterns = [
    path("", include("ombud.portal.home.urls")),
    path("", include("ombud.portal.filing.urls")),
    path("", include("ombud.portal.casepage.urls")),
    path("", include("ombud.portal.consultations.urls")),
]
