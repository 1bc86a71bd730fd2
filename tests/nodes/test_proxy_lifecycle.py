"""The call lifecycle's promises: an admitted call settles whatever the client does, a settle that finds
nothing to settle still answers with the vendor's reply, and every commit is durable."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest
from asgiref.sync import async_to_sync, sync_to_async
from django.db import connection

from billing.audit import ledger_drifts
from billing.models import Hold, HoldStatus, LedgerAccount
from nodes.engine import forward, lifecycle
from nodes.engine.pricing import price_cache_clear
from nodes.models import ProxyJob, UnsettledCall, UsageRecord, UsageStatus
from tests.nodes.proxy_support import ComfyClient, available_micros

DALLE = ("/proxy/openai/images/generations", {"prompt": "x", "model": "dall-e-2"})
KLING = ("/proxy/kling/v1/videos/text2video", {"prompt": "x"})
IMAGE = {"created": 1, "data": [{"url": "https://cdn.example/1.png"}]}
KLING_TASK = {"code": 0, "data": {"task_id": "t-cancel", "task_status": "submitted"}}


class GatedUpstream(httpx.AsyncBaseTransport):
    """A vendor that answers only when the test opens the gate; `before_reply` runs first (async)."""

    def __init__(self, reply: dict[str, Any]) -> None:
        self.reply = reply
        self.entered = asyncio.Event()
        self.gate = asyncio.Event()
        self.before_reply: Callable[[], Awaitable[None]] | None = None

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        await request.aread()
        self.entered.set()
        await self.gate.wait()
        if self.before_reply is not None:
            await self.before_reply()
        return httpx.Response(200, json=self.reply)


def _scope(path: str, key: str, body: bytes) -> dict[str, Any]:
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [
            (b"host", b"testserver"),
            (b"x-api-key", key.encode()),
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
        ],
        "client": ("127.0.0.1", 5000),
        "server": ("testserver", 80),
    }


async def _call_then_disconnect(
    path: str, body: dict[str, Any], key: str, upstream: GatedUpstream
) -> list[Any]:
    """POST through the real ASGI application; the client hangs up while the vendor is working."""
    from comfyweb.asgi import application

    raw = json.dumps(body).encode()
    hang_up = asyncio.Event()
    sent: list[Any] = []
    messages = [{"type": "http.request", "body": raw, "more_body": False}]

    async def receive() -> dict[str, Any]:
        if messages:
            return messages.pop()
        await hang_up.wait()
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    request = asyncio.ensure_future(application(_scope(path, key, raw), receive, send))
    await asyncio.wait_for(upstream.entered.wait(), 10)
    hang_up.set()  # Django cancels the view on http.disconnect (ComfyUI's interrupt does this)
    await asyncio.wait_for(request, 10)
    upstream.gate.set()  # the vendor answers after the client left
    assert await lifecycle.drain(timeout=10) == 1
    return sent


@pytest.mark.parametrize("case", ["sync", "submit"])
def test_a_client_disconnect_never_strands_the_hold(
    proxy_stub_comfy: ComfyClient, owner: Any, proxy_key: str, case: str
) -> None:
    path, body = DALLE if case == "sync" else KLING
    upstream = GatedUpstream(IMAGE if case == "sync" else KLING_TASK)
    forward.use_transport(upstream)
    before = available_micros(owner)
    sent = async_to_sync(_call_then_disconnect)(path, body, proxy_key, upstream)
    assert not any(m["type"] == "http.response.start" for m in sent)  # nobody was there to answer
    usage = UsageRecord.objects.get()
    if case == "sync":
        # The vendor made the image: charged once, hold captured, nothing left open.
        assert usage.status == UsageStatus.SUCCEEDED
        assert Hold.objects.get().status == HoldStatus.CAPTURED
        assert before - available_micros(owner) == usage.charged_micros > 0
    else:
        # The vendor accepted a job: recorded, so a poll or the sweeper settles it.
        assert usage.status == UsageStatus.SUBMITTED
        assert ProxyJob.objects.get().vendor_job_id == "t-cancel"
    assert ledger_drifts() == []


def _lose_the_reservation() -> None:
    """What a database crash between the reservation and the settle would leave: neither row."""
    usage = UsageRecord.objects.get()
    hold = Hold.objects.get(pk=usage.hold_id)
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {UsageRecord._meta.db_table} WHERE id = %s", [usage.pk])  # noqa: S608
        cursor.execute(f"DELETE FROM {Hold._meta.db_table} WHERE id = %s", [hold.pk])  # noqa: S608
    LedgerAccount.objects.filter(pk=hold.wallet_id).update(held_micros=0)


def test_a_settle_that_finds_its_hold_gone_still_returns_the_vendors_reply(
    proxy_stub_comfy: ComfyClient, owner: Any
) -> None:
    upstream = GatedUpstream(IMAGE)
    upstream.gate.set()

    async def crash() -> None:
        await sync_to_async(_lose_the_reservation, thread_sensitive=False)()

    upstream.before_reply = crash
    forward.use_transport(upstream)
    before = available_micros(owner)
    reply = proxy_stub_comfy.post_json(*DALLE)
    assert reply.status_code == 200, reply.content[:300]
    assert reply.json() == IMAGE  # the user gets what the vendor made
    assert reply["X-Comfy-Credits-Used"] == "0.00"
    assert available_micros(owner) == before
    [lost] = UnsettledCall.objects.all()
    assert (lost.vendor, lost.outcome, lost.upstream_status, lost.reason) == (
        "openai",
        "succeeded",
        200,
        "no hold",
    )
    assert lost.charge_micros > 0  # what it would have charged: for the operator's reconciliation
    assert ledger_drifts() == []


@pytest.mark.pg
def test_every_commit_of_a_call_is_durable(proxy_stub_comfy: ComfyClient) -> None:
    from tests.nodes.sql_capture import all_sql

    forward.use_transport(GatedUpstream(IMAGE))
    forward_gate = forward._transport
    assert isinstance(forward_gate, GatedUpstream)
    forward_gate.gate.set()
    with all_sql() as statements:
        assert proxy_stub_comfy.post_json(*DALLE).status_code == 200
    assert statements
    assert not [s for s in statements if "synchronous_commit" in s.lower()]


# Pinned statement counts on PostgreSQL (each a round trip; PREPAREs, once per pooled connection, aside).
# A change that adds one must say why here.
SYNC_CALL_STATEMENTS = 6  # key lookup, reserve, usage row; capture, usage settle, customer event
# submit: key lookup, reserve, usage row, usage → submitted, the job (in a savepoint: a vendor reusing a
# job id must not abort the settle) = 7; poll: key lookup, the job, its observation, the usage row, capture,
# usage settle, job settled, customer event = 8.
SUBMIT_AND_POLL_STATEMENTS = 15


@pytest.mark.pg
def test_a_sync_call_runs_a_pinned_number_of_statements(
    proxy_stub_comfy: ComfyClient, proxy_stub: Any, settings: Any
) -> None:
    from tests.nodes.sql_capture import all_sql, counted

    settings.PROXY_PRICE_CACHE_SECONDS = 60  # as in production: the price table is read once a while
    price_cache_clear()

    proxy_stub.handler = lambda _r: httpx.Response(200, json=IMAGE)
    proxy_stub_comfy.post_json(*DALLE)  # warm: price table and connection set-up aside
    with all_sql() as statements:
        assert proxy_stub_comfy.post_json(*DALLE).status_code == 200
    assert len(counted(statements)) == SYNC_CALL_STATEMENTS


@pytest.mark.pg
def test_a_submit_and_its_poll_run_a_pinned_number_of_statements(
    proxy_stub_comfy: ComfyClient, proxy_stub: Any, settings: Any
) -> None:
    from tests.nodes.sql_capture import all_sql, counted

    settings.PROXY_PRICE_CACHE_SECONDS = 60
    price_cache_clear()

    def vendor(task: str) -> Callable[[httpx.Request], httpx.Response]:
        done = {"task_id": task, "task_status": "succeed", "task_result": {"videos": [{"duration": "5"}]}}
        submitted = {"code": 0, "data": {"task_id": task, "task_status": "submitted"}}
        return lambda r: httpx.Response(
            200, json=submitted if r.method == "POST" else {"code": 0, "data": done}
        )

    proxy_stub.handler = vendor("t-warm")  # warm: a whole cycle, so per-process lookups are cached
    proxy_stub_comfy.post_json(*KLING)
    proxy_stub_comfy.get("/proxy/kling/v1/videos/text2video/t-warm")
    proxy_stub.handler = vendor("t-q")
    with all_sql() as statements:
        assert proxy_stub_comfy.post_json(*KLING).status_code == 200
        assert proxy_stub_comfy.get("/proxy/kling/v1/videos/text2video/t-q").status_code == 200
    assert len(counted(statements)) == SUBMIT_AND_POLL_STATEMENTS


def test_any_error_after_the_reservation_releases_the_hold(
    proxy_stub_comfy: ComfyClient, proxy_stub: Any, owner: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A bug after the vendor answered (here: reading its reply) never leaves the hold open for hours."""
    from nodes.engine import replies

    def broken(response: Any) -> Any:
        raise RuntimeError("a vendor function failed")

    proxy_stub.handler = lambda _r: httpx.Response(200, json=IMAGE)
    monkeypatch.setattr(replies, "json_or_none", broken)
    before = available_micros(owner)
    reply = proxy_stub_comfy.post_json(*DALLE)
    assert reply.status_code == 500
    assert reply.json()["error"]["type"] == "internal_error"
    usage = UsageRecord.objects.get()
    assert (usage.status, usage.charged_micros, usage.upstream_may_bill) == (UsageStatus.UNKNOWN, 0, True)
    assert Hold.objects.get().status == HoldStatus.RELEASED
    assert available_micros(owner) == before
    assert ledger_drifts() == []


def test_a_hold_released_from_outside_while_the_call_runs_closes_the_usage_row(
    proxy_stub_comfy: ComfyClient, owner: Any
) -> None:
    """E.g. an account deletion releasing open holds: the vendor's reply still arrives, nothing is charged,
    and the call is recorded as one the vendor may bill (not left pending)."""
    from billing.services import hold_release

    upstream = GatedUpstream(IMAGE)
    upstream.gate.set()

    async def release() -> None:
        def run() -> None:
            hold_release(hold=Hold.objects.get(), reason="account deletion")

        await sync_to_async(run, thread_sensitive=False)()

    upstream.before_reply = release
    forward.use_transport(upstream)
    before = available_micros(owner)
    reply = proxy_stub_comfy.post_json(*DALLE)
    assert reply.status_code == 200
    assert reply["X-Comfy-Credits-Used"] == "0.00"
    usage = UsageRecord.objects.get()
    assert (usage.status, usage.charged_micros, usage.upstream_may_bill) == (UsageStatus.UNKNOWN, 0, True)
    assert available_micros(owner) == before
    assert ledger_drifts() == []
