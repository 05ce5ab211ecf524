"""`ombud serve` (what `make run` ends with): gunicorn and the task worker come up together and
go down together; a dead child is started again (the worker without the web server ever
stopping; a dead gunicorn master too), and a web server that cannot start at all ends it."""

import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
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


CLI = [sys.executable, "-m", "ombud.cli"]


def _env(tmp_path) -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")} | {
        "OMBUD_DATA_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "ombud.settings",
    }


def _status(port: int, path: str) -> int | None:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as r:
            return r.status
    except urllib.error.HTTPError as exc:
        return exc.code
    except OSError:
        return None


def _wait(predicate, seconds: float):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = predicate()
        if found:
            return found
        time.sleep(0.2)
    return None


def _child(serve: subprocess.Popen, marker: str) -> int | None:
    for pid in _children(serve.pid):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as fh:
                if marker.encode() in fh.read().replace(b"\0", b" ") and not _zombie(pid):
                    return pid
        except FileNotFoundError:
            continue
    return None


def test_serve_starts_web_and_worker_and_stops_both(tmp_path):
    env = _env(tmp_path)
    cli = CLI
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


def test_a_dead_worker_or_gunicorn_master_is_started_again_and_the_site_keeps_answering(tmp_path):
    env = _env(tmp_path)
    subprocess.run([*CLI, "migrate", "-v0"], env=env, check=True, timeout=120)
    port = _free_port()
    serve = subprocess.Popen([*CLI, "serve", "--port", str(port), "--workers", "2"], env=env)
    try:
        assert _wait(lambda: _status(port, "/healthz") == 200, 90)
        worker, master = _wait(lambda: _child(serve, "ombud.cli worker"), 30), _child(serve, "gunicorn")
        assert worker and master

        # The worker killed: the web server never stops answering while it is started again.
        answers: list[int | None] = []
        watching = threading.Event()

        def watch() -> None:
            while not watching.is_set():
                answers.append(_status(port, "/healthz"))
                time.sleep(0.05)

        watcher = threading.Thread(target=watch)
        watcher.start()
        os.kill(worker, signal.SIGKILL)
        again = _wait(lambda: (pid := _child(serve, "ombud.cli worker")) and pid != worker and pid, 30)
        watching.set()
        watcher.join()
        assert again, "the worker was not started again"
        assert answers and set(answers) == {200}, answers
        assert _child(serve, "gunicorn") == master  # the web server was left alone

        # gunicorn's master killed: a new one serves on the same port.
        os.kill(master, signal.SIGKILL)
        new_master = _wait(lambda: (pid := _child(serve, "gunicorn")) and pid != master and pid, 30)
        assert new_master, "gunicorn was not started again"
        assert _wait(lambda: _status(port, "/healthz") == 200 and _child(serve, "gunicorn") == new_master, 60)
        assert serve.poll() is None

        serve.send_signal(signal.SIGTERM)
        assert serve.wait(timeout=30) == 0
    finally:
        if serve.poll() is None:
            serve.kill()


def test_serve_killed_outright_takes_its_children_with_it(tmp_path):
    """SIGKILL leaves `ombud serve` no chance to stop anything: the kernel's parent-death signal
    must, or an orphaned gunicorn would hold the port against the next start."""
    env = _env(tmp_path)
    subprocess.run([*CLI, "migrate", "-v0"], env=env, check=True, timeout=120)
    port = _free_port()
    serve = subprocess.Popen([*CLI, "serve", "--port", str(port), "--workers", "1"], env=env)
    try:
        assert _wait(lambda: _status(port, "/healthz") == 200, 90)
        worker, master = _wait(lambda: _child(serve, "ombud.cli worker"), 30), _child(serve, "gunicorn")
        assert worker and master
        serve.kill()
        serve.wait(timeout=10)
        assert _wait(lambda: _zombie(worker) and _zombie(master), 30), "a child outlived ombud serve"
        assert _wait(lambda: _status(port, "/healthz") is None, 15), "the port is still served"
    finally:
        if serve.poll() is None:
            serve.kill()


def test_a_web_server_that_cannot_start_ends_serve_with_an_error(tmp_path):
    env = _env(tmp_path)
    subprocess.run([*CLI, "migrate", "-v0"], env=env, check=True, timeout=120)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = subprocess.run(
            [*CLI, "serve", "--port", str(port), "--workers", "1", "--no-worker"],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert done.returncode == 1
    assert f"The web server stopped before it served on 127.0.0.1:{port}" in done.stderr


def test_the_preloaded_application_holds_no_database_connection(tmp_path):
    """gunicorn forks its workers from a master that imported ombud.wsgi (--preload): a database
    connection opened at import would be shared by every worker. Django connects lazily."""
    probe = (
        "import ombud.wsgi\n"
        "from django.db import connections\n"
        "print(sum(c.connection is not None for c in connections.all(initialized_only=True)))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], env=_env(tmp_path), capture_output=True, text=True, timeout=120, check=True
    )
    assert done.stdout.strip() == "0"
