"""Fault benchmark: visits with client retries while PostgreSQL is restarted under `ombud serve`.

    .venv/bin/python bench/faults.py                     # 3,000 visits, restarts fast then immediate
    .venv/bin/python bench/faults.py -n 300 -c 6 --json  # what ombud/tests/test_faults.py runs

It starts a PostgreSQL cluster of its own (initdb into a temporary directory, a free loopback
port; as the `postgres` user when run as root), migrates it, creates a superuser and a few
insurers, and starts `ombud serve` (gunicorn + the task worker) against it. C client threads
then post N visits to `POST /api/v1/visits`, each with its own `Idempotency-Key`, retrying
every answer but a 201 (after `Retry-After` on a 503, after 0.5 s otherwise) with the same key
and body. When a third and two thirds of the visits are acknowledged, PostgreSQL is stopped
(`pg_ctl stop -m fast`, then `-m immediate`), kept down `--down-seconds`, and started again.

Nobody acts in between. At the end it checks the database directly: every acknowledged visit
is stored once under the tracking number its 201 named, no visit exists that was not
acknowledged, every complaint has its case and every case its first event; and it prints the
answers seen during each outage (503 with Retry-After, 5xx, refused connections), the time
from the database being back to the first 201 and to `/readyz` answering 200, whether the
task worker survived (same process) and throughput. Exit code 0 when every check holds.

Everything runs on loopback and stops by itself; the cluster and its files are removed at the
end (`--keep` keeps them). See bench/README.md ("Faults").
"""

from __future__ import annotations

import argparse
import contextlib
import glob
import http.client
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import intake  # bench/intake.py: the visit mix and the campaign set-up

REPO = Path(__file__).resolve().parent.parent
USERNAME, PASSWORD = "faults", "faults-bench-pass-2024"
RECOVERY_LIMIT_S = 10.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pg_bindir() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=lambda p: int(Path(p).parent.parent.name))
    if found:
        return Path(found[-1]).parent
    on_path = shutil.which("pg_ctl")
    if on_path:
        return Path(on_path).parent
    raise SystemExit("PostgreSQL's server programs (initdb, pg_ctl) are not installed")


# ---- a PostgreSQL cluster of our own -------------------------------------------------------


class Cluster:
    """initdb / pg_ctl on a temporary directory; as `postgres` when we are root (initdb refuses root)."""

    def __init__(self, root: Path, port: int, *, fsync: bool):
        self.root, self.port, self.fsync = root, port, fsync
        self.bindir = pg_bindir()
        self.data = root / "pgdata"
        self.log = root / "postgresql.log"
        self.url = f"postgres://postgres@127.0.0.1:{port}/ombud"

    def _run(self, program: str, *args: str, timeout: float = 120) -> None:
        argv = [str(self.bindir / program), *args]
        if os.geteuid() == 0:
            argv = ["runuser", "-u", "postgres", "--", *argv]
        done = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, check=False)  # noqa: S603
        if done.returncode != 0:
            raise RuntimeError(f"{program} {' '.join(args)} failed: {done.stdout}{done.stderr}")

    def init(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres")
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "-E", "UTF8", "--locale=C.UTF-8")
        with (self.data / "postgresql.conf").open("a") as conf:
            conf.write(
                f"port = {self.port}\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '{self.root}'\n"
                f"fsync = {'on' if self.fsync else 'off'}\nmax_connections = 60\n"
            )

    def start(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-w", "-t", "60", "start")

    def stop(self, mode: str) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "-t", "60", "stop")

    def running(self) -> bool:
        return (self.data / "postmaster.pid").exists()

    def sql(self, query: str, *params) -> list[tuple]:
        import psycopg

        with psycopg.connect(self.url, connect_timeout=5) as conn:
            return conn.execute(query, params).fetchall()


# ---- the server ----------------------------------------------------------------------------


def server_env(cluster: Cluster, data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "DJANGO_", "OMBUD_"))}
    return env | {
        "DATABASE_URL": cluster.url,
        "DJANGO_SETTINGS_MODULE": "ombud.settings",
        "OMBUD_DATA_DIR": str(data_dir),
        "OMBUD_SMS_BACKEND": "console",
        "OMBUD_EMAIL_BACKEND": "console",
        "OMBUD_LOG_LEVEL": "WARNING",
    }


def ombud(env: dict[str, str], *args: str, timeout: float = 300) -> None:
    done = subprocess.run(  # noqa: S603
        [sys.executable, "-m", "ombud.cli", *args], env=env, cwd=REPO, capture_output=True, text=True, timeout=timeout
    )
    if done.returncode != 0:
        raise RuntimeError(f"ombud {args[0]} failed ({done.returncode}): {done.stdout[-2000:]}{done.stderr[-2000:]}")


SEED = f"""
from ombud.directory.models import Organization, User
User.objects.create_superuser({USERNAME!r}, "faults@example.cn", {PASSWORD!r})
for name, t in [("中国人寿保险股份有限公司广东省分公司", "life"),
                ("中国平安财产保险股份有限公司广东分公司", "property_casualty"),
                ("中国人民财产保险股份有限公司广东省分公司", "property_casualty")]:
    Organization.objects.get_or_create(kind="insurer", name=name, defaults={{"company_type": t, "region_id": "440000"}})
"""


def children(pid: int) -> dict[int, str]:
    """{pid: command line} of the direct children of `pid`."""
    found = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as fh:
                stat = fh.read()
            with open(f"/proc/{entry}/cmdline", "rb") as fh:
                cmdline = fh.read().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[1]) == pid and fields[0] != "Z":
            found[int(entry)] = cmdline
    return found


def worker_pid(serve_pid: int) -> int | None:
    return next((p for p, cmd in children(serve_pid).items() if "ombud.cli worker" in cmd), None)


def http_get(port: int, path: str, timeout: float = 2.0) -> int | None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        response.read()
        return response.status
    except (OSError, http.client.HTTPException):
        return None
    finally:
        conn.close()


# ---- the load ------------------------------------------------------------------------------


@dataclass
class Answer:
    at: float  # monotonic time the answer (or the error) came
    status: str  # "201", "503", "500", "refused", "reset", ...
    well_formed_503: bool = True  # JSON error code "unavailable" and a Retry-After header


@dataclass
class Outage:
    mode: str
    down_at: float = 0.0  # pg_ctl stop called
    back_at: float = 0.0  # pg_ctl start returned: the database accepts connections
    first_201_after: float | None = None
    first_ready_after: float | None = None
    answers: Counter = field(default_factory=Counter)


@dataclass
class Load:
    acknowledged: dict[str, str] = field(default_factory=dict)  # key -> tracking number of its 201
    replayed: int = 0
    gave_up: list[str] = field(default_factory=list)
    answers: list[Answer] = field(default_factory=list)
    rejected: dict[str, str] = field(default_factory=dict)  # a 4xx: one sample per status
    ready_answers: list[tuple[float, int | None]] = field(default_factory=list)


def _post(conn_box: list, port: int, token: str, body: bytes, key: str) -> tuple[int, bytes, dict]:
    if conn_box[0] is None:
        conn_box[0] = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn = conn_box[0]
    headers = {
        "Content-Type": "application/json",
        "Authorization": f"Bearer {token}",
        "Idempotency-Key": key,
    }
    try:
        conn.request("POST", "/api/v1/visits", body=body, headers=headers)
        response = conn.getresponse()
        data = response.read()
    except (OSError, http.client.HTTPException):
        conn.close()
        conn_box[0] = None
        raise
    got = {k.lower(): v for k, v in response.getheaders()}
    if got.get("connection", "").lower() == "close":
        conn.close()
        conn_box[0] = None
    return response.status, data, got


def run_load(port: int, token: str, bodies: list[bytes], concurrency: int, deadline: float, load: Load) -> None:
    lock = threading.Lock()
    queue = list(enumerate(bodies))
    queue.reverse()

    def client() -> None:
        conn_box: list = [None]
        while True:
            with lock:
                if not queue:
                    break
                _i, body = queue.pop()
            key = uuid.uuid4().hex
            while True:
                if time.monotonic() > deadline:
                    with lock:
                        load.gave_up.append(key)
                    break
                try:
                    status, data, headers = _post(conn_box, port, token, body, key)
                except ConnectionRefusedError:
                    answer, wait = Answer(time.monotonic(), "refused"), 0.5
                except (OSError, http.client.HTTPException) as exc:
                    answer, wait = Answer(time.monotonic(), f"conn:{type(exc).__name__}"), 0.5
                else:
                    answer, wait = Answer(time.monotonic(), str(status)), 0.5
                    if status == 201:
                        with lock:
                            load.answers.append(answer)
                            load.acknowledged[key] = json.loads(data)["tracking_no"]
                            load.replayed += headers.get("idempotent-replayed") == "true"
                        break
                    if status == 503:
                        try:
                            code = json.loads(data)["error"]["code"]
                        except (ValueError, KeyError, TypeError):
                            code = None
                        answer.well_formed_503 = code == "unavailable" and "retry-after" in headers
                        with contextlib.suppress(ValueError):
                            wait = min(float(headers.get("retry-after", "0.5")), 5.0)
                    elif 400 <= status < 500:
                        with lock:
                            load.answers.append(answer)
                            load.rejected.setdefault(str(status), data[:300].decode(errors="replace"))
                            load.gave_up.append(key)
                        break
                with lock:
                    load.answers.append(answer)
                time.sleep(wait * random.uniform(0.8, 1.2))
        if conn_box[0] is not None:
            conn_box[0].close()

    threads = [threading.Thread(target=client, daemon=True) for _ in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def deliver_one(port: int, setup, cluster: Cluster) -> float | None:
    """File one complaint case (its SMS goes through the task queue); seconds until the worker
    ran a task after it, or None."""
    done_before = cluster.sql("SELECT count(*) FROM django_tasks_database_dbtaskresult WHERE status = 'SUCCESSFUL'")[0][
        0
    ]
    api = intake.Api("127.0.0.1", port, setup.token)
    api.call(
        "POST",
        "/api/v1/cases",
        {
            "company_id": setup.company_ids[0],
            "complainant": {"name": "王芳", "phone": "13800138000"},
            "summary": "投诉理赔超过约定时限仍未赔付",
            "channel": "phone",
            "received_at": datetime.now(intake.SHANGHAI).isoformat(),
            "city_code": intake.CITIES[0],
        },
        expect=201,
    )
    api.close()
    t0 = time.monotonic()
    while time.monotonic() - t0 < 30:
        done = cluster.sql("SELECT count(*) FROM django_tasks_database_dbtaskresult WHERE status = 'SUCCESSFUL'")
        if done[0][0] > done_before:
            return round(time.monotonic() - t0, 2)
        time.sleep(0.2)
    return None


# ---- the run -------------------------------------------------------------------------------


@dataclass
class Options:
    visits: int = 3000
    concurrency: int = 8
    web_workers: int = 3
    modes: tuple[str, ...] = ("fast", "immediate")
    down_seconds: float = 3.0
    max_seconds: float = 600.0
    fsync: bool = True
    keep: bool = False
    seed: int = 2024
    root: Path | None = None


def run(opts: Options, log=print) -> dict:
    """Set up, load, fault, check, tear down; every figure in a dict (bench and test alike)."""
    own_root = opts.root is None
    root = Path(tempfile.mkdtemp(prefix="ombud-faults-")) if own_root else opts.root
    # The cluster lives apart: the postgres user must reach it (pytest's tmp_path is private).
    pg_root = Path(tempfile.mkdtemp(prefix="ombud-faults-pg-"))
    os.chmod(pg_root, 0o755)  # noqa: S103
    cluster = Cluster(pg_root / "pg", free_port(), fsync=opts.fsync)
    data_dir = root / "data"
    env = server_env(cluster, data_dir)
    serve = None
    serve_log = root / "serve.log"
    timings: dict[str, float] = {}
    try:
        t0 = time.monotonic()
        cluster.init()
        cluster.start()
        import psycopg

        with psycopg.connect(cluster.url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
            conn.execute("CREATE DATABASE ombud")
        timings["cluster_s"] = time.monotonic() - t0
        t0 = time.monotonic()
        ombud(env, "migrate", "-v0")
        ombud(env, "shell", "-c", SEED)
        timings["migrate_s"] = time.monotonic() - t0

        port = free_port()
        with serve_log.open("wb") as out:
            serve = subprocess.Popen(  # noqa: S603
                [sys.executable, "-m", "ombud.cli", "serve", "--port", str(port), "--workers", str(opts.web_workers)],
                env=env,
                cwd=REPO,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        t0 = time.monotonic()
        while http_get(port, "/readyz") != 200:
            if serve.poll() is not None or time.monotonic() - t0 > 120:
                raise RuntimeError(f"ombud serve did not become ready: {serve_log.read_text()[-3000:]}")
            time.sleep(0.2)
        timings["serve_ready_s"] = time.monotonic() - t0
        worker_before = None
        for _ in range(100):
            worker_before = worker_pid(serve.pid)
            if worker_before:
                break
            time.sleep(0.1)

        args = argparse.Namespace(username=USERNAME, password=PASSWORD, campaign_id=None, plain=False)
        setup = intake.set_up("127.0.0.1", port, args)
        rng = random.Random(opts.seed)
        today = datetime.now(intake.SHANGHAI).date()
        bodies = [
            json.dumps(intake.make_visit(rng, setup, today), ensure_ascii=False).encode() for _ in range(opts.visits)
        ]
        log(
            f"cluster {timings['cluster_s']:.1f} s, migrate {timings['migrate_s']:.1f} s, serve ready "
            f"{timings['serve_ready_s']:.1f} s; {opts.visits} visits, {opts.concurrency} clients, "
            f"{opts.web_workers} web workers, restarts {', '.join(opts.modes)}, down {opts.down_seconds:g} s each"
        )

        load = Load()
        outages = [Outage(mode) for mode in opts.modes]
        done = threading.Event()
        fault_error: list[BaseException] = []

        def faults() -> None:
            try:
                for i, outage in enumerate(outages):
                    threshold = (i + 1) * opts.visits // (len(outages) + 1)
                    while len(load.acknowledged) < threshold and not done.is_set():
                        time.sleep(0.05)
                    if done.is_set():
                        return
                    outage.down_at = time.monotonic()
                    cluster.stop(outage.mode)
                    time.sleep(opts.down_seconds)
                    cluster.start()
                    outage.back_at = time.monotonic()
                    log(f"restart {outage.mode}: database down {outage.back_at - outage.down_at:.1f} s")
            except BaseException as exc:  # reported after the load
                fault_error.append(exc)

        def probe() -> None:
            while not done.is_set():
                load.ready_answers.append((time.monotonic(), http_get(port, "/readyz", timeout=2)))
                time.sleep(0.1)

        helpers = [threading.Thread(target=faults, daemon=True), threading.Thread(target=probe, daemon=True)]
        for t in helpers:
            t.start()
        start = time.monotonic()
        run_load(port, setup.token, bodies, opts.concurrency, start + opts.max_seconds, load)
        elapsed = time.monotonic() - start
        done.set()
        for t in helpers:
            t.join(timeout=120)
        if fault_error:
            raise RuntimeError(f"restarting PostgreSQL failed: {fault_error[0]}")

        # Answers during each outage (from the stop to the database back), and the recovery.
        for outage in outages:
            if not outage.back_at:
                continue
            for a in load.answers:
                if outage.down_at <= a.at <= outage.back_at:
                    outage.answers[a.status if a.status != "503" or a.well_formed_503 else "503 malformed"] += 1
            outage.first_201_after = min(
                (a.at - outage.back_at for a in load.answers if a.status == "201" and a.at > outage.back_at),
                default=None,
            )
            outage.first_ready_after = min(
                (t - outage.back_at for t, s in load.ready_answers if s == 200 and t > outage.back_at), default=None
            )

        # The worker: still the same process, and it still delivers (a complaint filed now sends
        # the consumer an SMS through the task queue).
        worker_after = worker_pid(serve.pid)
        delivered_after = deliver_one(port, setup, cluster)
        pending = None
        for _ in range(150):
            pending = cluster.sql("SELECT count(*) FROM django_tasks_database_dbtaskresult WHERE status = 'READY'")[0][
                0
            ]
            if pending == 0:
                break
            time.sleep(0.2)
        tasks = dict(cluster.sql("SELECT status, count(*) FROM django_tasks_database_dbtaskresult GROUP BY status"))
        serve_alive = serve.poll() is None
        web_alive = http_get(port, "/healthz") == 200

        # The database, checked directly.
        campaign = setup.campaign_id
        stored = dict(
            cluster.sql(
                "SELECT k.key, v.tracking_no FROM intake_idempotencykey k JOIN intake_visit v ON v.id = k.visit_id "
                "WHERE v.campaign_id = %s",
                campaign,
            )
        )
        visits = cluster.sql(
            "SELECT count(*), count(DISTINCT tracking_no) FROM intake_visit WHERE campaign_id = %s", campaign
        )[0]
        complaints_without_case = cluster.sql(
            "SELECT count(*) FROM intake_visit v WHERE v.campaign_id = %s AND v.kind = 'complaint' "
            "AND NOT EXISTS (SELECT 1 FROM cases_case c WHERE c.visit_id = v.id)",
            campaign,
        )[0][0]
        cases_without_event = cluster.sql(
            "SELECT count(*) FROM cases_case c JOIN intake_visit v ON v.id = c.visit_id WHERE v.campaign_id = %s "
            "AND NOT EXISTS (SELECT 1 FROM cases_caseevent e WHERE e.case_id = c.id)",
            campaign,
        )[0][0]
        ack = load.acknowledged
        lost = [k for k in ack if k not in stored]
        mismatched = [k for k in ack if k in stored and stored[k] != ack[k]]
        unacknowledged_stored = [k for k in stored if k not in ack]
        statuses = Counter(a.status for a in load.answers)
        fivexx = sum(n for s, n in statuses.items() if s.startswith("5") and s != "503")
        malformed_503 = sum(1 for a in load.answers if a.status == "503" and not a.well_formed_503)

        result = {
            "visits": opts.visits,
            "concurrency": opts.concurrency,
            "web_workers": opts.web_workers,
            "acknowledged": len(ack),
            "replayed_201": load.replayed,
            "gave_up": len(load.gave_up),
            "rejected_4xx": load.rejected,
            "stored_visits": visits[0],
            "distinct_tracking_numbers": visits[1],
            "visits_without_their_key": visits[0] - len(stored),
            "duplicates": visits[0] - visits[1] + (visits[0] - len(stored)),
            "lost_acknowledged": len(lost),
            "tracking_number_mismatch": len(mismatched),
            "stored_but_not_acknowledged": len(unacknowledged_stored),
            "complaints_without_case": complaints_without_case,
            "cases_without_event": cases_without_event,
            "answers": dict(sorted(statuses.items())),
            "http_5xx_other_than_503": fivexx,
            "malformed_503": malformed_503,
            "refused_connections": statuses.get("refused", 0),
            "outages": [
                {
                    "mode": o.mode,
                    "down_s": round(o.back_at - o.down_at, 2) if o.back_at else None,
                    "answers_while_down": dict(o.answers),
                    "first_201_after_s": None if o.first_201_after is None else round(o.first_201_after, 2),
                    "readyz_200_after_s": None if o.first_ready_after is None else round(o.first_ready_after, 2),
                }
                for o in outages
            ],
            "elapsed_s": round(elapsed, 1),
            "acknowledged_per_s": round(len(ack) / elapsed, 1) if elapsed else None,
            "worker_pid_before": worker_before,
            "worker_pid_after": worker_after,
            "worker_survived": worker_before is not None and worker_before == worker_after,
            "tasks": tasks,
            "delivered_after_the_restarts_s": delivered_after,
            "tasks_ready_left": pending,
            "serve_alive": serve_alive,
            "web_alive": web_alive,
            "serve_restarts_logged": serve_log.read_text(errors="replace").count("starting it again"),
            **{k: round(v, 1) for k, v in timings.items()},
        }
        result["problems"] = problems(result)
        return result
    finally:
        if serve is not None and serve.poll() is None:
            serve.send_signal(signal.SIGTERM)
            try:
                serve.wait(timeout=30)
            except subprocess.TimeoutExpired:
                serve.kill()
        if cluster.running():
            with contextlib.suppress(Exception):
                cluster.stop("immediate")
        if opts.keep:
            log(f"kept {root} (serve.log) and {pg_root} (the cluster)")
        else:
            shutil.rmtree(pg_root, ignore_errors=True)
            if own_root:
                shutil.rmtree(root, ignore_errors=True)


def problems(r: dict) -> list[str]:
    """Every check that failed, in words; empty when the run holds up."""
    counted = (
        "lost_acknowledged",
        "tracking_number_mismatch",
        "stored_but_not_acknowledged",
        "duplicates",
        "visits_without_their_key",
        "complaints_without_case",
        "cases_without_event",
        "http_5xx_other_than_503",
        "malformed_503",
        "refused_connections",
        "gave_up",
    )
    found = [f"{name}: {r[name]}" for name in counted if r[name]]
    if r["rejected_4xx"]:
        found.append(f"4xx answers: {r['rejected_4xx']}")
    if r["acknowledged"] != r["visits"]:
        found.append(f"acknowledged {r['acknowledged']} of {r['visits']}")
    for o in r["outages"]:
        if o["down_s"] is None:
            found.append(f"restart {o['mode']} did not happen")
            continue
        if not o["answers_while_down"].get("503"):
            found.append(f"restart {o['mode']}: no 503 seen while the database was down")
        found.extend(
            f"restart {o['mode']}: {which} = {o[which]} (limit {RECOVERY_LIMIT_S:g} s)"
            for which in ("first_201_after_s", "readyz_200_after_s")
            if o[which] is None or o[which] > RECOVERY_LIMIT_S
        )
    if not (r["serve_alive"] and r["web_alive"]):
        found.append("ombud serve or the web server is not alive after the load")
    if not r["worker_pid_after"]:
        found.append("no task worker is running after the load")
    if r["delivered_after_the_restarts_s"] is None:
        found.append("a notification enqueued after the restarts was not delivered within 30 s")
    if r["tasks_ready_left"]:
        found.append(f"{r['tasks_ready_left']} tasks still waiting: the worker does not work")
    return found


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("-n", "--visits", type=int, default=3000, help="visits to acknowledge (default 3000)")
    p.add_argument("-c", "--concurrency", type=int, default=8, help="client threads (default 8)")
    p.add_argument("--workers", type=int, default=3, help="gunicorn workers (default 3)")
    p.add_argument(
        "--modes", default="fast,immediate", help="pg_ctl stop modes, one restart each (default fast,immediate)"
    )
    p.add_argument("--down-seconds", type=float, default=3.0, help="how long the database stays down (default 3)")
    p.add_argument("--max-seconds", type=float, default=600.0, help="give up sending after this (default 600)")
    p.add_argument("--no-fsync", action="store_true", help="fsync=off on the test cluster (faster set-up)")
    p.add_argument("--keep", action="store_true", help="keep the cluster directory and serve.log")
    p.add_argument("--json", action="store_true", help="also print every figure as one JSON line")
    a = p.parse_args(argv)
    modes = tuple(m for m in a.modes.split(",") if m)
    if not all(m in ("smart", "fast", "immediate") for m in modes):
        p.error("--modes takes smart, fast and immediate")
    if not 1 <= a.visits <= 100_000 or not 1 <= a.concurrency <= 64:
        p.error("-n is 1..100000 and -c 1..64")
    r = run(
        Options(
            visits=a.visits,
            concurrency=a.concurrency,
            web_workers=a.workers,
            modes=modes,
            down_seconds=a.down_seconds,
            max_seconds=a.max_seconds,
            fsync=not a.no_fsync,
            keep=a.keep,
        )
    )
    print()
    print(f"acknowledged  {r['acknowledged']} of {r['visits']} ({r['replayed_201']} of them replayed 201s)")
    print(
        f"stored        {r['stored_visits']} visits, {r['distinct_tracking_numbers']} tracking numbers; "
        f"duplicates {r['duplicates']}, lost {r['lost_acknowledged']}, not acknowledged but stored "
        f"{r['stored_but_not_acknowledged']}"
    )
    print(
        f"half-written  complaints without a case {r['complaints_without_case']}, cases without an event "
        f"{r['cases_without_event']}, visits without their key {r['visits_without_their_key']}"
    )
    print(f"answers       {', '.join(f'{k}: {v}' for k, v in r['answers'].items())}")
    print(f"5xx but 503   {r['http_5xx_other_than_503']}; refused connections {r['refused_connections']}")
    for o in r["outages"]:
        print(
            f"restart {o['mode']:<9} down {o['down_s']} s; answers meanwhile {o['answers_while_down']}; first 201 "
            f"{o['first_201_after_s']} s and /readyz 200 {o['readyz_200_after_s']} s after the database was back"
        )
    print(f"throughput    {r['acknowledged_per_s']} acknowledged visits/s over {r['elapsed_s']} s (outages included)")
    print(
        f"worker        pid {r['worker_pid_before']} -> {r['worker_pid_after']} "
        f"({'survived' if r['worker_survived'] else 'restarted'}); serve restarts logged {r['serve_restarts_logged']}; "
        f"tasks {r['tasks']}; a notification after the restarts delivered in {r['delivered_after_the_restarts_s']} s"
    )
    print("verdict       " + ("OK" if not r["problems"] else "FAILED: " + "; ".join(r["problems"])))
    if a.json:
        print(json.dumps(r, ensure_ascii=False))
    return 0 if not r["problems"] else 1


if __name__ == "__main__":
    sys.exit(main())
