"""A deletion racing an API call in flight (PostgreSQL, real commits, the real /proxy engine).

The call is admitted (its hold made) and is waiting for the vendor when the deletion starts. Either the
pipeline waits and the call settles (captured), or the wait is over and the pipeline releases the hold
first (the call is then not charged). Both ways: nothing lost, nothing charged twice, ledger balanced.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client

from accounts.services.api_keys import api_key_create
from billing.audit import ledger_drifts
from billing.models import Hold, HoldStatus, HouseAccount, LedgerEntry
from billing.selectors import house_balance, wallet_balance, wallet_get_for_user
from nodes.models import UsageRecord, UsageStatus
from privacy.models import DeletionStatus
from tests.nodes.conftest import StubUpstream, fund_user
from tests.nodes.proxy_support import ComfyClient
from tests.privacy.helpers import request_due, run

pytestmark = [pytest.mark.pg, pytest.mark.django_db(transaction=True)]

GENERATIONS = "/proxy/openai/images/generations"
QUOTE = 20_000  # dall-e-2 1024x1024
FUNDED = 10 * QUOTE


@pytest.fixture
def vendor(settings: Any) -> Iterator[StubUpstream]:
    from nodes.engine import forward

    cache.clear()
    stub = StubUpstream()
    forward.use_transport(stub)
    yield stub
    forward.use_transport(None)


class InFlight:
    """One ComfyUI call on its own thread and connection, held at the vendor until `finish()`."""

    def __init__(self, key: str, vendor: StubUpstream) -> None:
        self.at_vendor, self._go = threading.Event(), threading.Event()
        self.status: int | None = None
        vendor.handler = self._answer
        self._thread = threading.Thread(target=self._call, args=(key,))
        self._thread.start()
        assert self.at_vendor.wait(30), "the call never reached the vendor"

    def _answer(self, _request: httpx.Request) -> httpx.Response:
        self.at_vendor.set()
        self._go.wait(30)
        return httpx.Response(200, json={"data": [{"url": "https://cdn.example/x.png"}]})

    def _call(self, key: str) -> None:
        try:
            reply = ComfyClient(Client(), key).post_json(GENERATIONS, {"prompt": "race", "model": "dall-e-2"})
            self.status = reply.status_code
        finally:
            connection.close()

    def finish(self) -> int | None:
        self._go.set()
        self._thread.join(60)
        return self.status


def _setup(owner: Any) -> str:
    from nodes.services import prices_seed

    prices_seed()
    fund_user(owner, FUNDED)
    return api_key_create(user=owner, name="race")[1]


def test_the_pipeline_waits_and_the_call_settles(owner: Any, vendor: StubUpstream, settings: Any) -> None:
    settings.DELETION_HOLDS_WAIT_SECONDS = 600
    call = InFlight(_setup(owner), vendor)
    request = run(request_due(owner))
    assert (request.status, request.step) == (DeletionStatus.RUNNING, "end_hosted_sessions")
    assert "in flight" in request.last_error
    assert call.finish() == 200  # admitted before the revocation: it completes and is charged
    request = run(request)
    assert request.status == DeletionStatus.COMPLETED
    usage = UsageRecord.objects.get()
    assert (usage.status, usage.charged_micros) == (UsageStatus.SUCCEEDED, QUOTE)
    assert request.forfeited_micros == FUNDED - QUOTE
    _assert_balanced(owner, charged=QUOTE)


def test_the_pipeline_releases_and_the_call_is_not_charged(
    owner: Any, vendor: StubUpstream, settings: Any
) -> None:
    settings.DELETION_HOLDS_WAIT_SECONDS = 0
    call = InFlight(_setup(owner), vendor)
    request = run(request_due(owner))
    assert request.status == DeletionStatus.COMPLETED  # ran to the end with the call still at the vendor
    assert Hold.objects.get().status == HoldStatus.RELEASED
    call.finish()
    usage = UsageRecord.objects.get()
    assert (usage.status, usage.charged_micros, usage.upstream_may_bill) == (UsageStatus.UNKNOWN, 0, True)
    assert request.forfeited_micros == FUNDED
    _assert_balanced(owner, charged=0)


def _assert_balanced(owner: Any, *, charged: int) -> None:
    wallet = wallet_get_for_user(user=owner)
    balance = wallet_balance(wallet=wallet)
    assert (balance.balance_micros, balance.held_micros, balance.status) == (0, 0, "closed")
    assert house_balance(code=HouseAccount.USAGE_REVENUE) == charged
    assert house_balance(code=HouseAccount.FORFEITED) == FUNDED - charged
    assert sum(LedgerEntry.objects.filter(account=wallet).values_list("amount_micros", flat=True)) == 0
    assert not Hold.objects.filter(status=HoldStatus.OPEN).exists()
    assert ledger_drifts() == []
