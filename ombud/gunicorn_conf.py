"""gunicorn settings that only a file can give; `ombud serve` passes `-c python:ombud.gunicorn_conf`.

`ombud serve` preloads the application (`--preload`): the master imports Django once and every
worker is a fork of it, so a worker killed (or timed out) is replaced in milliseconds, not after
a second of imports. Django opens database connections lazily, on the first query of a request,
so the master holds none when it forks; `pre_fork` makes sure of it, so that no two processes
ever share one database socket even if something at import time ran a query.
"""

from __future__ import annotations

from typing import Any


def pre_fork(server: Any, worker: Any) -> None:
    from django.db import connections

    connections.close_all()
