"""quality.md §4 on /proxy: bad input gets a 4xx in the one error shape; no writes, no forwarding."""

from __future__ import annotations

from typing import Any

import pytest

from billing.models import Hold, LedgerEntry
from nodes.models import IdempotencyRecord, UsageRecord
from tests.nodes.proxy_support import ComfyClient, RecordingTransport

GENERATIONS = "/proxy/openai/images/generations"


def _refused(reply: Any, status: int, kind: str | None, upstream: RecordingTransport, entries: int) -> None:
    assert reply.status_code == status, reply.content[:300]
    body = reply.json()
    assert set(body) >= {"error", "message", "code"}
    assert isinstance(body["error"], dict)
    if kind:
        assert body["error"]["type"] == kind
    assert upstream.calls == []
    assert UsageRecord.objects.count() == 0
    assert Hold.objects.count() == 0
    assert LedgerEntry.objects.count() == entries


def _post_raw(comfy: ComfyClient, raw: bytes | str, *, path: str = GENERATIONS, **extra: str) -> Any:
    content_type = extra.pop("content_type", "application/json")
    return comfy.client.post(path, data=raw, content_type=content_type, headers=comfy._headers(extra))


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("raw", "kind"),
    [
        ('{"prompt": "x"', "invalid_json"),
        ('{"prompt": "x",}', "invalid_json"),
        ("{'prompt': 'x'}", "invalid_json"),
        ("\ufeff{}", "invalid_json"),
        ('["prompt"]', "invalid_json"),
        ("[" * 100_000 + "]" * 100_000, "invalid_json"),
        ('{"n": NaN}', "invalid_request"),
        ('{"n": Infinity}', "invalid_request"),
        ('{"n": 1, "n": 8}', "invalid_request"),
        ('{"n": 1e309}', "out_of_range"),
        ('{"n": ' + "9" * 5000 + "}", "out_of_range"),
    ],
)
def test_it_refuses_malformed_json(
    proxy_comfy: ComfyClient, proxy_upstream: RecordingTransport, raw: str, kind: str
) -> None:
    entries = LedgerEntry.objects.count()
    _refused(_post_raw(proxy_comfy, raw.encode()), 400, kind, proxy_upstream, entries)


@pytest.mark.django_db
def test_it_refuses_non_utf8(proxy_comfy: ComfyClient, proxy_upstream: RecordingTransport) -> None:
    entries = LedgerEntry.objects.count()
    _refused(_post_raw(proxy_comfy, b'{"prompt": "\xff\xfe"}'), 400, "invalid_json", proxy_upstream, entries)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "status", "kind"),
    [
        ({"model": "dall-e-2", "n": 2**63}, 400, "out_of_range"),
        ({"model": "dall-e-2", "n": 10**9}, 400, "out_of_range"),
        ({"model": "dall-e-2", "n": 0}, 400, "out_of_range"),
        ({"model": "dall-e-2", "n": -1}, 400, "out_of_range"),
        ({"model": "dall-e-2", "n": True}, 400, "out_of_range"),
        ({"model": "dall-e-2", "n": "8x"}, 400, "out_of_range"),
        ({"model": "dall-e-2", "n": 1.5}, 400, "out_of_range"),
        ({"model": "dall-e-2", "size": "99999x99999"}, 422, "price_unavailable"),
        ({"model": "dall-e-4"}, 422, "price_unavailable"),
        ({"model": ["dall-e-2"]}, 400, "invalid_request"),
        ({"model": "dall-e-3", "n": 2}, 400, "out_of_range"),
    ],
)
def test_it_refuses_unpriceable_or_out_of_range_values(
    proxy_comfy: ComfyClient, proxy_upstream: RecordingTransport, body: dict[str, Any], status: int, kind: str
) -> None:
    entries = LedgerEntry.objects.count()
    _refused(
        proxy_comfy.post_json(GENERATIONS, {"prompt": "x", **body}), status, kind, proxy_upstream, entries
    )


@pytest.mark.django_db
def test_it_refuses_n_both_at_top_level_and_nested(
    proxy_comfy: ComfyClient, proxy_upstream: RecordingTransport
) -> None:
    entries = LedgerEntry.objects.count()
    reply = proxy_comfy.post_json(
        "/proxy/ideogram/generate", {"num_images": 1, "image_request": {"prompt": "x", "num_images": 8}}
    )
    _refused(reply, 400, "invalid_request", proxy_upstream, entries)


@pytest.mark.django_db
def test_it_refuses_a_repeated_priced_form_field(
    proxy_comfy: ComfyClient, proxy_upstream: RecordingTransport
) -> None:
    entries = LedgerEntry.objects.count()
    reply = proxy_comfy.post_form(
        "/proxy/pika/generate/2.2/t2v", "promptText=x&resolution=720p&resolution=1080p&duration=5"
    )
    _refused(reply, 400, "invalid_request", proxy_upstream, entries)


@pytest.mark.django_db
def test_it_refuses_a_body_over_the_route_cap(
    proxy_comfy: ComfyClient, proxy_upstream: RecordingTransport
) -> None:
    entries = LedgerEntry.objects.count()
    huge = b'{"prompt": "' + b"x" * (32 * 1024 * 1024) + b'"}'
    _refused(_post_raw(proxy_comfy, huge), 413, "payload_too_large", proxy_upstream, entries)
    form = "promptText=" + "x" * (64 * 1024)
    reply = proxy_comfy.post_form("/proxy/pika/generate/2.2/t2v", form)
    _refused(reply, 413, "payload_too_large", proxy_upstream, entries)


@pytest.mark.django_db
def test_it_refuses_a_poll_body_over_its_cap(
    proxy_comfy: ComfyClient, proxy_upstream: RecordingTransport
) -> None:
    entries = LedgerEntry.objects.count()
    reply = proxy_comfy.post_json("/proxy/veo/veo-2.0-generate-001/poll", {"operationName": "x" * 70_000})
    _refused(reply, 413, "payload_too_large", proxy_upstream, entries)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "content_type"),
    [
        (GENERATIONS, "text/plain"),
        (GENERATIONS, "multipart/form-data; boundary=x"),
        ("/proxy/openai/images/edits", "application/json"),
        ("/proxy/pika/generate/2.2/t2v", "application/json"),
    ],
)
def test_it_refuses_the_wrong_content_type(
    proxy_comfy: ComfyClient, proxy_upstream: RecordingTransport, path: str, content_type: str
) -> None:
    entries = LedgerEntry.objects.count()
    reply = _post_raw(proxy_comfy, b'{"prompt": "x"}', path=path, content_type=content_type)
    _refused(reply, 415, "unsupported_media_type", proxy_upstream, entries)


@pytest.mark.django_db
def test_it_refuses_a_malformed_multipart_body(
    proxy_comfy: ComfyClient, proxy_upstream: RecordingTransport
) -> None:
    entries = LedgerEntry.objects.count()
    reply = _post_raw(
        proxy_comfy,
        b"--x\r\nnot a part",
        path="/proxy/openai/images/edits",
        content_type="multipart/form-data; boundary=x",
    )
    assert reply.status_code == 400
    _refused(reply, 400, None, proxy_upstream, entries)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("Idempotency-Key", "a" * 256),
        ("Idempotency-Key", "abc\x00def"),
        ("Comfy-Job-Id", "job\x00id"),
        ("Comfy-Job-Id", "jöb"),
    ],
)
def test_it_refuses_header_injection(
    proxy_comfy: ComfyClient, proxy_upstream: RecordingTransport, name: str, value: str
) -> None:
    entries = LedgerEntry.objects.count()
    reply = proxy_comfy.post_json(GENERATIONS, {"prompt": "x"}, **{name: value})
    _refused(reply, 400, "invalid_header", proxy_upstream, entries)
    assert IdempotencyRecord.objects.count() == 0


@pytest.mark.django_db
def test_it_refuses_an_unpriced_model_after_its_row_is_removed(
    proxy_comfy: ComfyClient, proxy_upstream: RecordingTransport
) -> None:
    from nodes.models import Price

    Price.objects.filter(vendor="openai", key="dall-e-2/1024x1024").delete()
    entries = LedgerEntry.objects.count()
    reply = proxy_comfy.post_json(GENERATIONS, {"prompt": "x", "model": "dall-e-2"})
    _refused(reply, 422, "price_unavailable", proxy_upstream, entries)


@pytest.mark.django_db
def test_it_still_works_after_bad_input(proxy_comfy: ComfyClient, proxy_upstream: RecordingTransport) -> None:
    assert _post_raw(proxy_comfy, b"{bad").status_code == 400
    reply = proxy_comfy.post_json(GENERATIONS, {"prompt": "x", "model": "dall-e-2"})
    assert reply.status_code == 200


@pytest.mark.django_db(transaction=True)
def test_it_refuses_a_chunked_body_without_length_over_the_cap(owner: Any, proxy_key: str) -> None:
    """quality.md B-04: no Content-Length over ASGI; the route cap still holds (413), nothing forwarded."""
    import asyncio

    import httpx

    from comfyweb.asgi import application
    from nodes.engine import forward
    from nodes.services import prices_seed
    from tests.nodes.conftest import StubUpstream, fund_user

    prices_seed()
    fund_user(owner, 1_000_000)
    stub = StubUpstream()
    forward.use_transport(stub)

    async def chunks() -> Any:
        yield b"promptText="
        for _ in range(80):
            yield b"x" * 1024

    async def send() -> httpx.Response:
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
            return await client.post(
                "/proxy/pika/generate/2.2/t2v",
                content=chunks(),
                headers={"X-API-KEY": proxy_key, "Content-Type": "application/x-www-form-urlencoded"},
            )

    try:
        reply = asyncio.run(send())
    finally:
        forward.use_transport(None)
    assert "content-length" not in {k.lower() for k in reply.request.headers}
    assert reply.status_code == 413
    assert reply.json()["error"]["type"] == "payload_too_large"
    assert stub.calls == []
    assert UsageRecord.objects.count() == 0
