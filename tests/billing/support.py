"""Helpers for the ledger tests: funding, time, threads on a barrier, and FIGURE lines."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from django.db import OperationalError, connection
from django.utils import timezone

from billing.models import LedgerAccount
from billing.selectors import wallet_get_for_user
from billing.services import credits_purchase


def wallet_of(user: Any) -> LedgerAccount:
    return wallet_get_for_user(user=user)


def fund(wallet: LedgerAccount, micros: int, *, source: str = "stripe") -> None:
    ref = f"cs_{uuid.uuid4().hex}"
    credits_purchase(wallet=wallet, amount_micros=micros, payment_reference=ref, source=source, key=ref)  # type: ignore[arg-type]


def later(seconds: int = 300) -> datetime:
    return timezone.now() + timedelta(seconds=seconds)


def figure(record_property: Callable[[str, object], None], test_id: str, **values: object) -> None:
    """Record a figure both for the JUnit report and as a `FIGURE <id> key=value …` line in the log."""
    for key, value in values.items():
        record_property(f"{test_id}.{key}", value)
    print(f"FIGURE {test_id} " + " ".join(f"{k}={v}" for k, v in values.items()))


def connection_budget(wanted: int, *, floor: int = 16) -> int:
    """How many concurrent connections a race test may open: `wanted`, unless other suites sharing the
    PostgreSQL server (max_connections 100 by default) leave fewer free. The figure records the count."""
    if connection.vendor != "postgresql":
        return wanted
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT current_setting('max_connections')::int - (SELECT count(*) FROM pg_stat_activity)"
        )
        (free,) = cursor.fetchone()
    return max(floor, min(wanted, free - 8))


def _connect() -> None:
    """Open this thread's connection before the barrier; wait out a momentarily full server."""
    deadline = time.monotonic() + 60
    while True:
        try:
            connection.ensure_connection()
            return
        except OperationalError as exc:
            if "too many clients" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.25)


def run_on_barrier(workers: list[Callable[[], None]]) -> list[BaseException]:
    """Start every worker on one barrier, each on its own thread and DB connection; return crashes."""
    barrier = threading.Barrier(len(workers))
    crashes: list[BaseException] = []
    lock = threading.Lock()

    def wrap(work: Callable[[], None]) -> None:
        try:
            _connect()
            barrier.wait(timeout=90)
            work()
        except BaseException as exc:  # noqa: BLE001 - every crash is a test failure, reported below
            with lock:
                crashes.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=wrap, args=(w,)) for w in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=240)
    return crashes
