"""The one async /proxy view: design.md flow 2 for every vendor route.

authenticate → match the allow-list → parse once → price the maximum → reserve (own transaction) →
forward (no transaction, no DB connection held) → settle exactly once → the vendor's native reply.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt

from comfyweb.auth import aauthenticate_request
from comfyweb.errors import ApiError
from nodes.engine import routing
from nodes.engine.bodies import parse
from nodes.engine.context import Ctx, ReplayFound, Timing, db_after_upstream, replayable
from nodes.engine.headers import idempotency_key
from nodes.engine.idempotency import idempotency_finish, request_fingerprint
from nodes.engine.metered import metered
from nodes.engine.polls import download, free_forward, poll
from nodes.engine.types import Call
from nodes.validation import validate_body
from nodes.vendors import VENDORS


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
        call = _call_of(found, body)
        items = route.price(call) if route.price is not None else []  # 400 / 422: nothing reserved
        validate_body(route, body, found.params)  # nodes/validation.py: 400 before anything is reserved
    except ApiError:
        if not route.public:
            await aauthenticate_request(request)
        raise
    # Authentication itself runs inside the first database step of each flow (one thread hop fewer).
    ctx = Ctx(request, found.vendor, route, call, None, timing, idem, items)
    timing.stage("parse")
    if route.kind == "poll":
        response = await poll(ctx)
    elif route.kind == "download":
        response = await download(ctx)
    elif route.free:
        response = await _idempotent(ctx, free_forward)
    else:
        response = await _idempotent(ctx, metered)
    if response.has_header("X-Comfy-Upstream"):
        del response["X-Comfy-Upstream"]  # an internal marker for the idempotency store, never sent
    response["Server-Timing"] = timing.header()
    return response


def _call_of(found: routing.Match, body: Any) -> Call:
    return Call(params=found.params, query=found.query, body=body)


async def _idempotent(ctx: Ctx, run: Callable[[Ctx], Any]) -> HttpResponse:
    """comfy-contract §3.5. The key is claimed inside the flow's first database step (no extra hop)."""
    if ctx.idem_key is None:
        response: HttpResponse = await run(ctx)
        return response
    key = ctx.idem_key
    ctx.idem_fingerprint = request_fingerprint(
        method=ctx.route.method, path=ctx.request.path, body=ctx.call.body.raw
    )
    try:
        response = await run(ctx)
    except ReplayFound as found:
        return found.replay.response()
    except BaseException:
        await _free_key(ctx, key)
        raise
    claimed = ctx.idem_user_id
    if claimed is not None and not ctx.idem_stored:
        stored = response if replayable(response) else None
        await db_after_upstream(lambda: idempotency_finish(user_id=claimed, key=key, response=stored))
    return response


async def _free_key(ctx: Ctx, key: str) -> None:
    """Only a key this request claimed is freed (never another request's in-flight key)."""
    claimed = ctx.idem_user_id
    if claimed is not None:
        await db_after_upstream(lambda: idempotency_finish(user_id=claimed, key=key, response=None))
