"""PostgreSQL restarted twice (fast, then immediate) under a load of visits with client retries,
on a cluster of the test's own, with the real `ombud serve` (gunicorn + task worker): nobody
acts, and at the end every acknowledged visit is stored once, nothing is half-written, the API
said 503 with Retry-After (never a 500 or a refused connection) while the database was down and
201 again within 10 s of it being back, and the task worker is still the same process.

This is bench/faults.py at a small size (the full run: `bench/faults.py`, 3,000 visits). It
always starts its own cluster from the PostgreSQL server programs on the machine
(/usr/lib/postgresql/*/bin), whatever DATABASE_URL says, so it runs on both CI legs.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench" / "faults.py"


@pytest.fixture(scope="module")
def faults():
    spec = importlib.util.spec_from_file_location("bench_faults", BENCH)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    yield module
    sys.modules.pop(spec.name, None)


def test_postgresql_restarted_twice_under_load_loses_and_duplicates_nothing(faults, tmp_path):
    lines: list[str] = []
    result = faults.run(
        faults.Options(
            visits=180,
            concurrency=6,
            web_workers=2,
            modes=("fast", "immediate"),
            down_seconds=2.0,
            max_seconds=120.0,
            fsync=False,  # the set-up is faster; a stopped server, not the OS, loses nothing either way
            root=tmp_path,
        ),
        log=lines.append,
    )
    print("\n".join(lines))  # set-up times and the restarts, shown when the test fails
    figures = {k: v for k, v in result.items() if k != "problems"}
    assert result["problems"] == [], figures
    # The same checks, spelled out (what `problems` reports on):
    assert result["acknowledged"] == result["visits"] == result["stored_visits"]
    assert result["duplicates"] == result["lost_acknowledged"] == result["stored_but_not_acknowledged"] == 0
    assert result["complaints_without_case"] == result["cases_without_event"] == 0
    assert result["http_5xx_other_than_503"] == result["refused_connections"] == 0
    for outage in result["outages"]:
        assert outage["answers_while_down"].get("503", 0) > 0, outage
        assert outage["first_201_after_s"] <= 10, outage
        assert outage["readyz_200_after_s"] <= 10, outage
    assert result["worker_survived"], figures
