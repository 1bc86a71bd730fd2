from __future__ import annotations

import pytest
from django.conf import settings

from comfyweb.scheduler import beat_tasks_missing


@pytest.mark.django_db  # Celery's Django fix-up checks the database while importing the tasks modules
def test_it_finds_a_registered_task_for_every_periodic_entry() -> None:
    assert settings.CELERY_BEAT_SCHEDULE, "the sweepers must be scheduled"
    assert beat_tasks_missing() == []


def test_it_schedules_the_hold_expiry_and_job_sweepers() -> None:
    tasks = {str(entry["task"]) for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert {"billing.tasks.expire_holds", "nodes.tasks.sweep_jobs"} <= tasks
