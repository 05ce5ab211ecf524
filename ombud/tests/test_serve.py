"""`ombud serve` (what `make run` ends with): gunicorn and the task worker come up together and
go down together."""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _children(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as fh:
                    stat = fh.read()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry))
    return found


def test_serve_starts_web_and_worker_and_stops_both(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")} | {
        "OMBUD_DATA_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "ombud.settings",
    }
    cli = [sys.executable, "-m", "ombud.cli"]
    subprocess.run([*cli, "migrate", "-v0"], env=env, check=True, timeout=120)
    port = _free_port()
    serve = subprocess.Popen([*cli, "serve", "--port", str(port), "--workers", "1"], env=env)
    try:
        deadline = time.monotonic() + 60
        status = None
        while time.monotonic() < deadline and status is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/accounts/login/", timeout=2) as r:
                    status = r.status
            except OSError:
                time.sleep(0.3)
        assert status == 200
        children = _children(serve.pid)
        assert len(children) == 2  # gunicorn's master and the task worker
        serve.send_signal(signal.SIGINT)
        serve.wait(timeout=30)
        time.sleep(0.5)
        assert all(not os.path.exists(f"/proc/{pid}") or _zombie(pid) for pid in children)
    finally:
        if serve.poll() is None:
            serve.kill()


def _zombie(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().split()[2] == "Z"
    except FileNotFoundError:
        return True
