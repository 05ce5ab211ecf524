"""Oversight pages: one url module per part, so that each part owns its routes."""

from django.urls import include, path

from ombud.oversight.evaluation import urls as urls_evaluation
from ombud.oversight.typical import urls as urls_typical

app_name = "oversight"
urlpatterns = [
    path("", include("ombud.oversight.spotchecks.urls")),
    path("", include("ombud.oversight.callbacks.urls")),
    path("", include(urls_typical)),
    path("", include(urls_evaluation)),
]
