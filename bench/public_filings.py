"""Public filing benchmark: POST /api/v1/public/filings against a running Ombud.

    OMBUD_DATA_DIR=... DATABASE_URL=... .venv/bin/python bench/public_filings.py -n 2000 -c 8 --warmup 200

A filing needs a live SMS code per phone. Sending codes over HTTP would measure the SMS path
and hit its limits (one per number a minute, per address an hour), so the script first makes
the codes itself in the server's database (`--prepare`, the default): it loads Django with the
same environment as the server (OMBUD_DATA_DIR for the secret key, DATABASE_URL) and writes one
PhoneChallenge per phone with a known code, exactly as `portal.verification.send_code` stores
it (number as blind index, code as HMAC), without sending anything. The server must run with
the filing limits raised, since every request comes from 127.0.0.1:

    OMBUD_FILING_ADDRESS_LIMIT=1000000 OMBUD_SMS_BACKEND=memory .venv/bin/ombud serve --workers 2 --no-worker

The mix, at the size people write: 60% complaints (a company, a product line, a category, a
summary of 150–400 characters, a request), 30% consultations (half name a company), 10%
suggestions; every filing with an Idempotency-Key. It prints filings/s, p50/p95/p99, errors by
status, and checks in the database that exactly the 201s were stored (`OK`/`MISMATCH`).

Only loopback targets; bounded by `-n` and `--max-seconds`. See bench/README.md.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import sys
import threading
import time
import uuid
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from intake import COMPLAINTS, CONSULTATIONS, GIVEN, SUGGESTIONS, SURNAMES, loopback_or_die, percentile

CODE = "246810"
CITIES = ["440100", "440600", "441900", "440900"]
LINES = ["motor", "health_medical", "health_illness", "life_ordinary", "accident"]
CATEGORIES = ["理赔难·理赔金额", "理赔难·理赔时效", "销售纠纷·销售误导", "退保", "服务态度"]
FILLER = (
    "消费者称其多次致电保险公司客服并前往营业网点反映，对方答复需等待总公司审核，"
    "至今没有书面答复，也未说明具体原因和办理时限。"
)
REQUESTS = ["按合同约定赔付全部费用", "全额退还保费并道歉", "给出书面答复并说明理由", "尽快完成理赔"]


def django_setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ombud.settings")
    import django

    django.setup()


def prepare(n: int, seed: int) -> tuple[list[str], list[int], int]:
    """One live code per phone (written as send_code stores it); the companies; filings so far."""
    django_setup()
    from datetime import timedelta

    from django.utils import timezone

    from ombud.directory.models import Organization
    from ombud.intake.models import Visit
    from ombud.personal_data import blind_index
    from ombud.portal import verification
    from ombud.portal.models import PhoneChallenge

    rng = random.Random(seed)
    now = timezone.now()
    start = rng.randrange(10**7, 9 * 10**7)
    phones = [f"139{start + i:08d}" for i in range(n)]
    rows = []
    for phone in phones:
        key = uuid.uuid4().hex[:16]
        rows.append(
            PhoneChallenge(
                phone_index=blind_index(phone),
                purpose=PhoneChallenge.Purpose.FILE,
                code_hash=f"{key}${verification._hash(key, CODE)}",
                created_at=now,
                expires_at=now + timedelta(hours=2),
            )
        )
    PhoneChallenge.objects.bulk_create(rows, batch_size=1000)
    companies = list(
        Organization.objects.filter(kind__in=("insurer", "intermediary"), is_active=True).values_list("id", flat=True)[
            :200
        ]
    )
    if not companies:
        raise SystemExit("no insurer in the database: see bench/README.md, 'Setting up'")
    return phones, companies, Visit.objects.filter(channel="online").count()


def stored_online() -> int:
    from ombud.intake.models import Visit

    return Visit.objects.filter(channel="online").count()


def filing(rng: random.Random, phone: str, companies: list[int]) -> dict:
    name = rng.choice(SURNAMES) + rng.choice(GIVEN)
    roll = rng.random()
    body = {"otp": CODE, "phone": phone, "name": name, "city_code": rng.choice(CITIES)}
    if roll < 0.6:
        summary = rng.choice(COMPLAINTS) + "。" + FILLER * rng.randint(2, 5)
        body.update(
            kind="complaint",
            company_id=rng.choice(companies),
            product_line=rng.choice(LINES),
            category=rng.choice(CATEGORIES),
            summary=summary[:400],
            request=rng.choice(REQUESTS),
        )
    elif roll < 0.9:
        body.update(kind="consultation", summary=rng.choice(CONSULTATIONS) + "？")
        if rng.random() < 0.5:
            body["company_id"] = rng.choice(companies)
    else:
        body.update(kind="suggestion", summary=rng.choice(SUGGESTIONS) + "。")
    return body


def run(host: str, port: int, bodies: list[dict], concurrency: int, max_seconds: float):
    latencies: list[float] = []
    statuses: Counter = Counter()
    lock = threading.Lock()
    queue = iter(range(len(bodies)))
    deadline = time.monotonic() + max_seconds

    def worker() -> None:
        conn = http.client.HTTPConnection(host, port, timeout=30)
        while time.monotonic() < deadline:
            with lock:
                i = next(queue, None)
            if i is None:
                break
            data = json.dumps(bodies[i]).encode()
            headers = {"Content-Type": "application/json", "Idempotency-Key": f"bench-{uuid.uuid4().hex}"}
            t0 = time.perf_counter()
            try:
                conn.request("POST", "/api/v1/public/filings", body=data, headers=headers)
                response = conn.getresponse()
                response.read()
                status = response.status
                if response.getheader("Connection", "").lower() == "close":
                    conn.close()
                    conn = http.client.HTTPConnection(host, port, timeout=30)
            except (OSError, http.client.HTTPException):
                status = 0
                conn.close()
                conn = http.client.HTTPConnection(host, port, timeout=30)
            ms = (time.perf_counter() - t0) * 1000
            with lock:
                latencies.append(ms)
                statuses[status] += 1
        conn.close()

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.perf_counter() - t0, latencies, statuses


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--base", default="http://127.0.0.1:8000")
    p.add_argument("-n", type=int, default=2000, help="timed filings")
    p.add_argument("-c", type=int, default=8, help="concurrent connections")
    p.add_argument("--warmup", type=int, default=200)
    p.add_argument("--seed", type=int, default=int(time.time()))
    p.add_argument("--max-seconds", type=float, default=300.0)
    p.add_argument("--json", action="store_true", help="also print one JSON line with the figures")
    args = p.parse_args(argv)
    host, port = loopback_or_die(args.base)

    total = args.warmup + args.n
    phones, companies, before = prepare(total, args.seed)
    rng = random.Random(args.seed)
    bodies = [filing(rng, phone, companies) for phone in phones]
    if args.warmup:
        _s, _l, warm = run(host, port, bodies[: args.warmup], args.c, args.max_seconds)
        if warm.get(201, 0) == 0:
            print(f"warm-up: no filing accepted: {dict(warm)}", file=sys.stderr)
            return 1
    seconds, lat, statuses = run(host, port, bodies[args.warmup :], args.c, args.max_seconds)
    lat.sort()
    created = statuses.get(201, 0)
    stored = stored_online() - before
    expected = created + (warm.get(201, 0) if args.warmup else 0)
    figures = {
        "filings": len(lat),
        "created": created,
        "seconds": round(seconds, 2),
        "filings_per_second": round(len(lat) / seconds, 1) if seconds else 0.0,
        "p50_ms": round(percentile(lat, 50), 1),
        "p95_ms": round(percentile(lat, 95), 1),
        "p99_ms": round(percentile(lat, 99), 1),
        "max_ms": round(lat[-1], 1) if lat else 0.0,
        "statuses": dict(statuses),
        "check": "OK" if stored == expected else f"MISMATCH (stored {stored}, 201s {expected})",
    }
    print(f"POST /api/v1/public/filings   {figures['filings']} filings, concurrency {args.c}, {seconds:.1f} s")
    print(f"filings/s    {figures['filings_per_second']}")
    print(
        f"latency ms   p50 {figures['p50_ms']}   p95 {figures['p95_ms']}   "
        f"p99 {figures['p99_ms']}   max {figures['max_ms']}"
    )
    print(f"statuses     {dict(statuses)}")
    print(f"stored check {figures['check']}")
    if args.json:
        print(json.dumps(figures))
    return 0 if figures["check"] == "OK" and set(statuses) == {201} else 1


if __name__ == "__main__":
    raise SystemExit(main())
