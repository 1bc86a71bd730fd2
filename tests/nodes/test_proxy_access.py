"""Who may call /proxy and what never reaches a vendor: 401, 402, 409, 404/405, outsiders, tricks."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from billing.models import Hold, LedgerEntry
from billing.selectors import wallet_get_for_user
from billing.services import wallet_freeze
from nodes.models import ProxyJob, UsageRecord
from tests.nodes.conftest import fund_user
from tests.nodes.proxy_support import ComfyClient, RecordingTransport, available_micros

ULTRA = "/proxy/bfl/flux-pro-1.1-ultra/generate"


def _nothing_forwarded(upstream: RecordingTransport) -> None:
    assert upstream.calls == []
    assert UsageRecord.objects.count() == 0
    assert Hold.objects.count() == 0


@pytest.mark.django_db
def test_it_refuses_a_call_without_credentials(
    proxy_comfy: ComfyClient, proxy_upstream: RecordingTransport
) -> None:
    anonymous = ComfyClient(Client(), None)
    reply = anonymous.post_json(ULTRA, {"prompt": "x"})
    assert reply.status_code == 401
    assert reply.json()["error"]["type"] == "unauthorized"
    _nothing_forwarded(proxy_upstream)


@pytest.mark.django_db
def test_it_refuses_a_revoked_key(
    proxy_comfy: ComfyClient, proxy_upstream: RecordingTransport, owner: Any
) -> None:
    from accounts.models import ApiKey
    from accounts.services.api_keys import api_key_revoke

    api_key_revoke(user=owner, key_public_id=ApiKey.objects.get(user=owner).public_id)
    reply = proxy_comfy.post_json(ULTRA, {"prompt": "x"})
    assert reply.status_code == 401
    _nothing_forwarded(proxy_upstream)


@pytest.mark.django_db
def test_it_refuses_an_unknown_key_of_the_right_shape(
    proxy_comfy: ComfyClient, proxy_upstream: RecordingTransport
) -> None:
    stranger = ComfyClient(Client(), "comfyui-" + "a" * 64)
    assert stranger.post_json(ULTRA, {"prompt": "x"}).status_code == 401
    _nothing_forwarded(proxy_upstream)


@pytest.mark.django_db
def test_it_answers_402_before_anything_reaches_the_vendor(
    owner: Any, proxy_key: str, proxy_prices: Any, proxy_upstream: RecordingTransport
) -> None:
    fund_user(owner, 59_999)  # one micro-dollar short of the quote
    entries = LedgerEntry.objects.count()
    reply = ComfyClient(Client(), proxy_key).post_json(ULTRA, {"prompt": "x"})
    assert reply.status_code == 402
    assert reply.json()["error"]["type"] == "insufficient_credits"
    assert LedgerEntry.objects.count() == entries
    _nothing_forwarded(proxy_upstream)
    assert available_micros(owner) == 59_999


@pytest.mark.django_db
def test_it_answers_409_for_a_frozen_wallet(
    proxy_comfy: ComfyClient, proxy_upstream: RecordingTransport, owner: Any
) -> None:
    wallet_freeze(wallet=wallet_get_for_user(user=owner), reason="chargeback review", key="freeze-1")
    reply = proxy_comfy.post_json(ULTRA, {"prompt": "x"})
    assert reply.status_code == 409
    assert reply.json()["error"]["type"] == "account_blocked"
    _nothing_forwarded(proxy_upstream)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("method", "path", "status", "kind"),
    [
        ("POST", "/proxy/nosuchvendor/generate", 404, "unknown_route"),
        ("POST", "/proxy/bfl/flux-unknown/generate", 404, "unknown_route"),
        ("POST", "/proxy/bfl/", 404, "unknown_route"),
        ("POST", "/proxy/", 404, "not_found"),
        ("POST", "/proxy/openai/v1/images/generations", 404, "unknown_route"),
        ("POST", "/proxy/openai/chat/completions", 404, "unknown_route"),
        ("GET", "/proxy/openai/images/generations", 405, "method_not_allowed"),
        ("DELETE", "/proxy/luma/generations/abc", 405, "method_not_allowed"),
    ],
)
def test_it_never_forwards_an_unlisted_route(
    *,
    proxy_comfy: ComfyClient,
    proxy_upstream: RecordingTransport,
    method: str,
    path: str,
    status: int,
    kind: str,
) -> None:
    reply = proxy_comfy.client.generic(
        method, path, data="{}", content_type="application/json", headers=proxy_comfy._headers()
    )
    assert reply.status_code == status
    assert reply.json()["error"]["type"] == kind
    _nothing_forwarded(proxy_upstream)


TRICKS = [
    "/proxy/bfl/../openai/images/generations",
    "/proxy/bfl/%2e%2e/openai/images/generations",
    "/proxy/bfl/%252e%252e/openai/images/generations",
    "/proxy/openai/images/generations/..;/edits",
    "/proxy/openai/images\\generations",
    "/proxy/openai//images/generations",
    "/proxy/openai/images/generations%00",
    "/proxy/openai/images/%c0%ae%c0%ae/generations",
    "/proxy/openai/images/generations/.",
    "/proxy/openai/images/./generations",
]


@pytest.mark.django_db
@pytest.mark.parametrize("path", TRICKS)
def test_it_refuses_path_tricks(
    proxy_comfy: ComfyClient, proxy_upstream: RecordingTransport, path: str
) -> None:
    reply = proxy_comfy.post_json(path, {"prompt": "x", "model": "dall-e-2"})
    assert reply.status_code in (400, 404)
    assert "error" in reply.json()
    _nothing_forwarded(proxy_upstream)


@pytest.mark.django_db
def test_it_only_ever_calls_the_configured_upstream(
    proxy_comfy: ComfyClient, proxy_upstream: RecordingTransport
) -> None:
    body = {
        "prompt": "x",
        "url": "http://169.254.169.254/",
        "base_url": "http://10.0.0.1/",
    }  # a callback URL is refused before anything is forwarded: tests/nodes/test_validation.py
    reply = proxy_comfy.client.post(
        ULTRA + "?url=http://169.254.169.254/",
        data=body,
        content_type="application/json",
        headers={**proxy_comfy._headers(), "X-Forwarded-Host": "internal.example"},
    )
    assert reply.status_code == 200
    assert [call.url for call in proxy_upstream.calls] == [
        "http://testserver/sandbox/bfl/v1/flux-pro-1.1-ultra"
    ]


@pytest.mark.django_db
def test_it_refuses_a_foreign_host_header(
    proxy_comfy: ComfyClient, proxy_upstream: RecordingTransport
) -> None:
    reply = proxy_comfy.client.post(
        ULTRA,
        data={"prompt": "x"},
        content_type="application/json",
        headers={**proxy_comfy._headers()},
        HTTP_HOST="metadata.internal",
    )
    assert reply.status_code == 400
    _nothing_forwarded(proxy_upstream)


@pytest.mark.django_db
def test_it_sends_only_the_headers_it_sets(
    proxy_comfy: ComfyClient, proxy_upstream: RecordingTransport
) -> None:
    reply = proxy_comfy.client.post(
        ULTRA,
        data={"prompt": "x"},
        content_type="application/json",
        headers={
            **proxy_comfy._headers(),
            "Authorization": "Bearer not-for-vendors",
            "Cookie": "sessionid=secret",
            "X-Forwarded-For": "10.0.0.9",
            "Forwarded": "for=10.0.0.9",
            "X-Real-IP": "10.0.0.9",
            "comfy-user": "admin",
            "X-User-ID": "1",
        },
    )
    assert reply.status_code in (200, 401)  # a foreign Bearer wins over the key: 401 is also correct
    for call in proxy_upstream.calls:
        names = {name.lower() for name in call.headers}
        assert names <= {
            "host",
            "x-key",
            "accept",
            "content-type",
            "content-length",
            "user-agent",
            "accept-encoding",
            "connection",
        }
        assert call.headers["x-key"] == "sandbox-bfl"


@pytest.mark.django_db
def test_it_strips_client_identity_headers_on_key_auth(
    proxy_comfy: ComfyClient, proxy_upstream: RecordingTransport
) -> None:
    reply = proxy_comfy.client.post(
        ULTRA,
        data={"prompt": "x"},
        content_type="application/json",
        headers={
            **proxy_comfy._headers(),
            "Cookie": "sessionid=secret",
            "X-Forwarded-For": "10.0.0.9",
            "comfy-user": "admin",
        },
    )
    assert reply.status_code == 200
    sent = proxy_upstream.calls[0].headers
    assert "x-api-key" not in sent
    assert "cookie" not in sent
    assert "x-forwarded-for" not in sent
    assert "comfy-user" not in sent
    assert "comfy-job-id" not in sent


@pytest.mark.django_db
def test_it_hides_another_users_job(
    proxy_comfy: ComfyClient, proxy_upstream: RecordingTransport, outsider: Any
) -> None:
    from accounts.services.api_keys import api_key_create

    submitted = proxy_comfy.post_json("/proxy/kling/v1/videos/text2video", {"prompt": "mine"}).json()
    task = submitted["data"]["task_id"]
    _key, plaintext = api_key_create(user=outsider, name="theirs")
    stranger = ComfyClient(Client(), plaintext)
    calls = len(proxy_upstream.calls)
    reply = stranger.get(f"/proxy/kling/v1/videos/text2video/{task}")
    assert reply.status_code == 404
    assert len(proxy_upstream.calls) == calls  # never asked the vendor about it
    assert stranger.get("/proxy/minimax/files/retrieve?file_id=123").status_code == 404
    assert ProxyJob.objects.get().state == "open"


@pytest.mark.django_db
def test_it_answers_404_for_tampered_or_unknown_poll_tokens(
    proxy_comfy: ComfyClient, proxy_upstream: RecordingTransport
) -> None:
    url = proxy_comfy.post_json(ULTRA, {"prompt": "x"}).json()["polling_url"]
    assert url.startswith("http://127.0.0.1:8000/proxy/bfl/poll/")
    token = url.rsplit("/", 1)[1]
    calls = len(proxy_upstream.calls)
    for bad in (token[:-2] + "xx", "A" * 43 + ":1abcde:" + "B" * 43, token.split(":", 1)[0] + "0" * 30):
        reply = Client().get(f"/proxy/bfl/poll/{bad}")
        assert reply.status_code == 404, bad
    assert len(proxy_upstream.calls) == calls
    assert Client().get(url.removeprefix("http://127.0.0.1:8000")).status_code == 200


@pytest.mark.django_db
def test_it_makes_every_credential_type_reserve(
    staff: Any, proxy_prices: Any, proxy_upstream: RecordingTransport
) -> None:
    from accounts.services.api_keys import api_key_create

    fund_user(staff, 1_000_000)
    _key, plaintext = api_key_create(user=staff, name="staff key")
    reply = ComfyClient(Client(), plaintext).post_json(ULTRA, {"prompt": "x"})
    assert reply.status_code == 200
    usage = UsageRecord.objects.get(user=staff)
    assert usage.hold_id is not None
    assert usage.quoted_micros == 60_000
