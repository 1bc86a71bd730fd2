"""Celery tasks: thin wrappers over the ledger services."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from billing.services import holds_expire


@shared_task(name="billing.tasks.expire_holds", ignore_result=True)  # type: ignore[untyped-decorator]
def expire_holds() -> int:
    """Release every hold past its expiry (scheduled every 60 s)."""
    return holds_expire(now=timezone.now())
