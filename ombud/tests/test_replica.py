"""Reads of reports from a real PostgreSQL streaming replica (ombud/replica.py, docs/scale.md).

The main test starts a primary cluster of its own (initdb, `wal_level = replica`, replication
allowed from 127.0.0.1) and a streaming replica of it (`pg_basebackup -R`) on two free ports,
migrates the primary with `ombud migrate` (the replica replays the schema; no migration runs on
it), and starts two real `ombud serve --no-worker` with DATABASE_URL = primary and
DATABASE_REPLICA_URL = replica: server A tolerates any lag and checks the replica once; server B
tolerates one second of lag and checks before every read. With replay PAUSED on the replica and
cases written to the primary meanwhile, it shows that:

- the case statistics (page and API) served to a user who has not just written come from the
  replica: the figure from before the pause;
- the same user, right after a write of their own, sees the new figure (read-your-writes);
- writes keep working, and server B, which allows one second of lag, reads the primary;
- after `pg_wal_replay_resume()` the replica catches up and serves the new figure;
- with the replica stopped, both servers fall back to the primary: 200s with the right figures,
  never a 500 (A notices it in the middle of a request and serves that request again from the
  primary; B at its check).

It always starts its own clusters from the PostgreSQL server programs on the machine
(/usr/lib/postgresql/*/bin), whatever DATABASE_URL says, so it runs on both CI legs; CI has
them. It is skipped only where no PostgreSQL server programs are installed. Run as root, the
clusters belong to the `postgres` user (initdb refuses root). The clusters are stopped and
removed by a finalizer, whatever happens.
"""

from __future__ import annotations

import contextlib
import glob
import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

import pytest

REPO = Path(__file__).resolve().parents[2]
PASSWORD = "replica-test-pass-2024"
BINDIRS = sorted(
    (Path(p).parent for p in glob.glob("/usr/lib/postgresql/*/bin/initdb")), key=lambda p: int(p.parent.name)
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait(what: str, condition, timeout: float = 30.0) -> None:
    """Poll `condition` until it holds (conditions, not durations: nothing here is timed)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


# ---- two clusters of our own ---------------------------------------------------------------


class Cluster:
    def __init__(self, root: Path, name: str, bindir: Path):
        self.root, self.bindir = root, bindir
        self.data = root / name
        self.log = root / f"{name}.log"
        self.port = _free_port()
        self.url = f"postgres://postgres@127.0.0.1:{self.port}/ombud"

    def run(self, program: str, *args: str) -> None:
        t0 = time.monotonic()
        argv = [str(self.bindir / program), *args]
        if os.geteuid() == 0:
            argv = ["runuser", "-u", "postgres", "--", *argv]
        done = subprocess.run(argv, capture_output=True, text=True, timeout=120, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"{program} {' '.join(args)} failed: {done.stdout}{done.stderr}")
        print(f"{program}: {time.monotonic() - t0:.1f} s")  # set-up times, shown when the test fails

    def configure(self) -> None:
        with (self.data / "postgresql.conf").open("a") as conf:
            conf.write(
                f"port = {self.port}\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '{self.root}'\n"
                "fsync = off\nmax_connections = 40\nwal_level = replica\nmax_wal_senders = 4\nhot_standby = on\n"
            )

    def start(self) -> None:
        self.run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-w", "-t", "60", "start")

    def stop(self, mode: str = "fast") -> None:
        self.run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "-t", "60", "stop")

    def running(self) -> bool:
        return (self.data / "postmaster.pid").exists()

    def sql(self, query: str, *params: object, dbname: str = "ombud") -> list[tuple]:
        import psycopg

        url = self.url.rsplit("/", 1)[0] + "/" + dbname
        with psycopg.connect(url, connect_timeout=5, autocommit=True) as conn:
            cursor = conn.execute(query, params)
            return cursor.fetchall() if cursor.description else []


def _replayed(primary: Cluster, replica: Cluster) -> None:
    """Wait until the replica has replayed everything the primary has written so far."""
    (lsn,) = primary.sql("SELECT pg_current_wal_lsn()::text")[0]
    _wait("the replica to replay", lambda: replica.sql("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", lsn)[0][0])


# ---- HTTP clients with cookies -------------------------------------------------------------


class Client:
    """One browser or API client: its cookies (the session, CSRF and `ombud_wrote`) and token."""

    def __init__(self, port: int):
        self.port = port
        self.cookies: dict[str, str] = {}
        self.token: str | None = None

    def request(self, method: str, path: str, *, payload: object = None, form: dict | None = None) -> tuple[int, bytes]:
        headers = {}
        body = None
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if payload is not None:
            body, headers["Content-Type"] = json.dumps(payload).encode(), "application/json"
        if form is not None:
            body, headers["Content-Type"] = urlencode(form).encode(), "application/x-www-form-urlencoded"
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            data = response.read()
        finally:
            conn.close()
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                if morsel.value and morsel["max-age"] != "0":
                    self.cookies[name] = morsel.value
                else:
                    self.cookies.pop(name, None)
        return response.status, data

    def json(self, method: str, path: str, payload: object = None, expect: int = 200) -> dict:
        status, data = self.request(method, path, payload=payload)
        assert status == expect, (method, path, status, data[:500])
        return json.loads(data) if data else {}

    def sign_in(self, username: str) -> None:
        """An API token and a page session, as the person would get them."""
        self.token = self.json("POST", "/api/v1/auth/token", {"username": username, "password": PASSWORD})["token"]
        token = self.token
        self.token = None  # the login page is a browser's
        status, page = self.request("GET", "/accounts/login/")
        assert status == 200
        csrf = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1).decode()
        status, _ = self.request(
            "POST", "/accounts/login/", form={"username": username, "password": PASSWORD, "csrfmiddlewaretoken": csrf}
        )
        assert status == 302 and "sessionid" in self.cookies, status
        self.token = token

    def forget_writes(self) -> None:
        """What the browser does once the cookie's Max-Age has passed."""
        self.cookies.pop("ombud_wrote", None)

    def opened_api(self) -> int:
        return self.json("GET", "/api/v1/reports/cases")["totals"]["opened"]

    def opened_page(self) -> int:
        status, page = self.request("GET", "/reports/cases/")
        assert status == 200, (status, page[:500])
        return int(re.search(rb'data-kpi="opened">(\d+)<', page).group(1))

    def file_case(self, company_id: int, n: int) -> None:
        self.json(
            "POST",
            "/api/v1/cases",
            {
                "company_id": company_id,
                "complainant": {"name": "王芳", "phone": f"1380013{n:04d}"},
                "summary": f"投诉理赔超过约定时限仍未赔付 {n}",
                "channel": "phone",
                "received_at": datetime.now(UTC).isoformat(),
                "city_code": "440100",
            },
            expect=201,
        )


SEED = f"""
from ombud.directory.models import Organization, User
for name in ("reader", "writer"):
    User.objects.create_user(name, f"{{name}}@example.cn", {PASSWORD!r}, role="regulator_admin", nationwide=True)
Organization.objects.create(kind="insurer", name="中国平安财产保险股份有限公司广东分公司",
                            company_type="property_casualty", region_id="440000")
"""


def _server_env(primary: Cluster, replica: Cluster, data_dir: Path, **settings: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "DJANGO_", "OMBUD_"))}
    return env | {
        "DATABASE_URL": primary.url,
        "DATABASE_REPLICA_URL": replica.url,
        "DJANGO_SETTINGS_MODULE": "ombud.settings",
        "OMBUD_DATA_DIR": str(data_dir),
        "OMBUD_LOG_LEVEL": "WARNING",
        **{f"OMBUD_{k.upper()}": str(v) for k, v in settings.items()},
    }


def _ombud(env: dict[str, str], *args: str) -> None:
    t0 = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "ombud.cli", *args], env=env, cwd=REPO, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, f"ombud {args[0]}: {done.stdout[-2000:]}{done.stderr[-2000:]}"
    print(f"ombud {args[0]}: {time.monotonic() - t0:.1f} s")


def _ready(port: int) -> bool:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
    try:
        conn.request("GET", "/readyz")
        return conn.getresponse().status == 200
    except (OSError, http.client.HTTPException):
        return False
    finally:
        conn.close()


@pytest.fixture
def deployment(request, tmp_path):
    """A primary, its streaming replica and two `ombud serve` on them; all stopped at the end."""
    if not BINDIRS:
        pytest.skip("no PostgreSQL server programs installed (/usr/lib/postgresql/*/bin)")
    bindir = BINDIRS[-1]
    # The clusters live apart: the postgres user must reach them (pytest's tmp_path is private).
    pg_root = Path(tempfile.mkdtemp(prefix="ombud-replica-"))
    os.chmod(pg_root, 0o755)  # noqa: S103
    if os.geteuid() == 0:
        shutil.chown(pg_root, "postgres")
    primary, replica = Cluster(pg_root, "primary", bindir), Cluster(pg_root, "replica", bindir)
    servers: list[tuple[subprocess.Popen, Path]] = []

    def stop_everything() -> None:
        t0 = time.monotonic()
        for proc, _log in servers:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc, _log in servers:
            if proc.poll() is None:
                try:
                    proc.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    proc.kill()
        print(f"servers stopped: {time.monotonic() - t0:.1f} s")
        for cluster in (replica, primary):
            if cluster.running():
                with contextlib.suppress(Exception):
                    cluster.stop("immediate")
        shutil.rmtree(pg_root, ignore_errors=True)

    request.addfinalizer(stop_everything)

    primary.run("initdb", "-D", str(primary.data), "-A", "trust", "-U", "postgres", "-E", "UTF8", "--locale=C.UTF-8")
    primary.configure()
    with (primary.data / "pg_hba.conf").open("a") as hba:
        hba.write("host replication all 127.0.0.1/32 trust\n")
    primary.start()
    primary.sql("CREATE DATABASE ombud", dbname="postgres")
    # The replica: a base backup streaming from the primary (-R writes primary_conninfo and
    # standby.signal; -c fast: no wait for a spread checkpoint), on a port of its own.
    source = ("-h", "127.0.0.1", "-p", str(primary.port), "-U", "postgres")
    replica.run("pg_basebackup", *source, "-D", str(replica.data), "-R", "-c", "fast")
    replica.configure()
    replica.start()
    assert replica.sql("SELECT pg_is_in_recovery()")[0][0] is True

    data_dir = tmp_path / "data"
    # Migrated with the replica configured: migrate writes to the primary only, and the replica
    # gets the schema by replaying the primary's WAL.
    _ombud(_server_env(primary, replica, data_dir), "migrate", "-v0")
    _ombud(_server_env(primary, replica, data_dir), "shell", "-c", SEED)
    _replayed(primary, replica)
    assert replica.sql("SELECT count(*) FROM directory_user")[0][0] == 2

    ports = {}
    for name, settings in {
        # Any lag is fine and the replica is checked once: a stopped replica is met mid-request.
        "A": {"read_your_writes_seconds": 3600, "replica_max_lag_seconds": 3600, "replica_check_seconds": 3600},
        # One second of lag at most, checked before every read.
        "B": {"read_your_writes_seconds": 10, "replica_max_lag_seconds": 1, "replica_check_seconds": 0},
    }.items():
        port = ports[name] = _free_port()
        log = tmp_path / f"serve-{name}.log"
        with log.open("wb") as out:
            proc = subprocess.Popen(
                [sys.executable, "-m", "ombud.cli", "serve", "--port", str(port), "--workers", "1", "--no-worker"],
                env=_server_env(primary, replica, data_dir, **settings),
                cwd=REPO,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        servers.append((proc, log))
    t0 = time.monotonic()
    for (proc, log), port in zip(servers, ports.values(), strict=True):
        try:
            _wait(f"ombud serve on port {port}", lambda p=port: _ready(p), 120)
        except AssertionError as exc:
            raise AssertionError(f"{exc}: {log.read_text(errors='replace')[-3000:]}") from None
        assert proc.poll() is None
        print(f"server ready {time.monotonic() - t0:.1f} s")
    return {"primary": primary, "replica": replica, "ports": ports, "logs": [log for _proc, log in servers]}


def _count(cluster: Cluster) -> int:
    return cluster.sql("SELECT count(*) FROM cases_case")[0][0]


def test_reports_are_read_from_the_replica_and_writers_read_their_writes(deployment):
    primary, replica = deployment["primary"], deployment["replica"]
    a, b = deployment["ports"]["A"], deployment["ports"]["B"]
    reader, writer = Client(a), Client(a)
    reader.sign_in("reader")
    writer.sign_in("writer")
    company_id = writer.json("GET", "/api/v1/organizations?kind=insurer")[0]["id"]
    for n in range(3):
        writer.file_case(company_id, n)
    _replayed(primary, replica)
    reader.forget_writes()  # its sign-in was a POST; its ten seconds have passed
    assert reader.opened_api() == 3

    # Replay paused: the replica keeps the figure of this moment.
    replica.sql("SELECT pg_wal_replay_pause()")
    _wait("replay to pause", lambda: replica.sql("SELECT pg_get_wal_replay_pause_state()")[0][0] == "paused")
    for n in range(3, 5):
        writer.file_case(company_id, n)  # writes work: they go to the primary
    assert (_count(primary), _count(replica)) == (5, 3)
    assert "ombud_wrote" in writer.cookies  # the writer is marked ...
    assert writer.opened_api() == 5  # ... and reads its writes from the primary

    # A reader who has not just written: served from the replica, the old figure.
    assert reader.opened_api() == 3
    assert reader.opened_page() == 3
    public = Client(a)
    for path in ("/", "/r/"):
        assert public.request("GET", path)[0] == 200

    # The same reader writes: from now on it reads the primary, and sees its own case.
    reader.file_case(company_id, 5)
    assert "ombud_wrote" in reader.cookies
    assert reader.opened_api() == 6
    assert reader.opened_page() == 6

    # Server B allows one second of lag: once the replica is further behind, B reads the primary.
    _wait(
        "the paused replica to fall 2 s behind",
        lambda: replica.sql("SELECT EXTRACT(EPOCH FROM clock_timestamp() - pg_last_xact_replay_timestamp())")[0][0] > 2,
    )
    reader_b = Client(b)
    reader_b.token = reader.token
    assert reader_b.opened_api() == 6
    reader.forget_writes()
    assert reader.opened_api() == 3  # server A still reads the paused replica

    # Replay resumed: the replica catches up and serves the new figure.
    replica.sql("SELECT pg_wal_replay_resume()")
    _replayed(primary, replica)
    assert _count(replica) == 6
    assert reader.opened_api() == 6
    assert reader.opened_page() == 6
    assert reader_b.opened_api() == 6

    # The replica stopped: both servers fall back to the primary, no 500.
    replica.stop("fast")
    writer.file_case(company_id, 6)
    assert reader.opened_api() == 7  # A meets the dead replica mid-request and asks the primary
    assert reader.opened_page() == 7
    assert reader_b.opened_api() == 7  # B's check finds the replica gone
    for path in ("/", "/r/"):
        assert public.request("GET", path)[0] == 200
    logs = [log.read_text(errors="replace") for log in deployment["logs"]]
    assert "Replica failed during GET /api/v1/reports/cases" in logs[0], logs[0][-3000:]
    assert all("Traceback" not in text for text in logs), logs


# ---- without a replica nothing changes -------------------------------------------------------


def test_without_a_replica_there_is_no_second_database_router_or_cookie(settings):
    assert set(settings.DATABASES) == {"default"}
    assert settings.DATABASE_ROUTERS == []
    assert "ombud.replica.ReadYourWritesMiddleware" not in settings.MIDDLEWARE


def test_without_a_replica_a_write_sets_no_cookie_and_marked_pages_read_the_one_database(client, db):
    response = client.post("/accounts/login/", {"username": "nobody", "password": "wrong"})
    assert "ombud_wrote" not in response.cookies
    assert client.get("/r/").status_code == 200


def test_the_router_sends_to_the_replica_only_plain_reads_in_a_marked_view(transactional_db):
    # transactional_db: `db` would run the test inside a transaction, where everything reads the primary.
    from django.contrib.sessions.models import Session
    from django.db import transaction

    from ombud import replica
    from ombud.cases.models import Case
    from ombud.directory.models import ApiToken, User

    router = replica.ReplicaRouter()
    assert router.db_for_read(Case) == "default"  # outside a marked view
    token = replica._current.set(replica._Reads())
    try:
        assert router.db_for_read(Case) == "replica"
        # Credentials always from the primary: a revoked token or session is refused at once.
        assert {router.db_for_read(m) for m in (User, ApiToken, Session)} == {"default"}
        with transaction.atomic():
            assert router.db_for_read(Case) == "default"  # inside a transaction
        assert router.db_for_write(Case) == "default"
        assert router.db_for_read(Case) == "default"  # the view wrote: it reads what it wrote
    finally:
        replica._current.reset(token)
    assert router.allow_migrate("replica", "cases") is False
    assert router.allow_migrate("default", "cases") is None


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"DATABASE_URL": "sqlite:///x.sqlite3"}, "DATABASE_REPLICA_URL needs PostgreSQL"),
        (
            {"OMBUD_REPLICA_MAX_LAG_SECONDS": "30", "OMBUD_READ_YOUR_WRITES_SECONDS": "10"},
            "OMBUD_REPLICA_MAX_LAG_SECONDS must not exceed OMBUD_READ_YOUR_WRITES_SECONDS",
        ),
    ],
)
def test_settings_refuse_a_replica_that_could_not_keep_the_promises(tmp_path, env, message):
    base = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "DJANGO_", "OMBUD_"))}
    base |= {
        "OMBUD_DATA_DIR": str(tmp_path),
        "DATABASE_URL": "postgres://ombud@127.0.0.1:1/ombud",
        "DATABASE_REPLICA_URL": "postgres://ombud@127.0.0.1:2/ombud",
    }
    done = subprocess.run(
        [sys.executable, "-c", "import ombud.settings"],
        env=base | env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode != 0
    assert "ImproperlyConfigured" in done.stderr and message in done.stderr, done.stderr[-1500:]
