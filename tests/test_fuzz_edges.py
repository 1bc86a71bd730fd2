"""Fuzz and regression suite for issue 14 items 1, 2, 3, 4, 5 and 7; quick enough for every CI run.

1. body limits at the edge: 413 exactly when a body passes its route's limit, unread when declared;
2. a lone UTF-16 surrogate anywhere in a JSON body of a (non-/proxy) JSON API: 400 in the error shape;
3. a validly signed Stripe webhook nested arbitrarily deep: 400 and logged, never 500;
4. no spelling of the webhook URL redirects under the real production settings;
5. every API path answers every method with JSON errors (never Django's HTML CSRF page); /releases 405;
7. the billing-portal idempotency key comes from the operation and is reused on a retry.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import stripe
from asgiref.sync import async_to_sync
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from billing.payments.gateway import PORTAL_KEY_WINDOW_SECONDS, portal_idempotency_key
from comfyweb.bodylimit import BodyLimit
from tests.billing.payments.helpers import api_key_for
from tests.billing.payments.stripe_stub import StripeStub, start_stub

FAST = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
WEBHOOK_SECRET = "whsec_fuzz_0123456789abcdef"


def error_shape(response: Any) -> dict[str, Any]:
    assert response["Content-Type"].startswith("application/json"), response.content[:200]
    data = response.json()
    assert isinstance(data["error"]["type"], str)
    assert data["error"]["message"] == data["message"]
    assert isinstance(data["code"], str)
    return dict(data)


# --- 1. body limits -------------------------------------------------------------------------------


def _edge(limit: int, declared: int | None, chunks: list[int], *, key: bool = True) -> tuple[int, int, bool]:
    """Run one request through BodyLimit around an app that reads the whole body; (status, bytes read by
    the edge, whether the app saw the whole body)."""
    read = 0
    app_saw_all = False

    async def app(scope: Any, receive: Any, send: Any) -> None:
        nonlocal app_saw_all
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            if not message.get("more_body"):
                break
        app_saw_all = True
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    pending = list(chunks)

    async def receive() -> dict[str, Any]:
        nonlocal read
        size = pending.pop(0) if pending else 0
        read += size
        return {"type": "http.request", "body": b"x" * size, "more_body": bool(pending)}

    sent: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    headers = [(b"content-length", str(declared).encode())] if declared is not None else []
    headers.append((b"transfer-encoding", b"chunked") if declared is None else (b"x-pad", b"1"))
    if key:
        headers.append((b"x-api-key", b"comfyui-" + b"a" * 64))
    scope = {"type": "http", "method": "POST", "path": "/fuzz-limit", "headers": headers}
    async_to_sync(BodyLimit(app))(scope, receive, send)
    status = next(m["status"] for m in sent if m["type"] == "http.response.start")
    return int(status), read, app_saw_all


@FAST
@given(
    limit=st.integers(min_value=1, max_value=5000),
    chunks=st.lists(st.integers(min_value=0, max_value=2000), min_size=1, max_size=12),
    declare=st.sampled_from(["exact", "none", "lie_low", "huge"]),
)
def test_a_body_is_refused_exactly_when_it_passes_its_limit(
    settings: Any, limit: int, chunks: list[int], declare: str
) -> None:
    settings.BODY_LIMITS = [("/fuzz-limit", limit, True)]
    total = sum(chunks)
    declared = {"exact": total, "none": None, "lie_low": max(0, total // 2), "huge": 2 * 1024**3}[declare]
    status, read, app_saw_all = _edge(limit, declared, chunks)
    if declared is not None and declared > limit:
        assert (status, read, app_saw_all) == (413, 0, False)  # refused from the header, nothing read
    elif total > limit:
        assert status == 413
        assert not app_saw_all
        assert read - max(chunks) <= limit  # stopped at the chunk that crossed the limit
    else:
        assert (status, app_saw_all) == (200, True)


@FAST
@given(declared=st.one_of(st.none(), st.integers(min_value=1, max_value=10**12)))
def test_a_body_without_a_credential_is_refused_unread(settings: Any, declared: int | None) -> None:
    settings.BODY_LIMITS = [("/fuzz-limit", 10**6, True)]
    status, read, app_saw_all = _edge(10**6, declared, [1000] * 3, key=False)
    assert (status, read, app_saw_all) == (401, 0, False)


# --- 2. lone surrogates in JSON bodies ------------------------------------------------------------

lone_surrogates = st.integers(min_value=0xD800, max_value=0xDFFF).map(lambda c: f"\\u{c:04x}")
JSON_APIS = [
    "/customers",
    "/customers/billing",
    "/customers/credit",
    "/customers/api-keys",
    "/customers/storage",
]


@FAST
@pytest.mark.django_db
@given(
    path=st.sampled_from(JSON_APIS),
    field=st.sampled_from(["return_url", "name", "amount_micros", "file_name", "x"]),
    text=st.tuples(st.text(alphabet="abc/:.", max_size=8), lone_surrogates).map("".join),
    in_key=st.booleans(),
)
def test_a_lone_surrogate_in_any_json_api_body_is_a_400(
    owner: Any, path: str, field: str, text: str, in_key: bool
) -> None:
    raw = f'{{"{text}": 1}}' if in_key else f'{{"{field}": "{text}"}}'
    key = getattr(owner, "_fuzz_key", None) or api_key_for(owner)
    owner._fuzz_key = key
    response = Client().post(path, data=raw.encode(), content_type="application/json", HTTP_X_API_KEY=key)
    assert response.status_code == 400, response.content
    assert error_shape(response)["error"]["type"] == "invalid_json"


def test_a_surrogate_pair_is_still_accepted(owner: Any) -> None:
    raw = '{"return_url": "http://testserver/usage?\\ud83d\\ude00"}'
    response = Client().post(
        "/customers/billing", data=raw, content_type="application/json", HTTP_X_API_KEY=api_key_for(owner)
    )
    assert response.status_code == 200


# --- 3. deeply nested signed webhooks -------------------------------------------------------------


@pytest.fixture
def webhook_secret(settings: Any) -> str:
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    settings.STRIPE_SECRET_KEY = ""
    return WEBHOOK_SECRET


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@pytest.mark.django_db
@given(
    depth=st.integers(min_value=1_000, max_value=150_000),
    shape=st.sampled_from(["list", "object", "mixed"]),
    where=st.sampled_from(["top", "data"]),
)
def test_a_signed_webhook_nested_deeply_is_a_400_and_logged(
    webhook_secret: str, caplog: Any, depth: int, shape: str, where: str
) -> None:
    from billing.payments.models import StripeEvent

    opening = {"list": "[", "object": '{"a":', "mixed": '[{"a":'}[shape]
    closing = {"list": "]", "object": "}", "mixed": "}]"}[shape]
    nested = opening * depth + "1" + closing * depth
    payload = nested if where == "top" else f'{{"id":"evt_1","type":"x","data":{{"object":{nested}}}}}'
    header = stripe.WebhookSignature.generate_signature_header(payload, webhook_secret, int(time.time()))
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="billing.payments.services.webhooks"):
        response = Client().post(
            "/billing/stripe/webhook",
            data=payload,
            content_type="application/json",
            HTTP_STRIPE_SIGNATURE=header,
        )
    assert response.status_code == 400, response.content[:300]
    assert error_shape(response)["error"]["type"] in {"invalid_event", "invalid_json"}
    assert any("not an event" in record.getMessage() for record in caplog.records)
    assert StripeEvent.objects.count() == 0


# --- 4. the webhook URL never redirects in production ---------------------------------------------


@pytest.fixture(scope="module")
def production_redirects(tmp_path_factory: Any) -> dict[str, Any]:
    from tests.production import production_settings

    keys = ["SECURE_SSL_REDIRECT", "SECURE_REDIRECT_EXEMPT", "APPEND_SLASH", "SECURE_PROXY_SSL_HEADER"]
    return production_settings(keys, data_dir=Path(tmp_path_factory.mktemp("prod")))


def _spelling(draw: Any) -> str:
    parts = ["billing", "stripe", "webhook"]
    cased = [
        "".join(c.upper() if draw(st.booleans()) else c for c in part) if draw(st.booleans()) else part
        for part in parts
    ]
    seps = [draw(st.sampled_from(["/", "/", "//"])) for _ in parts]
    path = "".join(sep + part for sep, part in zip(seps, cased, strict=True))
    path += draw(st.sampled_from(["", "/", "//", "/x", ".json", "%2F"]))
    query = draw(st.sampled_from(["", "?", "?a=1", "?next=/credits"]))
    return path + query


@st.composite
def webhook_spellings(draw: Any) -> str:
    return _spelling(draw)


@FAST
@pytest.mark.django_db
@given(url=webhook_spellings(), method=st.sampled_from(["POST", "GET", "PUT", "HEAD", "OPTIONS"]))
def test_no_spelling_of_the_webhook_url_redirects_in_production(
    settings: Any, webhook_secret: str, production_redirects: dict[str, Any], url: str, method: str
) -> None:
    assert production_redirects["SECURE_SSL_REDIRECT"] is True  # the setting under test is really on
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_REDIRECT_EXEMPT = production_redirects["SECURE_REDIRECT_EXEMPT"]
    settings.APPEND_SLASH = production_redirects["APPEND_SLASH"]
    settings.DEBUG = False
    # Absolute, so that a leading "//" stays part of the path (the test client would read it as a host).
    absolute = "http://testserver" + url
    response = Client().generic(method, absolute, data=b"{}", content_type="application/json")
    assert not 300 <= response.status_code < 400, (url, response.status_code, response.get("Location"))


def test_a_signed_delivery_to_the_slashed_url_is_processed_over_http(
    settings: Any, webhook_secret: str, production_redirects: dict[str, Any], owner: Any
) -> None:
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_REDIRECT_EXEMPT = production_redirects["SECURE_REDIRECT_EXEMPT"]
    payload = json.dumps(
        {"id": "evt_slash", "object": "event", "type": "customer.created", "data": {"object": {"id": "c"}}}
    )
    header = stripe.WebhookSignature.generate_signature_header(payload, webhook_secret, int(time.time()))
    client = Client()
    assert client.get("/credits").status_code == 301  # the rest of the site is redirected…
    response = client.post(
        "/billing/stripe/webhook/",
        data=payload,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=header,
    )
    assert response.status_code == 200, response.content  # …the webhook, with or without its slash, never


# --- 5. JSON errors on every API path, whatever the method ----------------------------------------

API_PATHS = [
    "/releases",
    "/customers",
    "/customers/me",
    "/customers/api-keys",
    "/customers/api-keys/k",
    "/customers/balance",
    "/customers/events",
    "/customers/credit",
    "/customers/billing",
    "/customers/storage",
    "/auth/token",
    "/billing/stripe/webhook",
    "/health",
    "/ready",
    "/proxy/openai/images/generations",
    "/proxy/nope/x",
    "/storage/upload/x",
    "/storage/files/x",
]


@pytest.fixture
def signed_in_csrf_client(owner: Any) -> Client:
    client = Client(enforce_csrf_checks=True)
    client.force_login(owner)
    return client


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@pytest.mark.django_db
@given(
    path=st.sampled_from(API_PATHS),
    method=st.sampled_from(["POST", "PUT", "PATCH", "DELETE", "GET", "OPTIONS"]),
    signed_in=st.booleans(),
)
def test_every_api_path_answers_json_errors_never_the_html_csrf_page(
    signed_in_csrf_client: Client, webhook_secret: str, path: str, method: str, signed_in: bool
) -> None:
    client = signed_in_csrf_client if signed_in else Client(enforce_csrf_checks=True)
    response = client.generic(method, path, data=b"{}", content_type="application/json")
    if response.status_code >= 400:
        error_shape(response)


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
def test_releases_answers_other_methods_with_a_json_405(db: None, method: str) -> None:
    response = Client(enforce_csrf_checks=True).generic(method, "/releases")
    assert response.status_code == 405
    assert error_shape(response)["error"]["type"] == "method_not_allowed"
    assert response["Allow"] == "GET, HEAD"


# --- 7. the billing-portal idempotency key --------------------------------------------------------


@pytest.fixture
def stripe_api(settings: Any) -> Iterator[StripeStub]:
    stub, server = start_stub()
    settings.STRIPE_SECRET_KEY = "sk_test_stub"
    settings.STRIPE_API_BASE = stub.url
    yield stub
    server.shutdown()
    server.server_close()


def test_the_portal_call_reuses_an_operation_key_on_retry(owner: Any, stripe_api: StripeStub) -> None:
    stripe_api.drop_next.add("/v1/billing_portal/sessions")
    response = Client().post("/customers/billing", HTTP_X_API_KEY=api_key_for(owner))
    assert response.status_code == 200, response.content
    attempts = stripe_api.posts("/v1/billing_portal/sessions")
    assert len(attempts) == 2
    customer = attempts[0].form["customer"]
    expected = portal_idempotency_key(customer_id=customer, return_url="http://testserver/credits")
    assert {a.idempotency_key for a in attempts} == {expected}


@FAST
@given(
    customer=st.text(min_size=1, max_size=300),
    url=st.text(max_size=3000),
    other=st.text(max_size=50),
    now=st.floats(min_value=0, max_value=4e9),
)
def test_the_portal_key_is_a_function_of_the_operation(
    customer: str, url: str, other: str, now: float
) -> None:
    key = portal_idempotency_key(customer_id=customer, return_url=url, now=now)
    assert len(key) <= 255
    assert key == portal_idempotency_key(customer_id=customer, return_url=url, now=now)
    window_start = now - now % PORTAL_KEY_WINDOW_SECONDS
    assert key == portal_idempotency_key(customer_id=customer, return_url=url, now=window_start)
    later = portal_idempotency_key(customer_id=customer, return_url=url, now=now + PORTAL_KEY_WINDOW_SECONDS)
    assert later != key
    if other != url:
        assert portal_idempotency_key(customer_id=customer, return_url=other, now=now) != key
