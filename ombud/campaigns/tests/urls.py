"""The site's urls plus the campaigns pages, for tests while ombud/urls.py does not include
them yet (and unchanged once it does)."""

from django.urls import include, path

from ombud.urls import urlpatterns as site_urls

urlpatterns = list(site_urls)
if not any(getattr(p, "namespace", None) == "campaigns" for p in urlpatterns):
    urlpatterns.append(path("", include("ombud.campaigns.urls")))
