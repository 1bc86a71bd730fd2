"""Fixtures for the /proxy, pricing and usage tests (names prefixed `proxy_`)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from django.core import signals
from django.core.cache import cache
from django.db import close_old_connections
from django.test import Client

from tests.nodes.proxy_support import ComfyClient, RecordingTransport


@pytest.fixture
def proxy_prices(db: None) -> Any:
    from nodes.services import prices_seed

    return prices_seed()


@pytest.fixture
def proxy_upstream(settings: Any, transactional_db: None) -> Iterator[RecordingTransport]:
    """Every sandbox-mode vendor call goes through the Django ASGI app in-process, and is recorded.

    The /proxy tests commit for real (transactional_db): the engine's database steps run on its shared
    pool of threads, as in production, and see only committed rows."""
    from comfyweb.asgi import django_asgi_app
    from nodes.engine import forward

    settings.SANDBOX_UPSTREAM_BASE_URL = "http://testserver/sandbox"
    settings.SANDBOX_JOB_SECONDS = 0
    cache.clear()

    async def app(scope: Any, receive: Any, send: Any) -> None:
        # The in-process sandbox request would close the test's DB connection (the one thread-sensitive
        # thread) when it starts and finishes; Django's own test client avoids it the same way.
        signals.request_started.disconnect(close_old_connections)
        signals.request_finished.disconnect(close_old_connections)
        try:
            await django_asgi_app(scope, receive, send)
        finally:
            signals.request_started.connect(close_old_connections)
            signals.request_finished.connect(close_old_connections)

    transport = RecordingTransport(httpx.ASGITransport(app=app))
    forward.use_transport(transport)
    yield transport
    forward.use_transport(None)


def fund_user(user: Any, micros: int) -> None:
    import uuid

    from billing.selectors import wallet_get_for_user
    from billing.services import credits_purchase

    ref = f"cs_{uuid.uuid4().hex}"
    credits_purchase(
        wallet=wallet_get_for_user(user=user),
        amount_micros=micros,
        payment_reference=ref,
        source="sandbox",
        key=ref,
    )


@pytest.fixture
def proxy_key(owner: Any) -> str:
    from accounts.services.api_keys import api_key_create

    _key, plaintext = api_key_create(user=owner, name="laptop")
    return plaintext


@pytest.fixture
def proxy_comfy(
    owner: Any, proxy_key: str, proxy_prices: Any, proxy_upstream: RecordingTransport
) -> ComfyClient:
    """The owner with $100 of credits and an API key, as ComfyUI sends it."""
    fund_user(owner, 100_000_000)
    return ComfyClient(Client(), proxy_key)


class StubUpstream(httpx.AsyncBaseTransport):
    """A vendor stub: `handler(request) -> httpx.Response` (or raises an httpx error); records calls."""

    def __init__(self) -> None:
        self.calls: list[httpx.Request] = []
        self.bodies: list[bytes] = []
        self.handler: Any = lambda _request: httpx.Response(200, json={})

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.bodies.append(await request.aread())
        self.calls.append(request)
        response = self.handler(request)
        assert isinstance(response, httpx.Response)
        return response


@pytest.fixture
def proxy_stub(settings: Any, transactional_db: None) -> Iterator[StubUpstream]:
    from nodes.engine import forward

    cache.clear()
    stub = StubUpstream()
    forward.use_transport(stub)
    yield stub
    forward.use_transport(None)


@pytest.fixture
def proxy_stub_comfy(owner: Any, proxy_key: str, proxy_prices: Any, proxy_stub: StubUpstream) -> ComfyClient:
    fund_user(owner, 100_000_000)
    return ComfyClient(Client(), proxy_key)


_CALLS_PROXY = {
    "tests.nodes.test_kling_settle",
    "tests.nodes.test_pricing",
    "tests.accounts.test_auth_request",
    "tests.accounts.test_origins",
}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test that calls /proxy commits for real: the engine's database steps run on its shared pool of
    threads (as in production), which see only committed rows, never a test's open transaction."""
    for item in items:
        module = getattr(item, "module", None)
        name = getattr(module, "__name__", "")
        if name.startswith("tests.nodes.test_proxy") or name in _CALLS_PROXY:
            item.add_marker(pytest.mark.django_db(transaction=True), append=False)
