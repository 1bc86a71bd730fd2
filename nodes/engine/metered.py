"""Metered calls (sync and submit): admit (reserve), forward, settle exactly once."""

from __future__ import annotations

import logging
from typing import Any

import httpx
from django.db import transaction
from django.http import HttpResponse

from comfyweb import sql
from comfyweb.errors import ApiError
from nodes.engine import forward, replies, settle
from nodes.engine.context import (
    Ctx,
    call_facts,
    claim_idempotency_key,
    db_after_upstream,
    db_before_upstream,
    poll_url,
    release_db_connection,
    send_upstream,
    store_reply,
    upstream_path,
)
from nodes.engine.pricing import Quote, price_table_current, quote_compute
from nodes.engine.ratelimit import rate_limit_check
from nodes.engine.types import Outcome
from nodes.models import UsageStatus

logger = logging.getLogger(__name__)


def _admit(ctx: Ctx) -> tuple[forward.Upstream, Quote, settle.Admission]:
    """Auth, Idempotency-Key claim, limits, price and reserve: one step, one transaction, one commit."""
    principal = ctx.authenticated()
    upstream = forward.upstream_for(ctx.vendor)  # 503 for a live vendor without a key
    rate_limit_check(
        user_id=principal.user.pk, api_key_id=principal.api_key.pk if principal.api_key else None, poll=False
    )
    table = price_table_current()
    quote = quote_compute(vendor=ctx.vendor.name, items=ctx.items, table=table)
    with transaction.atomic():  # a refused reservation (402/409) also un-claims the key
        # A reservation moves no money, so its commit does not wait for the disk (a flush costs 0.2-3 ms
        # here; bench/README.md). Nothing is answered before the settling step's durable commit, which makes
        # this one durable as well; a database crash before that loses only a hold that would have expired
        # unused, and the call is not charged either way.
        sql.commit_without_waiting_for_disk()
        claim_idempotency_key(ctx)
        admission = settle.usage_admit(
            principal=principal,
            facts=call_facts(ctx),
            quote=quote,
            markup_bps=table.markup_bps,
            ttl=ctx.route.ttl,
        )
    release_db_connection()
    return upstream, quote, admission


async def metered(ctx: Ctx) -> HttpResponse:
    upstream, quote, admission = await db_before_upstream(lambda: _admit(ctx))
    ctx.timing.stage("reserve")
    ref = admission.ref
    api_name = ctx.vendor.title
    try:
        response = await send_upstream(ctx, upstream, upstream_path(ctx))
    except forward.NotSentError as exc:
        ctx.timing.stage("upstream")
        reason = str(exc)
        await db_after_upstream(lambda: _fail(ctx, ref, UsageStatus.UPSTREAM_ERROR, reason, may_bill=False))
        status = 504 if "timeout" in type(exc.__cause__).__name__.lower() else 502
        raise ApiError(
            status, "upstream_unavailable", f"{ctx.vendor.title} could not be reached; nothing was charged."
        ) from exc
    except forward.OutcomeUnknownError as exc:
        ctx.timing.stage("upstream")
        reason = str(exc)
        await db_after_upstream(lambda: _fail(ctx, ref, UsageStatus.UNKNOWN, reason, may_bill=True))
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
        await db_after_upstream(
            lambda: _fail(ctx, ref, outcome_status, error.message, upstream=response.status_code)
        )
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
        reply = await _sync_settle(ctx, ref=ref, quote=quote, response=response, data=data, api_name=api_name)
    reply["X-Comfy-Upstream"] = "1"
    return reply


def _fail(
    ctx: Ctx,
    ref: settle.UsageRef,
    status: UsageStatus,
    message: str,
    *,
    may_bill: bool = False,
    upstream: int | None = None,
) -> None:
    settle.usage_settle(
        ref=ref,
        status=status,
        message=message,
        may_bill=may_bill,
        upstream_status=upstream,
        upstream_ms=ctx.timing.ms("upstream"),
        total_ms=ctx.timing.total_ms(),
        api_name=ctx.vendor.title,
    )


async def _sync_settle(
    ctx: Ctx, *, ref: settle.UsageRef, quote: Quote, response: httpx.Response, data: Any, api_name: str
) -> HttpResponse:
    outcome: Outcome = ctx.route.status(data, response.status_code)
    cost = ctx.route.cost(data, ctx.call) if outcome == "success" else None

    @transaction.atomic  # the capture, the usage row, the event and the stored reply: one commit
    def run() -> HttpResponse:
        charge, vendor_cost = settle.quote_charge_for(ctx.vendor.name, quote, cost)
        usage = settle.usage_settle(
            ref=ref,
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
        return store_reply(ctx, reply)

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
        await db_after_upstream(
            lambda: _fail(
                ctx,
                admission.ref,
                UsageStatus.FAILED,
                "no job id in the vendor reply",
                upstream=response.status_code,
            )
        )
        return replies.passthrough(response)
    cost = ctx.route.cost(data, ctx.call)
    facts = call_facts(ctx)
    rewrite = ctx.route.signed_poll_url
    context = dict(ctx.call.params)
    if len(quote.items) == 1:
        # A poll that settles on what was delivered (Route.settled_cost) prices it in the quoted row.
        item = quote.items[0]
        context |= {"quote_key": item.key, "quote_units": str(item.quantity)}

    @transaction.atomic  # the job, the usage row and the stored reply: one commit
    def run() -> HttpResponse:
        _charge, vendor_cost = settle.quote_charge_for(ctx.vendor.name, quote, cost)
        job = settle.job_open(
            admission=admission,
            facts=facts,
            submit_path=ctx.request.path,
            vendor_job_id=job_id,
            context=context,
            vendor_cost_micros=vendor_cost,
            upstream_status=response.status_code,
            upstream_ms=upstream_ms,
            with_token=rewrite,
        )
        if rewrite and isinstance(data, dict):
            # BFL's polling_url needs our vendor key: hand out our own signed capability URL (§5.3).
            data["polling_url"] = poll_url(job)
            return store_reply(ctx, replies.json_reply(data, response.status_code))
        return store_reply(ctx, replies.passthrough(response))

    submitted = await db_after_upstream(run)
    ctx.timing.stage("settle")
    if submitted is None:
        if rewrite:
            # BFL's own polling_url needs our vendor key: never hand it out.
            raise ApiError(503, "upstream_unavailable", "The platform is busy. Try again.")
        return replies.passthrough(response)
    return submitted
