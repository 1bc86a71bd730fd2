"""Celery interface over canvas.services (thin, no logic)."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="canvas.tasks.sweep_sessions")  # type: ignore[untyped-decorator]
def sweep_sessions() -> dict[str, int]:
    from canvas.services import sessions_sweep

    result = sessions_sweep()
    return dict(result.__dict__)
