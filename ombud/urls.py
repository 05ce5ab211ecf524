from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path, re_path

from ombud import health
from ombud.api import api
from ombud.views import api_not_found, home

urlpatterns = [
    path("", home, name="home"),
    # For load balancers: no sign-in, JSON (docs/operations.md, "Faults").
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("accounts/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    re_path(r"^api/", api_not_found),
    path("", include("ombud.intake.urls")),
    path("", include("ombud.cases.urls")),
    path("", include("ombud.oversight.urls")),
    path("", include("ombud.campaigns.urls")),
    path("", include("ombud.reports.urls")),
    path("", include("ombud.portal.urls")),
]

# A database outage anywhere in a request (view, session, user) is a 503, not a 500.
handler500 = "ombud.health.server_error"
