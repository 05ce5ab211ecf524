"""Routes of the reports app: one url module per part, each with its own namespace
(`reports:` for the statistics pages, `publication:` for reports to the media), so this
module has none of its own and `{% url 'reports:dashboard' %}` and
`{% url 'publication:public' %}` resolve as before."""

from django.urls import include, path

urlpatterns = [
    path("", include("ombud.reports.publication.urls")),
    path("", include("ombud.reports.statistics.urls")),
]
