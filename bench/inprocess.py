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

import django  # noqa: E402

django.setup()

from django.db import connection, reset_queries  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

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


def post(client: Client, token: str, make) -> int:
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


def unauthenticated(client: Client, token: str, make) -> int:
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


def show_queries(client: Client, token: str, label: str, make, width: int) -> None:
    reset_queries()  # request_started clears the log too: start from an empty one
    timer = QueryTimer()
    t0 = time.perf_counter()
    with CaptureQueriesContext(connection) as ctx, connection.execute_wrapper(timer):
        post(client, token, make)
    wall = (time.perf_counter() - t0) * 1000.0
    sqls = [q["sql"] for q in ctx.captured_queries]
    timings = timer.align(sqls)
    print(
        f"\n{label}: {len(sqls)} queries, {sum(ms for _, ms in timer.calls):.2f} ms waiting for the database"
        f" (BEGIN/COMMIT not included) of {wall:.2f} ms for the request"
    )
    for n, (sql, ms) in enumerate(zip(sqls, timings, strict=True), 1):
        shown = f"{ms:5.2f} ms" if ms is not None else "   -    "
        print(f"  {n:2d}. {shown}  {sql if len(sql) <= width else sql[: width - 3] + '...'}")


def timed(client: Client, token: str, make, n: int, fn=post) -> list[float]:
    out = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn(client, token, make)
        out.append((time.perf_counter() - t0) * 1000.0)
    return out


def main() -> int:
    p = argparse.ArgumentParser(description="In-process cost of POST /api/v1/visits.")
    p.add_argument("--username", default=os.environ.get("OMBUD_BENCH_USER", "bench"))
    p.add_argument("-n", type=int, default=300, help="timed requests per kind (default 300)")
    p.add_argument("--profile", choices=["none", "cprofile", "pyinstrument"], default="none")
    p.add_argument("--profile-kind", choices=["consultation", "complaint"], default="consultation")
    p.add_argument("--top", type=int, default=35, help="cProfile rows to print")
    p.add_argument("--width", type=int, default=160, help="characters of SQL to show per query")
    args = p.parse_args()
    if not 1 <= args.n <= 20000:
        p.error("-n must be between 1 and 20000")

    db = connection.settings_dict
    print(f"database: {db['ENGINE'].rsplit('.', 1)[-1]} {db['NAME']}  CONN_MAX_AGE={db['CONN_MAX_AGE']}")
    token, site_id, company_id = set_up(args.username)
    bodies = Bodies(site_id, company_id)
    client = Client()
    for _ in range(20):  # imports, url resolver, policy cache, practitioner row, prepared plans
        post(client, token, bodies.consultation)
        post(client, token, bodies.complaint)

    show_queries(client, token, "consultation", bodies.consultation, args.width)
    show_queries(client, token, "complaint + practitioner + Idempotency-Key", bodies.complaint, args.width)

    print(f"\ntime per request over {args.n} requests (test client, persistent connection):")
    for label, make, fn in [
        ("consultation", bodies.consultation, post),
        ("complaint + practitioner + key", bodies.complaint, post),
        ("401 without token (no database)", bodies.consultation, unauthenticated),
    ]:
        ms = timed(client, token, make, args.n, fn)
        print(
            f"  {label:34s} mean {statistics.fmean(ms):6.2f} ms  median {statistics.median(ms):6.2f} ms"
            f"  p95 {sorted(ms)[int(len(ms) * 0.95) - 1]:6.2f} ms  → {1000 / statistics.fmean(ms):6.0f}/s per core"
        )

    t0 = time.perf_counter()
    for _ in range(50):
        connection.close()
        connection.ensure_connection()
    print(f"  {'opening a DB connection':34s} mean {(time.perf_counter() - t0) * 20:6.2f} ms")

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
