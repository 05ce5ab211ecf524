"""Settings for measuring what-ifs with bench/matrix.py: Ombud's settings with one change each.

Never for production. Chosen with environment variables so that one server run measures one
variant (bench/matrix.py sets them from a server spec such as `sync:2+persistent+lean`):

    OMBUD_BENCH_PERSISTENT=1      keep database connections (SQLite is forced to CONN_MAX_AGE=0)
    OMBUD_BENCH_NO_HEALTH_CHECK=1 no CONN_HEALTH_CHECKS (a `SELECT 1` before each request's queries)
    OMBUD_BENCH_LEAN=1            only the middleware an API request needs (breaks the HTML pages)
"""

import os

from ombud.settings import *  # noqa: F403
from ombud.settings import DATABASES

if os.environ.get("OMBUD_BENCH_PERSISTENT") == "1":
    DATABASES["default"]["CONN_MAX_AGE"] = 600
if os.environ.get("OMBUD_BENCH_NO_HEALTH_CHECK") == "1":
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = False
if os.environ.get("OMBUD_BENCH_LEAN") == "1":
    MIDDLEWARE = [
        "django.middleware.security.SecurityMiddleware",
        "django.middleware.common.CommonMiddleware",
        "ombud.api.JsonErrorsMiddleware",
    ]
    # The admin and django-axes check for the middleware this variant leaves out.
    SILENCED_SYSTEM_CHECKS = ["admin.E408", "admin.E409", "admin.E410", "axes.W002"]
