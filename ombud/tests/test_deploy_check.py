"""`OMBUD_HTTPS=1` turns on HSTS, the SSL redirect and secure cookies, and Django's deployment
checks (`ombud check --deploy`) pass with it (issue 8, item 9).

Each test starts a fresh `ombud` process with a production-like environment (a strong secret
key, DEBUG off, a real host name, an empty data directory), because settings are read from the
environment once, at start-up.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

PRODUCTION_SETTINGS = "ombud.settings"


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OMBUD_", "DJANGO_", "DATABASE_URL"))}
    env.update(
        DJANGO_SETTINGS_MODULE=PRODUCTION_SETTINGS,
        OMBUD_DATA_DIR=str(tmp_path / "data"),
        OMBUD_SECRET_KEY=secrets.token_urlsafe(50),
        OMBUD_DEBUG="0",
        OMBUD_ALLOWED_HOSTS="ombud.example.cn",
        DATABASE_URL=f"sqlite:///{tmp_path / 'ombud.sqlite3'}",
    )
    env.update(extra)
    return env


def _ombud(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "ombud.cli", *args], env=env, capture_output=True, text=True, timeout=120
    )


GATEWAY = {"OMBUD_SMS_BACKEND": "gateway", "OMBUD_SMS_GATEWAY_URL": "https://sms.example.cn/send"}


def test_check_deploy_passes_with_ombud_https(tmp_path):
    result = _ombud(_env(tmp_path, OMBUD_HTTPS="1", **GATEWAY), "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    # Nothing but the one check silenced in settings.py with its reason (HSTS preload).
    assert "System check identified no issues (1 silenced)." in result.stdout
    assert "WARNING" not in result.stderr and "ERROR" not in result.stderr


@pytest.mark.parametrize("backend", ["console", "file"])
def test_check_deploy_warns_of_an_sms_backend_that_sends_nothing(tmp_path, backend):
    env = _env(tmp_path, OMBUD_HTTPS="1", OMBUD_SMS_BACKEND=backend)
    result = _ombud(env, "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode != 0 and "portal.W001" in result.stderr and "OMBUD_SMS_BACKEND" in result.stderr


def test_check_deploy_fails_without_https(tmp_path):
    """The same check is not a formality: without OMBUD_HTTPS it names what is missing."""
    result = _ombud(_env(tmp_path), "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode != 0
    for check in ("security.W004", "security.W008", "security.W016"):
        assert check in result.stderr
    # SESSION_COOKIE_SECURE: W010 (the sessions app), W011 (Django's session middleware) or W012
    # (both); Ombud's session middleware is a pages-only subclass, so Django names the app.
    assert any(f"security.W01{n}" in result.stderr for n in (0, 1, 2))


def test_check_deploy_fails_with_a_weak_secret_key(tmp_path):
    result = _ombud(
        _env(tmp_path, OMBUD_HTTPS="1", OMBUD_SECRET_KEY="short"), "check", "--deploy", "--fail-level", "WARNING"
    )
    assert result.returncode != 0 and "security.W009" in result.stderr


_PROBE = """
import json, django
django.setup()
from django.conf import settings
from django.test import Client

c = Client(HTTP_HOST="ombud.example.cn")
login = c.get("/accounts/login/")
health = c.get("/healthz")
secure = c.get("/healthz", secure=True)
behind_proxy = c.get("/healthz", HTTP_X_FORWARDED_PROTO="https")
print(json.dumps({
    "login": [login.status_code, login.get("Location", "")],
    "healthz": health.status_code,
    "hsts": secure.get("Strict-Transport-Security", ""),
    "proxy_hsts": behind_proxy.get("Strict-Transport-Security", ""),
    "cookies": [settings.SESSION_COOKIE_SECURE, settings.CSRF_COOKIE_SECURE],
}))
"""


def _probe(env: dict[str, str]) -> dict:
    result = subprocess.run([sys.executable, "-c", _PROBE], env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_ombud_https_redirects_sets_hsts_and_secures_cookies_but_not_the_probes(tmp_path):
    seen = _probe(_env(tmp_path, OMBUD_HTTPS="1"))
    assert seen["login"] == [301, "https://ombud.example.cn/accounts/login/"]
    assert seen["healthz"] == 200  # a load balancer's probe over plain HTTP is answered
    assert seen["hsts"] == "max-age=31536000; includeSubDomains"
    assert seen["cookies"] == [True, True]
    # X-Forwarded-Proto is not trusted unless configured: a client could send it itself.
    assert seen["proxy_hsts"] == ""


def test_x_forwarded_proto_is_trusted_only_when_configured(tmp_path):
    seen = _probe(_env(tmp_path, OMBUD_HTTPS="1", OMBUD_TRUST_X_FORWARDED_PROTO="1", OMBUD_HSTS_PRELOAD="1"))
    assert seen["proxy_hsts"] == "max-age=31536000; includeSubDomains; preload"


def test_without_ombud_https_nothing_is_forced(tmp_path):
    seen = _probe(_env(tmp_path))
    assert seen["login"][0] == 200
    assert seen["hsts"] == "" and seen["cookies"] == [False, False]


@pytest.mark.parametrize("value", ["maybe", "2"])
def test_a_misspelt_ombud_https_stops_the_start(tmp_path, value):
    result = _ombud(_env(tmp_path, OMBUD_HTTPS=value), "check")
    assert result.returncode != 0 and "OMBUD_HTTPS must be a boolean" in result.stderr


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("OMBUD_API_TOKEN_TTL_HOURS", "0", "OMBUD_API_TOKEN_TTL_HOURS must be at least 1"),
        ("OMBUD_AUDIT_KEY", "too-short", "OMBUD_AUDIT_KEY must be at least 32 characters"),
    ],
)
def test_a_bad_token_lifetime_or_audit_key_stops_the_start(tmp_path, variable, value, message):
    result = _ombud(_env(tmp_path, **{variable: value}), "check")
    assert result.returncode != 0 and message in result.stderr
