"""Deterministic expiry (L7, L-05): never before expires_at, in expires_at order, no capture afterwards."""

from datetime import timedelta
from unittest.mock import patch

import pytest
import time_machine
from django.utils import timezone

from billing.errors import HoldAlreadyResolved, InvalidLedgerRequest
from billing.models import Hold, HoldStatus
from billing.selectors import wallet_balance
from billing.services import credits_reserve, hold_capture, hold_release, holds_expire
from billing.services import holds as holds_module
from billing.tasks import expire_holds
from tests.billing.support import fund, wallet_of

TTL = 300


@pytest.fixture
def wallet(owner):
    wallet = wallet_of(owner)
    fund(wallet, 1_000)
    return wallet


def test_it_expires_at_the_ttl_and_not_before(wallet, record_property):
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        hold = credits_reserve(
            wallet=wallet, amount_micros=100, expires_at=start + timedelta(seconds=TTL), key="h1"
        )
        clock.move_to(start + timedelta(seconds=TTL - 1))
        assert holds_expire(now=timezone.now()) == 0
        pending_before = wallet_balance(wallet=wallet).held_micros
        clock.move_to(start + timedelta(seconds=TTL + 1))
        assert expire_holds() == 1
        pending_after = wallet_balance(wallet=wallet).held_micros
        with pytest.raises(HoldAlreadyResolved) as exc:
            hold_capture(hold=hold, amount_micros=10)
    assert (pending_before, pending_after) == (100, 0)
    assert exc.value.reason == "expired"
    assert Hold.objects.get(pk=hold.pk).status == HoldStatus.EXPIRED
    record_property("L-05.pending_at_T-1", 1)
    record_property("L-05.pending_at_T+1", 0)
    print("FIGURE L-05 pending_T_minus_1=1 pending_T_plus_1=0")


def test_it_refuses_a_capture_past_expiry_even_before_the_sweep(wallet):
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        hold = credits_reserve(
            wallet=wallet, amount_micros=100, expires_at=start + timedelta(seconds=TTL), key="h1"
        )
        clock.move_to(start + timedelta(seconds=TTL + 1))
        with pytest.raises(HoldAlreadyResolved) as exc:
            hold_capture(hold=hold, amount_micros=10)
    assert exc.value.reason == "expired"
    assert wallet_balance(wallet=wallet).balance_micros == 1_000


def test_it_expires_in_expires_at_order(wallet):
    now = timezone.now() + timedelta(seconds=20)  # the sweep's clock
    late = credits_reserve(wallet=wallet, amount_micros=10, expires_at=now - timedelta(seconds=1), key="late")
    early = credits_reserve(
        wallet=wallet, amount_micros=10, expires_at=now - timedelta(seconds=9), key="early"
    )
    middle = credits_reserve(
        wallet=wallet, amount_micros=10, expires_at=now - timedelta(seconds=5), key="mid"
    )
    open_one = credits_reserve(
        wallet=wallet, amount_micros=10, expires_at=now + timedelta(seconds=60), key="open"
    )
    seen = []
    real = holds_module._hold_expire

    def spy(hold, *, now):
        seen.append(hold.pk)
        real(hold, now=now)

    with patch.object(holds_module, "_hold_expire", spy):
        assert holds_expire(now=now) == 3
    assert seen == [early.pk, middle.pk, late.pk]
    assert Hold.objects.get(pk=open_one.pk).status == HoldStatus.OPEN
    assert wallet_balance(wallet=wallet).held_micros == 10


def test_it_skips_holds_resolved_meanwhile(wallet):
    now = timezone.now() + timedelta(seconds=20)  # the sweep's clock
    hold = credits_reserve(wallet=wallet, amount_micros=10, expires_at=now - timedelta(seconds=1), key="h1")
    hold_release(hold=hold)
    assert holds_expire(now=now) == 0
    assert Hold.objects.get(pk=hold.pk).status == HoldStatus.RELEASED


def test_it_never_touches_balances_over_ten_years(wallet, record_property):
    """L-17 (the ledger's part): only reservation expiry ever runs on its own; credits do not expire."""
    before = wallet_balance(wallet=wallet)
    with time_machine.travel(timezone.now() + timedelta(days=3653)):
        expire_holds()
    assert wallet_balance(wallet=wallet) == before


def test_the_expiry_task_is_registered_for_the_scheduler(settings):
    from celery import current_app

    assert "billing.tasks.expire_holds" in current_app.tasks
    assert settings.CELERY_BEAT_SCHEDULE["billing-expire-holds"]["task"] == "billing.tasks.expire_holds"


def test_it_refuses_a_reservation_that_has_already_expired(wallet):
    with pytest.raises(InvalidLedgerRequest):
        credits_reserve(wallet=wallet, amount_micros=10, expires_at=timezone.now(), key="h1")
    assert not Hold.objects.exists()
