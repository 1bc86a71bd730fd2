"""PostgreSQL, real commits: duplicate and racing deliveries credit exactly once (S-02, S-03)."""

from __future__ import annotations

import os
import queue
import random
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from billing.models import LedgerTransaction
from billing.payments.models import StripeEvent, StripeEventStatus
from billing.payments.services.purchases import checkout_start
from tests.billing.payments.conftest import deliver, event, make_purchase, session_obj
from tests.billing.payments.helpers import available
from tests.billing.support import figure, run_on_barrier

FULL = os.environ.get("PAYMENTS_FULL") == "1"
AMOUNT = 10_000_000

pytestmark = [pytest.mark.pg, pytest.mark.django_db(transaction=True)]


def _pool(tasks: list[Callable[[], Any]], workers: int) -> list[BaseException]:
    """Run `tasks` on `workers` threads that start together, each with its own connection."""
    work: queue.Queue[Callable[[], Any]] = queue.Queue()
    for task in tasks:
        work.put(task)

    def worker() -> None:
        while True:
            try:
                task = work.get_nowait()
            except queue.Empty:
                return
            task()

    return run_on_barrier([worker] * workers)


def test_it_credits_each_event_once_under_a_replay_storm(owner: Any, record_property: Any) -> None:
    """S-02: N distinct events x K concurrent duplicate deliveries (push 50 x 8, full 200 x 32)."""
    distinct, copies = (200, 32) if FULL else (50, 8)
    events = [
        event("checkout.session.completed", session_obj(make_purchase(owner, AMOUNT)))
        for _ in range(distinct)
    ]
    statuses: list[int] = []

    def worker() -> None:
        # Every worker sends every event in the same order: the copies of one event arrive together
        # and queue on its unique id, while other events proceed in parallel.
        client = Client()
        statuses.extend(deliver(client, evt).status_code for evt in events)

    crashes = run_on_barrier([worker] * copies)
    assert not crashes, crashes
    assert statuses.count(200) == distinct * copies
    credited = available(owner)
    applied = StripeEvent.objects.filter(status=StripeEventStatus.PROCESSED).count()
    purchases = LedgerTransaction.objects.filter(code="purchase", wallet__user=owner).count()
    assert credited == distinct * AMOUNT
    assert (applied, purchases) == (distinct, distinct)
    figure(
        record_property,
        "S-02",
        events=distinct,
        copies=copies,
        over_credit=credited - distinct * AMOUNT,
        applied_twice=purchases - distinct,
    )


def test_it_grants_once_when_success_page_and_both_webhooks_race(
    owner: Any, stripe_api: Any, record_property: Any
) -> None:
    """S-03: the success page, `completed` and `async_payment_succeeded`, each fired many times at once."""
    each = 50 if FULL else 8
    purchase = checkout_start(user=owner, amount_micros=AMOUNT, base_url="http://testserver")
    session_id = purchase.checkout_session_id
    assert session_id
    stripe_api.set_session(session_id, status="complete", payment_status="paid", payment_intent="pi_race")
    paid = dict(stripe_api.sessions[session_id])
    statuses: list[int] = []

    def page() -> None:
        statuses.append(Client().get(f"/credits/return?session_id={session_id}").status_code)

    def hook(kind: str) -> Callable[[], None]:
        return lambda: statuses.append(deliver(Client(), event(kind, paid)).status_code)

    tasks: list[Callable[[], Any]] = [page] * each
    tasks += [hook("checkout.session.completed")] * each + [
        hook("checkout.session.async_payment_succeeded")
    ] * each
    random.Random(7).shuffle(tasks)
    crashes = _pool(tasks, workers=24 if FULL else 8)
    assert not crashes, crashes
    grants = LedgerTransaction.objects.filter(code="purchase", wallet__user=owner).count()
    assert sorted(set(statuses)) == [200, 302]
    assert grants == 1
    assert available(owner) == AMOUNT
    figure(record_property, "S-03", attempts=len(tasks), grants=grants)


def test_it_never_loses_a_refund_that_races_its_fulfilment(owner: Any, record_property: Any) -> None:
    """`completed` and a full `charge.refunded` for one payment, at the same instant, 20 times: the refund
    is applied every time (the state row is created or locked before the credit)."""
    from tests.billing.payments.conftest import refund_obj

    rounds = 20
    for _ in range(rounds):
        purchase = make_purchase(owner, AMOUNT)
        completed = event("checkout.session.completed", session_obj(purchase))
        refunded = event("charge.refunded", refund_obj(purchase, amount_refunded_cents=AMOUNT // 10_000))
        crashes = run_on_barrier(
            [lambda e=completed: deliver(Client(), e), lambda e=refunded: deliver(Client(), e)]
        )
        assert not crashes, crashes
    clawbacks = LedgerTransaction.objects.filter(code="clawback", wallet__user=owner).count()
    assert (available(owner), clawbacks) == (0, rounds)
    figure(record_property, "S-04-race", rounds=rounds, refunds_lost=rounds - clawbacks)


def test_it_unfreezes_when_two_disputes_close_at_the_same_instant(owner: Any) -> None:
    from billing.models import AccountStatus
    from billing.selectors import wallet_get_for_user
    from tests.billing.payments.conftest import dispute_obj

    rounds = 10
    for _ in range(rounds):
        first, second = make_purchase(owner, AMOUNT), make_purchase(owner, AMOUNT)
        for purchase in (first, second):
            deliver(Client(), event("checkout.session.completed", session_obj(purchase)))
            deliver(Client(), event("charge.dispute.created", dispute_obj(purchase)))
        closes = [event("charge.dispute.closed", dispute_obj(p, status="won")) for p in (first, second)]
        crashes = run_on_barrier([lambda e=e: deliver(Client(), e) for e in closes])
        assert not crashes, crashes
        assert wallet_get_for_user(user=owner).status == AccountStatus.ACTIVE
