"""Measure every list, report, dashboard, export and write path of issue 11 over HTTP.

    export OMBUD_DATA_DIR=/tmp/scale-1m DATABASE_URL=postgres://postgres@127.0.0.1:5432/ombud_scale1m
    .venv/bin/python bench/reads.py                      # starts `ombud serve --workers 2 --no-worker`
    .venv/bin/python bench/reads.py --runs 5 --only stat --explain
    .venv/bin/python bench/reads.py --base http://127.0.0.1:8000   # a server already running on this database

Before measuring it makes (or reuses) its own personas in the database DATABASE_URL names,
through the ORM: `bench-officer`, a regulator officer of the bureau with the most
jurisdictions (a provincial officer), and `bench-handler`, a complaint handler of the head
office with the most cases; each gets an API token and a signed-in session. It crafts the
deep cursors from the database (the 2,500th row, i.e. page 51 of 50) and picks a case, the
campaign (`--campaign-id`, default 1) and a published report.

Each read runs `--warmup` times (default 2, one per worker), then `--runs` times (fewer when `--budget` seconds are
spent, at least 3), one request at a time over one keep-alive connection: p50 and p99
(nearest rank; of 20 runs the p99 is the slowest). The number of SQL queries is counted
in-process: the same request through Django's test client inside this process, with
CaptureQueriesContext (pg_stat_statements is not loaded on the bench cluster, and the
server does not report its queries). With `--explain`, that in-process run's slowest query
is run again as EXPLAIN (ANALYZE, BUFFERS) inside a transaction that is rolled back.

Writes (spot-check draw, call-back build, publish) add a row each run, as they would in use.
Only loopback targets. See bench/README.md, "At scale".
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urlencode

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
for p in (str(ROOT), str(BENCH)):
    if p not in sys.path:
        sys.path.insert(0, p)

from intake import Api, cpu_speed_us, loopback_or_die, percentile  # noqa: E402  (bench/intake.py)
from matrix import free_port, stop, wait_until_up  # noqa: E402  (bench/matrix.py)

OFFICER, HANDLER = "bench-officer", "bench-handler"
DEEP_ROWS = 2500  # the cursor of page 51 with 50 a page


@dataclass
class Read:
    name: str
    method: str
    path: str
    who: str  # officer | handler (persona)
    auth: str  # token | session
    goal_ms: float | None
    body: dict | None = None  # JSON for the API, form fields for a page
    form: bool = False  # body is a form (page POST with CSRF)
    expect: tuple[int, ...] = (200,)
    headers: dict = field(default_factory=dict)
    times_ms: list[float] = field(default_factory=list)
    queries: int | None = None
    plan: str = ""
    error: str = ""


@dataclass
class Persona:
    user: object
    token: str
    session: str


# ---- setting up, in-process -----------------------------------------------------------------------


def django_setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ombud.settings")
    import django

    django.setup()
    from ombud import keyring

    message = keyring.check_key()
    if message:
        raise SystemExit(message)


def persona(username: str, role: str, organization_id: int) -> Persona:
    import secrets
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.utils import timezone

    from ombud.directory.models import ApiToken, User
    from ombud.directory.services import token_digest

    user, _ = User.objects.update_or_create(
        username=username, defaults={"role": role, "organization_id": organization_id, "is_active": True}
    )
    if user.has_usable_password() or not user.password:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    raw = secrets.token_urlsafe(32)
    ApiToken.objects.create(user=user, digest=token_digest(raw), expires_at=timezone.now() + timedelta(hours=12))
    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    return Persona(user, raw, store.session_key)


@dataclass
class World:
    officer: Persona
    handler: Persona
    campaign_id: int
    case_id: int
    cases_cursor: str
    visits_cursor: str
    report_id: str
    cases: int
    visits: int
    events: int


def set_up(campaign_id: int) -> World:
    from django.db.models import Count

    from ombud.cases.models import Case
    from ombud.cases.queries import cases_for
    from ombud.directory.models import Organization, User
    from ombud.intake.models import Visit
    from ombud.intake.queries import visits_for
    from ombud.pagination import encode_cursor
    from ombud.reports.models import PublishedReport
    from ombud.reports.publication import services as publication

    bureau = (
        Organization.objects.filter(kind=Organization.Kind.REGULATOR)
        .annotate(n=Count("jurisdictions"))
        .order_by("-n", "pk")
        .first()
    )
    if bureau is None:
        raise SystemExit("no regulator in the database: run `ombud demo` and bench/scale.py first")
    head = Case.objects.values_list("company_root_id").annotate(n=Count("pk")).order_by("-n", "company_root_id").first()
    if head is None:
        raise SystemExit("no cases in the database: run bench/scale.py first")
    officer = persona(OFFICER, User.Role.REGULATOR_OFFICER, bureau.pk)
    handler = persona(HANDLER, User.Role.COMPANY_HANDLER, head[0])

    mine = cases_for(officer.user)
    ordered = mine.order_by("-opened_at", "-pk").values_list("opened_at", "pk")
    at, pk = ordered[DEEP_ROWS - 1] if mine.count() >= DEEP_ROWS else ordered.last()
    cases_cursor = encode_cursor(at, pk)
    middle = mine.order_by("pk").values_list("pk", flat=True)
    case_id = middle[mine.count() // 2]
    visits = visits_for(officer.user).filter(campaign_id=campaign_id).order_by("-received_at", "-pk")
    n_visits = visits.count()
    if not n_visits:
        raise SystemExit(f"campaign {campaign_id} has no visits the officer can see: choose --campaign-id")
    at, pk = visits.values_list("received_at", "pk")[min(DEEP_ROWS, n_visits) - 1]
    visits_cursor = encode_cursor(at, pk)
    report = PublishedReport.objects.filter(withdrawn_at__isnull=True).order_by("-published_at").first()
    if report is None:
        report = publication.publish(officer.user, campaign_id=campaign_id)
    from ombud.cases.models import CaseEvent

    return World(
        officer,
        handler,
        campaign_id,
        case_id,
        cases_cursor,
        visits_cursor,
        report.public_id,
        Case.objects.count(),
        Visit.objects.count(),
        CaseEvent.objects.count(),
    )


def reads(w: World, today: date) -> list[Read]:
    c = w.campaign_id
    year_ago, ten_years = today - timedelta(days=365), today - timedelta(days=3652)
    q = urlencode
    return [
        Read("`GET /api/v1/cases` page 1 (officer)", "GET", "/api/v1/cases", "officer", "token", 100),
        Read("`GET /api/v1/cases?status=closed`", "GET", "/api/v1/cases?status=closed", "officer", "token", 100),
        Read(
            "`GET /api/v1/cases` deep cursor (page 51)",
            "GET",
            "/api/v1/cases?" + q({"cursor": w.cases_cursor}),
            "officer",
            "token",
            100,
        ),
        Read(
            f"`GET /api/v1/visits?campaign_id={c}`", "GET", f"/api/v1/visits?campaign_id={c}", "officer", "token", 100
        ),
        Read(
            f"`GET /api/v1/visits?campaign_id={c}` deep cursor (page 51)",
            "GET",
            "/api/v1/visits?" + q({"campaign_id": c, "cursor": w.visits_cursor}),
            "officer",
            "token",
            100,
        ),
        Read("case statistics page `/reports/cases/`, all time", "GET", "/reports/cases/", "officer", "session", 200),
        Read(
            "case statistics API `/api/v1/reports/cases`, all time",
            "GET",
            "/api/v1/reports/cases",
            "officer",
            "token",
            200,
        ),
        Read(
            f"campaign dashboard `/campaigns/{c}/dashboard/`",
            "GET",
            f"/campaigns/{c}/dashboard/",
            "officer",
            "session",
            100,
        ),
        Read(
            "dashboard live fragment (every 5 s)",
            "GET",
            f"/campaigns/{c}/dashboard/live/",
            "officer",
            "session",
            100,
            headers={"HX-Request": "true"},
        ),
        Read(
            "dashboard case handling (every 60 s)",
            "GET",
            f"/campaigns/{c}/dashboard/cases/",
            "officer",
            "session",
            None,
            headers={"HX-Request": "true"},
        ),
        Read(
            "evaluation API, 12 months",
            "GET",
            "/api/v1/evaluation?" + q({"period_start": year_ago.isoformat(), "period_end": today.isoformat()}),
            "officer",
            "token",
            200,
        ),
        Read(
            "evaluation page, 12 months",
            "GET",
            "/oversight/evaluation/?" + q({"period_start": year_ago.isoformat(), "period_end": today.isoformat()}),
            "officer",
            "session",
            200,
        ),
        Read(
            "spot-check draw, 10-year population (`POST /api/v1/spot-checks`)",
            "POST",
            "/api/v1/spot-checks",
            "officer",
            "token",
            1000,
            body={
                "since": ten_years.isoformat(),
                "until": today.isoformat(),
                "size_mode": "count",
                "size_value": 3,
                "seed": "bench-reads",
            },
            expect=(201,),
        ),
        Read(
            "call-back list build, 12 months (`POST /api/v1/callbacks/build`)",
            "POST",
            "/api/v1/callbacks/build",
            "officer",
            "token",
            300,
            body={"since": year_ago.isoformat(), "until": today.isoformat(), "sample_size": 200, "seed": "bench-reads"},
            expect=(201,),
        ),
        Read("call-back list `GET /api/v1/callbacks`", "GET", "/api/v1/callbacks", "officer", "token", 100),
        Read(
            f"publish a report: preview (campaign {c})",
            "POST",
            "/reports/publish/",
            "officer",
            "session",
            1000,
            body={"campaign": str(c), "title": "", "language": "zh-hans", "action": "preview"},
            form=True,
        ),
        Read(
            f"publish a report: publish (campaign {c})",
            "POST",
            "/reports/publish/",
            "officer",
            "session",
            1000,
            body={"campaign": str(c), "title": "", "language": "zh-hans", "action": "publish"},
            form=True,
            expect=(302,),
        ),
        Read("case detail `GET /api/v1/cases/{id}`", "GET", f"/api/v1/cases/{w.case_id}", "officer", "token", None),
        Read("visits page 1 `GET /api/v1/visits`", "GET", "/api/v1/visits", "officer", "token", None),
        Read(
            f"campaign report API `/api/v1/campaigns/{c}/report`",
            "GET",
            f"/api/v1/campaigns/{c}/report",
            "officer",
            "token",
            None,
        ),
        Read("published report page `/r/<id>/`", "GET", f"/r/{w.report_id}/", "officer", "session", None),
        Read("xlsx export `/r/<id>/report.xlsx`", "GET", f"/r/{w.report_id}/report.xlsx", "officer", "session", None),
        Read("company handler's queue page `/cases/`", "GET", "/cases/", "handler", "session", None),
        Read("company handler's `GET /api/v1/cases`", "GET", "/api/v1/cases", "handler", "token", None),
    ]


# ---- over HTTP ------------------------------------------------------------------------------------


class Client:
    """One keep-alive connection per persona and kind of authentication."""

    def __init__(self, host: str, port: int, w: World):
        from django.conf import settings

        self.host, self.port, self.w = host, port, w
        self.cookie_name = settings.SESSION_COOKIE_NAME
        self.csrf_cookie = settings.CSRF_COOKIE_NAME
        self.apis: dict[tuple[str, str], Api] = {}
        self.csrf: dict[str, tuple[str, str]] = {}

    def persona(self, who: str) -> Persona:
        return self.w.officer if who == "officer" else self.w.handler

    def api(self, who: str, auth: str) -> Api:
        key = (who, auth)
        if key not in self.apis:
            p = self.persona(who)
            api = Api(self.host, self.port, p.token if auth == "token" else None, timeout=120)
            if auth == "session":
                api.headers = {"Cookie": f"{self.cookie_name}={p.session}", "Accept": "text/html"}
            self.apis[key] = api
        return self.apis[key]

    def csrf_for(self, who: str) -> tuple[str, str]:
        """(cookie, form token) from the publish page's form."""
        if who not in self.csrf:
            api = self.api(who, "session")
            conn = api._connection()
            conn.request("GET", "/reports/publish/", headers=api.headers)
            resp = conn.getresponse()
            html = resp.read().decode()
            cookies = resp.headers.get_all("Set-Cookie") or []
            if resp.getheader("Connection", "").lower() == "close":
                api.close()
            cookie = next(
                (c.split(";")[0].split("=", 1)[1] for c in cookies if c.startswith(self.csrf_cookie + "=")), ""
            )
            m = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
            if resp.status != 200 or not cookie or not m:
                raise SystemExit(f"could not read a CSRF token from /reports/publish/ (status {resp.status})")
            self.csrf[who] = (cookie, m.group(1))
        return self.csrf[who]

    def run(self, r: Read) -> float:
        api = self.api(r.who, r.auth)
        body, headers = None, dict(r.headers)
        if r.form:
            cookie, token = self.csrf_for(r.who)
            headers["Cookie"] = f"{api.headers['Cookie']}; {self.csrf_cookie}={cookie}"
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            body = urlencode({**(r.body or {}), "csrfmiddlewaretoken": token}).encode()
        elif r.body is not None:
            body = json.dumps(r.body).encode()
        t0 = time.perf_counter()
        status, data = api.raw(r.method, r.path, body, headers)
        ms = (time.perf_counter() - t0) * 1000
        if status not in r.expect:
            raise RuntimeError(f"{r.method} {r.path} answered {status}: {data[:300]!r}")
        return ms


# ---- in-process: queries and plans ---------------------------------------------------------------


_warmed: set[tuple[str, str]] = set()


def in_process(r: Read, w: World, explain: bool) -> None:
    from django.db import connection, transaction
    from django.test import Client as TestClient
    from django.test.utils import CaptureQueriesContext

    p = w.officer if r.who == "officer" else w.handler
    client = TestClient()
    extra = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in r.headers.items()}
    if r.auth == "token":
        extra["HTTP_AUTHORIZATION"] = f"Bearer {p.token}"
    else:
        client.cookies[settings_cookie()] = p.session
    if (r.who, r.auth) not in _warmed:
        # The server's workers are warm (per-process caches of tokens and the like): so is this
        # process before it counts, or the first read would count the caches' fills.
        client.get("/api/v1/regions?level=province" if r.auth == "token" else "/", **extra)
        _warmed.add((r.who, r.auth))
    with CaptureQueriesContext(connection) as ctx:
        if r.method == "GET":
            response = client.get(r.path, **extra)
        elif r.form:
            response = client.post(r.path, data=r.body or {}, **extra)
        else:
            response = client.post(r.path, data=json.dumps(r.body), content_type="application/json", **extra)
    if response.status_code not in r.expect:
        r.error = f"in-process {response.status_code}"
        return
    r.queries = len(ctx.captured_queries)
    if not explain or not ctx.captured_queries:
        return
    slowest = max(ctx.captured_queries, key=lambda q: float(q.get("time") or 0))
    sql = slowest["sql"]
    try:
        with transaction.atomic(), connection.cursor() as cur:
            cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
            plan = "\n".join(row[0] for row in cur.fetchall())
            transaction.set_rollback(True)
    except Exception as e:  # a statement EXPLAIN cannot take: show why
        plan = f"(EXPLAIN failed: {e})"
    r.plan = f"-- {float(slowest.get('time') or 0) * 1000:.0f} ms in the in-process run\n{sql}\n\n{plan}"


def settings_cookie() -> str:
    from django.conf import settings

    return settings.SESSION_COOKIE_NAME


# ---- the run --------------------------------------------------------------------------------------


def machine() -> str:
    """What else the machine is doing: load averages and the core's speed (bench/intake.py)."""
    one, five, _ = os.getloadavg()
    return f"{os.cpu_count()} CPUs, load {one:.1f} / {five:.1f} (1 / 5 min), speed reference {cpu_speed_us():.0f} µs"


def fmt_ms(ms: float) -> str:
    return f"{ms / 1000:.2f} s" if ms >= 1000 else f"{ms:.0f} ms"


def main() -> int:
    ap = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--base", help="a running server on this database (loopback only); default: start one")
    ap.add_argument("--workers", type=int, default=2, help="workers of the server this starts (default 2)")
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument(
        "--budget", type=float, default=240.0, help="seconds per read at most (then fewer runs, at least 3)"
    )
    ap.add_argument("--warmup", type=int, default=2, help="unmeasured runs first (default 2: one per worker)")
    ap.add_argument("--campaign-id", type=int, default=1)
    ap.add_argument("--only", action="append", default=[], help="measure the reads whose name holds this text")
    ap.add_argument("--explain", action="store_true", help="EXPLAIN (ANALYZE, BUFFERS) of each read's slowest query")
    ap.add_argument("--no-queries", action="store_true", help="skip the in-process run that counts the queries")
    ap.add_argument("--label", default="", help="a title for the table (e.g. 1M cases, baseline)")
    ap.add_argument("--json", action="store_true", help="also print one JSON line with every figure")
    args = ap.parse_args()
    if args.runs < 1:
        ap.error("--runs must be at least 1")
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        ap.error("DATABASE_URL must name the PostgreSQL database the server reads")

    django_setup()
    from django.db import connection
    from django.utils import timezone

    t0 = time.perf_counter()
    w = set_up(args.campaign_id)
    today = timezone.localdate()
    todo = [r for r in reads(w, today) if not args.only or any(o.lower() in r.name.lower() for o in args.only)]
    connection.close()
    print(
        f"Database {connection.settings_dict['NAME']}: {w.cases:,} cases, {w.visits:,} visits, {w.events:,} events; "
        f"set up in {time.perf_counter() - t0:.1f} s",
        flush=True,
    )

    proc = None
    if args.base:
        host, port = loopback_or_die(args.base)
        server = args.base
    else:
        host, port = "127.0.0.1", free_port()
        log_path = Path(os.environ.get("OMBUD_DATA_DIR", "var")) / "bench-reads-server.log"
        cmd = [
            sys.executable,
            "-m",
            "ombud.cli",
            "serve",
            "--workers",
            str(args.workers),
            "--no-worker",
            "--port",
            str(port),
        ]
        log = open(log_path, "ab")  # noqa: SIM115 (open while the server runs)
        proc = subprocess.Popen(cmd, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)  # noqa: S603
        server = f"`ombud serve --workers {args.workers} --no-worker` (log: {log_path})"
        wait_until_up(port, proc)
    print(f"Server: {server}; {args.runs} runs per read after {args.warmup} warm-up runs", flush=True)
    print(f"Machine: {machine()} at the start", flush=True)

    client = Client(host, port, w)
    try:
        for r in todo:
            try:
                for _ in range(args.warmup):  # each worker's first request pays for its cold caches
                    client.run(r)
                spent = 0.0
                while len(r.times_ms) < args.runs and (spent < args.budget * 1000 or len(r.times_ms) < 3):
                    ms = client.run(r)
                    r.times_ms.append(ms)
                    spent += ms
            except (RuntimeError, OSError) as e:
                r.error = str(e)[:300]
            if not args.no_queries and not r.error:
                in_process(r, w, args.explain)
                connection.close()
            lat = sorted(r.times_ms)
            got = (
                f"p50 {fmt_ms(percentile(lat, 50))}, p99 {fmt_ms(percentile(lat, 99))} ({len(lat)} runs)" if lat else ""
            )
            print(f"  {r.name}: {got} {r.queries if r.queries is not None else '?'} queries {r.error}", flush=True)
    finally:
        for api in client.apis.values():
            api.close()
        if proc is not None:
            stop(proc)
            log.close()
    print(f"Machine: {machine()} at the end", flush=True)

    print()
    if args.label:
        print(f"**{args.label}** ({w.cases:,} cases, {today.isoformat()})\n")
    print("| read | p50 | p99 | queries | goal | within goal |")
    print("|---|---|---|---|---|---|")
    out = []
    for r in todo:
        lat = sorted(r.times_ms)
        if not lat:
            print(f"| {r.name} | error | | | | {r.error[:80]} |")
            continue
        p50, p99 = percentile(lat, 50), percentile(lat, 99)
        goal = f"< {fmt_ms(r.goal_ms)}" if r.goal_ms else "— (flat)"
        within = ("yes" if p99 < r.goal_ms else f"no ({p99 / r.goal_ms:.1f}×)") if r.goal_ms else "—"
        queries = str(r.queries) if r.queries is not None else "?"
        print(f"| {r.name} | {fmt_ms(p50)} | {fmt_ms(p99)} | {queries} | {goal} | {within} |")
        out.append(
            {
                "read": r.name,
                "runs": len(lat),
                "p50_ms": round(p50, 1),
                "p99_ms": round(p99, 1),
                "queries": r.queries,
                "goal_ms": r.goal_ms,
            }
        )
    short = [r for r in todo if r.times_ms and len(r.times_ms) < args.runs]
    if short:
        print(f"\nFewer runs (budget): {', '.join(f'{r.name} {len(r.times_ms)}' for r in short)}")
    if args.explain:
        for r in todo:
            if r.plan:
                print(f"\n### {r.name}\n\n```\n{r.plan}\n```")
    if args.json:
        print(json.dumps({"cases": w.cases, "visits": w.visits, "events": w.events, "reads": out}))
    return 0 if all(r.times_ms and not r.error for r in todo) else 1


if __name__ == "__main__":
    sys.exit(main())
