"""`ombud serve`: the production web server (gunicorn) and the task worker, supervised together.

Both run as child processes. A child that dies is started again after a capped exponential
backoff (1 s doubling to 30 s; back to 1 s once it has run a minute), each restart logged: a
dead worker never stops the web server, and a dead gunicorn master is replaced too. The one
exception is the web server's first start: if gunicorn exits before it ever booted a worker
(port taken, import error), `ombud serve` stops and exits with code 1, since a configuration
error that a restart cannot fix is for the person starting it to read.

gunicorn preloads the application (fast worker replacement, see ombud/gunicorn_conf.py) and
runs in a process group of its own: when its master dies, its orphaned workers are sent SIGTERM
so that they finish their request and free the port for the new master. Ctrl-C (SIGINT) or
SIGTERM stops everything; if `ombud serve` itself is killed (even SIGKILL), the kernel sends its
children SIGTERM (Linux's parent-death signal).
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import subprocess
import sys
import time

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from ombud.health import backoff_delay

logger = logging.getLogger("ombud.serve")

HEALTHY_SECONDS = 60.0  # a child that ran this long starts its backoff from 1 s again
RESTART_BASE_SECONDS = 1.0
RESTART_CAP_SECONDS = 30.0
STOP_TIMEOUT_SECONDS = 15.0


def _die_with_parent() -> None:
    """In the child, before exec: on Linux, ask the kernel for SIGTERM when `ombud serve` dies,
    even by SIGKILL, so that no gunicorn outlives its supervisor and holds the port."""
    if sys.platform.startswith("linux"):
        import ctypes

        pr_set_pdeathsig = 1
        ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)


class Child:
    """One supervised process: its command line, the running process, its restart schedule."""

    def __init__(self, name: str, argv: list[str], *, own_group: bool = False):
        self.name, self.argv, self.own_group = name, argv, own_group
        self.proc: subprocess.Popen | None = None
        self.started = 0.0
        self.failures = 0
        self.restart_at: float | None = None
        self.starts = 0

    def start(self) -> None:
        # S603: our own interpreter and arguments.
        self.proc = subprocess.Popen(  # noqa: S603
            self.argv, process_group=0 if self.own_group else None, preexec_fn=_die_with_parent
        )
        self.started = time.monotonic()
        self.restart_at = None
        self.starts += 1

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def schedule_restart(self, now: float) -> tuple[int | None, float, float]:
        """Note the exit; (exit code, seconds it ran, seconds until the restart)."""
        assert self.proc is not None
        code, ran = self.proc.returncode, now - self.started
        if self.own_group:
            # What the dead process left in its group (gunicorn's workers) goes too.
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGTERM)
        self.proc = None
        self.failures = 0 if ran >= HEALTHY_SECONDS else self.failures + 1
        delay = backoff_delay(max(0, self.failures - 1), base=RESTART_BASE_SECONDS, cap=RESTART_CAP_SECONDS)
        self.restart_at = now + delay
        return code, ran, delay

    def terminate(self) -> None:
        if self.alive():
            self.proc.send_signal(signal.SIGTERM)


class Command(BaseCommand):
    help = "Serve Ombud with gunicorn and run the task worker alongside, restarting either when it dies."

    def add_arguments(self, parser):
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument("--workers", type=int, default=int(os.environ.get("OMBUD_WEB_WORKERS", "3")))
        parser.add_argument("--no-worker", action="store_true", help="do not start the task worker")

    def handle(self, *args, **opts):
        # Static files are served by WhiteNoise from STATIC_ROOT; collect them first (a second).
        call_command("collectstatic", interactive=False, verbosity=0)
        bind = f"{opts['host']}:{opts['port']}"
        web = Child(
            "the web server (gunicorn)",
            [
                sys.executable,
                "-m",
                "gunicorn",
                "ombud.wsgi:application",
                "--config",
                "python:ombud.gunicorn_conf",
                "--bind",
                bind,
                "--workers",
                str(opts["workers"]),
                "--preload",
                # gunicorn's control socket is one path per user: two servers would fight over it.
                "--no-control-socket",
                "--access-logfile",
                "-",
                "--access-logformat",
                '%(t)s "%(m)s %(U)s" %(s)s %(M)sms',
                "--graceful-timeout",
                "10",
                "--timeout",
                "60",
            ],
            own_group=True,
        )
        children = [web]
        if not opts["no_worker"]:
            children.append(Child("the task worker", [sys.executable, "-m", "ombud.cli", "worker"]))

        stopping = False

        def stop(*_):
            nonlocal stopping
            stopping = True
            for child in children:
                child.terminate()

        # Ctrl-C in a terminal reaches the whole process group; a supervisor's SIGTERM or an
        # SIGINT sent to this process alone must stop the children too.
        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        for child in children:
            child.start()
        web_booted = False
        try:
            while not stopping:
                now = time.monotonic()
                for child in children:
                    if child.proc is not None and child.proc.poll() is not None:
                        if child is web and not web_booted:
                            raise CommandError(
                                f"The web server stopped before it served on {bind} (exit code "
                                f"{child.proc.returncode}); see its messages above."
                            )
                        code, ran, delay = child.schedule_restart(now)
                        logger.warning(
                            "%s exited (code %s) after %.0f s; starting it again in %.1f s",
                            child.name.capitalize(),
                            code,
                            ran,
                            delay,
                        )
                    elif child.proc is None and child.restart_at is not None and now >= child.restart_at:
                        child.start()
                        logger.warning("Started %s again (restart %d)", child.name, child.starts - 1)
                if not web_booted and web.alive() and _has_children(web.proc.pid):
                    # gunicorn forks its workers once it is bound and the application is loaded.
                    web_booted = True
                    self.stdout.write(f"Ombud is serving on http://{bind}/ (Ctrl-C stops it)")
                time.sleep(0.2)
        finally:
            stop()
            for child in children:
                if child.proc is None:
                    continue
                try:
                    child.proc.wait(timeout=STOP_TIMEOUT_SECONDS)
                except subprocess.TimeoutExpired:
                    child.proc.kill()
                    child.proc.wait()


def _has_children(pid: int) -> bool:
    """Whether process `pid` has a child process (Linux /proc)."""
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as fh:
            return bool(fh.read().split())
    except OSError:
        return False
