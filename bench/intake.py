"""Intake benchmark: replay N visits over HTTP against a running Ombud and print the figures.

    .venv/bin/python bench/intake.py --username bench --password ... -n 5000 -c 8 --warmup 300

It signs in (`POST /api/v1/auth/token`), creates a fresh campaign with a few Guangdong sites
unless `--campaign-id` is given, reads the insurers from `GET /api/v1/organizations`, then posts
a realistic mix of visits (about 80% consultations, 10% complaints, 10% suggestions) to
`POST /api/v1/visits` from C threads, each with its own keep-alive connection. It prints
visits/s, p50/p95/p99 latency, errors by status and the ratio to the 500 visits/s target, and
finally checks with the campaign report that the server's visit count grew by exactly the
number of 201 answers.

With `--plain` it posts the same bodies to the plain Django + django-ninja endpoint of
bench/plain/ (`POST /plain/visits`, no token, sites and companies 1-4) and checks its row count.

Only the standard library, so the client costs little CPU next to the server on the same
machine; only loopback targets; bounded by `-n` and `--max-seconds`. See bench/README.md.
"""

from __future__ import annotations

import argparse
import http.client
import ipaddress
import itertools
import json
import os
import random
import resource
import socket
import sys
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone
from urllib.parse import urlencode, urlsplit

TARGET_VISITS_PER_SECOND = 500
TARGET_P99_MS = 100.0
SHANGHAI = timezone(timedelta(hours=8))
CITIES = ["440100", "440600", "441900", "440900"]  # Guangzhou, Foshan, Dongguan, Maoming
PRODUCT_LINES = ["motor", "health_medical", "health_illness", "life_ordinary", "accident", "annuity", "other"]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗梁"
GIVEN = ["伟", "芳", "秀英", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超"]
CONSULTATIONS = [
    "咨询车险续保保费上浮的原因",
    "咨询重疾险等待期内确诊是否可以理赔",
    "咨询退保现金价值如何计算",
    "咨询医疗险理赔需要提交哪些材料",
    "咨询年金险领取方式变更",
    "咨询如何查询名下保单",
]
COMPLAINTS = [
    "投诉业务员销售时未说明犹豫期及退保损失",
    "投诉理赔超过约定时限仍未赔付",
    "投诉车险定损金额与维修费用差距较大",
    "投诉保单续期扣费未提前告知",
    "投诉医疗险以既往症为由拒赔",
]
SUGGESTIONS = [
    "建议简化小额理赔的材料要求",
    "建议在营业网点增加适老化服务窗口",
    "建议保险公司在短信中写明退保损失",
]


class BenchError(Exception):
    """A setup step failed: the message says which and what the server answered."""


# ---- HTTP ----------------------------------------------------------------------------------


def loopback_or_die(base: str) -> tuple[str, int]:
    """(host, port) of `base`; refuse anything but http:// to a loopback address."""
    parts = urlsplit(base)
    if parts.scheme != "http" or not parts.hostname:
        raise SystemExit(f"--base must be an http:// URL, got {base!r}")
    if parts.path not in ("", "/"):
        raise SystemExit("--base is the server root, e.g. http://127.0.0.1:8000")
    host, port = parts.hostname, parts.port or 80
    if host != "localhost":
        # An address literal only: a name would need a DNS lookup, and could point anywhere.
        try:
            literal = ipaddress.ip_address(host)
        except ValueError:
            raise SystemExit(f"--base must name 127.0.0.1, [::1] or localhost, got {host!r}") from None
        if not literal.is_loopback:
            raise SystemExit(f"refusing a non-loopback target {host!r}")
        return host, port
    addresses = {info[4][0] for info in socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)}
    if not addresses or not all(ipaddress.ip_address(a.split("%")[0]).is_loopback for a in addresses):
        raise SystemExit(f"refusing {host!r}: it resolves to {', '.join(sorted(addresses))}")
    return host, port


class Api:
    """A small JSON client over one keep-alive connection (not shared between threads)."""

    def __init__(self, host: str, port: int, token: str | None = None, timeout: float = 30.0):
        self.host, self.port, self.timeout = host, port, timeout
        self.headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if token:
            self.headers["Authorization"] = f"Bearer {token}"
        self.conn: http.client.HTTPConnection | None = None

    def _connection(self) -> http.client.HTTPConnection:
        if self.conn is None:
            self.conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        return self.conn

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def raw(self, method: str, path: str, body: bytes | None = None, headers: dict | None = None) -> tuple[int, bytes]:
        conn = self._connection()
        try:
            conn.request(method, path, body=body, headers={**self.headers, **(headers or {})})
            response = conn.getresponse()
            data = response.read()
        except (OSError, http.client.HTTPException):
            self.close()  # the next request opens a fresh connection
            raise
        if response.getheader("Connection", "").lower() == "close":
            self.close()
        return response.status, data

    def call(self, method: str, path: str, payload: object = None, expect: int = 200) -> object:
        body = None if payload is None else json.dumps(payload).encode()
        status, data = self.raw(method, path, body)
        if status != expect:
            raise BenchError(f"{method} {path} answered {status} (expected {expect}): {data[:500]!r}")
        return json.loads(data)


# ---- setting up ----------------------------------------------------------------------------


@dataclass
class Setup:
    token: str
    campaign_id: int
    site_ids: list[int]
    company_ids: list[int]
    visits_before: int


def report_visits(api: Api, campaign_id: int) -> int:
    report = api.call("GET", f"/api/v1/campaigns/{campaign_id}/report")
    assert isinstance(report, dict)
    return int(report["visits"])


def listed_visits(api: Api, campaign_id: int, max_pages: int = 5000) -> int:
    """The campaign's visits counted through the paginated list (the fallback when the report fails)."""
    total, cursor = 0, None
    for _ in range(max_pages):
        query = {"campaign_id": campaign_id, "limit": 200, **({"cursor": cursor} if cursor else {})}
        page = api.call("GET", "/api/v1/visits?" + urlencode(query))
        assert isinstance(page, dict)
        total += len(page["items"])
        cursor = page["next_cursor"]
        if not cursor:
            return total
    raise BenchError(f"more than {max_pages} pages of visits")


def count_visits(api: Api, campaign_id: int) -> tuple[int, str]:
    """(visits of the campaign, how they were counted): the report, else the visits list."""
    try:
        return report_visits(api, campaign_id), "report"
    except BenchError as exc:
        print(f"warning: {str(exc)[:200]}; counting through GET /api/v1/visits instead")
    return listed_visits(api, campaign_id), "visits list (the report failed)"


PLAIN_PATH = "/plain/visits"


def plain_count(api: Api) -> int:
    found = api.call("GET", f"{PLAIN_PATH}/count")
    assert isinstance(found, dict)
    return int(found["visits"])


def set_up_plain(host: str, port: int) -> Setup:
    api = Api(host, port)
    before = plain_count(api)
    api.close()
    return Setup("", 0, [1, 2, 3, 4], [1, 2, 3, 4], before)


def set_up(host: str, port: int, args: argparse.Namespace) -> Setup:
    if getattr(args, "plain", False):  # bench/faults.py passes a Namespace of its own
        return set_up_plain(host, port)
    anon = Api(host, port)
    token = anon.call("POST", "/api/v1/auth/token", {"username": args.username, "password": args.password})
    anon.close()
    assert isinstance(token, dict)
    api = Api(host, port, token["token"])

    insurers = api.call("GET", "/api/v1/organizations?" + urlencode({"kind": "insurer"}))
    assert isinstance(insurers, list)
    company_ids = [o["id"] for o in insurers]
    if not company_ids:
        raise BenchError(
            "the database has no insurers: run `ombud demo`, or create a few "
            "Organization(kind='insurer') rows (bench/README.md)"
        )

    if args.campaign_id:
        campaign_id = args.campaign_id
        sites = api.call("GET", f"/api/v1/campaigns/{campaign_id}/sites")
        assert isinstance(sites, list)
        site_ids = [s["id"] for s in sites]
        if not site_ids:
            raise BenchError(f"campaign {campaign_id} has no sites")
    else:
        now = datetime.now(UTC)
        stamp = now.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M:%S")
        campaign = api.call(
            "POST",
            "/api/v1/campaigns",
            {
                "name": f"bench {stamp} {uuid.uuid4().hex[:6]}",
                "starts_at": (now - timedelta(hours=1)).isoformat(),
                "ends_at": (now + timedelta(days=1)).isoformat(),
                "region_code": "440000",
            },
            expect=201,
        )
        assert isinstance(campaign, dict)
        campaign_id = campaign["id"]
        site_ids = []
        for city in CITIES:
            site = api.call(
                "POST",
                f"/api/v1/campaigns/{campaign_id}/sites",
                {"city_code": city, "name": f"bench site {city}", "address": "bench"},
                expect=201,
            )
            assert isinstance(site, dict)
            site_ids.append(site["id"])

    before, _how = count_visits(api, campaign_id)
    api.close()
    return Setup(token["token"], campaign_id, site_ids, company_ids, before)


# ---- the visits ----------------------------------------------------------------------------


def _name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN)


def _phone(rng: random.Random) -> str:
    return "1" + rng.choice("3456789") + "".join(rng.choice("0123456789") for _ in range(9))


def make_visit(rng: random.Random, setup: Setup, today: date) -> dict:
    """One visit as a site tablet sends it; the mix is 80/10/10 consultation/complaint/suggestion."""
    roll = rng.random()
    body: dict = {
        "site_id": rng.choice(setup.site_ids),
        "visitor": {"name": _name(rng), "phone": _phone(rng)},
    }
    if roll < 0.8:
        body.update(kind="consultation", summary=rng.choice(CONSULTATIONS))
        if rng.random() < 0.7:
            body["company_id"] = rng.choice(setup.company_ids)
        if rng.random() < 0.6:
            body["product_line"] = rng.choice(PRODUCT_LINES)
    elif roll < 0.9:
        company = rng.choice(setup.company_ids)
        body.update(kind="complaint", company_id=company, summary=rng.choice(COMPLAINTS))
        body["product_line"] = rng.choice(PRODUCT_LINES)
        if rng.random() < 0.5:
            # A small pool per company, so that most lookups find an existing practitioner.
            practitioner = {"name": "业务员" + str(rng.randrange(20))}
            if rng.random() < 0.7:
                practitioner["licence_no"] = f"B{company:06d}{rng.randrange(20):04d}"
            body["practitioner"] = practitioner
        if rng.random() < 0.6:
            body["outcome"] = "resolved_on_site"
        else:
            body["outcome"] = "time_limited"
            body["due_date"] = (today + timedelta(days=rng.randrange(3, 31))).isoformat()
            body["handled_by"] = "regulator" if rng.random() < 0.2 else "company"
    else:
        body.update(kind="suggestion", summary=rng.choice(SUGGESTIONS))
    return body


# ---- the run -------------------------------------------------------------------------------


@dataclass
class Phase:
    latencies_ms: list[float] = field(default_factory=list)
    statuses: Counter = field(default_factory=Counter)
    kinds: Counter = field(default_factory=Counter)
    elapsed: float = 0.0
    client_cpu_s: float = 0.0  # this process's CPU time during the phase
    stopped_early: bool = False
    server_down: bool = False
    samples: dict = field(default_factory=dict)  # one error body per status, to show


def run_phase(
    host: str,
    port: int,
    token: str,
    bodies: list[tuple[str, bytes]],
    concurrency: int,
    deadline: float,
    idem: bool,
    path: str = "/api/v1/visits",
) -> Phase:
    phase = Phase()
    lock = threading.Lock()
    counter = itertools.count()  # next() is atomic under the GIL

    def worker() -> None:
        api = Api(host, port, token)
        latencies: list[float] = []
        statuses: Counter = Counter()
        kinds: Counter = Counter()
        samples: dict = {}
        try:
            while True:
                i = next(counter)
                if i >= len(bodies) or phase.server_down:
                    break
                if time.monotonic() > deadline:
                    phase.stopped_early = True
                    break
                kind, body = bodies[i]
                headers = {"Idempotency-Key": uuid.uuid4().hex} if idem else None
                t0 = time.perf_counter()
                try:
                    status, data = api.raw("POST", path, body, headers)
                except ConnectionRefusedError as exc:
                    # Nobody listens any more: the server is down; stop instead of spinning.
                    statuses[f"conn:{type(exc).__name__}"] += 1
                    samples.setdefault(f"conn:{type(exc).__name__}", str(exc).encode())
                    phase.server_down = True
                    break
                except (OSError, http.client.HTTPException) as exc:
                    status, data = f"conn:{type(exc).__name__}", str(exc).encode()
                latencies.append((time.perf_counter() - t0) * 1000.0)
                statuses[status] += 1
                if status == 201:
                    kinds[kind] += 1
                elif status not in samples:
                    samples[status] = data[:300]
        finally:
            api.close()
            with lock:
                phase.latencies_ms.extend(latencies)
                phase.statuses.update(statuses)
                phase.kinds.update(kinds)
                for k, v in samples.items():
                    phase.samples.setdefault(k, v)

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(concurrency)]
    cpu0 = _cpu_seconds()
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    phase.elapsed = time.perf_counter() - t0
    phase.client_cpu_s = _cpu_seconds() - cpu0
    return phase


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def cpu_speed_us() -> float:
    """A reference of this core's speed right now: best of 5 x 200 runs of sum(range(10000)), µs.

    Virtual machines change speed with their neighbours; compare figures at similar values."""
    best = float("inf")
    for _ in range(5):
        t0 = time.perf_counter()
        for _ in range(200):
            sum(range(10000))
        best = min(best, (time.perf_counter() - t0) / 200 * 1e6)
    return best


def percentile(sorted_values: list[float], q: float) -> float:
    """Nearest-rank percentile of an already sorted list."""
    if not sorted_values:
        return float("nan")
    rank = max(1, min(len(sorted_values), round(q / 100.0 * len(sorted_values) + 0.5)))
    return sorted_values[rank - 1]


def summarise(phase: Phase) -> dict:
    lat = sorted(phase.latencies_ms)
    created = phase.statuses.get(201, 0)
    rate = created / phase.elapsed if phase.elapsed else 0.0
    return {
        "requests": len(lat),
        "created": created,
        "elapsed_s": round(phase.elapsed, 3),
        "visits_per_s": round(rate, 1),
        "p50_ms": round(percentile(lat, 50), 1),
        "p95_ms": round(percentile(lat, 95), 1),
        "p99_ms": round(percentile(lat, 99), 1),
        "max_ms": round(lat[-1], 1) if lat else float("nan"),
        "errors": {str(k): v for k, v in sorted(phase.statuses.items(), key=str) if k != 201},
        "kinds": dict(phase.kinds),
        "ratio_to_target": round(rate / TARGET_VISITS_PER_SECOND, 3),
        "client_cpu_ms_per_visit": round(phase.client_cpu_s * 1000.0 / len(lat), 2) if lat else None,
        "stopped_early": phase.stopped_early,
    }


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--base", default="http://127.0.0.1:8000", help="server root (loopback only)")
    p.add_argument("--username", default=os.environ.get("OMBUD_BENCH_USER", "bench"))
    p.add_argument(
        "--password",
        default=os.environ.get("OMBUD_BENCH_PASSWORD"),
        help="a regulator admin's or superuser's password (default: $OMBUD_BENCH_PASSWORD)",
    )
    p.add_argument("-n", "--visits", type=int, default=2000, help="visits to time (default 2000)")
    p.add_argument("-c", "--concurrency", type=int, default=8, help="client threads (default 8)")
    p.add_argument("--warmup", type=int, default=200, help="untimed visits first (default 200)")
    p.add_argument("--campaign-id", type=int, help="record into this campaign instead of a fresh one")
    p.add_argument("--idempotency", action="store_true", help="send an Idempotency-Key with every visit")
    p.add_argument("--max-seconds", type=float, default=120.0, help="stop taking new visits after this (default 120)")
    p.add_argument("--seed", type=int, default=2024, help="random seed of the visit mix")
    p.add_argument("--label", default="", help="free text echoed in the JSON line (e.g. 'pg gunicorn w3')")
    p.add_argument("--json", action="store_true", help="also print the figures as one JSON line")
    p.add_argument("--markers", action="store_true", help=argparse.SUPPRESS)  # for bench/matrix.py
    p.add_argument("--plain", action="store_true", help="post to bench/plain/'s endpoint instead (no token)")
    args = p.parse_args(argv)
    if not args.password and not args.plain:
        p.error("give --password or set OMBUD_BENCH_PASSWORD")
    if not (1 <= args.visits <= 1_000_000):
        p.error("-n must be between 1 and 1,000,000")
    if not (1 <= args.concurrency <= 256):
        p.error("-c must be between 1 and 256")
    if not (0 <= args.warmup <= 100_000):
        p.error("--warmup must be between 0 and 100,000")
    if not (0 < args.max_seconds <= 3600):
        p.error("--max-seconds must be between 0 and 3600")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    host, port = loopback_or_die(args.base)
    try:
        setup = set_up(host, port, args)
    except (BenchError, OSError, http.client.HTTPException) as exc:
        print(f"setup failed: {exc}", file=sys.stderr)
        return 2

    rng = random.Random(args.seed)
    today = datetime.now(SHANGHAI).date()
    bodies = []
    for _ in range(args.warmup + args.visits):
        visit = make_visit(rng, setup, today)
        bodies.append((visit["kind"], json.dumps(visit, ensure_ascii=False).encode()))
    warm, timed = bodies[: args.warmup], bodies[args.warmup :]

    print(
        f"target {args.base}  campaign {setup.campaign_id}  sites {len(setup.site_ids)}  "
        f"insurers {len(setup.company_ids)}  visits before {setup.visits_before}"
    )
    print(
        f"warm-up {len(warm)}, timed {len(timed)}, concurrency {args.concurrency}, "
        f"idempotency {'on' if args.idempotency else 'off'}, max {args.max_seconds:g}s"
    )
    speed_before = cpu_speed_us()
    deadline = time.monotonic() + args.max_seconds
    path = PLAIN_PATH if args.plain else "/api/v1/visits"
    warm_phase = (
        run_phase(host, port, setup.token, warm, args.concurrency, deadline, args.idempotency, path)
        if warm
        else Phase()
    )
    if warm and not warm_phase.statuses.get(201):
        print(f"the warm-up recorded no visit: {dict(warm_phase.statuses)}", file=sys.stderr)
        for status, sample in warm_phase.samples.items():
            print(f"  e.g. {status}: {sample.decode(errors='replace')}", file=sys.stderr)
        return 2
    if args.markers:
        print("@@ timed phase starts", flush=True)
    phase = run_phase(host, port, setup.token, timed, args.concurrency, deadline, args.idempotency, path)
    if args.markers:
        print("@@ timed phase ends", flush=True)
    s = summarise(phase)
    s["cpu_speed_us"] = round((speed_before + cpu_speed_us()) / 2, 1)

    print()
    print(f"visits/s     {s['visits_per_s']:8.1f}   ({s['created']} created in {s['elapsed_s']:.2f}s)")
    print(f"latency ms   p50 {s['p50_ms']:.1f}   p95 {s['p95_ms']:.1f}   p99 {s['p99_ms']:.1f}   max {s['max_ms']:.1f}")
    print(f"kinds        {', '.join(f'{k} {v}' for k, v in sorted(s['kinds'].items()))}")
    errors = ", ".join(f"{k}: {v}" for k, v in s["errors"].items()) or "none"
    print(f"errors       {errors}")
    for status, sample in sorted(phase.samples.items(), key=lambda kv: str(kv[0])):
        print(f"  e.g. {status}: {sample.decode(errors='replace')}")
    if phase.server_down:
        print("stopped      the server refused connections: it is down")
    if s["stopped_early"]:
        print(f"stopped      after --max-seconds {args.max_seconds:g}: not every visit was sent")
    print(
        f"client       {s['client_cpu_ms_per_visit']} ms CPU per visit; load average {os.getloadavg()[0]:.2f};"
        f" CPU speed reference {s['cpu_speed_us']:.0f} µs (sum(range(10000)); lower is faster)"
    )
    print(
        f"target       {s['visits_per_s']:.1f} / {TARGET_VISITS_PER_SECOND} visits/s = {s['ratio_to_target']:.2f}x;"
        f"  p99 {s['p99_ms']:.1f} ms {'<' if s['p99_ms'] < TARGET_P99_MS else '>='} {TARGET_P99_MS:g} ms"
    )

    created_total = warm_phase.statuses.get(201, 0) + phase.statuses.get(201, 0)
    try:
        if args.plain:
            after, how = plain_count(Api(host, port)), "row count"
        else:
            after, how = count_visits(Api(host, port, setup.token), setup.campaign_id)
    except (BenchError, OSError, http.client.HTTPException) as exc:
        print(f"check        could not read the report: {exc}")
        return 1
    grew = after - setup.visits_before
    verdict = "OK" if grew == created_total else "MISMATCH"
    print(f"check        {how}: grew by {grew}, client got {created_total} x 201 (warm-up included): {verdict}")
    if args.json:
        print(json.dumps({"label": args.label, "concurrency": args.concurrency, **s, "check": verdict}))
    return 0 if verdict == "OK" and s["created"] else 1


if __name__ == "__main__":
    sys.exit(main())
