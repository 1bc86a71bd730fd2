"""L-01 / L-02: concurrent one-credit charges and reservations against 10 available.

On PostgreSQL with 64 connections (push: 200 attempts; LEDGER_FULL=1: 1,000) and, as a smoke variant, on
the file-backed SQLite test database with 8 threads x 25 attempts. Outcomes are counted from the database.
"""

import os
import threading

import pytest
from django.db import connection

from billing.selectors import wallet_balance
from tests.billing.races import UNIT, assert_sound, captured_count, charge_race, overdraft, sample_pending
from tests.billing.support import connection_budget, figure, run_on_barrier, wallet_of

PUSHES = 1_000 if os.environ.get("LEDGER_FULL") == "1" else 200


def _l01(owner, record_property, *, pushes, threads, test_id):
    wallet = wallet_of(owner)
    outcome = charge_race(wallet, pushes=pushes, threads=threads, capture_at_once=True)
    balance = wallet_balance(wallet=wallet)
    successes = captured_count(wallet)
    figure(
        record_property,
        test_id,
        pushes=pushes,
        threads=threads,
        success=successes,
        rejected=outcome.rejected,
        overdraft=overdraft(wallet),
        errors_5xx=len(outcome.unexpected),
    )
    assert outcome.unexpected == []
    assert (successes, outcome.ok, outcome.rejected) == (10, 10, pushes - 10)
    assert overdraft(wallet) == 0
    assert (balance.balance_micros, balance.held_micros) == (0, 0)
    assert_sound()


def _l02(owner, record_property, *, pushes, threads, test_id):
    wallet = wallet_of(owner)
    stop, samples = threading.Event(), []
    started = threading.Event()
    sampler = threading.Thread(target=sample_pending, args=(wallet, stop, samples, started))
    sampler.start()
    assert started.wait(timeout=60)  # the sampler is reading before the race begins
    try:
        outcome = charge_race(wallet, pushes=pushes, threads=threads, capture_at_once=False)
    finally:
        stop.set()
        sampler.join()
    from billing.models import Hold
    from billing.services import hold_capture

    holds = list(Hold.objects.filter(wallet=wallet, status="open"))
    crashes = run_on_barrier([lambda h=h: hold_capture(hold=h, amount_micros=UNIT) for h in holds])
    balance = wallet_balance(wallet=wallet)
    figure(
        record_property,
        test_id,
        pushes=pushes,
        threads=threads,
        reserves_ok=len(holds),
        max_sampled_pending=max(samples) // UNIT,
        samples=len(samples),
        balance_after=balance.balance_micros,
        pending_after=balance.held_micros,
    )
    assert outcome.unexpected == []
    assert crashes == []
    assert (len(holds), outcome.ok, outcome.rejected) == (10, 10, pushes - 10)
    assert max(samples) <= 10 * UNIT
    assert (balance.balance_micros, balance.held_micros) == (0, 0)
    assert_sound()


@pytest.mark.pg
@pytest.mark.django_db(transaction=True)
def test_it_lets_exactly_ten_charges_through_on_pg(owner, record_property):
    _l01(owner, record_property, pushes=PUSHES, threads=connection_budget(64), test_id="L-01")


@pytest.mark.pg
@pytest.mark.django_db(transaction=True)
def test_it_never_holds_more_than_available_on_pg(owner, record_property):
    _l02(owner, record_property, pushes=PUSHES, threads=connection_budget(63), test_id="L-02")


@pytest.mark.django_db(transaction=True)
def test_it_lets_exactly_ten_charges_through_on_sqlite(owner, record_property):
    if connection.vendor != "sqlite":
        pytest.skip("the SQLite smoke variant")
    _l01(owner, record_property, pushes=200, threads=8, test_id="L-01-sqlite")


@pytest.mark.django_db(transaction=True)
def test_it_never_holds_more_than_available_on_sqlite(owner, record_property):
    if connection.vendor != "sqlite":
        pytest.skip("the SQLite smoke variant")
    _l02(owner, record_property, pushes=200, threads=8, test_id="L-02-sqlite")
