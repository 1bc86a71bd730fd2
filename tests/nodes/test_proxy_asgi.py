"""The lean ASGI path for /proxy (no Origin): same answers as the full stack, without browser middleware."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from nodes.engine import forward
from nodes.models import UsageRecord
from tests.nodes.conftest import StubUpstream, fund_user


def _call(method: str, path: str, *, full_stack: bool = False, **kwargs: Any) -> httpx.Response:
    """Through the platform's ASGI application (its lean /proxy path), or straight through Django's own
    handler and the whole middleware chain."""
    from comfyweb.asgi import application, django_asgi_app

    async def send() -> httpx.Response:
        transport = httpx.ASGITransport(app=django_asgi_app if full_stack else application)
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
    """20 calls at once, each charged exactly once, and every database step on the `proxy-db` pool rather
    than a thread of its own (the one mode, in production and in every /proxy test)."""
    import threading

    from billing.selectors import wallet_balance, wallet_get_for_user
    from comfyweb.asgi import application
    from nodes.engine import settle

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


_JSON = {"prompt": "x", "model": "dall-e-2"}
_ERROR_MATRIX: list[tuple[str, str, str, dict[str, Any]]] = [
    ("no-credential", "POST", "/proxy/openai/images/generations", {"json": _JSON}),
    ("malformed-key", "POST", "/proxy/openai/images/generations", {"json": _JSON, "key": "comfyui-short"}),
    (
        "unknown-key",
        "POST",
        "/proxy/openai/images/generations",
        {"json": _JSON, "key": "comfyui-" + "a" * 64},
    ),
    ("foreign-bearer", "POST", "/proxy/openai/images/generations", {"json": _JSON, "bearer": "eyJ.x.y"}),
    ("unknown-route", "POST", "/proxy/openai/nope", {"json": _JSON, "key": True}),
    ("unknown-vendor", "POST", "/proxy/nobody/x", {"json": _JSON, "key": True}),
    ("wrong-method", "GET", "/proxy/openai/images/generations", {"key": True}),
    (
        "bad-json",
        "POST",
        "/proxy/openai/images/generations",
        {"content": b"{nope", "key": True, "type": "json"},
    ),
    (
        "lone-surrogate",
        "POST",
        "/proxy/openai/images/generations",
        {"content": b'{"prompt":"\\ud800"}', "key": True, "type": "json"},
    ),
    (
        "media-type",
        "POST",
        "/proxy/openai/images/generations",
        {"content": b"x=1", "key": True, "type": "text/plain"},
    ),
    (
        "too-large",
        "POST",
        "/proxy/veo/veo-2.0-generate-001/poll",
        {"content": b"{" + b" " * 70_000 + b"}", "key": True, "type": "json"},
    ),
    (
        "unpriced",
        "POST",
        "/proxy/openai/images/generations",
        {"json": {"prompt": "x", "model": "dall-e-9"}, "key": True},
    ),
    (
        "bad-idempotency-key",
        "POST",
        "/proxy/openai/images/generations",
        {"json": _JSON, "key": True, "Idempotency-Key": "x" * 300},
    ),
    (
        "insufficient-credits",
        "POST",
        "/proxy/veo/veo-2.0-generate-001/generate",
        {"json": {"instances": [{"prompt": "a"}]}, "key": True},
    ),
    ("unknown-job", "GET", "/proxy/kling/v1/videos/text2video/no-such-task", {"key": True}),
    ("bad-poll-token", "GET", "/proxy/bfl/poll/" + "t" * 40, {}),
    ("vendor-5xx", "POST", "/proxy/openai/images/generations", {"json": _JSON, "key": True, "vendor": 503}),
    ("vendor-4xx", "POST", "/proxy/openai/images/generations", {"json": _JSON, "key": True, "vendor": 400}),
    (
        "bad-host",
        "POST",
        "/proxy/openai/images/generations",
        {"json": _JSON, "key": True, "Host": "evil.example"},
    ),
]
_EXPECTED = {
    **dict.fromkeys(["no-credential", "malformed-key", "unknown-key", "foreign-bearer"], 401),
    **dict.fromkeys(["unknown-route", "unknown-vendor", "unknown-job", "bad-poll-token"], 404),
    **dict.fromkeys(["bad-json", "lone-surrogate", "bad-idempotency-key", "vendor-4xx", "bad-host"], 400),
    "wrong-method": 405,
    "media-type": 415,
    "too-large": 413,
    "unpriced": 422,
    "insufficient-credits": 402,
    "vendor-5xx": 502,
}
_COMPARED_HEADERS = (
    "content-type",
    "retry-after",
    "x-comfy-error-type",
    "x-content-type-options",
    "x-comfy-credits-used",
)


def _request(case: dict[str, Any], proxy_key: str) -> dict[str, Any]:
    headers: dict[str, str] = {}
    if case.get("key") is True:
        headers["X-API-KEY"] = proxy_key
    elif isinstance(case.get("key"), str):
        headers["X-API-KEY"] = case["key"]
    if case.get("bearer"):
        headers["Authorization"] = f"Bearer {case['bearer']}"
    for name in ("Idempotency-Key", "Host"):
        if name in case:
            headers[name] = case[name]
    kwargs: dict[str, Any] = {"headers": headers}
    if "json" in case:
        kwargs["json"] = case["json"]
    if "content" in case:
        kwargs["content"] = case["content"]
        headers["Content-Type"] = "application/json" if case["type"] == "json" else case["type"]
    return kwargs


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(("name", "method", "path", "case"), _ERROR_MATRIX, ids=[c[0] for c in _ERROR_MATRIX])
def test_the_lean_path_answers_exactly_like_the_full_stack(
    *, lean: StubUpstream, proxy_key: str, name: str, method: str, path: str, case: dict[str, Any]
) -> None:
    status = case.get("vendor")
    if status:
        lean.handler = lambda _r: httpx.Response(status, json={"error": {"message": "nope", "type": "bad"}})
    kwargs = _request(case, proxy_key)
    lean_reply = _call(method, path, **kwargs)
    full_reply = _call(method, path, full_stack=True, **kwargs)
    assert lean_reply.status_code == full_reply.status_code == _EXPECTED[name], name
    assert lean_reply.content == full_reply.content, name
    for header in _COMPARED_HEADERS:
        assert lean_reply.headers.get(header) == full_reply.headers.get(header), (name, header)
