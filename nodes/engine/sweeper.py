"""Settle vendor jobs that nobody polls any more (legacy clients give up after ~10 minutes while the
vendor may still finish and bill): poll them from the server and settle by the vendor's outcome."""

from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from asgiref.sync import async_to_sync
from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from nodes.engine import forward, replies, routing, settle
from nodes.engine.idempotency import idempotency_forget
from nodes.engine.types import Outcome, Route, Vendor
from nodes.models import JobState, ProxyJob
from nodes.vendors import VENDORS

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Observation:
    outcome: Outcome
    vendor_status: str
    result_ref: str
    reply: Any = None  # the poll reply, for routes that price what was delivered (settled_cost)
    route: Route | None = None


def _poll_route(job: ProxyJob) -> tuple[Vendor, Route] | None:
    vendor = VENDORS.get(job.vendor)
    if vendor is None:
        return None
    submit = next((r for r in vendor.routes if r.label == job.route), None)
    route = vendor.route_named(submit.poll_route) if submit else None
    return (vendor, route) if route else None


async def _observe(job: ProxyJob) -> Observation | None:
    found = _poll_route(job)
    if found is None:
        return None
    vendor, route = found
    upstream = forward.upstream_for(vendor)
    path = routing.fill(route.upstream, {**job.context, "job": job.vendor_job_id})
    body = route.poll_body(job.vendor_job_id) if route.poll_body else None
    content = json.dumps(body).encode() if body is not None else None
    try:
        response = await forward.send(
            route=route, upstream=upstream, path=path, content=content, content_type="application/json"
        )
    except (forward.NotSentError, forward.OutcomeUnknownError):
        return None
    if response.status_code >= 400:
        return None
    data = replies.json_or_none(response)
    outcome = route.status(data, response.status_code)
    ref = route.result_ref(data) if route.result_ref and outcome == "success" else ""
    return Observation(outcome, "", ref, reply=data, route=route)


async def _observe_all(jobs: list[ProxyJob]) -> list[Observation | None]:
    try:
        results = await asyncio.gather(*(_observe(job) for job in jobs), return_exceptions=True)
    finally:
        # This event loop ends with the sweep: close its pooled connections with it.
        await forward.close_transports()
    return [r if isinstance(r, Observation) else None for r in results]


def jobs_due(*, now: datetime, limit: int) -> list[ProxyJob]:
    idle = now - timedelta(seconds=settings.PROXY_SWEEP_IDLE_SECONDS)
    return list(
        ProxyJob.objects.filter(state=JobState.OPEN)
        .filter(Q(last_polled_at__lt=idle) | Q(last_polled_at__isnull=True, created_at__lt=idle))
        .order_by("last_polled_at", "id")[:limit]
    )


def jobs_sweep(*, now: datetime | None = None, limit: int = 200) -> dict[str, Any]:
    """Poll idle open jobs once; settle the terminal ones; reconcile calls whose hold expired."""
    now = now or timezone.now()
    jobs = jobs_due(now=now, limit=limit)
    observations = async_to_sync(_observe_all)(jobs) if jobs else []
    settled = 0
    for job, seen in zip(jobs, observations, strict=True):
        ProxyJob.objects.filter(pk=job.pk).update(last_polled_at=timezone.now())
        if seen is None or seen.outcome == "pending":
            continue
        settle.job_observe(job_id=job.pk, vendor_status=seen.vendor_status, result_ref=seen.result_ref)
        vendor = VENDORS.get(job.vendor)
        settle.job_settle(
            job=job,
            outcome=seen.outcome,
            api_name=vendor.title if vendor else job.vendor,
            reply=seen.reply,
            settled_cost=seen.route.settled_cost if seen.route else None,
        )
        settled += 1
    expired = settle.usage_reconcile_expired()
    forgotten = idempotency_forget(now=now)
    return {"polled": len(jobs), "settled": settled, "expired": expired, "idempotency_forgotten": forgotten}
