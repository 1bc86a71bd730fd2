"""The whole platform under uvicorn on loopback, calling its own sandbox over real HTTP, like ComfyUI."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from nodes.engine import forward
from nodes.models import UsageRecord, UsageStatus
from tests.nodes.loopback import platform_server
from tests.nodes.proxy_support import available_micros


@pytest.fixture
def served(settings: Any) -> Iterator[str]:
    forward.use_transport(None)
    with platform_server() as base:
        settings.PUBLIC_BASE_URL = base
        settings.SANDBOX_UPSTREAM_BASE_URL = base + "/sandbox"
        settings.SANDBOX_JOB_SECONDS = 0
        yield base


@pytest.mark.django_db(transaction=True)
def test_it_runs_a_bfl_job_over_real_http(served: str, owner: Any, proxy_key: str) -> None:
    from nodes.services import prices_seed
    from tests.nodes.conftest import fund_user

    prices_seed()
    fund_user(owner, 1_000_000)
    headers = {"X-API-KEY": proxy_key, "Comfy-Job-Id": "prompt-1"}
    with httpx.Client(base_url=served, timeout=30) as client:
        submitted = client.post(
            "/proxy/bfl/flux-pro-1.1-ultra/generate", json={"prompt": "loop"}, headers=headers
        )
        assert submitted.status_code == 200, submitted.text[:300]
        polling_url = submitted.json()["polling_url"]
        assert polling_url.startswith(served + "/proxy/bfl/poll/")
    # ComfyUI fetches absolute URLs with a bare client: no auth headers at all.
    ready = httpx.get(polling_url, timeout=30)
    assert ready.status_code == 200
    assert ready.json()["status"] == "Ready"
    assert ready.headers["X-Comfy-Credits-Used"] == "12.66"
    image = httpx.get(ready.json()["result"]["sample"], timeout=30)
    assert image.status_code == 200
    assert image.content.startswith(b"\x89PNG")
    usage = UsageRecord.objects.get()
    assert (usage.status, usage.charged_micros, usage.comfy_job_id) == (
        UsageStatus.SUCCEEDED,
        60_000,
        "prompt-1",
    )
    assert available_micros(owner) == 1_000_000 - 60_000


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "path",
    [
        "/proxy/openai/images%2fgenerations",
        "/proxy/bfl/%2e%2e/openai/images/generations",
        "/proxy/openai/images/generations;x=1",
    ],
)
def test_it_refuses_encoded_tricks_over_real_http(served: str, owner: Any, proxy_key: str, path: str) -> None:
    from nodes.services import prices_seed
    from tests.nodes.conftest import fund_user

    prices_seed()
    fund_user(owner, 1_000_000)
    reply = httpx.post(served + path, json={"prompt": "x"}, headers={"X-API-KEY": proxy_key}, timeout=30)
    assert reply.status_code in (400, 404)
    assert UsageRecord.objects.count() == 0
