"""Vendor bodies validated before anything is reserved (issue 14 item 6; quality.md B-08, B-09, B-12).

Each bad body goes through `/proxy` with a funded key: a 4xx in the one error shape, nothing forwarded, no
usage row, no hold, no ledger entry. The checks are the vendor tables' `CHECKS` applied by
`nodes.validation.validate_body`.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from billing.models import Hold, LedgerEntry
from comfyweb.errors import ApiError
from nodes.engine.types import Body
from nodes.models import UsageRecord
from nodes.validation import validate_body
from nodes.vendors import VENDORS
from tests.nodes.proxy_support import ComfyClient, RecordingTransport

OPENAI = "/proxy/openai/images/generations"
RECRAFT = "/proxy/recraft/image_generation"
KLING_OMNI = "/proxy/kling/v1/videos/omni-video"
VEO = "/proxy/veo/veo-3.1-generate-001/generate"
IDEOGRAM_V3 = "/proxy/ideogram/ideogram-v3/generate"
RECRAFT_VECTORIZE = "/proxy/recraft/images/vectorize"
IDEOGRAM_JSON_V4 = "/proxy/ideogram/ideogram-v4/generate"


def _refused(reply: Any, status: int, kind: str, upstream: RecordingTransport, entries: int) -> None:
    assert reply.status_code == status, reply.content[:300]
    body = reply.json()
    assert set(body) >= {"error", "message", "code"}
    assert body["error"]["type"] == kind, body
    assert upstream.calls == []
    assert UsageRecord.objects.count() == 0
    assert Hold.objects.count() == 0
    assert LedgerEntry.objects.count() == entries


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "body", "kind"),
    [
        (OPENAI, {"model": "dall-e-2", "prompt": ["a", "fox"]}, "invalid_request"),  # an array
        (OPENAI, {"model": "dall-e-2", "size": "1024x1024"}, "invalid_request"),  # missing
        (OPENAI, {"model": "dall-e-2", "prompt": {"text": "fox"}}, "invalid_request"),
        (OPENAI, {"model": "dall-e-2", "prompt": "x" * 32_001}, "invalid_request"),
        (RECRAFT, {"prompt": "a fox", "size": "99999x99999"}, "invalid_request"),
        (IDEOGRAM_JSON_V4, {"text_prompt": ["a"]}, "invalid_request"),
        (RECRAFT, {"prompt": "a fox", "size": "huge"}, "invalid_request"),
        (RECRAFT, {"prompt": 7, "size": "1024x1024"}, "invalid_request"),
        (RECRAFT, {"size": "1024x1024"}, "invalid_request"),
        (KLING_OMNI, {"model_name": "kling-video-o1", "duration": "5"}, "invalid_request"),  # no prompt
        (VEO, {"instances": [], "parameters": {"durationSeconds": 8}}, "invalid_request"),
        (VEO, {"instances": [{"prompt": ["x"]}], "parameters": {"durationSeconds": 8}}, "invalid_request"),
        (VEO, {"parameters": {"durationSeconds": 8}}, "invalid_request"),
    ],
)
def test_it_refuses_a_bad_prompt_or_size_before_reserving(
    proxy_comfy: ComfyClient, proxy_upstream: RecordingTransport, path: str, body: Any, kind: str
) -> None:
    entries = LedgerEntry.objects.count()
    _refused(proxy_comfy.post_json(path, body), 400, kind, proxy_upstream, entries)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "body"),
    [
        (OPENAI, {"model": "dall-e-2", "prompt": "x", "callback_url": "https://evil.example/hook"}),
        (KLING_OMNI, {"model_name": "kling-video-o1", "prompt": "x", "callback_url": "https://evil.example"}),
        (RECRAFT, {"prompt": "x", "webhook_url": "https://evil.example"}),
        (RECRAFT, {"prompt": "x", "controls": {"webhookUrl": "https://evil.example"}}),  # nested, camelCase
        (VEO, {"instances": [{"prompt": "x"}], "parameters": {"notify_url": "https://evil.example"}}),
    ],
)
def test_it_never_forwards_a_vendor_callback_url(
    proxy_comfy: ComfyClient, proxy_upstream: RecordingTransport, path: str, body: Any
) -> None:
    entries = LedgerEntry.objects.count()
    _refused(proxy_comfy.post_json(path, body), 400, "callback_not_allowed", proxy_upstream, entries)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "extra"),
    [
        (OPENAI, '"model": "dall-e-2"'),
        (RECRAFT, '"size": "1024x1024"'),
        (KLING_OMNI, '"model_name": "kling-video-o1"'),
        ("/proxy/bfl/flux-pro-1.1-ultra/generate", '"aspect_ratio": "16:9"'),
        ("/proxy/luma/generations", '"model": "ray-2"'),
        ("/proxy/ideogram/generate", '"image_request": {"model": "V_2"}'),
    ],
)
def test_it_refuses_a_lone_surrogate_before_reserving(
    proxy_comfy: ComfyClient, proxy_upstream: RecordingTransport, path: str, extra: str
) -> None:
    """issue 14 item 2: `{"prompt":"\\ud800"}` answered 500 after the reservation, leaving the hold open."""
    entries = LedgerEntry.objects.count()
    raw = '{"prompt": "\\ud800", ' + extra + "}"
    reply = proxy_comfy.client.post(
        path, data=raw, content_type="application/json", headers=proxy_comfy._headers()
    )
    _refused(reply, 400, "invalid_json", proxy_upstream, entries)


@pytest.mark.django_db
def test_it_refuses_a_callback_url_in_a_form(
    proxy_comfy: ComfyClient, proxy_upstream: RecordingTransport
) -> None:
    entries = LedgerEntry.objects.count()
    reply = proxy_comfy.post_multipart(
        IDEOGRAM_V3, {"prompt": "a fox", "rendering_speed": "TURBO", "callback_url": "https://evil.example"}
    )
    _refused(reply, 400, "callback_not_allowed", proxy_upstream, entries)


@pytest.mark.django_db
def test_it_accepts_a_null_callback_the_node_would_never_send(
    proxy_comfy: ComfyClient, proxy_upstream: RecordingTransport
) -> None:
    reply = proxy_comfy.post_json(OPENAI, {"model": "dall-e-2", "prompt": "x", "callback_url": None})
    assert reply.status_code == 200, reply.content[:300]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "raw"),
    [
        # A well-formed boundary around garbage: parses to no field and no file.
        (IDEOGRAM_V3, b"\x00\xff garbage \xfe" * 50),
        (RECRAFT_VECTORIZE, b"--x\r\n\r\ngarbage\r\n--x--\r\n"),
        (RECRAFT_VECTORIZE, b'--x\r\nContent-Disposition: form-data; name="style"\r\n\r\nv\r\n--x--\r\n'),
    ],
)
def test_it_refuses_a_multipart_body_of_garbage(
    proxy_comfy: ComfyClient, proxy_upstream: RecordingTransport, path: str, raw: bytes
) -> None:
    entries = LedgerEntry.objects.count()
    reply = proxy_comfy.client.post(
        path, data=raw, content_type="multipart/form-data; boundary=x", headers=proxy_comfy._headers()
    )
    _refused(reply, 400, "invalid_request", proxy_upstream, entries)


@pytest.mark.django_db
def test_a_valid_body_still_goes_through(
    proxy_comfy: ComfyClient, proxy_upstream: RecordingTransport
) -> None:
    reply = proxy_comfy.post_json(RECRAFT, {"prompt": "a fox", "size": "1024x1024", "n": 1})
    assert reply.status_code == 200, reply.content[:300]
    assert UsageRecord.objects.count() == 1


# The checker on its own: the vendor tables' declarations.
def _route(vendor: str, label: str) -> Any:
    return next(route for route in VENDORS[vendor].routes if route.label == label)


def test_every_declared_check_names_a_real_route() -> None:
    from nodes.vendors import CHECKS

    for vendor, declared in CHECKS.items():
        labels = {route.label for route in VENDORS[vendor].routes}
        assert set(declared) <= labels, (vendor, set(declared) - labels)


def test_each_vendor_of_a_module_gets_its_own_checks() -> None:
    from nodes.vendors import CHECKS, luma

    assert CHECKS["luma"] is luma.CHECKS
    assert CHECKS["luma_2"] is luma.CHECKS_V2
    assert set(CHECKS) == set(VENDORS)


def test_a_check_for_some_path_values_runs_only_for_them() -> None:
    route = _route("recraft", "POST images/{op}")
    body = Body(format="multipart", raw=b"", fields={"n": ("1",)}, files=("image",))
    validate_body(route, body, {"op": "vectorize"})  # no prompt needed
    with pytest.raises(ApiError) as error:
        validate_body(route, body, {"op": "imageToImage"})
    assert error.value.status == 400
    assert "prompt" in error.value.message


def test_free_routes_are_not_checked() -> None:
    poll = _route("kling", "GET v1/videos/{kind}/{task_id}")
    validate_body(poll, Body(format="none", raw=b""))
    body = {"callback_url": "https://evil.example"}
    upload = _route("pixverse", "POST image/upload")
    validate_body(upload, Body(format="json", raw=json.dumps(body).encode(), json=body))
