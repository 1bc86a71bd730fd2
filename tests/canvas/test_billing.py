"""Hosted time through the ledger: a hold one minute ahead, captured each minute, released at the end, and
the session ended when the wallet cannot pay the next minute."""

from __future__ import annotations

import os
import signal
from datetime import timedelta
from typing import Any

import pytest

from billing.models import Hold, HoldStatus, LedgerAccount
from canvas.models import CanvasSession, EndReason, SessionStatus
from canvas.services import session_end, sessions_sweep
from canvas.spawners.local import _marked_processes
from tests.canvas.conftest import process_gone_soon, start_ready
from tests.nodes.conftest import fund_user

pytestmark = pytest.mark.django_db(transaction=True)

PRICE = 1_000_000  # $1 a minute


def _wallet(user: Any) -> LedgerAccount:
    return LedgerAccount.objects.get(user=user, kind="user")


@pytest.fixture
def priced(canvas_local: Any, settings: Any) -> None:
    settings.CANVAS_LOCAL_PRICE_PER_MINUTE_MICROS = PRICE


def test_it_holds_a_minute_ahead_and_captures_each_minute(priced: None, owner: Any) -> None:
    fund_user(owner, 10 * PRICE)
    session = start_ready(owner)
    wallet = _wallet(owner)
    assert (wallet.balance_micros, wallet.held_micros) == (10 * PRICE, PRICE)
    assert session.ready_at is not None
    sessions_sweep(now=session.ready_at + timedelta(seconds=59))
    assert _wallet(owner).balance_micros == 10 * PRICE  # the first minute is not over yet
    sessions_sweep(now=session.ready_at + timedelta(minutes=3, seconds=10))
    session.refresh_from_db()
    wallet = _wallet(owner)
    assert session.billed_minutes == 3
    assert session.charged_micros == 3 * PRICE
    assert (wallet.balance_micros, wallet.held_micros) == (7 * PRICE, PRICE)
    sessions_sweep(now=session.ready_at + timedelta(minutes=3, seconds=20))  # a second sweep: nothing twice
    assert _wallet(owner).balance_micros == 7 * PRICE
    session_end(session=session, reason=EndReason.USER)
    wallet = _wallet(owner)
    assert wallet.held_micros == 0  # the minute in progress was released, not charged
    holds = Hold.objects.filter(key__startswith=f"canvas:{session.public_id}:")
    assert sorted(h.status for h in holds).count(HoldStatus.CAPTURED) == 3
    assert all(h.status in (HoldStatus.CAPTURED, HoldStatus.RELEASED) for h in holds)


def test_it_ends_the_session_when_the_next_minute_cannot_be_paid(priced: None, owner: Any) -> None:
    fund_user(owner, PRICE * 5 // 2)  # two and a half minutes
    session = start_ready(owner)
    assert session.ready_at is not None
    sessions_sweep(now=session.ready_at + timedelta(minutes=2, seconds=1))
    session.refresh_from_db()
    wallet = _wallet(owner)
    assert (session.status, session.end_reason) == (SessionStatus.ENDED, EndReason.FUNDS)
    assert session.charged_micros == 2 * PRICE
    assert (wallet.balance_micros, wallet.held_micros) == (PRICE // 2, 0)


def test_it_refuses_to_open_a_priced_session_without_credits(priced: None, owner: Any) -> None:
    session = CanvasSession.objects.none()
    from canvas.services import session_create, session_wait_ready

    session, _ = session_create(user=owner)
    session = session_wait_ready(session=session, timeout=20)
    assert (session.status, session.end_reason) == (SessionStatus.ENDED, EndReason.FUNDS)
    assert session.charged_micros == 0


def test_a_free_session_books_nothing(canvas_local: Any, owner: Any) -> None:
    session = start_ready(owner)
    assert session.ready_at is not None
    sessions_sweep(now=session.ready_at + timedelta(minutes=5))
    session_end(session=session, reason=EndReason.USER)
    assert not Hold.objects.filter(key__startswith="canvas:").exists()


def test_a_priced_local_process_killed_mid_session_is_charged_only_its_billed_minutes(
    priced: None, owner: Any
) -> None:
    """The backend dies between two sweeps: the minutes already captured stay charged, the minute in
    progress is released, the session ends as lost and no process is left behind."""
    fund_user(owner, 10 * PRICE)
    session = start_ready(owner)
    assert session.ready_at is not None
    assert session.pid
    sessions_sweep(now=session.ready_at + timedelta(minutes=2, seconds=5))
    os.killpg(session.pid, signal.SIGKILL)
    assert process_gone_soon(session.pid)
    result = sessions_sweep(now=session.ready_at + timedelta(minutes=2, seconds=30))
    session.refresh_from_db()
    wallet = _wallet(owner)
    assert result.lost == 1
    assert (session.status, session.end_reason) == (SessionStatus.FAILED, EndReason.BACKEND_LOST)
    assert (session.billed_minutes, session.charged_micros) == (2, 2 * PRICE)
    assert (wallet.balance_micros, wallet.held_micros) == (8 * PRICE, 0)
    holds = Hold.objects.filter(key__startswith=f"canvas:{session.public_id}:")
    assert sorted(h.status for h in holds) == [HoldStatus.CAPTURED, HoldStatus.CAPTURED, HoldStatus.RELEASED]
    sessions_sweep(now=session.ready_at + timedelta(minutes=5))  # a later sweep books nothing more
    assert _wallet(owner).balance_micros == 8 * PRICE
    assert session.pid not in _marked_processes()
