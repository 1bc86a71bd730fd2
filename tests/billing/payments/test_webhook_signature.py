"""S-01: only a validly signed delivery within 300 s changes anything; every other delivery is a 400 in the
one error shape with zero writes."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
import time_machine

from tests.billing.payments.conftest import (
    WEBHOOK_SECRET,
    WEBHOOK_URL,
    event,
    make_purchase,
    session_obj,
    sign,
)
from tests.billing.payments.helpers import available, row_counts
from tests.billing.support import figure

NOW = 1_800_000_000  # a fixed instant, so "299 s old" is exactly that


def _post(client: Any, body: bytes, header: str | None) -> Any:
    extra = {"HTTP_STRIPE_SIGNATURE": header} if header is not None else {}
    return client.post(WEBHOOK_URL, data=body, content_type="application/json", **extra)


def _cases(payload: str) -> dict[str, tuple[bytes, str | None, int]]:
    body = payload.encode()
    flipped = bytearray(body)
    flipped[len(flipped) // 2] ^= 0x01
    return {
        "valid": (body, sign(payload, timestamp=NOW), 200),
        "one_byte_changed": (bytes(flipped), sign(payload, timestamp=NOW), 400),
        "wrong_secret": (body, sign(payload, secret="whsec_someone_else", timestamp=NOW), 400),
        "no_header": (body, None, 400),
        "empty_header": (body, "", 400),
        "garbage_header": (body, "t=abc,v1=zzz", 400),
        "age_299s": (body, sign(payload, timestamp=NOW - 299), 200),
        "age_301s": (body, sign(payload, timestamp=NOW - 301), 400),
        "non_utf8_body": (body + b"\xff\xfe", sign(payload, timestamp=NOW), 400),
    }


@pytest.mark.parametrize(
    "case",
    [
        "valid",
        "one_byte_changed",
        "wrong_secret",
        "no_header",
        "empty_header",
        "garbage_header",
        "age_299s",
        "age_301s",
        "non_utf8_body",
    ],
)
def test_it_accepts_only_valid_signatures_within_300_seconds(
    client: Any, owner: Any, case: str, record_property: Any
) -> None:
    purchase = make_purchase(owner, 10_000_000)
    payload = json.dumps(event("checkout.session.completed", session_obj(purchase)))
    body, header, expected = _cases(payload)[case]
    before = row_counts()
    with time_machine.travel(NOW, tick=False):
        response = _post(client, body, header)
    assert response.status_code == expected, response.content
    if expected == 400:
        data = response.json()
        assert set(data) >= {"error", "message", "code"}
        assert isinstance(data["error"], dict)
        assert data["error"]["message"]
        assert row_counts() == before
        assert available(owner) == 0
    else:
        assert available(owner) == 10_000_000
    figure(record_property, "S-01", case=case, status=response.status_code)


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"[]",
        b'{"id": "evt_1"}',
        b'{"id": 5, "type": "x", "data": {"object": {}}}',
        b'{"id": "evt_1", "type": "charge.refunded", "data": {"object": []}}',
        b'{"a": NaN}',
    ],
)
def test_it_refuses_signed_bodies_that_are_not_events(client: Any, db: None, body: bytes) -> None:
    before = row_counts()
    with time_machine.travel(NOW, tick=False):
        response = _post(client, body, sign(body.decode(), timestamp=NOW))
    assert response.status_code == 400
    assert "error" in response.json()
    assert row_counts() == before


def test_it_answers_200_to_a_signed_event_of_an_unhandled_type_and_only_logs_it(
    client: Any, db: None
) -> None:
    from billing.payments.models import StripeEvent, StripeEventStatus

    payload = json.dumps(
        event("customer.updated", {"id": "cus_1", "object": "customer"}, event_id="evt_unhandled")
    )
    response = _post(client, payload.encode(), sign(payload))
    assert response.status_code == 200
    row = StripeEvent.objects.get(event_id="evt_unhandled")
    assert row.status == StripeEventStatus.IGNORED


def test_it_never_redirects_the_webhook_url(client: Any, owner: Any) -> None:
    purchase = make_purchase(owner)
    payload = json.dumps(event("checkout.session.completed", session_obj(purchase)))
    response = client.post(
        WEBHOOK_URL + "/", data=payload, content_type="application/json", HTTP_STRIPE_SIGNATURE=sign(payload)
    )
    assert response.status_code == 200
    assert available(owner) == 10_000_000
    assert client.get(WEBHOOK_URL).status_code == 405


def test_it_refuses_every_delivery_when_no_webhook_secret_is_configured(
    client: Any, owner: Any, settings: Any
) -> None:
    settings.STRIPE_WEBHOOK_SECRET = ""
    purchase = make_purchase(owner)
    payload = json.dumps(event("checkout.session.completed", session_obj(purchase)))
    response = _post(
        client, payload.encode(), sign(payload, secret=WEBHOOK_SECRET, timestamp=int(time.time()))
    )
    assert response.status_code == 400
    assert available(owner) == 0


def test_it_is_not_redirected_to_https_under_production_redirect_settings(owner: Any, settings: Any) -> None:
    from django.test import Client

    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_REDIRECT_EXEMPT = [
        r"(?i)^billing/+stripe/+webhook"
    ]  # as comfyweb/settings.py in production
    purchase = make_purchase(owner)
    payload = json.dumps(event("checkout.session.completed", session_obj(purchase)))
    client = Client()  # a fresh handler picks up the redirect settings
    assert client.get("/credits").status_code == 301  # everything else is redirected…
    response = client.post(
        WEBHOOK_URL, data=payload, content_type="application/json", HTTP_STRIPE_SIGNATURE=sign(payload)
    )
    assert response.status_code == 200  # …but never the webhook
    assert available(owner) == 10_000_000
