"""L-09: grants (support_grants → U), clawbacks (U → chargeback_loss) and captures at once, without
deadlocks; and a capture never waits for a house-account row."""

import random
import threading

import pytest
from django.db import connection, transaction

from billing.models import HouseAccount, LedgerAccount
from billing.selectors import wallet_balance
from billing.services import credits_clawback, credits_grant, credits_reserve, hold_capture
from tests.billing.races import assert_sound
from tests.billing.support import connection_budget, figure, fund, later, run_on_barrier, wallet_of
from tests.conftest import make_user

pytestmark = [pytest.mark.pg, pytest.mark.django_db(transaction=True)]

GRANTS, CLAWBACKS, CAPTURES, THREADS, WALLETS = 100, 100, 200, 32, 4  # full tier: 500 / 500 / 1,000


def test_it_runs_opposite_transfers_without_deadlocks(staff, record_property):
    wallets = [wallet_of(make_user(f"w{n}@example.com")) for n in range(WALLETS)]
    for wallet in wallets:
        fund(wallet, 10_000_000)
    holds = [
        credits_reserve(wallet=wallets[i % WALLETS], amount_micros=100, expires_at=later(), key=f"h{i}")
        for i in range(CAPTURES)
    ]
    rng = random.Random(9)
    tasks = (
        [("grant", i, rng.randrange(WALLETS)) for i in range(GRANTS)]
        + [("clawback", i, rng.randrange(WALLETS)) for i in range(CLAWBACKS)]
        + [("capture", i, i % WALLETS) for i in range(CAPTURES)]
    )
    rng.shuffle(tasks)
    errors, lock = [], threading.Lock()

    def run(task):
        kind, i, w = task
        if kind == "grant":
            credits_grant(
                wallet=wallets[w], amount_micros=7, actor=staff, reason="race", ticket="T", key=f"g{i}"
            )
        elif kind == "clawback":
            credits_clawback(wallet=wallets[w], payment_reference=f"pi{i}", amount_micros=5, key=f"c{i}")
        else:
            hold_capture(hold=holds[i], amount_micros=60)

    def worker(share):
        def work():
            for task in share:
                try:
                    run(task)
                except Exception as exc:  # noqa: BLE001 - deadlocks and anything else: counted, must be 0
                    with lock:
                        errors.append(exc)

        return work

    threads = connection_budget(THREADS)
    crashes = run_on_barrier([worker(tasks[n::threads]) for n in range(threads)])
    deadlocks = sum("deadlock" in str(e).lower() for e in errors + crashes)
    figure(
        record_property, "L-09", operations=len(tasks), deadlocks=deadlocks, errors=len(errors) + len(crashes)
    )
    assert errors == []
    assert crashes == []
    for w, wallet in enumerate(wallets):
        grants = sum(7 for kind, _, target in tasks if kind == "grant" and target == w)
        clawed = sum(5 for kind, _, target in tasks if kind == "clawback" and target == w)
        captured = 60 * sum(1 for kind, i, target in tasks if kind == "capture" and target == w)
        assert wallet_balance(wallet=wallet).balance_micros == 10_000_000 + grants - clawed - captured
        assert wallet_balance(wallet=wallet).held_micros == 0
    assert_sound()


def test_a_capture_does_not_wait_for_a_locked_house_row(owner):
    """House legs are plain inserts: their foreign-key check takes only FOR KEY SHARE, which never waits
    for a balance update of the house row, so a hot house row cannot serialise captures."""
    wallet = wallet_of(owner)
    fund(wallet, 1_000)
    hold = credits_reserve(wallet=wallet, amount_micros=100, expires_at=later(), key="h")
    locked, done = threading.Event(), threading.Event()

    def lock_house_rows():
        try:
            with transaction.atomic():
                # The lock an UPDATE of a cached house balance would take (FOR NO KEY UPDATE).
                list(LedgerAccount.objects.select_for_update(no_key=True).filter(code__isnull=False))
                locked.set()
                done.wait(timeout=30)
        finally:
            connection.close()

    holder = threading.Thread(target=lock_house_rows)
    holder.start()
    assert locked.wait(timeout=10)
    try:
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL lock_timeout = '2s'")
            hold_capture(hold=hold, amount_micros=40)  # would fail with a lock timeout if it touched them
    finally:
        done.set()
        holder.join()
    assert wallet_balance(wallet=wallet).balance_micros == 960
    assert LedgerAccount.objects.get(code=HouseAccount.USAGE_REVENUE).version == 0
