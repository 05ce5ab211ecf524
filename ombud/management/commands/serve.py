"""`ombud serve`: the production web server (gunicorn) and the task worker, together.

Ctrl-C (SIGINT) or SIGTERM stops both; if either dies, the other is stopped too, so a
half-running system never pretends to be up.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Serve Ombud with gunicorn and run the task worker alongside."

    def add_arguments(self, parser):
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument("--workers", type=int, default=int(os.environ.get("OMBUD_WEB_WORKERS", "3")))
        parser.add_argument("--no-worker", action="store_true", help="do not start the task worker")

    def handle(self, *args, **opts):
        # Static files are served by WhiteNoise from STATIC_ROOT; collect them first (a second).
        call_command("collectstatic", interactive=False, verbosity=0)
        bind = f"{opts['host']}:{opts['port']}"
        web = [
            sys.executable,
            "-m",
            "gunicorn",
            "ombud.wsgi:application",
            "--bind",
            bind,
            "--workers",
            str(opts["workers"]),
            "--access-logfile",
            "-",
            "--access-logformat",
            '%(t)s "%(m)s %(U)s" %(s)s %(M)sms',
            "--graceful-timeout",
            "10",
            "--timeout",
            "60",
        ]
        procs = [subprocess.Popen(web)]  # noqa: S603 (our own interpreter and arguments)
        if not opts["no_worker"]:
            procs.append(subprocess.Popen([sys.executable, "-m", "ombud.cli", "worker"]))
        self.stdout.write(f"Ombud is serving on http://{bind}/ (Ctrl-C stops it)")

        def stop(*_):
            for p in procs:
                if p.poll() is None:
                    p.send_signal(signal.SIGTERM)

        # Ctrl-C in a terminal reaches the whole process group; a supervisor's SIGTERM or an
        # SIGINT sent to this process alone must stop the children too.
        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        try:
            while all(p.poll() is None for p in procs):
                time.sleep(0.5)
        finally:
            stop()
            for p in procs:
                try:
                    p.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    p.kill()
