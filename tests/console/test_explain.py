"""Explain this charge: the request, the price row and version, the hold, the upstream calls, where the
cost came from and the ledger entries, for real /proxy calls against the sandbox vendors."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from billing.models import HoldStatus
from console.selectors import charge_explain, usage_get
from nodes.models import UsageRecord, UsageStatus

pytestmark = pytest.mark.django_db


def test_it_explains_a_charge_made_at_the_quote(world: dict[str, Any]) -> None:
    usage = usage_get(public_id=world["usage"].public_id)
    assert usage is not None
    x = charge_explain(usage=usage)
    assert usage.quoted_micros == usage.charged_micros == 40_000  # 2 x dall-e-2 1024x1024 at $0.02
    # The quote's own line items, stored at admission (not guessed from the total).
    assert usage.line_items == [{"key": "dall-e-2/1024x1024", "quantity": 2}]
    assert [(item.price.key, item.quantity, item.inferred) for item in x.priced] == [
        ("dall-e-2/1024x1024", 2, False)
    ]
    assert x.priced[0].list_micros == 40_000
    assert x.hold.status == HoldStatus.CAPTURED
    assert x.hold.captured_micros == 40_000
    assert x.cost_source == "quote"
    (submit,) = x.calls
    assert submit.status == "200"
    assert submit.duration_ms is not None
    (txn,) = x.transactions
    legs = sorted((str(entry.account), entry.amount_micros) for entry in txn.entries.all())
    assert legs == sorted([(f"wallet:{usage.user_id}", -40_000), ("usage_revenue", 40_000)])
    assert "Charged: 8.44 credits." in x.summary
    assert usage.comfy_job_id in x.summary


def test_it_explains_a_vendor_reported_cost_and_the_job_polls(
    world: dict[str, Any], support_client: Client
) -> None:
    comfy = world["comfy"]
    submitted = comfy.post_json("/proxy/bfl/flux-pro-1.1-ultra/generate", {"prompt": "a lighthouse"})
    assert submitted.status_code == 200
    assert comfy.get_absolute(submitted.json()["polling_url"]).json()["status"] == "Ready"
    usage = UsageRecord.objects.get(vendor="bfl")
    assert usage.status == UsageStatus.SUCCEEDED
    x = charge_explain(usage=usage)
    assert x.cost_source == "vendor"
    assert usage.vendor_cost_micros == 60_000
    assert any("reported a list cost of $0.06" in line for line in x.cost_lines)
    submit, job = x.calls
    assert submit.status == "200"
    assert "vendor job" in job.what
    assert job.status == "Ready"
    page = support_client.get(f"/console/usage/{usage.public_id}")
    assert page.status_code == 200
    assert b"flux-pro-1.1-ultra" in page.content
    assert b"vendor job" in page.content


def test_it_explains_a_failed_call_as_released_and_free(
    world: dict[str, Any], support_client: Client
) -> None:
    comfy = world["comfy"]
    reply = comfy.post_json("/proxy/openai/images/generations", {"prompt": "x [http500]"})
    assert reply.status_code == 502
    usage = UsageRecord.objects.get(status=UsageStatus.UPSTREAM_ERROR)
    x = charge_explain(usage=usage)
    assert x.cost_source == "none"
    assert x.transactions == []
    assert x.hold.status == HoldStatus.RELEASED
    assert x.calls[0].status == "500"
    assert "Nothing was charged" in x.summary
    text = support_client.get(f"/console/usage/{usage.public_id}/summary.txt")
    assert text["Content-Type"].startswith("text/plain")
    assert "Nothing was charged" in text.content.decode()
    assert "released" in support_client.get(f"/console/usage/{usage.public_id}").content.decode()


def test_it_lists_a_settle_the_engine_recorded_as_unsettled(world: dict[str, Any]) -> None:
    from nodes.models import UnsettledCall

    usage = world["usage"]
    UnsettledCall.objects.create(
        usage_public_id=usage.public_id,
        user_id=usage.user_id,
        vendor="openai",
        route=usage.route,
        upstream_status=200,
        outcome="succeeded",
        reason="no open hold to capture",
    )
    calls = charge_explain(usage=usage).calls
    assert [call.detail for call in calls][-1] == "no open hold to capture"


def test_the_summary_holds_no_internal_details(world: dict[str, Any]) -> None:
    x = charge_explain(usage=world["usage"])
    assert "usage_revenue" not in x.summary
    assert "wallet:" not in x.summary
    assert world["comfy"].key not in x.summary


def test_it_answers_404_for_an_unknown_usage_id(support_client: Client) -> None:
    assert support_client.get("/console/usage/00000000-0000-0000-0000-000000000000").status_code == 404
    assert support_client.get("/console/users/00000000-0000-0000-0000-000000000000").status_code == 404


def test_a_row_from_before_line_items_were_kept_gets_the_row_that_reproduces_its_quote(
    world: dict[str, Any],
) -> None:
    UsageRecord.objects.filter(pk=world["usage"].pk).update(line_items=[])
    usage = usage_get(public_id=world["usage"].public_id)
    assert usage is not None
    priced = charge_explain(usage=usage).priced
    assert [(item.price.key, item.quantity, item.inferred) for item in priced] == [
        ("dall-e-2/1024x1024", 2, True)
    ]
