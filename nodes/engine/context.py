"""What one /proxy call carries through the engine, and the helpers every flow shares."""

from __future__ import annotations

import asyncio
import functools
import json
import logging
import time
import weakref
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, TypeVar

import httpx
from asgiref.sync import sync_to_async
from django.conf import settings
from django.core import signing
from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse

from comfyweb.auth import Principal, authenticate_request
from comfyweb.errors import ApiError
from nodes.engine import forward, routing, settle
from nodes.engine.headers import header
from nodes.engine.idempotency import Replay, idempotency_begin, idempotency_finish
from nodes.engine.types import Call, Route, Vendor
from nodes.models import ProxyJob

T = TypeVar("T")
logger = logging.getLogger(__name__)
POLL_SALT = "nodes.proxy.poll"
POLL_TOKEN_MAX_AGE = 48 * 3600


@dataclass
class Timing:
    started: float = field(default_factory=time.perf_counter)
    stages: dict[str, float] = field(default_factory=dict)
    _mark: float = field(default_factory=time.perf_counter)

    def stage(self, name: str) -> None:
        now = time.perf_counter()
        self.stages[name] = self.stages.get(name, 0.0) + (now - self._mark) * 1000
        self._mark = now

    def ms(self, name: str) -> int:
        return int(self.stages.get(name, 0.0))

    def total_ms(self) -> int:
        return int((time.perf_counter() - self.started) * 1000)

    def header(self) -> str:
        return ", ".join(f"{name};dur={value:.1f}" for name, value in self.stages.items())


@dataclass
class Ctx:
    request: HttpRequest
    vendor: Vendor
    route: Route
    call: Call
    principal: Principal | None
    timing: Timing
    idem_key: str | None = None
    items: list[Any] = field(default_factory=list)
    idem_user_id: int | None = None  # set once this request holds its Idempotency-Key
    idem_stored: bool = False  # the reply was already stored, in the settling step
    idem_fingerprint: str = ""

    def authenticated(self) -> Principal:
        """The caller (authenticating now, on the DB thread, if not done yet)."""
        if self.principal is None:
            self.principal = authenticate_request(self.request)
            self.timing.stage("auth")
        return self.principal


_db_gates: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = (
    weakref.WeakKeyDictionary()
)


def _db_gate() -> asyncio.Semaphore:
    loop = asyncio.get_running_loop()
    gate = _db_gates.get(loop)
    if gate is None:
        gate = _db_gates[loop] = asyncio.Semaphore(settings.PROXY_DB_CONCURRENCY)
    return gate


@functools.cache
def _db_threads(size: int) -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=size, thread_name_prefix="proxy-db")


async def db(fn: Callable[[], T]) -> T:
    """Run ORM work as one unit that takes a pooled connection and gives it back when it ends.

    At most PROXY_DB_CONCURRENCY units run at once per process: with ~1,000 calls in flight, the rest wait
    on the event loop (cheap) instead of as threads fighting over the GIL and the connection pool. With
    PROXY_DB_SHARED_THREADS the units run on one shared pool of that many threads; otherwise each on its
    request's own thread (Django's thread-sensitive default, which the test suite needs: a test's
    transaction lives on the test's thread), at the price of a new OS thread per request.
    """
    unit = _then_release(fn)
    if settings.PROXY_DB_SHARED_THREADS:
        run = sync_to_async(unit, thread_sensitive=False, executor=_db_threads(settings.PROXY_DB_CONCURRENCY))
        return await run()
    async with _db_gate():
        return await sync_to_async(unit)()


def _then_release(fn: Callable[[], T]) -> Callable[[], T]:
    """Give the connection back when the unit ends: a request that kept it while queueing at the gate for
    its next unit would starve the units holding the gate (all waiting on the pool: PoolTimeout)."""

    def run() -> T:
        try:
            return fn()
        finally:
            release_db_connection()

    return run


async def db_before_upstream(fn: Callable[[], T]) -> T:
    """A database step before anything is sent: if the database is unreachable or the pool is exhausted
    (a burst), answer 503 + Retry-After, which ComfyUI retries: nothing started, nothing charged."""
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
    """Bookkeeping after the vendor answered. If the database stays unreachable, the vendor's reply is
    still returned (comfy-contract §3.2): the hold is then released by expiry and the cost absorbed."""
    for attempt in range(3):
        try:
            return await db(fn)
        except DatabaseError:
            logger.exception("Settling a /proxy call failed (attempt %d)", attempt + 1)
            await asyncio.sleep(0.2 * (attempt + 1))
    return None


def release_db_connection() -> None:
    """No DB connection is held while a vendor call is awaited (quality.md BM5): up to ~1,000 calls wait
    at once, far more than PostgreSQL's connection limit. A pooled connection just returns to the pool."""
    if not connection.in_atomic_block:
        connection.close()


def sign_poll_token(token: str) -> str:
    return signing.TimestampSigner(salt=POLL_SALT).sign(token)


def poll_url(job: ProxyJob) -> str:
    assert job.poll_token
    return f"{settings.PUBLIC_BASE_URL}/proxy/{job.vendor}/poll/{sign_poll_token(job.poll_token)}"


def call_facts(ctx: Ctx) -> settle.CallFacts:
    request = ctx.request
    return settle.CallFacts(
        vendor=ctx.vendor.name,
        route=ctx.route.label,
        model=ctx.route.model(ctx.call)[:120],
        comfy_job_id=header(request, "Comfy-Job-Id"),
        usage_source=header(request, "Comfy-Usage-Source"),
        core_version=header(request, "Comfy-Core-Version"),
        comfy_env=header(request, "Comfy-Env"),
    )


def forward_content(ctx: Ctx) -> bytes | None:
    body = ctx.call.body
    if body.format == "none":
        return None
    if body.format == "json":
        # Serialized from the object that was priced (quality.md §4 rule 5), not the raw bytes.
        return json.dumps(body.json, separators=(",", ":"), ensure_ascii=False).encode()
    return body.raw


def upstream_path(ctx: Ctx, extra: dict[str, str] | None = None) -> str:
    values = {**ctx.call.params, **ctx.call.query, **(extra or {})}
    return routing.fill(ctx.route.upstream, values)


async def send_upstream(ctx: Ctx, upstream: forward.Upstream, path: str) -> httpx.Response:
    return await forward.send(
        route=ctx.route,
        upstream=upstream,
        path=path,
        content=forward_content(ctx),
        content_type=ctx.call.body.content_type or "application/json",
    )


def replayable(response: HttpResponse) -> bool:
    """Only replies that reached a vendor are replayed; our own refusals and upstream trouble are retried."""
    keep = response.status_code < 500 and response.status_code not in (402, 409, 424, 429)
    return keep and response.get("X-Comfy-Upstream", "") == "1"


def store_reply(ctx: Ctx, reply: HttpResponse) -> HttpResponse:
    """In the settling step's thread: store the reply for Idempotency-Key replays (saves a hop)."""
    reply["X-Comfy-Upstream"] = "1"
    if ctx.idem_key is not None and ctx.idem_user_id is not None:
        idempotency_finish(
            user_id=ctx.idem_user_id, key=ctx.idem_key, response=reply if replayable(reply) else None
        )
        ctx.idem_stored = True
    return reply


class ReplayFound(Exception):  # noqa: N818 - a control-flow signal, not an error
    """The Idempotency-Key already has a finished reply: answer with it, run nothing."""

    def __init__(self, replay: Replay) -> None:
        super().__init__("idempotent replay")
        self.replay = replay


def claim_idempotency_key(ctx: Ctx) -> None:
    """In the first database step, right after authentication (the key belongs to the user): claim the
    request's Idempotency-Key, or raise ReplayFound / the 409 conflicts."""
    if ctx.idem_key is None or ctx.idem_user_id is not None:
        return
    user_id = ctx.authenticated().user.pk
    replay = idempotency_begin(user_id=user_id, key=ctx.idem_key, fingerprint=ctx.idem_fingerprint)
    if replay is not None:
        raise ReplayFound(replay)
    ctx.idem_user_id = user_id
