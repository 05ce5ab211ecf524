"""Concurrent appends keep one chain. A transactional test, alone in its file: it empties the
database when it ends, so it must not share a file (xdist's unit) with tests that expect the
migrated data."""

import threading
import time

import pytest
from django.db import DatabaseError, connection, transaction

from ombud.audit.models import AuditEntry
from ombud.audit.services import record, verify


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_appends_keep_one_chain():
    """Writers in parallel threads, each holding its transaction open a moment after
    appending: without the chain lock two would read the same last entry and the unique
    prev_hash would reject one (or, without that constraint, the chain would fork)."""
    threads_n, each = 6, 5
    barrier = threading.Barrier(threads_n)
    errors: list[BaseException] = []

    def writer(n: int) -> None:
        try:
            barrier.wait()
            for i in range(each):
                for attempt in range(200):
                    try:
                        with transaction.atomic():
                            record(None, "test.concurrent", writer=n, i=i)
                            time.sleep(0.002)
                        break
                    except DatabaseError as e:
                        # SQLite's test database (in memory, shared cache) reports a busy
                        # writer as "locked" at once instead of waiting: wait and retry, as
                        # a busy timeout would. PostgreSQL waits on the lock and never gets here.
                        if connection.vendor != "sqlite" or "locked" not in str(e) or attempt == 199:
                            raise
                        time.sleep(0.005)
        except BaseException as e:  # reported to the main thread
            errors.append(e)
        finally:
            connection.close()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(threads_n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    seqs = list(AuditEntry.objects.order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(1, threads_n * each + 1))
    pairs = set(AuditEntry.objects.values_list("data__writer", "data__i"))
    assert len(pairs) == threads_n * each
    result = verify()
    assert result.ok and result.checked == threads_n * each
