"""A plain Django + django-ninja project for bench/matrix.py: the floor Ombud's intake is
compared with. One app, one model about as wide as `intake_visit`, one POST endpoint; nothing
of Ombud (no auth, no encryption, no permissions). Never for production.

    DATABASE_URL=postgres://... DJANGO_SETTINGS_MODULE=bench.plain.settings python -m django migrate
    DATABASE_URL=postgres://... gunicorn bench.plain.wsgi:application

It shares Ombud's database (its own table, `bench_plain_visit`) and the connection settings
Ombud uses (persistent connections with health checks).
"""

import os

import dj_database_url

SECRET_KEY = "bench-plain-not-secret"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]"]
INSTALLED_APPS = ["bench.plain"]
# What `startproject` keeps for a JSON API: the security headers and the host check.
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.common.CommonMiddleware",
]
ROOT_URLCONF = "bench.plain.urls"
WSGI_APPLICATION = "bench.plain.wsgi.application"
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", "sqlite:////tmp/ombud-bench-plain.sqlite3"),
        conn_max_age=60,
        conn_health_checks=True,
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
USE_TZ = True
TIME_ZONE = "Asia/Shanghai"
USE_I18N = False
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "WARNING"}}
