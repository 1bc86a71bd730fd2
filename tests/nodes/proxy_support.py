"""A ComfyUI-like API-node client for the /proxy tests, and a transport that records upstream calls."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from typing import Any

import httpx
from django.conf import settings
from django.test import Client

from billing.money import usd_to_micros
from billing.selectors import wallet_balance, wallet_get_for_user

FAILED = {"cancelled", "canceled", "canceling", "fail", "failed", "error"}
DONE = {"succeeded", "succeed", "success", "completed", "finished", "done", "complete"}


@dataclass
class Recorded:
    method: str
    url: str
    headers: dict[str, str]
    body: bytes


class RecordingTransport(httpx.AsyncBaseTransport):
    """Wraps the real transport (the ASGI app, or a mock) and records every upstream request."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.calls: list[Recorded] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        body = await request.aread()
        self.calls.append(Recorded(request.method, str(request.url), dict(request.headers), body))
        return await self.inner.handle_async_request(request)

    def paths(self) -> list[str]:
        return [httpx.URL(call.url).raw_path.decode() for call in self.calls]


@dataclass
class ComfyClient:
    """Sends what ComfyUI's API nodes send: X-API-KEY (or Bearer), Comfy-* headers, native bodies."""

    client: Client
    key: str | None
    headers: dict[str, str] = field(default_factory=dict)
    job_id: str = field(default_factory=lambda: str(uuid.uuid4()))

    def _headers(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        headers = {
            "Comfy-Job-Id": self.job_id,
            "Comfy-Usage-Source": "comfyui-api",
            "Comfy-Core-Version": "0.28.0",
            "Comfy-Env": "local-git",
            "Accept": "application/json",
            **self.headers,
        }
        if self.key:
            headers["X-API-KEY"] = self.key
        headers.update(extra or {})
        return headers

    def post_json(self, path: str, body: Any, **extra: str) -> Any:
        return self.client.post(
            path, data=json.dumps(body), content_type="application/json", headers=self._headers(extra)
        )

    def post_multipart(self, path: str, data: dict[str, Any], **extra: str) -> Any:
        return self.client.post(path, data=data, headers=self._headers(extra))

    def post_form(self, path: str, form: str, **extra: str) -> Any:
        return self.client.post(
            path, data=form, content_type="application/x-www-form-urlencoded", headers=self._headers(extra)
        )

    def get(self, path: str, **extra: str) -> Any:
        return self.client.get(path, headers=self._headers(extra))

    def get_absolute(self, url: str) -> Any:
        """An absolute URL (BFL polling_url, result files): no Comfy headers, no credentials."""
        assert url.startswith(settings.PUBLIC_BASE_URL + "/"), url
        return Client().get(url.removeprefix(settings.PUBLIC_BASE_URL))


def available_micros(user: Any) -> int:
    return wallet_balance(wallet=wallet_get_for_user(user=user)).available_micros


def usd(value: str) -> int:
    return usd_to_micros(value)
