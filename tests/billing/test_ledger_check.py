"""L-10: random operations leave no drift; a corrupted cached balance is flagged (and the command fails)."""

import os
import random

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from billing.audit import ledger_drifts
from billing.errors import HoldAlreadyResolved, InsufficientCredits
from billing.models import Hold, HoldStatus, LedgerAccount
from billing.services import (
    credits_clawback,
    credits_grant,
    credits_purchase,
    credits_reserve,
    hold_capture,
    hold_release,
)
from tests.billing.support import figure, later, wallet_of
from tests.conftest import make_user

# Push tier: 400 operations; the full tier (LEDGER_FULL=1) runs quality.md's 10,000.
OPERATIONS = 10_000 if os.environ.get("LEDGER_FULL") == "1" else 400


def _random_operations(wallets, staff, rng):
    for i in range(OPERATIONS):
        wallet = rng.choice(wallets)
        op = rng.randrange(6)
        try:
            if op == 0:
                ref = f"cs_{i}"
                credits_purchase(
                    wallet=wallet,
                    amount_micros=rng.randint(1, 500),
                    payment_reference=ref,
                    source="stripe",
                    key=ref,
                )
            elif op == 1:
                credits_grant(
                    wallet=wallet,
                    amount_micros=rng.randint(1, 100),
                    actor=staff,
                    reason="r",
                    ticket="t",
                    key=f"g{i}",
                )
            elif op == 2:
                credits_reserve(
                    wallet=wallet, amount_micros=rng.randint(1, 200), expires_at=later(), key=f"h{i}"
                )
            elif op in (3, 4):
                hold = Hold.objects.filter(wallet=wallet, status=HoldStatus.OPEN).first()
                if hold is not None and op == 3:
                    hold_capture(hold=hold, amount_micros=rng.randint(0, hold.amount_micros))
                elif hold is not None:
                    hold_release(hold=hold)
            else:
                credits_clawback(
                    wallet=wallet,
                    payment_reference=f"pi_{i}",
                    amount_micros=rng.randint(1, 300),
                    key=f"re{i}",
                )
        except (InsufficientCredits, HoldAlreadyResolved):
            continue


@pytest.fixture
def busy_ledger(staff):
    wallets = [wallet_of(make_user(f"u{n}@example.com")) for n in range(5)]
    _random_operations(wallets, staff, random.Random(20261127))
    return wallets


def test_it_finds_no_drift_after_random_operations(busy_ledger, record_property, capsys):
    drifts = ledger_drifts()
    figure(record_property, "L-10", operations=OPERATIONS, clean_diff=len(drifts))
    assert drifts == []
    call_command("ledger_check")
    assert "Ledger OK" in capsys.readouterr().out


def test_it_flags_a_corrupted_cached_balance(busy_ledger, record_property, caplog):
    victim = busy_ledger[2]
    table = LedgerAccount._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET balance_micros = balance_micros + 7 WHERE id = %s", [victim.pk])  # noqa: S608
    drifts = ledger_drifts()
    flagged = {d.account_id for d in drifts}
    figure(record_property, "L-10", corrupted_flagged=len(flagged))
    assert flagged == {victim.pk}
    assert "Ledger drift" in caplog.text  # the alert: an ERROR log line per drift
    with pytest.raises(CommandError, match="drift"):
        call_command("ledger_check")


def test_it_flags_a_corrupted_held_amount(busy_ledger):
    victim = busy_ledger[0]
    table = LedgerAccount._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET held_micros = held_micros + 1 "  # noqa: S608
            "WHERE id = %s AND balance_micros > held_micros",
            [victim.pk],
        )
        changed = cursor.rowcount
    assert changed == 1
    assert {d.account_id for d in ledger_drifts()} == {victim.pk}
