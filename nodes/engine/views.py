"""The one async /proxy view: design.md flow 2 for every vendor route.

authenticate → match the allow-list → parse once → price the maximum → reserve (own transaction) →
forward (no transaction, no DB connection held) → settle exactly once → the vendor's native reply.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import httpx
from asgiref.sync import sync_to_async
from django.conf import settings
from django.core import signing
from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt

from comfyweb.auth import Principal, aauthenticate_request, authenticate_request
from comfyweb.errors import ApiError
from nodes.engine import forward, replies, routing, settle
from nodes.engine.bodies import parse
from nodes.engine.headers import header, idempotency_key
from nodes.engine.idempotency import Replay, idempotency_begin, idempotency_finish, request_fingerprint
from nodes.engine.pricing import Quote, price_table_current, quote_compute
from nodes.engine.ratelimit import rate_limit_check
from nodes.engine.types import Call, Outcome, Route, Vendor
from nodes.models import ProxyJob, UsageRecord, UsageStatus
from nodes.vendors import VENDORS

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
    idem_user_id: int | None = None
    idem_stored: bool = False  # the reply was already stored, in the settling step

    def authenticated(self) -> Principal:
        """The caller (authenticating now, on the DB thread, if not done yet)."""
        if self.principal is None:
            self.principal = authenticate_request(self.request)
            self.timing.stage("auth")
        return self.principal


async def db(fn: Callable[[], T]) -> T:
    """Run ORM work on the request's thread (thread-sensitive), as one unit."""
    return await sync_to_async(fn)()


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


def _release_db_connection() -> None:
    """No DB connection is held while a vendor call is awaited (quality.md BM5): up to ~1,000 calls wait
    at once, far more than PostgreSQL's connection limit. A pooled connection just returns to the pool."""
    if not connection.in_atomic_block:
        connection.close()


def sign_poll_token(token: str) -> str:
    return signing.TimestampSigner(salt=POLL_SALT).sign(token)


def poll_url(job: ProxyJob) -> str:
    assert job.poll_token
    return f"{settings.PUBLIC_BASE_URL}/proxy/{job.vendor}/poll/{sign_poll_token(job.poll_token)}"


def _facts(ctx: Ctx) -> settle.CallFacts:
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


def _forward_content(ctx: Ctx) -> bytes | None:
    body = ctx.call.body
    if body.format == "none":
        return None
    if body.format == "json":
        # Serialized from the object that was priced (quality.md §4 rule 5), not the raw bytes.
        return json.dumps(body.json, separators=(",", ":"), ensure_ascii=False).encode()
    return body.raw


def _upstream_path(ctx: Ctx, extra: dict[str, str] | None = None) -> str:
    values = {**ctx.call.params, **ctx.call.query, **(extra or {})}
    return routing.fill(ctx.route.upstream, values)


async def _send(ctx: Ctx, upstream: forward.Upstream, path: str) -> httpx.Response:
    return await forward.send(
        route=ctx.route,
        upstream=upstream,
        path=path,
        content=_forward_content(ctx),
        content_type=ctx.call.body.content_type or "application/json",
    )


@csrf_exempt
async def proxy(request: HttpRequest, rest: str) -> HttpResponse:
    timing = Timing()
    match_error: ApiError | None = None
    found: routing.Match | None = None
    try:
        found = routing.match(request, rest, VENDORS)
    except ApiError as exc:
        match_error = exc
    if match_error is not None or found is None:
        await aauthenticate_request(request)  # 401 before 404: an anonymous caller learns nothing
        raise match_error or routing.unknown_route()
    route = found.route
    try:
        idem = idempotency_key(request) if route.kind in ("sync", "submit", "upload") else None
        body = parse(request, route)
        call = settle_call(found, body)
        items = route.price(call) if route.price is not None else []  # 400 / 422: nothing reserved
    except ApiError:
        if not route.public:
            await aauthenticate_request(request)
        raise
    # Authentication itself runs inside the first database step of each flow (one thread hop fewer).
    ctx = Ctx(request, found.vendor, route, call, None, timing, idem, items)
    timing.stage("parse")
    if route.kind == "poll":
        response = await _poll(ctx)
    elif route.kind == "download":
        response = await _download(ctx)
    elif route.free:
        response = await _idempotent(ctx, _free_forward)
    else:
        response = await _idempotent(ctx, _metered)
    if response.has_header("X-Comfy-Upstream"):
        del response["X-Comfy-Upstream"]  # an internal marker for the idempotency store, never sent
    response["Server-Timing"] = timing.header()
    return response


def settle_call(found: routing.Match, body: Any) -> Call:
    return Call(params=found.params, query=found.query, body=body)


async def _idempotent(ctx: Ctx, run: Callable[[Ctx], Any]) -> HttpResponse:
    if ctx.idem_key is None:
        response: HttpResponse = await run(ctx)
        return response
    key = ctx.idem_key
    fingerprint = request_fingerprint(method=ctx.route.method, path=ctx.request.path, body=ctx.call.body.raw)

    def begin() -> Replay | None:
        user_id = ctx.authenticated().user.pk  # the key belongs to the user: authenticate first
        ctx.idem_user_id = user_id
        return idempotency_begin(user_id=user_id, key=key, fingerprint=fingerprint)

    replay = await db(begin)
    if replay is not None:
        return replay.response()
    user_id = ctx.idem_user_id
    assert user_id is not None
    try:
        response = await run(ctx)
    except BaseException:
        await db(lambda: idempotency_finish(user_id=user_id, key=key, response=None))
        raise
    if not ctx.idem_stored:
        stored = response if _replayable(response) else None
        await db(lambda: idempotency_finish(user_id=user_id, key=key, response=stored))
    return response


def _replayable(response: HttpResponse) -> bool:
    """Only replies that reached a vendor are replayed; our own refusals and upstream trouble are retried."""
    keep = response.status_code < 500 and response.status_code not in (402, 409, 424, 429)
    return keep and response.get("X-Comfy-Upstream", "") == "1"


def _store_reply(ctx: Ctx, reply: HttpResponse) -> HttpResponse:
    """In the settling step's thread: store the reply for Idempotency-Key replays (saves a hop)."""
    reply["X-Comfy-Upstream"] = "1"
    if ctx.idem_key is not None and ctx.idem_user_id is not None:
        idempotency_finish(
            user_id=ctx.idem_user_id, key=ctx.idem_key, response=reply if _replayable(reply) else None
        )
        ctx.idem_stored = True
    return reply


# --- metered calls (sync and submit) ---------------------------------------------------------------------


def _admit(ctx: Ctx) -> tuple[forward.Upstream, Quote, settle.Admission]:
    principal = ctx.authenticated()
    upstream = forward.upstream_for(ctx.vendor)  # 503 for a live vendor without a key
    rate_limit_check(
        user_id=principal.user.pk, api_key_id=principal.api_key.pk if principal.api_key else None, poll=False
    )
    table = price_table_current()
    quote = quote_compute(vendor=ctx.vendor.name, items=ctx.items, table=table)
    admission = settle.usage_admit(
        principal=principal, facts=_facts(ctx), quote=quote, markup_bps=table.markup_bps, ttl=ctx.route.ttl
    )
    _release_db_connection()
    return upstream, quote, admission


async def _metered(ctx: Ctx) -> HttpResponse:
    try:
        upstream, quote, admission = await db(lambda: _admit(ctx))
    except DatabaseError as exc:
        # Our own outage before anything was sent: retryable, nothing started, nothing charged.
        logger.exception("Admission failed on the database")
        raise ApiError(
            503,
            "upstream_unavailable",
            "The platform is busy; nothing was charged. Try again.",
            headers={"Retry-After": "2"},
        ) from exc
    ctx.timing.stage("reserve")
    usage_id = admission.usage_id
    api_name = ctx.vendor.title
    try:
        response = await _send(ctx, upstream, _upstream_path(ctx))
    except forward.NotSentError as exc:
        ctx.timing.stage("upstream")
        reason = str(exc)
        await db(lambda: _fail(ctx, usage_id, UsageStatus.UPSTREAM_ERROR, reason, may_bill=False))
        status = 504 if "timeout" in type(exc.__cause__).__name__.lower() else 502
        raise ApiError(
            status, "upstream_unavailable", f"{ctx.vendor.title} could not be reached; nothing was charged."
        ) from exc
    except forward.OutcomeUnknownError as exc:
        ctx.timing.stage("upstream")
        reason = str(exc)
        await db(lambda: _fail(ctx, usage_id, UsageStatus.UNKNOWN, reason, may_bill=True))
        raise ApiError(
            424,
            "upstream_outcome_unknown",
            f"{ctx.vendor.title} did not answer in time; the outcome is unknown. Nothing was charged.",
        ) from exc
    ctx.timing.stage("upstream")
    upstream_ms = ctx.timing.ms("upstream")
    if response.status_code >= 400:
        error = replies.vendor_error(response, ctx.vendor.title)
        outcome_status = (
            UsageStatus.UPSTREAM_ERROR
            if response.status_code >= 500 or response.status_code == 429
            else UsageStatus.REJECTED
        )
        await db(lambda: _fail(ctx, usage_id, outcome_status, error.message, upstream=response.status_code))
        if outcome_status == UsageStatus.REJECTED:
            rejected: HttpResponse = error.response()
            rejected["X-Comfy-Upstream"] = "1"
            return rejected
        raise error
    data = replies.json_or_none(response)
    reply: HttpResponse
    if ctx.route.kind == "submit":
        reply = await _submitted(
            ctx, admission=admission, quote=quote, response=response, data=data, upstream_ms=upstream_ms
        )
    else:
        reply = await _sync_settle(
            ctx, usage_id=usage_id, quote=quote, response=response, data=data, api_name=api_name
        )
    reply["X-Comfy-Upstream"] = "1"
    return reply


def _fail(
    ctx: Ctx,
    usage_id: int,
    status: UsageStatus,
    message: str,
    *,
    may_bill: bool = False,
    upstream: int | None = None,
) -> None:
    settle.usage_settle(
        usage_id=usage_id,
        status=status,
        message=message,
        may_bill=may_bill,
        upstream_status=upstream,
        upstream_ms=ctx.timing.ms("upstream"),
        total_ms=ctx.timing.total_ms(),
        api_name=ctx.vendor.title,
    )


async def _sync_settle(
    ctx: Ctx, *, usage_id: int, quote: Quote, response: httpx.Response, data: Any, api_name: str
) -> HttpResponse:
    outcome: Outcome = ctx.route.status(data, response.status_code)
    cost = ctx.route.cost(data, ctx.call) if outcome == "success" else None

    def run() -> HttpResponse:
        charge, vendor_cost = settle.charge_for(
            ctx.vendor.name,
            cost,
            version_id=quote.version_id,
            markup_bps=quote.markup_bps,
            quoted_micros=quote.total_micros,
        )
        usage = settle.usage_settle(
            usage_id=usage_id,
            status=settle.outcome_status(outcome),
            charge_micros=charge if outcome == "success" else 0,
            vendor_cost_micros=vendor_cost,
            upstream_status=response.status_code,
            message="" if outcome == "success" else f"vendor reported {outcome}",
            upstream_ms=ctx.timing.ms("upstream"),
            total_ms=ctx.timing.total_ms(),
            api_name=api_name,
        )
        reply = replies.passthrough(response)
        reply["X-Comfy-Credits-Used"] = replies.credits_header(usage.charged_micros)
        return _store_reply(ctx, reply)

    settled = await db_after_upstream(run)
    ctx.timing.stage("settle")
    return settled if settled is not None else replies.passthrough(response)


async def _submitted(
    ctx: Ctx,
    *,
    admission: settle.Admission,
    quote: Quote,
    response: httpx.Response,
    data: Any,
    upstream_ms: int,
) -> HttpResponse:
    assert ctx.route.job_id is not None
    job_id = ctx.route.job_id(data)
    if not job_id:
        # Accepted with no job id: nothing to poll, nothing delivered. Release; the client shows the body.
        await db(
            lambda: _fail(
                ctx,
                admission.usage_id,
                UsageStatus.FAILED,
                "no job id in the vendor reply",
                upstream=response.status_code,
            )
        )
        return replies.passthrough(response)
    cost = ctx.route.cost(data, ctx.call)
    facts = _facts(ctx)
    rewrite = ctx.vendor.name == "bfl"

    def run() -> HttpResponse:
        _charge, vendor_cost = settle.charge_for(
            ctx.vendor.name,
            cost,
            version_id=quote.version_id,
            markup_bps=quote.markup_bps,
            quoted_micros=quote.total_micros,
        )
        job = settle.job_open(
            admission=admission,
            facts=facts,
            submit_path=ctx.request.path,
            vendor_job_id=job_id,
            context=dict(ctx.call.params),
            vendor_cost_micros=vendor_cost,
            upstream_status=response.status_code,
            upstream_ms=upstream_ms,
            with_token=rewrite,
        )
        if rewrite and isinstance(data, dict):
            # BFL's polling_url needs our vendor key: hand out our own signed capability URL (§5.3).
            data["polling_url"] = poll_url(job)
            return _store_reply(ctx, replies.json_reply(data, response.status_code))
        return _store_reply(ctx, replies.passthrough(response))

    submitted = await db_after_upstream(run)
    ctx.timing.stage("settle")
    if submitted is None:
        if rewrite:
            # BFL's own polling_url needs our vendor key: never hand it out.
            raise ApiError(503, "upstream_unavailable", "The platform is busy. Try again.")
        return replies.passthrough(response)
    return submitted


# --- free calls: uploads, polls, file lookups -------------------------------------------------------------


async def _free_forward(ctx: Ctx) -> HttpResponse:
    upstream = forward.upstream_for(ctx.vendor)

    def check() -> None:
        principal = ctx.authenticated()
        rate_limit_check(
            user_id=principal.user.pk,
            api_key_id=principal.api_key.pk if principal.api_key else None,
            poll=False,
        )
        _release_db_connection()

    await db(check)
    response = await _send_free(ctx, upstream, _upstream_path(ctx))
    reply = _free_reply(ctx, response)
    reply["X-Comfy-Upstream"] = "1"
    return reply


async def _send_free(ctx: Ctx, upstream: forward.Upstream, path: str) -> httpx.Response:
    try:
        response = await _send(ctx, upstream, path)
    except (forward.NotSentError, forward.OutcomeUnknownError) as exc:
        raise ApiError(502, "upstream_unavailable", f"{ctx.vendor.title} could not be reached.") from exc
    ctx.timing.stage("upstream")
    return response


def _free_reply(ctx: Ctx, response: httpx.Response) -> HttpResponse:
    if response.status_code >= 400 and response.status_code != 404:
        raise replies.vendor_error(response, ctx.vendor.title)
    return replies.passthrough(response)


def _job_lookup(ctx: Ctx) -> ProxyJob | None:
    if ctx.route.public:
        try:
            token = signing.TimestampSigner(salt=POLL_SALT).unsign(
                ctx.call.params["token"], max_age=POLL_TOKEN_MAX_AGE
            )
        except signing.BadSignature:
            return None
        job = settle.job_for_token(token=token)
        return job if job is not None and job.vendor == ctx.vendor.name else None
    assert ctx.route.job_ref is not None
    principal = ctx.authenticated()
    rate_limit_check(user_id=principal.user.pk, api_key_id=None, poll=True)
    return settle.job_for_user(
        user=principal.user, vendor=ctx.vendor.name, vendor_job_id=ctx.route.job_ref(ctx.call)
    )


def _unknown_job() -> ApiError:
    return ApiError(404, "not_found", "No such job.")


async def _poll(ctx: Ctx) -> HttpResponse:
    def lookup() -> ProxyJob | None:
        job = _job_lookup(ctx)
        _release_db_connection()
        return job

    job = await db(lookup)
    if job is None:
        raise _unknown_job()
    upstream = forward.upstream_for(ctx.vendor)
    context = {**job.context, "job": job.vendor_job_id}
    response = await _send_free(ctx, upstream, _upstream_path(ctx, context))
    if response.status_code >= 400:
        return _free_reply(ctx, response)
    data = replies.json_or_none(response)
    outcome: Outcome = ctx.route.status(data, response.status_code)
    result_ref = ctx.route.result_ref(data) if ctx.route.result_ref and outcome == "success" else ""
    vendor_status = _status_word(data)
    usage = await db(lambda: _observe(ctx, job, outcome, vendor_status, result_ref))
    ctx.timing.stage("settle")
    if ctx.route.gone is not None and ctx.route.gone(data):
        raise _unknown_job()
    reply = replies.passthrough(response)
    if usage is not None and usage.status != UsageStatus.SUBMITTED:
        reply["X-Comfy-Credits-Used"] = replies.credits_header(usage.charged_micros)
    return reply


def _status_word(data: Any) -> str:
    if isinstance(data, dict):
        for key in ("status", "state", "task_status", "done"):
            if key in data:
                return str(data[key])
        inner = data.get("data") or data.get("Resp")
        if isinstance(inner, dict):
            return _status_word(inner)
    return ""


def _observe(
    ctx: Ctx, job: ProxyJob, outcome: Outcome, vendor_status: str, result_ref: str
) -> UsageRecord | None:
    settle.job_observe(job_id=job.pk, vendor_status=vendor_status, result_ref=result_ref)
    return settle.job_settle(job=job, outcome=outcome, api_name=ctx.vendor.title)


async def _download(ctx: Ctx) -> HttpResponse:
    """A follow-up lookup (MiniMax files/retrieve): only for a file one of the caller's own jobs produced."""
    assert ctx.route.job_ref is not None
    ref = ctx.route.job_ref(ctx.call)

    def lookup() -> ProxyJob | None:
        principal = ctx.authenticated()
        rate_limit_check(user_id=principal.user.pk, api_key_id=None, poll=True)
        job = settle.job_for_result(user=principal.user, vendor=ctx.vendor.name, result_ref=ref)
        _release_db_connection()
        return job

    if await db(lookup) is None:
        raise _unknown_job()
    upstream = forward.upstream_for(ctx.vendor)
    response = await _send_free(ctx, upstream, _upstream_path(ctx))
    return _free_reply(ctx, response)
