"""Backlog import speed: generate an N-row workbook (default 5,000) and import it in-process.

    OMBUD_DATA_DIR=/tmp/ombud-bench-sqlite .venv/bin/python bench/import_cases.py --username bench
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ombud_bench OMBUD_DATA_DIR=/tmp/ombud-bench-pg \
        .venv/bin/python bench/import_cases.py --username bench --all-or-nothing

It runs `ombud.cases.imports.services.import_cases` (what `ombud import-cases` and /cases/import/ run)
against the database the environment names (migrated, with a regulator admin or superuser and
at least one insurer; see bench/README.md). The rows name those insurers, cities of the
province 440000 and times received over the last 90 days; one row in 50 has an error (a bad
phone number) unless `--clean`. It prints the time to build the workbook, to read and check
the file (a run over a header-only copy is not needed: parsing is timed separately) and to
import, with rows/s, the queries per row and the CPU speed reference of bench/intake.py.

It writes cases into that database unless `--dry-run`: point it at a bench database.
"""

from __future__ import annotations

import argparse
import io
import os
import random
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ombud.settings")

import django

django.setup()

from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402
from intake import cpu_speed_us  # noqa: E402  (bench/intake.py, beside this script)
from openpyxl import Workbook  # noqa: E402

from ombud.cases.imports import columns, reading, services  # noqa: E402
from ombud.directory.models import Organization, Region, User  # noqa: E402

SURNAMES = "陈李张王刘黄林吴周郑梁何罗谢"
GIVEN = ["建华", "秀英", "伟", "芳", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰"]
SUMMARIES = [
    "车险理赔拖延超过30日",
    "重疾险确诊后被以未如实告知拒赔",
    "电话销售误导购买分红险",
    "退保手续费过高",
    "满期给付延迟",
]
CHANNELS = ["电话", "网络", "信函", "局长接待日"]


def build(n: int, companies: list[str], cities: list[str], *, clean: bool, seed: int) -> bytes:
    rnd = random.Random(seed)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("投诉")
    ws.append([c.header for c in columns.COLUMNS if c.key not in ("accepted_at",)])
    now = timezone.localtime().replace(tzinfo=None, microsecond=0)
    for i in range(n):
        phone = f"1{rnd.choice('3589')}{rnd.randrange(10**9):09d}"
        if not clean and i % 50 == 49:
            phone = "12345"
        ws.append(
            [
                rnd.choice(SURNAMES) + rnd.choice(GIVEN),
                phone,
                "",
                rnd.choice(companies),
                rnd.choice(cities),
                rnd.choice(CHANNELS),
                now - timedelta(minutes=rnd.randrange(60, 90 * 24 * 60)),
                "claims.timeliness",
                "",
                rnd.choice(SUMMARIES),
                "已收到",
                f"OLD-{seed}-{i:06d}",
            ]
        )
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--username", required=True, help="a regulator admin or superuser")
    parser.add_argument("-n", "--rows", type=int, default=5000)
    parser.add_argument("--all-or-nothing", action="store_true")
    parser.add_argument("--dry-run", action="store_true", help="check every row, keep nothing")
    parser.add_argument("--clean", action="store_true", help="no bad rows")
    parser.add_argument("--seed", type=int, default=int(time.time()))
    args = parser.parse_args()

    user = User.objects.get(username=args.username)
    companies = list(Organization.objects.filter(kind="insurer", is_active=True).values_list("name", flat=True)[:50])
    cities = list(Region.objects.filter(parent_id="440000", level="prefecture").values_list("name", flat=True))
    if not companies or not cities:
        print("the database needs insurers and the regions (see bench/README.md)", file=sys.stderr)
        return 2

    speed = cpu_speed_us()
    t0 = time.perf_counter()
    data = build(args.rows, companies, cities, clean=args.clean, seed=args.seed)
    t_build = time.perf_counter() - t0

    t0 = time.perf_counter()
    sheet = reading.read_sheet(data)
    t_read = time.perf_counter() - t0

    queries = 0

    def count(execute, sql, params, many, context):
        nonlocal queries
        queries += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        t0 = time.perf_counter()
        result = services.import_cases(
            user,
            data,
            source=f"bench-{args.seed}.xlsx",
            all_or_nothing=args.all_or_nothing,
            dry_run=args.dry_run,
        )
        t_import = time.perf_counter() - t0

    mode = "dry run" if args.dry_run else ("all or nothing" if args.all_or_nothing else "default")
    print(f"database: {connection.vendor}; mode: {mode}; CPU speed reference {speed:.0f} µs")
    print(f"workbook: {len(sheet.rows)} rows, {len(data) / 1024:.0f} KiB, built in {t_build:.2f} s")
    print(f"read + header check: {t_read:.2f} s ({len(sheet.rows) / t_read:,.0f} rows/s)")
    print(
        f"import: {t_import:.2f} s for {result.rows} rows → {result.rows / t_import:,.0f} rows/s; "
        f"{result.imported} imported, {result.rejected_rows} rows with errors; "
        f"{queries / max(1, result.rows):.1f} queries per row"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
