"""Celery tasks of the nodes app: thin wrappers over the services."""

from __future__ import annotations

from typing import Any

from celery import shared_task

from nodes.engine.sweeper import jobs_sweep


@shared_task(name="nodes.tasks.sweep_jobs", time_limit=240, soft_time_limit=200)  # type: ignore[untyped-decorator]
def sweep_jobs() -> dict[str, Any]:
    """Poll vendor jobs nobody polled for PROXY_SWEEP_IDLE_SECONDS and settle them (beat: every minute)."""
    return jobs_sweep()
