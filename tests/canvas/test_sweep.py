"""Idle and maximum-time ends, and proxied activity keeping a session alive."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from canvas.models import CanvasSession, EndReason, SessionStatus
from canvas.services import sessions_sweep
from tests.canvas.conftest import Platform, exchange_ticket, start_ready

pytestmark = pytest.mark.django_db(transaction=True)


def test_it_ends_an_idle_session(canvas_platform: Platform, owner: Any, settings: Any) -> None:
    settings.CANVAS_IDLE_MINUTES = 30
    session = start_ready(owner)
    CanvasSession.objects.filter(pk=session.pk).update(
        last_activity_at=timezone.now() - timedelta(minutes=29)
    )
    assert sessions_sweep().idle == 0
    CanvasSession.objects.filter(pk=session.pk).update(
        last_activity_at=timezone.now() - timedelta(minutes=31)
    )
    assert sessions_sweep().idle == 1
    session.refresh_from_db()
    assert (session.status, session.end_reason) == (SessionStatus.ENDED, EndReason.IDLE)


def test_proxied_activity_keeps_it_alive(canvas_platform: Platform, owner: Any) -> None:
    session = start_ready(owner)
    browser = exchange_ticket(canvas_platform, session)
    old = timezone.now() - timedelta(minutes=31)
    CanvasSession.objects.filter(pk=session.pk).update(last_activity_at=old)
    with browser.client() as client:
        assert client.get("api/queue").status_code == 200
    assert CanvasSession.objects.get(pk=session.pk).last_activity_at > old + timedelta(minutes=30)
    assert sessions_sweep().idle == 0


def test_it_ends_a_session_at_the_maximum_time(canvas_local: Any, owner: Any, settings: Any) -> None:
    settings.CANVAS_MAX_HOURS = 2
    session = start_ready(owner)
    CanvasSession.objects.filter(pk=session.pk).update(
        created_at=timezone.now() - timedelta(hours=2, seconds=1)
    )
    assert sessions_sweep().max_time == 1
    session.refresh_from_db()
    assert (session.status, session.end_reason) == (SessionStatus.ENDED, EndReason.MAX_TIME)


def test_a_fresh_session_is_not_written_on_every_request(
    canvas_platform: Platform, owner: Any, django_assert_max_num_queries: Any
) -> None:
    from canvas.services import session_touch

    session = start_ready(owner)
    with django_assert_max_num_queries(0):
        session_touch(session_id=session.pk, last_seen=timezone.now())
