"""Periodic work for the embedded default, where no Celery beat/worker runs: a daemon thread calls the same
tasks that CELERY_BEAT_SCHEDULE lists, at the same intervals. Production uses `celery beat` instead."""

from __future__ import annotations

import logging
import threading
import time
from datetime import timedelta

from celery import current_app
from django.conf import settings
from django.db import close_old_connections

logger = logging.getLogger(__name__)


def _seconds(schedule: object) -> float:
    if isinstance(schedule, timedelta):
        return schedule.total_seconds()
    if isinstance(schedule, int | float):
        return float(schedule)
    return 60.0


def _run_forever(stop: threading.Event) -> None:
    next_run: dict[str, float] = {}
    while not stop.wait(1.0):
        now = time.monotonic()
        for name, entry in settings.CELERY_BEAT_SCHEDULE.items():
            due = next_run.setdefault(name, now + _seconds(entry.get("schedule", 60)))
            if now < due:
                continue
            next_run[name] = now + _seconds(entry.get("schedule", 60))
            try:
                current_app.tasks[str(entry["task"])].apply()
            except Exception:
                logger.exception("Periodic task %s failed", name)
            finally:
                close_old_connections()


def beat_tasks_missing() -> list[str]:
    """Names in CELERY_BEAT_SCHEDULE that no installed app registers (a typo would silently never run)."""
    # Outside a worker, Celery imports the apps' tasks modules lazily; import them now.
    current_app.loader.import_default_modules()
    return [
        str(e["task"]) for e in settings.CELERY_BEAT_SCHEDULE.values() if e["task"] not in current_app.tasks
    ]


def start_in_process_scheduler() -> threading.Event:
    missing = beat_tasks_missing()
    if missing:
        logger.error("Periodic tasks not found, they will not run: %s", ", ".join(missing))
    stop = threading.Event()
    threading.Thread(target=_run_forever, args=(stop,), name="comfyweb-scheduler", daemon=True).start()
    return stop
