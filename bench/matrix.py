"""Run bench/intake.py against several server configurations and print Markdown tables.

    OMBUD_DATA_DIR=/tmp/ombud-bench-pg DATABASE_URL=postgres://postgres@127.0.0.1:5432/ombud_bench \
    OMBUD_BENCH_PASSWORD=... .venv/bin/python bench/matrix.py --db PostgreSQL \
        --server serve:3 --server granian:3 --server plain/serve:3 --server plain/granian:3 -c 8 -c 16 -n 3000

For each `--server` it starts its own server on a free loopback port, waits until it answers,
runs bench/intake.py once per concurrency, then stops that server (SIGTERM to the process it
started, nothing else). Server specs, for Ombud, or with `plain/` in front for the plain Django +
django-ninja endpoint of bench/plain/ (migrated here first, in the same database):

    serve:N              `ombud serve --workers N --no-worker` (gunicorn sync, preloaded, access
                         log on); plain/serve:N runs gunicorn with the same arguments
    granian:N            granian's WSGI interface, N worker processes of one Python thread each
                         (as gunicorn's sync workers), access log on
    sync:N               gunicorn sync workers, no access log
    gthread:N:T          gunicorn gthread, N workers x T threads, no access log

and what-ifs for Ombud appended with `+` (bench/whatif_settings.py): `+persistent` (keep database
connections; SQLite is forced to CONN_MAX_AGE=0), `+nohealth` (no CONN_HEALTH_CHECKS),
`+lean` (only the middleware the API needs), `+fastpath` (the intake's token, site and
company reads cached per process: bench/whatif_wsgi.py; sync and gthread only),
e.g. `serve:2+persistent` or `sync:3+fastpath+lean`.

After the table of every run, a second table gives Ombud's visits/s as a share of the plain
endpoint's on the same server and concurrency (when both were run).

The database must be migrated, with the superuser and insurers in place (bench/README.md).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import signal
import socket
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


WHATIFS = {
    "persistent": ("OMBUD_BENCH_PERSISTENT", "persistent connections"),
    "nohealth": ("OMBUD_BENCH_NO_HEALTH_CHECK", "no health check"),
    "lean": ("OMBUD_BENCH_LEAN", "API middleware only"),
    "fastpath": ("OMBUD_BENCH_FASTPATH", "cached token/site/company (bench/whatif_wsgi.py)"),
}


def server_command(spec: str, port: int) -> tuple[list[str], str, dict[str, str]]:
    """(command, label, extra environment) of a server spec such as `gthread:2:4+persistent`
    or `plain/granian:3`."""
    app, _, spec = spec.rpartition("/")
    if app not in ("", "ombud", "plain"):
        raise SystemExit(f"bad --server {spec!r}: the app is ombud/ (the default) or plain/")
    plain = app == "plain"
    target = "bench.plain.wsgi:application" if plain else "ombud.wsgi:application"
    base, *whatifs = spec.split("+")
    kind, *rest = base.split(":")
    bind = f"127.0.0.1:{port}"
    gunicorn = [PY, "-m", "gunicorn", target, "--bind", bind, "--timeout", "60", "--no-control-socket"]
    who = "plain Django+ninja" if plain else "Ombud"
    if kind == "serve" and len(rest) == 1:
        if plain:
            # The arguments `ombud serve` gives gunicorn (ombud/management/commands/serve.py).
            cmd = [*gunicorn, "--workers", rest[0], "--config", "python:ombud.gunicorn_conf", "--preload"]
            cmd += ["--access-logfile", "-", "--access-logformat", '%(t)s "%(m)s %(U)s" %(s)s %(M)sms']
            label = f"{who} · gunicorn sync ×{rest[0]} (as ombud serve)"
        else:
            cmd = [PY, "-m", "ombud.cli", "serve", "--workers", rest[0], "--no-worker", "--port", str(port)]
            label = f"{who} · gunicorn sync ×{rest[0]} (ombud serve)"
    elif kind == "granian" and len(rest) == 1:
        cmd = [PY, "-m", "granian", "--interface", "wsgi", "--host", "127.0.0.1", "--port", str(port)]
        cmd += ["--workers", rest[0], "--blocking-threads", "1", "--runtime-threads", "1", "--no-ws", "--access-log"]
        cmd += [target]
        label = f"{who} · granian wsgi ×{rest[0]}"
    elif kind == "sync" and len(rest) == 1:
        cmd, label = [*gunicorn, "--workers", rest[0]], f"{who} · gunicorn sync ×{rest[0]}, no access log"
    elif kind == "gthread" and len(rest) == 2:
        cmd = [*gunicorn, "--workers", rest[0], "--worker-class", "gthread", "--threads", rest[1]]
        label = f"{who} · gunicorn gthread {rest[0]}×{rest[1]}, no access log"
    else:
        raise SystemExit(f"bad --server {spec!r}: use serve:N, granian:N, sync:N or gthread:N:T")
    env: dict[str, str] = {"DJANGO_SETTINGS_MODULE": "bench.plain.settings"} if plain else {}
    if whatifs and plain:
        raise SystemExit("what-ifs are for Ombud only")
    if "fastpath" in whatifs:
        if kind not in ("sync", "gthread"):
            raise SystemExit("+fastpath needs a sync:N or gthread:N:T server (the others run ombud.wsgi)")
        cmd[cmd.index("ombud.wsgi:application")] = "bench.whatif_wsgi:application"
    for name in whatifs:
        if name not in WHATIFS:
            raise SystemExit(f"unknown what-if {name!r}: use {', '.join(WHATIFS)}")
        var, text = WHATIFS[name]
        env[var] = "1"
        env["DJANGO_SETTINGS_MODULE"] = "bench.whatif_settings"
        label += f"; what-if: {text}"
    return cmd, label, env


# ---- CPU accounting from /proc (Linux): who spent the machine's time during the timed phase ----

TICK = os.sysconf("SC_CLK_TCK")


def _processes() -> dict[int, tuple[int, str, float]]:
    """{pid: (ppid, cmdline, CPU seconds)} of every process we may read."""
    out = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
            cmdline = Path(f"/proc/{entry}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        out[int(entry)] = (int(fields[1]), cmdline, (int(fields[11]) + int(fields[12])) / TICK)
    return out


def _machine_seconds() -> tuple[float, float]:
    """(busy, stolen) CPU seconds of the whole machine (all cores), from /proc/stat."""
    user, nice, system, _idle, _iowait, irq, softirq, steal = (
        int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]
    )
    return (user + nice + system + irq + softirq) / TICK, steal / TICK


def cpu_snapshot(server_pid: int, client_pid: int, dbname: str | None) -> dict:
    """{"pids": {pid: (group, CPU seconds)}, "machine": (busy, stolen)}; groups: server, db, client."""
    procs = _processes()
    tree, frontier = {server_pid}, [server_pid]
    while frontier:
        parent = frontier.pop()
        kids = [pid for pid, (ppid, _, _) in procs.items() if ppid == parent and pid not in tree]
        tree.update(kids)
        frontier.extend(kids)
    # Our database's backends, and the cluster's WAL writer and checkpointer (shared, but mostly ours).
    pg_aux = ("walwriter", "checkpointer", "background writer")
    pids: dict[int, tuple[str, float]] = {}
    for pid, (_, cmd, cpu) in procs.items():
        if pid in tree:
            pids[pid] = ("server", cpu)
        elif pid == client_pid:
            pids[pid] = ("client", cpu)
        elif cmd.startswith("postgres:") and ((dbname and f" {dbname} " in cmd) or any(a in cmd for a in pg_aux)):
            pids[pid] = ("db", cpu)
    return {"pids": pids, "machine": _machine_seconds()}


def cpu_spent(before: dict, after: dict) -> dict[str, float]:
    """CPU seconds per group between two snapshots; a process born in between counts whole."""
    spent = {"server": 0.0, "db": 0.0, "client": 0.0}
    for pid, (group, cpu) in after["pids"].items():
        old = before["pids"].get(pid)
        spent[group] += cpu - (old[1] if old and old[0] == group else 0.0)
    spent["machine"] = after["machine"][0] - before["machine"][0]
    spent["stolen"] = after["machine"][1] - before["machine"][1]
    return spent


def wait_until_up(port: int, proc: subprocess.Popen, seconds: float = 30.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"the server exited with {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                time.sleep(1.0)  # let every worker finish booting
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("the server did not come up in time")


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def run_bench(cmd: list[str], server_pid: int, dbname: str | None) -> list[dict]:
    """Run bench/intake.py, echo its output, and add the CPU spent during its timed phase."""
    bench = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, text=True)  # noqa: S603
    assert bench.stdout is not None
    before = after = None
    row = None
    for line in bench.stdout:
        if line.startswith("@@ timed phase starts"):
            before = cpu_snapshot(server_pid, bench.pid, dbname)
            continue
        if line.startswith("@@ timed phase ends"):
            after = cpu_snapshot(server_pid, bench.pid, dbname)
            continue
        if line.startswith("{"):
            row = json.loads(line)
            continue
        print(line, end="", flush=True)
    bench.wait()
    if row is None:
        print(f"bench/intake.py failed (exit {bench.returncode})", flush=True)
        return []
    if before and after and row["requests"]:
        n, wall = row["requests"], row["elapsed_s"]
        spent = cpu_spent(before, after)
        others = spent["machine"] - spent["server"] - spent["db"] - spent["client"]
        row["cpu_ms_per_visit"] = {k: round(spent[k] * 1000 / n, 2) for k in ("server", "db", "client")}
        row["machine_busy_pct"] = round(100 * spent["machine"] / (wall * (os.cpu_count() or 1)), 1)
        row["others_pct"] = round(100 * max(others, 0.0) / (wall * (os.cpu_count() or 1)), 1)
        row["stolen_pct"] = round(100 * spent["stolen"] / (wall * (os.cpu_count() or 1)), 1)
        per = row["cpu_ms_per_visit"]
        print(
            f"cpu          per visit: server {per['server']:.2f} ms, database {per['db']:.2f} ms, "
            f"client {per['client']:.2f} ms;  machine busy {row['machine_busy_pct']}%, "
            f"of which other programs {row['others_pct']}%; stolen by the hypervisor {row['stolen_pct']}%",
            flush=True,
        )
    print(flush=True)
    return [row]


def migrate_plain() -> None:
    """The plain endpoint's one table, in the database DATABASE_URL names."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "bench.plain.settings"}
    subprocess.run([PY, "-m", "django", "migrate", "-v0"], cwd=ROOT, env=env, check=True, timeout=300)  # noqa: S603


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument(
        "--server",
        action="append",
        required=True,
        help="[plain/]serve:N, granian:N, sync:N, gthread:N:T; repeatable",
    )
    p.add_argument("-c", "--concurrency", type=int, action="append", help="repeatable; default 8 and 16")
    p.add_argument("-n", "--visits", type=int, default=3000)
    p.add_argument("--warmup", type=int, default=300)
    p.add_argument("--max-seconds", type=float, default=120.0)
    p.add_argument("--idempotency", action="store_true")
    p.add_argument("--db", default="", help="label of the database for the table (e.g. PostgreSQL 15)")
    p.add_argument("--log-dir", default=os.environ.get("OMBUD_DATA_DIR", "var"), help="server logs go here")
    args = p.parse_args()
    if not os.environ.get("OMBUD_BENCH_PASSWORD") and any(not s.startswith("plain/") for s in args.server):
        p.error("set OMBUD_BENCH_PASSWORD (and OMBUD_BENCH_USER unless it is 'bench')")
    concurrencies = args.concurrency or [8, 16]
    db = args.db or ("PostgreSQL" if os.environ.get("DATABASE_URL", "").startswith("postgres") else "SQLite")

    rows = []
    url = os.environ.get("DATABASE_URL", "")
    dbname = url.rsplit("/", 1)[-1].split("?")[0] if url.startswith("postgres") else None
    if any(s.startswith("plain/") for s in args.server):
        migrate_plain()
    for spec in args.server:
        port = free_port()
        cmd, label, extra_env = server_command(spec, port)
        plain = spec.startswith("plain/")
        log_path = Path(args.log_dir) / f"bench-server-{spec.replace(':', '-').replace('/', '-')}.log"
        with open(log_path, "ab") as log:
            env = {**os.environ, **extra_env}
            proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)  # noqa: S603
            print(f"== {label}: {' '.join(cmd[1:])}", flush=True)
            try:
                wait_until_up(port, proc)
                for c in concurrencies:
                    bench = [
                        PY,
                        str(ROOT / "bench" / "intake.py"),
                        "--base",
                        f"http://127.0.0.1:{port}",
                        "-n",
                        str(args.visits),
                        "-c",
                        str(c),
                        "--warmup",
                        str(args.warmup),
                        "--max-seconds",
                        str(args.max_seconds),
                        "--json",
                        "--markers",
                        "--label",
                        label,
                        *(["--idempotency"] if args.idempotency else []),
                        *(["--plain"] if plain else []),
                    ]
                    for row in run_bench(bench, proc.pid, dbname):
                        row["spec"] = spec.split("+")[0]
                        rows.append(row)
            finally:
                stop(proc)

    today = datetime.now().astimezone().strftime("%Y-%m-%d")
    machine = f"{os.cpu_count()} cores, {platform.machine()}"
    print(
        "| date | machine | DB | app · server | conc. | visits/s | p50 ms | p95 ms | p99 ms | errors | check "
        "| CPU ms/visit server+DB (+client) | busy % (others) | speed µs |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        errors = ", ".join(f"{k}: {v}" for k, v in r["errors"].items()) or "0"
        per = r.get("cpu_ms_per_visit")
        cpu = f"{per['server']:.1f}+{per['db']:.1f} (+{per['client']:.1f})" if per else "?"
        busy = f"{r['machine_busy_pct']:.0f} ({r['others_pct']:.0f})" if per else "?"
        print(
            f"| {today} | {machine} | {db} | {r['label']} | {r['concurrency']} | {r['visits_per_s']:.0f} "
            f"| {r['p50_ms']:.1f} | {r['p95_ms']:.1f} | {r['p99_ms']:.1f} | {errors} | {r['check']} | {cpu} | {busy} "
            f"| {r.get('cpu_speed_us', '?')} |"
        )
    print_ratios(rows)
    return 0


def print_ratios(rows: list[dict]) -> None:
    """Ombud's visits/s and p99 next to the plain endpoint's, per server and concurrency."""
    plain = {(r["spec"].removeprefix("plain/"), r["concurrency"]): r for r in rows if r["spec"].startswith("plain/")}
    pairs = [
        (r, plain[(r["spec"].removeprefix("ombud/"), r["concurrency"])])
        for r in rows
        if not r["spec"].startswith("plain/") and (r["spec"].removeprefix("ombud/"), r["concurrency"]) in plain
    ]
    if not pairs:
        return
    print()
    print("| server | conc. | Ombud visits/s | plain visits/s | Ombud ÷ plain | Ombud p99 ms | plain p99 ms |")
    print("|---|---|---|---|---|---|---|")
    for ombud, base in pairs:
        ratio = ombud["visits_per_s"] / base["visits_per_s"] if base["visits_per_s"] else float("nan")
        print(
            f"| {ombud['spec']} | {ombud['concurrency']} | {ombud['visits_per_s']:.0f} | {base['visits_per_s']:.0f} "
            f"| {ratio:.2f} | {ombud['p99_ms']:.1f} | {base['p99_ms']:.1f} |"
        )


if __name__ == "__main__":
    sys.exit(main())
