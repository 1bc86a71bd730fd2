"""Settle vendor jobs that nobody polls any more (legacy clients give up after ~10 minutes while the
vendor may still finish and bill): poll them from the server and settle by the vendor's outcome.

A sweep asks the vendor exactly what a user's poll asks (`lifecycle.observe_job`) and records it with the
same database step (`lifecycle.record_observation`).
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta
from typing import Any

from asgiref.sync import async_to_sync
from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from nodes.engine import forward, settle
from nodes.engine.idempotency import idempotency_forget
from nodes.engine.lifecycle import observe_job, poll_route_of, record_observation
from nodes.engine.types import Observation
from nodes.models import JobState, ProxyJob

logger = logging.getLogger(__name__)


async def _observe(job: ProxyJob) -> Observation | None:
    found = poll_route_of(job)
    if found is None:
        return None
    try:
        _response, seen = await observe_job(*found, job)
    except (forward.NotSentError, forward.OutcomeUnknownError):
        return None
    return seen


async def _observe_all(jobs: list[ProxyJob]) -> list[Observation | None]:
    try:
        results = await asyncio.gather(*(_observe(job) for job in jobs), return_exceptions=True)
    finally:
        # This event loop ends with the sweep: close its pooled connections with it.
        await forward.close_transports()
    for job, result in zip(jobs, results, strict=True):
        if isinstance(result, BaseException):
            logger.warning("Sweeping %s job %s failed: %r", job.vendor, job.vendor_job_id[:40], result)
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
        found = poll_route_of(job)
        if seen is None or found is None:
            # Unreachable, or an error reply: try again at the next sweep.
            ProxyJob.objects.filter(pk=job.pk).update(last_polled_at=timezone.now())
            continue
        outcome = record_observation(*found, job, seen)
        if seen.outcome != "pending" and outcome is not None:
            settled += 1
    expired = settle.usage_reconcile_expired()
    forgotten = idempotency_forget(now=now)
    return {"polled": len(jobs), "settled": settled, "expired": expired, "idempotency_forgotten": forgotten}
