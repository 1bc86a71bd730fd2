"""quality.md §4 fuzzing: signed garbage. Bodies are random, signatures are valid; nothing may answer 5xx."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from billing.payments.services.webhooks import HANDLERS
from tests.billing.payments.conftest import WEBHOOK_URL, sign

FIELDS = [
    "id",
    "object",
    "payment_status",
    "status",
    "amount_total",
    "currency",
    "payment_intent",
    "metadata",
    "amount_refunded",
    "amount",
    "charge",
    "amount_received",
    "livemode",
    "last_payment_error",
]
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.text(max_size=300),
    st.sampled_from(["paid", "unpaid", "lost", "won", "usd", "auto_topup", "cs_test_x", "pi_x"]),
)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=12), inner, max_size=3),
    max_leaves=6,
)
objects = st.dictionaries(st.sampled_from(FIELDS), values, max_size=len(FIELDS))
events = st.fixed_dictionaries(
    {
        "id": st.one_of(st.text(max_size=300), st.integers(), st.none()),
        "type": st.one_of(st.sampled_from(sorted(HANDLERS)), st.text(max_size=120)),
        "livemode": st.one_of(st.just(False), st.booleans(), st.none()),
        "data": st.one_of(st.fixed_dictionaries({"object": objects}), values),
    }
)
SLOW = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def _post(client: Any, body: bytes) -> int:
    header = sign(body.decode("utf-8", errors="replace"))
    response = client.post(
        WEBHOOK_URL, data=body, content_type="application/json", HTTP_STRIPE_SIGNATURE=header
    )
    assert "error" in response.json() or response.status_code == 200
    return int(response.status_code)


@SLOW
@given(body=st.binary(max_size=400))
def test_it_never_answers_5xx_to_signed_random_bytes(client: Any, db: None, body: bytes) -> None:
    assert _post(client, body) in {200, 400}


@SLOW
@given(evt=events)
def test_it_never_answers_5xx_to_signed_random_events(client: Any, owner: Any, evt: dict[str, Any]) -> None:
    assert _post(client, json.dumps(evt).encode()) in {200, 400}
