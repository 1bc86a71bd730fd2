"""L-04: 50 captures + 50 releases + the expiry sweeper race on one hold: exactly one resolution."""

import threading
from datetime import timedelta

import pytest
from django.db import connection

from billing.errors import HoldAlreadyResolved
from billing.models import Hold
from billing.selectors import wallet_balance
from billing.services import credits_reserve, hold_capture, hold_release, holds_expire
from tests.billing.races import assert_sound
from tests.billing.support import connection_budget, figure, fund, later, run_on_barrier, wallet_of


def _race(owner, record_property, *, captures, releases, sweepers, test_id):
    wallet = wallet_of(owner)
    fund(wallet, 1_000)
    hold = credits_reserve(wallet=wallet, amount_micros=100, expires_at=later(300), key="the-hold")
    wins, refusals, unexpected = [], [], []
    lock = threading.Lock()

    def attempt(kind):
        def work():
            stale = Hold.objects.get(pk=hold.pk)  # every thread starts from an open hold
            try:
                if kind == "capture":
                    hold_capture(hold=stale, amount_micros=60)
                elif kind == "release":
                    hold_release(hold=stale, reason="race")
                elif holds_expire(now=hold.expires_at + timedelta(seconds=1)) == 0:
                    return  # the sweeper found nothing left to expire
            except HoldAlreadyResolved as exc:
                with lock:
                    refusals.append(exc.reason)
                return
            except Exception as exc:  # noqa: BLE001 - a server error, counted and asserted 0
                with lock:
                    unexpected.append(exc)
                return
            with lock:
                wins.append(kind)

        return work

    kinds = ["capture"] * captures + ["release"] * releases + ["expire"] * sweepers
    attempts = [attempt(k) for k in kinds]
    # One attempt per thread where the server has room; otherwise threads take turns (the first wave races).
    threads = connection_budget(len(attempts))

    def worker(share):
        def work():
            for run in share:
                run()

        return work

    crashes = run_on_barrier([worker(attempts[n::threads]) for n in range(threads)])
    final = Hold.objects.get(pk=hold.pk)
    balance = wallet_balance(wallet=wallet)
    expected_reason = {"captured": "already_captured", "released": "already_released", "expired": "expired"}
    figure(
        record_property,
        test_id,
        threads=threads,
        resolutions=len(wins),
        winner=final.status,
        refused=len(refusals),
        errors_5xx=len(unexpected) + len(crashes),
    )
    assert unexpected == []
    assert crashes == []
    assert len(wins) == 1
    assert final.status != "open"
    assert set(refusals) <= {expected_reason[final.status]}
    assert len(refusals) == captures + releases - (1 if wins[0] != "expire" else 0)
    assert balance.held_micros == 0
    assert balance.balance_micros == (940 if final.status == "captured" else 1_000)
    assert_sound()


@pytest.mark.pg
@pytest.mark.django_db(transaction=True)
def test_it_resolves_a_raced_hold_exactly_once_on_pg(owner, record_property):
    _race(owner, record_property, captures=50, releases=50, sweepers=4, test_id="L-04")


@pytest.mark.django_db(transaction=True)
def test_it_resolves_a_raced_hold_exactly_once_on_sqlite(owner, record_property):
    if connection.vendor != "sqlite":
        pytest.skip("the SQLite smoke variant")
    _race(owner, record_property, captures=8, releases=8, sweepers=2, test_id="L-04-sqlite")
