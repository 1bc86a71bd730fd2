"""Database steps of a /proxy call: short units of ORM work on one shared pool of threads.

A call never holds a database connection while a vendor call is awaited (quality.md BM5): up to ~1,000
calls wait at once, far more than PostgreSQL's connection limit. Each step takes a pooled connection and
gives it back when it ends.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import DatabaseError, connection

from comfyweb.errors import ApiError

T = TypeVar("T")
logger = logging.getLogger(__name__)
SETTLE_ATTEMPTS = 3


@functools.cache
def _threads(size: int) -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=size, thread_name_prefix="proxy-db")


async def db(fn: Callable[[], T]) -> T:
    """Run `fn` on the shared pool of PROXY_DB_CONCURRENCY threads, then give its connection back.

    At most that many steps run at once per process: with ~1,000 calls in flight the rest wait on the
    event loop (cheap), not as threads fighting over the GIL and the connection pool. One pool for every
    request, instead of Django's new thread per request, is what the benchmarks measured (bench/README.md);
    the tests run the same way (their /proxy tests commit for real).
    """
    run = sync_to_async(
        _then_release(fn), thread_sensitive=False, executor=_threads(settings.PROXY_DB_CONCURRENCY)
    )
    return await run()


def _then_release(fn: Callable[[], T]) -> Callable[[], T]:
    def run() -> T:
        try:
            return fn()
        finally:
            release_db_connection()

    return run


def release_db_connection() -> None:
    """A pooled connection goes back to the pool; outside a transaction only (never mid-unit)."""
    if not connection.in_atomic_block:
        connection.close()


async def db_before_upstream(fn: Callable[[], T]) -> T:
    """A step before anything is sent: if the database is unreachable or the pool is exhausted (a burst),
    answer 503 + Retry-After, which ComfyUI retries: nothing started, nothing charged."""
    try:
        return await db(fn)
    except DatabaseError as exc:
        logger.exception("A /proxy database step failed before forwarding")
        raise ApiError(
            503,
            "upstream_unavailable",
            "The platform is busy; nothing was charged. Try again.",
            headers={"Retry-After": "2"},
        ) from exc


async def db_after_upstream(fn: Callable[[], T]) -> T | None:
    """Bookkeeping after the vendor answered, retried; None if the database stays unreachable. The vendor's
    reply is still returned (comfy-contract §3.2): the hold is then released by expiry and the cost
    absorbed (the usage row says the vendor may have billed)."""
    for attempt in range(SETTLE_ATTEMPTS):
        try:
            return await db(fn)
        except DatabaseError:
            logger.exception("Settling a /proxy call failed (attempt %d)", attempt + 1)
            await asyncio.sleep(0.2 * (attempt + 1))
    return None
