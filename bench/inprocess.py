"""In-process cost of `POST /api/v1/visits`: queries, time per request and a profile.

    OMBUD_DATA_DIR=/tmp/ombud-bench-sqlite .venv/bin/python bench/inprocess.py --username bench
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ombud_bench .venv/bin/python bench/inprocess.py \
        --profile pyinstrument

It runs the whole Django stack (middleware, django-ninja, services, the ORM) through Django's
test client against the database the environment names (migrated, with a superuser and at
least one insurer; see bench/README.md), in a fresh campaign it creates. It prints, for a
consultation and for a complaint naming a practitioner and sent with an Idempotency-Key, the
SQL each one runs and the mean/median time per request, and a reference: the same stack
answering 401 (no token, so no database). `--profile` shows where the time goes (cProfile is in
the standard library; pyinstrument must be pip-installed into the venv just for measuring).

It writes visits, cases and one API token into that database: point it at a bench database.
"""

from __future__ import annotations

import argparse
import cProfile
import hashlib
import io
import json
import os
import pstats
import secrets
import statistics
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ombud.settings")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.db import close_old_connections, connection, reset_queries  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, override_settings  # noqa: E402
from django.utils import timezone  # noqa: E402
from intake import cpu_speed_us  # noqa: E402  (bench/intake.py, beside this script)

from ombud.campaigns.services import CampaignInput, SiteInput, add_site, create_campaign  # noqa: E402
from ombud.directory.models import ApiToken, Organization, User  # noqa: E402


def set_up(username: str) -> tuple[str, int, int]:
    """(raw token, site id, company id) in a fresh campaign."""
    user = User.objects.filter(username=username).first()
    if user is None or not user.is_regulator:
        raise SystemExit(f"no superuser or regulator admin {username!r} in this database (bench/README.md)")
    company = Organization.objects.filter(kind=Organization.Kind.INSURER, is_active=True).order_by("pk").first()
    if company is None:
        raise SystemExit("the database has no insurers (bench/README.md)")
    raw = secrets.token_urlsafe(32)
    ApiToken.objects.create(
        user=user, digest=hashlib.sha256(raw.encode()).hexdigest(), expires_at=timezone.now() + timedelta(hours=2)
    )
    now = timezone.now()
    campaign = create_campaign(
        user,
        CampaignInput(
            name=f"inprocess bench {uuid.uuid4().hex[:8]}",
            starts_at=now - timedelta(hours=1),
            ends_at=now + timedelta(days=1),
            region_code="440000",
        ),
    )
    site = add_site(user, campaign, SiteInput(city_code="440900", name="茂名 bench", address="bench"))
    return raw, site.pk, company.pk


class Bodies:
    def __init__(self, site_id: int, company_id: int):
        self.site_id, self.company_id = site_id, company_id
        self.i = 0

    def consultation(self) -> tuple[dict, dict]:
        body = {
            "site_id": self.site_id,
            "kind": "consultation",
            "visitor": {"name": "陈先生", "phone": "13812345678"},
            "company_id": self.company_id,
            "product_line": "motor",
            "summary": "咨询车险续保保费上浮的原因",
        }
        return body, {}

    def complaint(self) -> tuple[dict, dict]:
        self.i += 1
        due = (timezone.localdate() + timedelta(days=10)).isoformat()
        body = {
            "site_id": self.site_id,
            "kind": "complaint",
            "visitor": {"name": "李秀英", "phone": "13812345678"},
            "company_id": self.company_id,
            # The same practitioner every time: the usual case is finding an existing one.
            "practitioner": {"name": "王业务员", "licence_no": f"BENCH{self.company_id:06d}"},
            "product_line": "health_medical",
            "summary": "投诉理赔超过约定时限仍未赔付",
            "outcome": "time_limited",
            "due_date": due,
            "handled_by": "company",
        }
        return body, {"HTTP_IDEMPOTENCY_KEY": uuid.uuid4().hex}


def post(client: Client, token: str, make, like_server: bool = True) -> int:
    if like_server:
        # What request_started does under a real server and Django's test client skips: close
        # an expired connection (SQLite: CONN_MAX_AGE=0, every request) and re-arm the health
        # check (CONN_HEALTH_CHECKS: a `SELECT 1` before the request's first query).
        close_old_connections()
    body, headers = make()
    r = client.post(
        "/api/v1/visits",
        json.dumps(body, ensure_ascii=False),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
        **headers,
    )
    if r.status_code != 201:
        raise SystemExit(f"POST /api/v1/visits answered {r.status_code}: {r.content[:500]!r}")
    return r.status_code


def post_persistent(client: Client, token: str, make) -> int:
    return post(client, token, make, like_server=False)


def unauthenticated(client: Client, token: str, make) -> int:
    close_old_connections()
    body, _ = make()
    r = client.post("/api/v1/visits", json.dumps(body), content_type="application/json")
    assert r.status_code == 401, r.status_code
    return r.status_code


class QueryTimer:
    """An execute wrapper timing each query with perf_counter (Django's log rounds to 1 ms)."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, float]] = []

    def __call__(self, execute, sql, params, many, context):
        t0 = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.calls.append((sql, (time.perf_counter() - t0) * 1000.0))

    def align(self, logged: list[str]) -> list[float | None]:
        """The time of each logged query; None for BEGIN/COMMIT the backend runs outside cursors."""
        out: list[float | None] = []
        calls = iter(self.calls)
        pending = next(calls, None)
        for sql in logged:
            if pending is not None and sql[:40] == pending[0][:40]:
                out.append(pending[1])
                pending = next(calls, None)
            else:
                out.append(None)
        return out


class Watch:
    """Times calls of one method of the connection wrapper, e.g. `_commit` (COMMIT is no
    cursor.execute(), so execute wrappers miss it), `is_usable` (the health check's `SELECT 1`,
    run on the raw driver connection, outside Django's query log) or `connect`."""

    def __init__(self, method: str) -> None:
        self.method = method
        self.ms: list[float] = []

    def __enter__(self) -> Watch:
        original = getattr(connection, self.method)

        def timed_call(*args, **kwargs):
            t0 = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                self.ms.append((time.perf_counter() - t0) * 1000.0)

        setattr(connection, self.method, timed_call)
        return self

    def __exit__(self, *exc) -> None:
        delattr(connection, self.method)  # back to the class's method


def show_queries(client: Client, token: str, label: str, make, width: int) -> None:
    close_old_connections()  # as request_started would (see post())
    reset_queries()  # request_started clears the log too: start from an empty one
    timer = QueryTimer()
    t0 = time.perf_counter()
    with (
        Watch("connect") as connects,
        Watch("is_usable") as checks,
        Watch("_commit") as commits,
        CaptureQueriesContext(connection) as ctx,
        connection.execute_wrapper(timer),
    ):
        post(client, token, make, like_server=False)
    wall = (time.perf_counter() - t0) * 1000.0
    sqls = [q["sql"] for q in ctx.captured_queries]
    timings = timer.align(sqls)
    if commits.ms and sqls and sqls[-1] == "COMMIT" and timings[-1] is None:
        timings[-1] = commits.ms[-1]
    extra = [("connect (+ init PRAGMAs/SET)", ms) for ms in connects.ms]
    extra += [("SELECT 1  -- CONN_HEALTH_CHECKS, not in Django's query log", ms) for ms in checks.ms]
    waited = sum(ms for _, ms in timer.calls) + sum(commits.ms) + sum(ms for _, ms in extra)
    print(
        f"\n{label}: {len(sqls)} logged queries + {len(extra)} unlogged round trip(s);"
        f" {waited:.2f} ms waiting for the database of {wall:.2f} ms for the request"
    )
    for what, ms in extra:
        print(f"   +. {ms:5.2f} ms  {what}")
    for n, (sql, ms) in enumerate(zip(sqls, timings, strict=True), 1):
        shown = f"{ms:5.2f} ms" if ms is not None else "   -    "
        print(f"  {n:2d}. {shown}  {sql if len(sql) <= width else sql[: width - 3] + '...'}")


def timed(client: Client, token: str, make, n: int, fn=post) -> list[tuple[float, float]]:
    """(wall ms, CPU ms) of each of n requests; CPU time does not count waiting for the
    database or for a core that other programs hold, so it varies less on a busy machine."""
    out = []
    for _ in range(n):
        t0, c0 = time.perf_counter(), time.process_time()
        fn(client, token, make)
        out.append(((time.perf_counter() - t0) * 1000.0, (time.process_time() - c0) * 1000.0))
    return out


def report_times(label: str, runs: list[tuple[float, float]]) -> None:
    wall = sorted(w for w, _ in runs)
    cpu = [c for _, c in runs]
    print(
        f"  {label:48s} wall median {statistics.median(wall):6.2f} ms  p95 {wall[int(len(wall) * 0.95) - 1]:6.2f} ms"
        f"   CPU mean {statistics.fmean(cpu):5.2f} ms → {1000 / statistics.fmean(cpu):5.0f}/s per core"
    )


# The middleware an API request needs; the others serve the HTML pages (sessions, CSRF, messages,
# language, static files, login lockout) and only cost time on /api/.
API_MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.common.CommonMiddleware",
    "ombud.api.JsonErrorsMiddleware",
]


def _medians_ms(fn, n: int) -> tuple[float, float]:
    """(wall, CPU) median ms of n calls."""
    wall, cpu = [], []
    for _ in range(n):
        t0, c0 = time.perf_counter(), time.process_time()
        fn()
        wall.append((time.perf_counter() - t0) * 1000.0)
        cpu.append((time.process_time() - c0) * 1000.0)
    return statistics.median(wall), statistics.median(cpu)


def breakdown(token: str, site_id: int, company_id: int, n: int) -> None:
    """Median time of each step of a consultation, called directly, and of a few what-ifs."""
    from django.db import transaction
    from django.urls import reverse

    from ombud.api import api
    from ombud.campaigns.models import Site
    from ombud.campaigns.queries import access_site_for_intake
    from ombud.directory import generation
    from ombud.directory.services import user_for_token
    from ombud.intake import services
    from ombud.intake.api import VisitCreated, VisitIn
    from ombud.intake.models import Visit
    from ombud.intake.tracking import new_secret_code, new_tracking_no
    from ombud.personal_data import blind_index, encrypt

    user = user_for_token(token)
    assert user is not None
    current = generation.read()
    user_for_token(token, generation=current)
    body, _ = Bodies(site_id, company_id).consultation()
    raw = json.dumps(body, ensure_ascii=False).encode()
    payload = VisitIn.model_validate_json(raw)
    data = payload.to_input()
    now = timezone.now()
    digest = hashlib.sha256(token.encode()).hexdigest()
    token_qs = ApiToken.objects.select_related("user", "user__organization").filter(
        digest=digest, expires_at__gt=now, user__is_active=True
    )
    sql, params = token_qs.order_by()[:1].query.sql_with_params()
    site = access_site_for_intake(user, site_id)
    company = Organization.objects.filter(pk=company_id).only("id", "head_office_id", "name").first()
    request = None  # the JSON renderer does not look at the request

    class Rollback(Exception):
        pass

    def insert_and_roll_back() -> None:
        try:
            with transaction.atomic():
                Visit.objects.create(
                    kind="consultation",
                    channel="on_site",
                    campaign_id=site.campaign_id,
                    site=site,
                    city_id=site.city_id,
                    visitor_name="陈先生",
                    visitor_phone="13812345678",
                    visitor_id_number="",
                    visitor_phone_index=blind_index("13812345678"),
                    company=company,
                    company_root_id=company.head_office_id,
                    product_line_id="motor",
                    summary="咨询车险续保保费上浮的原因",
                    tracking_no=new_tracking_no(now),
                    secret_code=new_secret_code(),
                    received_at=now,
                    created_by=user,
                )
                raise Rollback
        except Rollback:
            pass

    def raw_token_query() -> None:
        with connection.cursor() as cur:
            cur.execute(sql, params)
            cur.fetchall()

    def render() -> None:
        created = {
            "id": 1,
            "tracking_no": "2611271234567890",
            "secret_code": "ABCDEFGH",
            "kind": "consultation",
            "case_id": None,
            "received_at": now,
            "receipt_url": reverse("intake:receipt", args=[1]),
        }
        api.renderer.render(request, VisitCreated.model_validate(created).model_dump(), response_status=201)

    def recorder(generation_read: int | None):
        return services.VisitRecorder(user, cache_generation=generation_read)

    steps = [
        ("auth: user_for_token (ORM, .get(), no cache)", lambda: user_for_token(token)),
        ("  cache generation read (the health check)", generation.read),
        ("  user_for_token, cached", lambda: user_for_token(token, generation=current)),
        ("  what-if: same query with .get()", lambda: token_qs.get()),
        ("  what-if: same SQL, raw cursor", raw_token_query),
        ("access_site_for_intake (ORM, no cache)", lambda: access_site_for_intake(user, site_id)),
        (
            "  site through the process cache",
            lambda: services.VisitRecorder(user, cache_generation=current)._site(site_id),
        ),
        (
            "  what-if: Site+campaign+city via .get()",
            lambda: Site.objects.select_related("campaign", "city").get(pk=site_id),
        ),
        ("_load_company (ORM, .get(), no cache)", lambda: services._load_company(None, company_id, {})),
        (
            "  what-if: Organization via .get()",
            lambda: Organization.objects.only("id", "head_office_id").get(pk=company_id),
        ),
        ("INSERT visit in atomic (rolled back)", insert_and_roll_back),
        ("pydantic: VisitIn from JSON", lambda: VisitIn.model_validate_json(raw)),
        ("VisitInput.fingerprint()", data.fingerprint),
        ("_check_fields()", lambda: services._check_fields(data, now)),
        (
            "encrypt() x3 + blind_index()",
            lambda: [encrypt("陈先生"), encrypt("13812345678"), encrypt("ABCDEFGH"), blind_index("13812345678")],
        ),
        ("tracking no + secret code", lambda: (new_tracking_no(now), new_secret_code())),
        ("response: schema + reverse + JSON", render),
    ]
    print(f"\nsteps of a consultation, called directly (medians of {n}; CPU = this process only):")
    for label, fn in steps:
        fn()
        wall, cpu = _medians_ms(fn, n)
        print(f"  {label:40s} wall {wall:6.3f} ms   CPU {cpu:6.3f} ms")


def main() -> int:
    p = argparse.ArgumentParser(description="In-process cost of POST /api/v1/visits.")
    p.add_argument("--username", default=os.environ.get("OMBUD_BENCH_USER", "bench"))
    p.add_argument("-n", type=int, default=300, help="timed requests per kind (default 300)")
    p.add_argument("--profile", choices=["none", "cprofile", "pyinstrument"], default="none")
    p.add_argument("--profile-kind", choices=["consultation", "complaint"], default="consultation")
    p.add_argument("--top", type=int, default=35, help="cProfile rows to print")
    p.add_argument("--breakdown", action="store_true", help="time each step of a consultation directly")
    p.add_argument("--width", type=int, default=160, help="characters of SQL to show per query")
    args = p.parse_args()
    if not 1 <= args.n <= 20000:
        p.error("-n must be between 1 and 20000")

    db = connection.settings_dict
    print(f"database: {db['ENGINE'].rsplit('.', 1)[-1]} {db['NAME']}  CONN_MAX_AGE={db['CONN_MAX_AGE']}")
    print(f"CPU speed reference: {cpu_speed_us():.0f} µs for sum(range(10000)) (lower is faster)")
    token, site_id, company_id = set_up(args.username)
    bodies = Bodies(site_id, company_id)
    client = Client()
    for _ in range(20):  # imports, url resolver, policy cache, practitioner row, prepared plans
        post(client, token, bodies.consultation)
        post(client, token, bodies.complaint)

    show_queries(client, token, "consultation", bodies.consultation, args.width)
    show_queries(client, token, "complaint + practitioner + Idempotency-Key", bodies.complaint, args.width)

    with Watch("_commit") as commits:
        timed(client, token, bodies.complaint, 100)
    if commits.ms:  # consultations run without an explicit transaction: no COMMIT to time
        print(
            f"\nCOMMIT of a complaint: median {statistics.median(commits.ms):.2f} ms,"
            f" p95 {sorted(commits.ms)[int(len(commits.ms) * 0.95)]:.2f} ms over {len(commits.ms)}"
        )

    print(f"\ntime per request over {args.n} requests (test client; 'as served' re-arms request_started):")
    runs = [
        ("consultation, as served", bodies.consultation, post),
        ("complaint + practitioner + key, as served", bodies.complaint, post),
        ("consultation, connection kept, no health check", bodies.consultation, post_persistent),
        ("401 without token (no database)", bodies.consultation, unauthenticated),
    ]
    for label, make, fn in runs:
        report_times(label, timed(client, token, make, args.n, fn))

    db = connection.settings_dict
    if db["CONN_MAX_AGE"] == 0:
        db["CONN_MAX_AGE"] = 600
        timed(client, token, bodies.consultation, 20)
        report_times("what-if: CONN_MAX_AGE=600", timed(client, token, bodies.consultation, args.n))
        db["CONN_MAX_AGE"] = 0
        connection.close()  # its close_at was set under the what-if
    if db["CONN_HEALTH_CHECKS"] and connection.vendor == "postgresql":
        db["CONN_HEALTH_CHECKS"] = connection.health_check_enabled = False
        report_times("what-if: CONN_HEALTH_CHECKS=False", timed(client, token, bodies.consultation, args.n))
        db["CONN_HEALTH_CHECKS"] = connection.health_check_enabled = True
    if not [m for m in API_MIDDLEWARE if m not in settings.MIDDLEWARE]:
        with override_settings(MIDDLEWARE=API_MIDDLEWARE):
            lean = Client()
            timed(lean, token, bodies.consultation, 20)
            report_times("what-if: API middleware only", timed(lean, token, bodies.consultation, args.n))
            report_times(
                "what-if: 401, API middleware only", timed(lean, token, bodies.consultation, args.n, unauthenticated)
            )

    t0 = time.perf_counter()
    for _ in range(50):
        connection.close()
        connection.ensure_connection()
    print(f"  {'opening a DB connection':44s} mean {(time.perf_counter() - t0) * 20:6.2f} ms")

    if args.breakdown:
        breakdown(token, site_id, company_id, args.n)
    print(f"\nCPU speed reference: {cpu_speed_us():.0f} µs")

    make = bodies.consultation if args.profile_kind == "consultation" else bodies.complaint
    if args.profile == "cprofile":
        prof = cProfile.Profile()
        prof.enable()
        timed(client, token, make, args.n)
        prof.disable()
        out = io.StringIO()
        stats = pstats.Stats(prof, stream=out).strip_dirs().sort_stats("cumulative")
        stats.print_stats(args.top)
        stats.sort_stats("tottime").print_stats(args.top)
        print(out.getvalue())
    elif args.profile == "pyinstrument":
        try:
            from pyinstrument import Profiler
        except ImportError:
            raise SystemExit("pip install pyinstrument into the venv (for measuring only)") from None
        profiler = Profiler(interval=0.0002)
        profiler.start()
        timed(client, token, make, args.n)
        profiler.stop()
        print(profiler.output_text(unicode=True, color=False, show_all=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
