"""The tracking page's limits hold across worker processes: three processes (as gunicorn's
three workers) guess at once against one database, and the limits are exact — nothing is kept
in a process's memory. A transactional test, alone in its file (it empties the database when
it ends, so it must not share a file with tests that expect the migrated data)."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection

from ombud.intake.services import VisitInput, record_visit
from ombud.testing import make_world

ROOT = Path(__file__).resolve().parents[3]

# Run in each process: wait for the go signal, then post every (address, number, code) given.
WORKER = """
import json, os, sys, time
from pathlib import Path
import django
django.setup()
from django.test import Client
tries = json.loads(os.environ["TRIES"])
clients = {}
Client().get("/track/")  # warm up: imports, database connection
Path(os.environ["READY"]).touch()
while not Path(os.environ["GO"]).exists():
    time.sleep(0.01)
out = []
for address, number, code in tries:
    client = clients.setdefault(address, Client(REMOTE_ADDR=address))
    out.append(client.post("/track/", {"tracking_no": number, "code": code}).status_code)
print(json.dumps(out))
"""


class SharedDatabase:
    """The database the processes use. PostgreSQL: the test database itself. SQLite: the test
    database is in memory, invisible to another process, so it is copied to a file."""

    def __init__(self, tmp_path: Path):
        connection.ensure_connection()
        if connection.vendor == "sqlite":
            file = tmp_path / "shared.sqlite3"
            with sqlite3.connect(file) as target:
                connection.connection.backup(target)
            self.url = f"sqlite:///{file}"
        else:
            s = connection.settings_dict
            self.url = (
                f"postgres://{s['USER']}:{s['PASSWORD']}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"
            )

    def run(self, tmp_path: Path, per_process: list[list[tuple[str, str, str]]], **env: str) -> list[list[int]]:
        """Start one process per list of tries, let them go at the same moment, and return each
        one's answers."""
        go = tmp_path / "go"
        go.unlink(missing_ok=True)
        procs = []
        for i, tries in enumerate(per_process):
            ready = tmp_path / f"ready-{i}"
            ready.unlink(missing_ok=True)
            environment = {
                **os.environ,
                "DJANGO_SETTINGS_MODULE": "ombud.settings_test",
                "DATABASE_URL": self.url,
                "TRIES": json.dumps(tries),
                "READY": str(ready),
                "GO": str(go),
                **env,
            }
            procs.append(
                (
                    ready,
                    subprocess.Popen(
                        [sys.executable, "-c", WORKER],
                        cwd=ROOT,
                        env=environment,
                        stdout=subprocess.PIPE,
                        stderr=subprocess.PIPE,
                        text=True,
                    ),
                )
            )
        deadline = time.monotonic() + 120
        while not all(ready.exists() for ready, _ in procs):
            assert time.monotonic() < deadline, "the processes did not start"
            assert all(p.poll() is None for _, p in procs), [p.communicate() for _, p in procs]
            time.sleep(0.05)
        go.touch()
        answers = []
        for _, p in procs:
            out, err = p.communicate(timeout=120)
            assert p.returncode == 0, err
            answers.append(json.loads(out.strip().splitlines()[-1]))
        return answers


def visit(world):
    data = {
        "kind": "complaint",
        "visitor_name": "李秀英",
        "visitor_phone": "13812345678",
        "summary": "理赔拖延",
        "outcome": "resolved_on_site",
        "site_id": world.site_mm.pk,
        "company_id": world.company_a_maoming.pk,
    }
    return record_visit(world.staff_mm, VisitInput(**data)).visit


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_three_processes_guessing_at_once_get_exactly_the_limits(tmp_path):
    world = make_world()
    target, bystander, neighbour = visit(world), visit(world), visit(world)
    db = SharedDatabase(tmp_path)

    # One number, guessed from three processes and many addresses at once: exactly 10 wrong
    # codes are checked (404), every other try is refused (429) — before, each process kept its
    # own count and 57 tries went through before the first 429.
    tries = [[(f"10.{p}.0.{i}", target.tracking_no, "AAAAAAAA") for i in range(12)] for p in range(3)]
    answers = db.run(tmp_path, tries)
    flat = [code for process in answers for code in process]
    assert sorted(flat) == [404] * 10 + [429] * 26
    assert all(process for process in answers)  # each process answered all of its tries

    # The right code is locked out too (the lock must stop a guesser who would hit it), but the
    # other visits are not: a guesser on one number cannot lock another's.
    (after,) = db.run(
        tmp_path,
        [
            [
                ("10.0.0.1", target.tracking_no, target.secret_code),
                ("10.0.0.1", bystander.tracking_no, bystander.secret_code),
            ]
        ],
    )
    assert after == [429, 200]

    # One shared address (a reception site), a sprayer in three processes trying new numbers:
    # exactly the address limit (12 here) are answered 404, the rest 429; a consumer at the
    # same address then still gets in with the right number and code.
    spray = [[("203.0.113.7", f"{p}{i:015d}", "AAAAAAAA") for i in range(8)] for p in range(3)]
    answers = db.run(tmp_path, spray, OMBUD_TRACK_ADDRESS_LIMIT="12")
    assert sorted(c for process in answers for c in process) == [404] * 12 + [429] * 12
    (consumer,) = db.run(
        tmp_path,
        [
            [
                ("203.0.113.7", neighbour.tracking_no, "BBBBBBBB"),
                ("203.0.113.7", neighbour.tracking_no, neighbour.secret_code),
            ]
        ],
        OMBUD_TRACK_ADDRESS_LIMIT="12",
    )
    assert consumer == [429, 200]
