"""The lean ASGI path for /proxy (no Origin): same answers as the full stack, without browser middleware."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from nodes.engine import forward
from nodes.models import UsageRecord
from tests.nodes.conftest import StubUpstream, fund_user


def _call(method: str, path: str, **kwargs: Any) -> httpx.Response:
    from comfyweb.asgi import application

    async def send() -> httpx.Response:
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
            return await client.request(method, path, **kwargs)

    return asyncio.run(send())


@pytest.fixture
def lean(owner: Any, proxy_key: str) -> Any:
    from nodes.services import prices_seed

    prices_seed()
    fund_user(owner, 1_000_000)
    stub = StubUpstream()
    stub.handler = lambda _request: httpx.Response(200, json={"data": [{"url": "https://cdn/x.png"}]})
    forward.use_transport(stub)
    yield stub
    forward.use_transport(None)


@pytest.mark.django_db(transaction=True)
def test_it_serves_a_metered_call(lean: StubUpstream, proxy_key: str) -> None:
    reply = _call(
        "POST",
        "/proxy/openai/images/generations",
        json={"prompt": "x", "model": "dall-e-2"},
        headers={"X-API-KEY": proxy_key},
    )
    assert reply.status_code == 200
    assert reply.headers["X-Comfy-Credits-Used"] == "4.22"
    assert reply.headers["X-Content-Type-Options"] == "nosniff"
    assert "set-cookie" not in reply.headers
    assert UsageRecord.objects.get().charged_micros == 20_000


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("path", "headers", "status", "kind"),
    [
        ("/proxy/openai/images/generations", {}, 401, "unauthorized"),
        ("/proxy/openai/nope", {}, 401, "unauthorized"),
        ("/proxy/openai/nope", {"key": True}, 404, "unknown_route"),
        ("/proxy/", {"key": True}, 404, "not_found"),
        ("/proxy/openai/images/generations", {"key": True, "Host": "evil.example"}, 400, None),
    ],
)
def test_it_answers_errors_in_the_one_shape(
    *, lean: StubUpstream, proxy_key: str, path: str, headers: dict[str, Any], status: int, kind: str | None
) -> None:
    sent = {name: value for name, value in headers.items() if name != "key"}
    if headers.get("key"):
        sent["X-API-KEY"] = proxy_key
    reply = _call("POST", path, json={"prompt": "x"}, headers=sent)
    assert reply.status_code == status
    assert reply.headers["Content-Type"].startswith("application/json")
    if kind:
        assert reply.json()["error"]["type"] == kind
    assert lean.calls == []


@pytest.mark.django_db(transaction=True)
def test_browser_requests_keep_the_full_stack(lean: StubUpstream, proxy_key: str) -> None:
    reply = _call(
        "POST",
        "/proxy/openai/images/generations",
        json={"prompt": "x", "model": "dall-e-2"},
        headers={"X-API-KEY": proxy_key, "Origin": "http://localhost:8188"},
    )
    assert reply.status_code == 200
    assert "Origin" in reply.headers.get("Vary", "")  # the origin policy middleware ran


@pytest.mark.django_db(transaction=True)
def test_it_runs_the_database_steps_on_the_shared_pool(
    lean: StubUpstream, proxy_key: str, settings: Any, owner: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Production's mode (PROXY_DB_SHARED_THREADS): 20 calls at once, each charged exactly once, and
    every database step on the `proxy-db` pool rather than a thread of its own."""
    import threading

    from billing.selectors import wallet_balance, wallet_get_for_user
    from comfyweb.asgi import application
    from nodes.engine import settle

    settings.PROXY_DB_SHARED_THREADS = True
    threads: set[str] = set()
    admit = settle.usage_admit

    def recording_admit(**kwargs: Any) -> Any:
        threads.add(threading.current_thread().name)
        return admit(**kwargs)

    monkeypatch.setattr(settle, "usage_admit", recording_admit)

    async def many() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
            calls = [
                client.post(
                    "/proxy/openai/images/generations",
                    json={"prompt": f"x{i}", "model": "dall-e-2"},
                    headers={"X-API-KEY": proxy_key},
                )
                for i in range(20)
            ]
            return await asyncio.gather(*calls)

    replies = asyncio.run(many())
    assert [r.status_code for r in replies] == [200] * 20
    assert UsageRecord.objects.filter(charged_micros=20_000).count() == 20
    assert wallet_balance(wallet=wallet_get_for_user(user=owner)).balance_micros == 1_000_000 - 20 * 20_000
    assert threads
    assert all(name.startswith("proxy-db") for name in threads)
