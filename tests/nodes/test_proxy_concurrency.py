"""Concurrent calls on one wallet: exactly as many are forwarded and charged as the balance covers."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
from django.db import connection
from django.test import Client

from nodes.models import UsageRecord, UsageStatus
from tests.nodes.conftest import StubUpstream, fund_user
from tests.nodes.proxy_support import ComfyClient, available_micros

GENERATIONS = "/proxy/openai/images/generations"
QUOTE = 20_000  # dall-e-2 1024x1024


def _call(key: str) -> int:
    """One ComfyUI call; a 503 (our database busy: nothing started, nothing charged) is retried."""
    try:
        for _ in range(10):
            reply = ComfyClient(Client(), key).post_json(GENERATIONS, {"prompt": "race", "model": "dall-e-2"})
            if reply.status_code != 503:
                break
            time.sleep(0.5)
        return int(reply.status_code)
    finally:
        connection.close()


@pytest.mark.pg
@pytest.mark.django_db(transaction=True)
def test_it_forwards_exactly_what_the_wallet_covers(
    owner: Any, proxy_key: str, proxy_stub: StubUpstream, settings: Any
) -> None:
    from nodes.services import prices_seed

    prices_seed()
    settings.PROXY_CALLS_PER_MINUTE_PER_USER = 10_000
    settings.PROXY_CALLS_PER_MINUTE_PER_KEY = 10_000
    proxy_stub.handler = lambda _request: httpx.Response(200, json={"data": [{"url": "https://cdn/x.png"}]})
    fund_user(owner, 50 * QUOTE)
    # 12 threads keep 200 calls contending while leaving the shared PostgreSQL's connection slots free.
    with ThreadPoolExecutor(max_workers=12) as pool:
        statuses = list(pool.map(_call, [proxy_key] * 200))
    assert statuses.count(200) == 50
    assert statuses.count(402) == 150
    assert len(proxy_stub.calls) == 50
    assert UsageRecord.objects.filter(status=UsageStatus.SUCCEEDED).count() == 50
    assert sum(UsageRecord.objects.values_list("charged_micros", flat=True)) == 50 * QUOTE
    assert available_micros(owner) == 0
