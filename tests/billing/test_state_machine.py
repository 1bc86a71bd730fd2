"""L-06: a Hypothesis state machine drives the ledger services and checks, after every step, that the
database equals an in-memory model and that L1-L3, L6 and L8 hold (push: 200 examples on SQLite; a
PostgreSQL run with real commits is marked `pg`)."""

from __future__ import annotations

import itertools
import os
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from billing.audit import ledger_drifts
from billing.errors import (
    CaptureExceedsHold,
    HoldAlreadyResolved,
    InsufficientCredits,
    WalletClosed,
    WalletFrozen,
)
from billing.models import (
    Grant,
    Hold,
    HouseAccount,
    LedgerAccount,
    LedgerEntry,
    LedgerTransaction,
    TransactionCode,
)
from billing.selectors import wallet_get_for_user
from billing.services import (
    credits_clawback,
    credits_grant,
    credits_grant_approve,
    credits_purchase,
    credits_reserve,
    hold_capture,
    hold_release,
    holds_expire,
    wallet_close,
    wallet_freeze,
    wallet_unfreeze,
)
from tests.conftest import make_user

_serial = itertools.count()
amounts = st.integers(min_value=1, max_value=5_000)


@dataclass
class ModelHold:
    hold: Hold
    amount: int
    expires_at: object
    status: str = "open"


class LedgerMachine(RuleBasedStateMachine):
    staff: tuple = ()

    def __init__(self) -> None:
        super().__init__()
        n = next(_serial)
        self.wallet = wallet_get_for_user(user=make_user(f"sm{n}-{timezone.now().timestamp()}@example.com"))
        self.tag = f"sm{self.wallet.pk}"
        self.balance = self.held = 0
        self.status = "active"
        self.holds: list[ModelHold] = []
        self.purchases: list[tuple[str, int]] = []
        self.pending: list[Grant] = []
        self.clock = timezone.now()
        self.house = dict.fromkeys(HouseAccount, 0)
        self.ops = itertools.count()
        self.fund(10_000)  # start with credits, so that holds are made from the first step

    def key(self, kind: str) -> str:
        return f"{self.tag}-{kind}-{next(self.ops)}"

    # --- money in -------------------------------------------------------------------------------------
    @rule(amount=amounts)
    def fund(self, amount: int) -> None:
        key = self.key("cs")
        if self.status == "closed":
            with pytest.raises(WalletClosed):
                credits_purchase(
                    wallet=self.wallet, amount_micros=amount, payment_reference=key, source="stripe", key=key
                )
            return
        credits_purchase(
            wallet=self.wallet, amount_micros=amount, payment_reference=key, source="stripe", key=key
        )
        self.purchases.append((key, amount))
        self.balance += amount
        self.house[HouseAccount.STRIPE_FUNDING] -= amount

    @precondition(lambda self: self.purchases)
    @rule(data=st.data())
    def replay_purchase(self, data: st.DataObject) -> None:
        key, amount = data.draw(st.sampled_from(self.purchases))
        credits_purchase(
            wallet=self.wallet, amount_micros=amount, payment_reference=key, source="stripe", key=key
        )

    @rule(amount=amounts, large=st.booleans())
    def grant(self, amount: int, large: bool) -> None:
        if large:
            amount += django_settings.GRANT_APPROVAL_THRESHOLD_MICROS
        kwargs = {"actor": self.staff[0], "reason": "state machine", "ticket": "T-1", "key": self.key("g")}
        if self.status == "closed" and not large:
            with pytest.raises(WalletClosed):
                credits_grant(wallet=self.wallet, amount_micros=amount, **kwargs)
            return
        grant = credits_grant(wallet=self.wallet, amount_micros=amount, **kwargs)
        if large:
            assert grant.status == "pending"
            self.pending.append(grant)
            return
        self._credit_grant(amount)

    def _credit_grant(self, amount: int) -> None:
        self.balance += amount
        self.house[HouseAccount.SUPPORT_GRANTS] -= amount

    @precondition(lambda self: self.pending)
    @rule()
    def approve(self) -> None:
        grant = self.pending.pop()
        if self.status == "closed":
            with pytest.raises(WalletClosed):
                credits_grant_approve(grant=grant, approver=self.staff[1])
            return
        credits_grant_approve(grant=grant, approver=self.staff[1])
        self._credit_grant(grant.amount_micros)

    # --- holds ----------------------------------------------------------------------------------------
    @rule(amount=amounts, ttl=st.integers(min_value=60, max_value=600))
    def reserve(self, amount: int, ttl: int) -> None:
        expires_at = self.clock + timedelta(seconds=ttl)
        call = {
            "wallet": self.wallet,
            "amount_micros": amount,
            "expires_at": expires_at,
            "key": self.key("h"),
        }
        expected = {"frozen": WalletFrozen, "closed": WalletClosed}.get(self.status)
        if expected is None and self.balance - self.held < amount:
            expected = InsufficientCredits
        if expected is not None:
            with pytest.raises(expected):
                credits_reserve(**call)
            return
        self.holds.append(ModelHold(credits_reserve(**call), amount, expires_at))
        self.held += amount

    @precondition(lambda self: self.holds)
    @rule(data=st.data(), over=st.booleans())
    def capture(self, data: st.DataObject, over: bool) -> None:
        entry = data.draw(st.sampled_from(self.holds))
        amount = entry.amount + 1 if over else data.draw(st.integers(min_value=0, max_value=entry.amount))
        if over:
            with pytest.raises(CaptureExceedsHold):
                hold_capture(hold=entry.hold, amount_micros=amount)
            return
        if entry.status != "open":
            with pytest.raises(HoldAlreadyResolved):
                hold_capture(hold=entry.hold, amount_micros=amount)
            return
        hold_capture(hold=entry.hold, amount_micros=amount)
        entry.status = "captured"
        self.held -= entry.amount
        self.balance -= amount
        self.house[HouseAccount.USAGE_REVENUE] += amount

    @precondition(lambda self: self.holds)
    @rule(data=st.data())
    def release(self, data: st.DataObject) -> None:
        entry = data.draw(st.sampled_from(self.holds))
        if entry.status != "open":
            with pytest.raises(HoldAlreadyResolved):
                hold_release(hold=entry.hold)
            return
        hold_release(hold=entry.hold)
        entry.status = "released"
        self.held -= entry.amount

    @rule(seconds=st.integers(min_value=1, max_value=400))
    def expire(self, seconds: int) -> None:
        self.clock += timedelta(seconds=seconds)
        due = [h for h in self.holds if h.status == "open" and h.expires_at <= self.clock]
        assert holds_expire(now=self.clock) >= len(due)
        for entry in due:
            entry.status = "expired"
            self.held -= entry.amount

    # --- money out and status -------------------------------------------------------------------------
    @rule(amount=amounts)
    def clawback(self, amount: int) -> None:
        result = credits_clawback(
            wallet=self.wallet, payment_reference=self.key("pi"), amount_micros=amount, key=self.key("re")
        )
        taken = min(amount, max(self.balance - self.held, 0))
        assert (result.clawed_micros, result.loss_micros) == (taken, amount - taken)
        self.balance -= taken
        self.house[HouseAccount.STRIPE_FUNDING] += amount
        self.house[HouseAccount.CHARGEBACK_LOSS] -= amount - taken

    @rule(action=st.sampled_from(["freeze", "unfreeze", "close"]))
    def change_status(self, action: str) -> None:
        call = {"wallet": self.wallet, "reason": "state machine", "key": self.key(action)}
        if self.status == "closed" and action != "close":
            with pytest.raises(WalletClosed):
                {"freeze": wallet_freeze, "unfreeze": wallet_unfreeze}[action](**call)
            return
        if action == "close":
            wallet_close(**call)
            for entry in self.holds:
                if entry.status == "open":
                    entry.status = "released"
            self.house[HouseAccount.FORFEITED] += self.balance
            self.balance = self.held = 0
            self.status = "closed"
            return
        {"freeze": wallet_freeze, "unfreeze": wallet_unfreeze}[action](**call)
        self.status = "frozen" if action == "freeze" else "active"

    # --- invariants (this wallet's, after every step; raw SQL keeps 200 examples fast) -------------------
    @invariant()
    def database_equals_model_and_ledger_is_sound(self) -> None:
        w = self.wallet.pk
        (balance, held, status), *_ = _sql(
            "SELECT balance_micros, held_micros, status FROM {A} WHERE id = %s",
            w,
        )
        assert (balance, held, status) == (self.balance, self.held, self.status)
        assert balance - held >= 0  # L2
        # The house legs of this wallet's transactions (house_balance() sums them over every wallet).
        house = dict(_sql(_HOUSE_SQL, w))
        assert {code: house.get(code, 0) for code in self.house} == self.house
        # L3: balance = fold(entries), versions without gaps, each leg chained to the previous one.
        previous = 0
        for version, (number, before, after) in enumerate(_sql(_LEGS_SQL, w), start=1):
            assert (number, before) == (version, previous)
            previous = after
        assert previous == self.balance
        # L1: every transaction of this wallet sums to zero; L8: only the allowed codes move money.
        codes = {c.value for c in TransactionCode}
        for code, total, count in _sql(_TXN_SQL, w):
            assert (total, count >= 2, code in codes) == (0, True, True)
        # L6: every hold is in its modelled state (and, above, open holds add up to `held`).
        assert dict(_sql("SELECT id, status FROM {H} WHERE wallet_id = %s", w)) == {
            h.hold.pk: h.status for h in self.holds
        }

    def teardown(self) -> None:
        # The operator's own check (manage.py ledger_check) agrees, on both backends, at the end of every
        # example. It scans every wallet in the database, and the examples' rows pile up in one test
        # transaction: after every step it made the full tier quadratic (41 minutes in CI); the
        # wallet-scoped checks above still run after every step.
        assert ledger_drifts() == []


TABLES = {
    name: model._meta.db_table
    for name, model in {"A": LedgerAccount, "E": LedgerEntry, "T": LedgerTransaction, "H": Hold}.items()
}
_HOUSE_SQL = (
    "SELECT a.code, SUM(e.amount_micros) FROM {E} e JOIN {T} t ON t.id = e.transaction_id "
    "JOIN {A} a ON a.id = e.account_id WHERE t.wallet_id = %s AND a.code IS NOT NULL GROUP BY a.code"
)
_LEGS_SQL = (
    "SELECT account_version, balance_before_micros, balance_after_micros FROM {E} "
    "WHERE account_id = %s ORDER BY account_version"
)
_TXN_SQL = (
    "SELECT t.code, COALESCE(SUM(e.amount_micros), 0), COUNT(e.id) FROM {T} t "
    "LEFT JOIN {E} e ON e.transaction_id = t.id WHERE t.wallet_id = %s GROUP BY t.id, t.code"
)


def _sql(sql: str, *params: object) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql.format(**TABLES), params)
        return cursor.fetchall()


def _run(examples: int, steps: int) -> None:
    LedgerMachine.staff = (
        make_user(f"staff-a-{next(_serial)}@example.com", is_staff=True),
        make_user(f"staff-b-{next(_serial)}@example.com", is_staff=True),
    )
    run_state_machine_as_test(
        LedgerMachine,
        settings=settings(
            max_examples=examples,
            stateful_step_count=steps,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )


# Push tier: 200 examples of up to 8 steps; the full tier (LEDGER_FULL=1): 1,000 of up to 50.
EXAMPLES, STEPS = (1_000, 50) if os.environ.get("LEDGER_FULL") == "1" else (200, 8)


# 1,000 examples of up to 50 steps take about five minutes on 2 cores alone: more than the suite's default
# per-test timeout, so the full tier gets its own, with room for a machine shared with other suites (it
# timed out at 20 minutes under a load average of 5).
@pytest.mark.timeout(2_400 if EXAMPLES > 200 else 300)
def test_it_matches_the_model_after_every_step(db, record_property):
    _run(examples=EXAMPLES, steps=STEPS)
    record_property("L-06.examples", EXAMPLES)
    print(f"FIGURE L-06 examples={EXAMPLES} steps<={STEPS} falsifying=0")


@pytest.mark.pg
@pytest.mark.django_db(transaction=True)
def test_it_matches_the_model_with_real_commits_on_pg(record_property):
    _run(examples=40, steps=8)
    print("FIGURE L-06-pg examples=40 steps<=8 falsifying=0")
