"""Free calls: vendor uploads, polls of a job (which settle it on a terminal status) and file lookups."""

from __future__ import annotations

from typing import Any

import httpx
from django.core import signing
from django.http import HttpResponse

from comfyweb.errors import ApiError
from nodes.engine import forward, replies, settle
from nodes.engine.context import (
    POLL_SALT,
    POLL_TOKEN_MAX_AGE,
    Ctx,
    claim_idempotency_key,
    db_after_upstream,
    db_before_upstream,
    release_db_connection,
    send_upstream,
    upstream_path,
)
from nodes.engine.ratelimit import rate_limit_check
from nodes.engine.types import Outcome
from nodes.models import ProxyJob, UsageStatus


async def free_forward(ctx: Ctx) -> HttpResponse:
    upstream = forward.upstream_for(ctx.vendor)

    def check() -> None:
        principal = ctx.authenticated()
        claim_idempotency_key(ctx)
        rate_limit_check(
            user_id=principal.user.pk,
            api_key_id=principal.api_key.pk if principal.api_key else None,
            poll=False,
        )
        release_db_connection()

    await db_before_upstream(check)
    response = await send_free(ctx, upstream, upstream_path(ctx))
    reply = free_reply(ctx, response)
    reply["X-Comfy-Upstream"] = "1"
    return reply


async def send_free(ctx: Ctx, upstream: forward.Upstream, path: str) -> httpx.Response:
    try:
        response = await send_upstream(ctx, upstream, path)
    except (forward.NotSentError, forward.OutcomeUnknownError) as exc:
        raise ApiError(502, "upstream_unavailable", f"{ctx.vendor.title} could not be reached.") from exc
    ctx.timing.stage("upstream")
    return response


def free_reply(ctx: Ctx, response: httpx.Response) -> HttpResponse:
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


def unknown_job() -> ApiError:
    return ApiError(404, "not_found", "No such job.")


async def poll(ctx: Ctx) -> HttpResponse:
    def lookup() -> ProxyJob | None:
        job = _job_lookup(ctx)
        release_db_connection()
        return job

    job = await db_before_upstream(lookup)
    if job is None:
        raise unknown_job()
    upstream = forward.upstream_for(ctx.vendor)
    context = {**job.context, "job": job.vendor_job_id}
    response = await send_free(ctx, upstream, upstream_path(ctx, context))
    if response.status_code >= 400:
        return free_reply(ctx, response)
    data = replies.json_or_none(response)
    outcome: Outcome = ctx.route.status(data, response.status_code)
    result_ref = ctx.route.result_ref(data) if ctx.route.result_ref and outcome == "success" else ""
    vendor_status = _status_word(data)
    usage = await db_after_upstream(
        lambda: _observe(ctx, job, data, outcome, vendor_status=vendor_status, result_ref=result_ref)
    )
    ctx.timing.stage("settle")
    if ctx.route.gone is not None and ctx.route.gone(data):
        raise unknown_job()
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
    ctx: Ctx, job: ProxyJob, data: Any, outcome: Outcome, *, vendor_status: str, result_ref: str
) -> settle.Settled | None:
    settle.job_observe(job_id=job.pk, vendor_status=vendor_status, result_ref=result_ref)
    return settle.job_settle(
        job=job, outcome=outcome, api_name=ctx.vendor.title, reply=data, settled_cost=ctx.route.settled_cost
    )


async def download(ctx: Ctx) -> HttpResponse:
    """A follow-up lookup (MiniMax files/retrieve): only for a file one of the caller's own jobs produced."""
    assert ctx.route.job_ref is not None
    ref = ctx.route.job_ref(ctx.call)

    def lookup() -> ProxyJob | None:
        principal = ctx.authenticated()
        rate_limit_check(user_id=principal.user.pk, api_key_id=None, poll=True)
        job = settle.job_for_result(user=principal.user, vendor=ctx.vendor.name, result_ref=ref)
        release_db_connection()
        return job

    if await db_before_upstream(lookup) is None:
        raise unknown_job()
    upstream = forward.upstream_for(ctx.vendor)
    response = await send_free(ctx, upstream, upstream_path(ctx))
    return free_reply(ctx, response)
