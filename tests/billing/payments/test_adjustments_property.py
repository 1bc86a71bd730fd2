"""P5 as a property: any sequence of refund and dispute events, in any order, with spending in between,
leaves available ≥ 0 and claws back exactly max(refunds seen) — or everything once a dispute is lost."""

from __future__ import annotations

import itertools
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from billing.models import LedgerEntry
from billing.payments.models import ChargeState
from billing.selectors import wallet_get_for_user
from billing.services import credits_reserve, hold_capture
from tests.billing.payments.conftest import (
    deliver,
    dispute_obj,
    event,
    make_purchase,
    refund_obj,
    session_obj,
)
from tests.billing.payments.helpers import available
from tests.billing.support import later
from tests.conftest import make_user

AMOUNT = 20_000_000  # $20 = 2,000 cents
_users = itertools.count()

steps = st.lists(
    st.one_of(
        st.tuples(st.just("refund"), st.integers(min_value=0, max_value=2000)),
        st.tuples(st.just("dispute"), st.sampled_from(["created", "won", "lost", "warning_closed"])),
        st.tuples(st.just("spend"), st.integers(min_value=1, max_value=AMOUNT)),
        st.tuples(st.just("completed"), st.just(0)),
    ),
    max_size=8,
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(plan=steps)
def test_it_claws_back_exactly_what_the_events_ask_and_never_below_zero(
    client: Any, db: None, plan: list[Any]
) -> None:
    user = make_user(f"prop-{next(_users)}@example.com")
    purchase = make_purchase(user, AMOUNT)
    refunded_max, lost, spent = 0, False, 0
    for n, (kind, value) in enumerate([("completed", 0), *plan]):
        if kind == "completed":
            deliver(client, event("checkout.session.completed", session_obj(purchase)))
        elif kind == "refund":
            deliver(client, event("charge.refunded", refund_obj(purchase, amount_refunded_cents=value)))
            refunded_max = max(refunded_max, value * 10_000)
        elif kind == "dispute" and value == "created":
            deliver(client, event("charge.dispute.created", dispute_obj(purchase)))
        elif kind == "dispute":
            deliver(client, event("charge.dispute.closed", dispute_obj(purchase, status=value)))
            lost = lost or value == "lost"
        elif (
            kind == "spend" and available(user) >= value and wallet_get_for_user(user=user).status == "active"
        ):
            hold = credits_reserve(
                wallet=wallet_get_for_user(user=user),
                amount_micros=value,
                expires_at=later(),
                key=f"s{user.pk}:{n}",
            )
            hold_capture(hold=hold, amount_micros=value)
            spent += value
        assert available(user) >= 0
    expected_clawback = AMOUNT if lost else min(refunded_max, AMOUNT)
    state = ChargeState.objects.get(payment_intent_id=f"pi_{purchase.public_id.hex[:24]}")
    booked = sum(
        LedgerEntry.objects.filter(
            transaction__code="clawback",
            transaction__payment_reference=purchase.checkout_session_id,
            account__code__in=["stripe_funding", "sandbox_funding"],
        ).values_list("amount_micros", flat=True)
    )
    assert state.clawed_back_micros == booked == expected_clawback
    legs = LedgerEntry.objects.filter(transaction__code="clawback", transaction__wallet__user=user)
    taken = -sum(legs.filter(account__user=user).values_list("amount_micros", flat=True))
    loss = -sum(legs.filter(account__code="chargeback_loss").values_list("amount_micros", flat=True))
    assert taken + loss == expected_clawback
    assert available(user) == AMOUNT - spent - taken
