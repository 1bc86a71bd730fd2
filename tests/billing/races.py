"""Race scenarios shared by the PostgreSQL tests and their SQLite smoke variants (quality.md §3.0)."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

from billing.audit import ledger_drifts
from billing.errors import InsufficientCredits
from billing.models import Hold, HoldStatus, LedgerAccount, LedgerEntry
from billing.selectors import wallet_balance
from billing.services import credits_reserve, hold_capture
from tests.billing.support import fund, later, run_on_barrier

UNIT = 1_000_000 // 211  # one credit, in micro-USD (rounded down)


@dataclass
class Outcome:
    ok: int = 0
    rejected: int = 0
    unexpected: list[BaseException] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def count(self, *, ok: bool) -> None:
        with self.lock:
            if ok:
                self.ok += 1
            else:
                self.rejected += 1


def _shares(total: int, threads: int) -> list[int]:
    return [total // threads + (1 if i < total % threads else 0) for i in range(threads)]


def charge_race(wallet: LedgerAccount, *, pushes: int, threads: int, capture_at_once: bool) -> Outcome:
    """`pushes` one-credit reservations from `threads` connections against 10 credits available."""
    fund(wallet, 10 * UNIT)
    outcome = Outcome()

    def worker(index: int, attempts: int):
        def work() -> None:
            for attempt in range(attempts):
                try:
                    hold = credits_reserve(
                        wallet=wallet, amount_micros=UNIT, expires_at=later(), key=f"r-{index}-{attempt}"
                    )
                except InsufficientCredits as exc:
                    if exc.to_api_error().status != 402:
                        outcome.unexpected.append(exc)
                    outcome.count(ok=False)
                    continue
                except Exception as exc:  # noqa: BLE001 - anything else is a server error: counted, must be 0
                    outcome.unexpected.append(exc)
                    continue
                outcome.count(ok=True)
                if capture_at_once:
                    hold_capture(hold=hold, amount_micros=UNIT)

        return work

    crashes = run_on_barrier([worker(i, n) for i, n in enumerate(_shares(pushes, threads))])
    outcome.unexpected.extend(crashes)
    return outcome


def sample_pending(
    wallet: LedgerAccount, stop: threading.Event, samples: list[int], started: threading.Event
) -> None:
    """Read the wallet's pending (held) amount every millisecond until stopped."""
    from django.db import connection

    try:
        while not stop.is_set():
            samples.append(wallet_balance(wallet=wallet).held_micros)
            started.set()
            time.sleep(0.001)
    finally:
        connection.close()


def overdraft(wallet: LedgerAccount) -> int:
    """How far the wallet's entries went below zero (0 when the guard held)."""
    balances = LedgerEntry.objects.filter(account=wallet).values_list("balance_after_micros", flat=True)
    return max([0, *(-b for b in balances if b is not None)])


def captured_count(wallet: LedgerAccount) -> int:
    return Hold.objects.filter(wallet=wallet, status=HoldStatus.CAPTURED).count()


def assert_sound() -> None:
    assert ledger_drifts() == []
