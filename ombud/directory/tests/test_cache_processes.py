"""Token revocation across processes: two real servers on one database, each with its own
per-process token cache (directory/generation.py). A token that server B has cached is refused
by B's very next request after it was revoked elsewhere: through server A (`DELETE
/auth/token`), by a password change in a third process, or by a queryset `.update()` that sends
no signal at all."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[3]
PASSWORD = "first pass phrase 123"
GUNICORN = [sys.executable, "-m", "gunicorn", "ombud.wsgi:application", "--workers", "1", "--no-control-socket"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def shared_env(transactional_db, tmp_path) -> dict[str, str]:
    """The environment of processes sharing one database: on PostgreSQL the test database
    (committed: a transactional test), on SQLite (whose test database is in memory) a file
    migrated here."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL",)}
    env |= {"OMBUD_DATA_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "ombud.settings_test", "PYTHONPATH": str(ROOT)}
    if connection.vendor == "postgresql":
        s = connection.settings_dict
        auth = s["USER"] + (f":{s['PASSWORD']}" if s["PASSWORD"] else "")
        env["DATABASE_URL"] = f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"
    else:
        _cli(env, "migrate", "-v0")
    created = dict(env, DJANGO_SUPERUSER_PASSWORD=PASSWORD)
    _cli(created, "createsuperuser", "--noinput", "--username", "tokens", "--email", "t@example.cn")
    return env


def _cli(env: dict[str, str], *args: str) -> None:
    subprocess.run([sys.executable, "-m", "ombud.cli", *args], env=env, cwd=ROOT, check=True, timeout=300)


def _shell(env: dict[str, str], code: str) -> None:
    _cli(env, "shell", "-c", code)


class Server:
    def __init__(self, env: dict[str, str], log: Path):
        self.port = _free_port()
        self.log = open(log, "wb")  # noqa: SIM115 (closed in stop())
        self.proc = subprocess.Popen(
            [*GUNICORN, "--bind", f"127.0.0.1:{self.port}"],
            env=env,
            cwd=ROOT,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )

    def wait_up(self) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, "the server exited"
            if self.call("GET", "/healthz")[0] == 200:
                return
            time.sleep(0.2)
        raise AssertionError("the server did not come up")

    def call(self, method: str, path: str, token: str | None = None, body: dict | None = None) -> tuple[int, dict]:
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(f"http://127.0.0.1:{self.port}{path}", data=data, method=method)
        req.add_header("Content-Type", "application/json")
        if token:
            req.add_header("Authorization", f"Bearer {token}")
        try:
            with urllib.request.urlopen(req, timeout=10) as r:
                raw = r.read()
                return r.status, json.loads(raw) if raw else {}
        except urllib.error.HTTPError as exc:
            raw = exc.read()
            return exc.code, json.loads(raw) if raw else {}
        except OSError:
            return 0, {}

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


def test_a_token_cached_by_one_server_is_refused_at_once_when_revoked_in_another_process(shared_env, tmp_path):
    a, b = Server(shared_env, tmp_path / "a.log"), Server(shared_env, tmp_path / "b.log")
    try:
        a.wait_up()
        b.wait_up()

        def token(password: str = PASSWORD) -> str:
            status, body = a.call("POST", "/api/v1/auth/token", body={"username": "tokens", "password": password})
            assert status == 200, body
            return body["token"]

        def cached_by_b(raw: str) -> None:
            for _ in range(3):
                assert b.call("GET", "/api/v1/campaigns", raw)[0] == 200

        # 1. Revoked through the other server.
        first = token()
        cached_by_b(first)
        assert a.call("DELETE", "/api/v1/auth/token", first)[0] == 204
        assert b.call("GET", "/api/v1/campaigns", first)[0] == 401
        assert a.call("GET", "/api/v1/campaigns", first)[0] == 401

        # 2. A password change in a third process (the post_save signal deletes the tokens).
        second = token()
        cached_by_b(second)
        _shell(
            shared_env,
            "from ombud.directory.models import User\n"
            "u = User.objects.get(username='tokens'); u.set_password('second pass phrase 456'); u.save()",
        )
        assert b.call("GET", "/api/v1/campaigns", second)[0] == 401

        # 3. Deactivated by a queryset update: no signal, the token row stays; refused all the same.
        third = token("second pass phrase 456")
        cached_by_b(third)
        _shell(
            shared_env,
            "from ombud.directory.models import User\nUser.objects.filter(username='tokens').update(is_active=False)",
        )
        assert b.call("GET", "/api/v1/campaigns", third)[0] == 401
        assert a.call("GET", "/api/v1/campaigns", third)[0] == 401
    finally:
        a.stop()
        b.stop()
    for log in ("a.log", "b.log"):
        assert "Traceback" not in (tmp_path / log).read_text(errors="replace")
