"""Settings for the test suite: the real settings with a throwaway data directory, a fixed
encryption key and a fast password hasher (Argon2 is deliberately slow)."""

import os
import tempfile

os.environ.setdefault("OMBUD_DATA_DIR", tempfile.mkdtemp(prefix="ombud-test-"))
os.environ.setdefault("OMBUD_ENCRYPTION_KEY", "test-key-not-secret-0123456789abcdef")
os.environ.setdefault("OMBUD_AUDIT_KEY", "test-audit-key-not-secret-0123456789abcdef")
os.environ.setdefault("OMBUD_SECRET_KEY", "test-secret-key-not-secret-0123456789abcdef")

from ombud.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
WHITENOISE_AUTOREFRESH = True

# The suite runs on one database: a DATABASE_REPLICA_URL in the environment would make
# pytest-django set up a second one. ombud/tests/test_replica.py starts servers of its own.
DATABASE_REPLICA_URL = ""
DATABASES.pop("replica", None)  # noqa: F405
DATABASE_ROUTERS = []
MIDDLEWARE = [m for m in MIDDLEWARE if m != "ombud.replica.ReadYourWritesMiddleware"]  # noqa: F405
