"""Every priced API node of ComfyUI 0.30.0, replayed through /proxy in sandbox mode (issue 12).

For each node, the request it sends at its default widget values (the same builders the price test uses,
tests/nodes/badge_requests.py and tests/nodes/badges/, taken from the node source) goes through /proxy
with a real API key; a job nobody polls is then settled by the sweeper's own poll of the vendor, exactly
as a client's poll would. Each call must end SUCCEEDED, charged more than nothing and never more than
its hold, and its hold must be the platform's quote for that request. The same request answered by a
failing vendor (HTTP 500) must be refused and charged nothing. The vendor suites
(tests/nodes/vendors/) replay the whole flows with the nodes' own polls, downloads and failure paths.
"""

from __future__ import annotations

import io
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
from django.utils import timezone

from comfyweb.errors import ApiError
from nodes.engine import forward
from nodes.models import JobState, ProxyJob, UsageRecord, UsageStatus
from nodes.quotes import quote_call
from nodes.sandbox.media import png_bytes
from nodes.sandbox.mp4 import mp4_bytes
from nodes.tasks import sweep_jobs
from nodes.vendors import VENDORS
from tests.nodes.badge_catalog import NODES
from tests.nodes.badge_requests import NodeRefuses, Req
from tests.nodes.conftest import StubUpstream, fund_user
from tests.nodes.proxy_support import ComfyClient, available_micros
from tests.nodes.test_price_badges import _grid, _object_info

# Nodes whose job starts only after follow-up calls the builders do not make; their whole flow is in
# the vendor suite. Here their submit is held at the quote and stays open.
FOLLOW_UPS = {
    "TopazVideoEnhanceV2": "PATCH accept and complete-upload first (tests/nodes/vendors/test_topaz.py)"
}
FREE = {"TripoImportModelNode"}  # its one call is free (the badge says "Free"): nothing to release
SWEEPS = 12  # a sandbox job finishes within a few polls unless its prompt asks for [slow]
# Upload fields whose file the price reads (ElevenLabs prices audio by the MP4's declared length).
MEDIA_FIELDS = {"audio": ("audio.mp4", "audio/mp4"), "files": ("voice.mp4", "audio/mp4")}


def _first_request(node_id: str) -> list[Req]:
    """What the node sends at the first grid point it accepts (its defaults, mostly)."""
    node = _object_info()[node_id]
    mapping = NODES[node_id]
    for widgets, connected, groups in _grid(node, node["price_badge"], mapping.extra_widgets):
        try:
            return mapping.build(widgets, {**connected, **groups})
        except NodeRefuses:
            continue
    raise AssertionError(f"{node_id}: no widget values the node accepts")


def _replayed() -> list[str]:
    info = _object_info()
    return sorted(node_id for node_id in NODES if info.get(node_id, {}).get("price_badge"))


def _file(name: str) -> io.BytesIO:
    file_name, _type = MEDIA_FIELDS.get(name, (f"{name}.png", "image/png"))
    data = (
        mp4_bytes(seed=1, seconds=2) if file_name.endswith(".mp4") else png_bytes(seed=1, width=64, height=64)
    )
    handle = io.BytesIO(data)
    handle.name = file_name
    return handle


def _body_format(req: Req) -> str:
    vendor, _, rest = req.path.removeprefix("/proxy/").partition("/")
    path = rest.split("?", 1)[0]
    segments = path.split("/")
    for route in VENDORS[vendor].routes:
        template = route.path.split("/")
        if (
            route.method == req.method
            and len(template) == len(segments)
            and all(t == s or t.startswith("{") for t, s in zip(template, segments, strict=True))
        ):
            return route.body
    raise AssertionError(f"{req.path}: no route")


def _send(comfy: ComfyClient, req: Req) -> Any:
    kind = _body_format(req)
    if kind == "multipart":
        data: dict[str, Any] = dict(req.body)
        data.update({name: _file(name) for name in req.files})
        return comfy.post_multipart(req.path, data)
    if kind == "form":
        return comfy.post_form(req.path, urlencode(req.body, doseq=True))
    return comfy.post_json(req.path, req.body)


def _settle_open_jobs() -> None:
    for _ in range(SWEEPS):
        if not ProxyJob.objects.filter(state=JobState.OPEN).exists():
            return
        ProxyJob.objects.filter(state=JobState.OPEN).update(
            created_at=timezone.now() - timedelta(hours=1), last_polled_at=None
        )
        sweep_jobs()


def test_every_priced_node_is_replayed() -> None:
    assert len(_replayed()) == 211  # of ComfyUI 0.30.0's 215 API nodes, those with a price badge


def _quote(req: Req) -> int | None:
    """The platform's quote for the request, or None for a free call (Tripo's import)."""
    try:
        return quote_call(method=req.method, path=req.path, body=req.body, files=list(req.files)).max_micros
    except ApiError as exc:
        if exc.code == "NOT_METERED":
            return None
        raise


@pytest.mark.django_db
@pytest.mark.parametrize("node_id", _replayed())
def test_the_node_runs_to_a_charge_within_its_quote(
    proxy_comfy: ComfyClient, owner: Any, node_id: str
) -> None:
    fund_user(owner, 2_000_000_000)  # HitPaw's hour of 4K video holds $712
    requests = _first_request(node_id)
    quotes = [_quote(req) for req in requests]
    for req in requests:
        reply = _send(proxy_comfy, req)
        assert 200 <= reply.status_code < 300, (req.path, reply.status_code, reply.content[:300])
    if node_id in FOLLOW_UPS:
        (usage,) = UsageRecord.objects.filter(user=owner)
        assert (usage.status, usage.quoted_micros) == (UsageStatus.SUBMITTED, quotes[0])
        return
    _settle_open_jobs()
    usages = list(UsageRecord.objects.filter(user=owner).order_by("id"))
    metered = [quote for quote in quotes if quote is not None]
    assert len(usages) == len(metered), node_id
    for req, usage, quote in zip(
        [r for r, q in zip(requests, quotes, strict=True) if q], usages, metered, strict=True
    ):
        assert usage.status == UsageStatus.SUCCEEDED, (node_id, usage.status, usage.message)
        if req.files:
            # The quote knows only the files' names; the call itself may price what they hold (a length).
            assert usage.quoted_micros <= quote, node_id
        else:
            assert usage.quoted_micros == quote, node_id
        assert 0 < usage.charged_micros <= usage.quoted_micros, node_id
    assert not ProxyJob.objects.filter(state=JobState.OPEN).exists(), node_id


@pytest.mark.django_db
@pytest.mark.parametrize("node_id", _replayed())
def test_the_node_charges_nothing_when_its_vendor_fails(
    proxy_comfy: ComfyClient, owner: Any, node_id: str
) -> None:
    """The same request, answered by a vendor that fails (HTTP 500): refused to the client, released."""
    fund_user(owner, 2_000_000_000)
    before = available_micros(owner)
    failing = StubUpstream()
    failing.handler = lambda _request: httpx.Response(500, json={"error": {"message": "upstream failure"}})
    forward.use_transport(failing)
    requests = [req for req in _first_request(node_id) if _quote(req) is not None]
    if node_id in FREE:
        assert not requests
        return
    for req in requests:
        reply = _send(proxy_comfy, req)
        assert reply.status_code >= 500, (req.path, reply.status_code, reply.content[:300])
    assert failing.calls, f"{node_id}: the vendor was never asked"
    for usage in UsageRecord.objects.filter(user=owner):
        assert (usage.status, usage.charged_micros) == (UsageStatus.UPSTREAM_ERROR, 0), node_id
    assert UsageRecord.objects.filter(user=owner).count() == len(requests)
    assert available_micros(owner) == before
