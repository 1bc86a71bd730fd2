"""The Usage page in the user's words: moderation classified alike for sync and async vendors, honest
empty results, refused date ranges, human model names, and a CSV of plain numbers that adds up."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from billing.selectors import wallet_balance, wallet_get_for_user
from nodes.models import UsageRecord, UsageStatus
from nodes.selectors import usage_status_classify
from tests.nodes.proxy_support import ComfyClient

pytestmark = pytest.mark.django_db

RECRAFT = {"prompt": "a lighthouse", "model": "recraftv3", "size": "1024x1024", "n": 1}


def _signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _statuses(client: Client, query: str = "") -> list[str]:
    return [line.status.label for line in client.get("/usage" + query).context["rows"]]


def test_it_labels_a_moderated_sync_call_moderated_and_filters_it(
    proxy_comfy: ComfyClient, owner: Any
) -> None:
    moderated = proxy_comfy.post_json(
        "/proxy/recraft/image_generation", {**RECRAFT, "prompt": "x [moderated]"}
    )
    assert moderated.status_code == 400
    failed = proxy_comfy.post_json("/proxy/recraft/image_generation", {**RECRAFT, "prompt": "x [fail]"})
    assert failed.status_code == 400
    proxy_comfy.post_json(
        "/proxy/openai/images/generations", {"prompt": "y [moderated]", "model": "dall-e-2"}
    )
    assert UsageRecord.objects.filter(status=UsageStatus.REJECTED).count() == 3  # as the engine records them
    client = _signed_in(owner)

    assert sorted(_statuses(client)) == ["Moderated", "Moderated", "Rejected by vendor"]
    assert _statuses(client, "?status=moderated") == ["Moderated", "Moderated"]  # OpenAI and Recraft
    assert _statuses(client, "?status=rejected") == ["Rejected by vendor"]  # the [fail] one only


@pytest.mark.parametrize(
    ("status", "message", "shown"),
    [
        ("rejected", "The prompt was rejected by moderation.", "moderated"),
        ("rejected", "Your request was rejected by the safety system.", "moderated"),
        ("rejected", "size must be one of 1024x1024", "rejected"),
        ("moderated", "vendor reported moderated", "moderated"),
        ("failed", "vendor reported failure", "failed"),
    ],
)
def test_it_classifies_from_what_the_vendor_said(status: str, message: str, shown: str) -> None:
    assert usage_status_classify(status=status, message=message) == shown


def test_an_empty_filter_result_says_so(proxy_comfy: ComfyClient, owner: Any) -> None:
    proxy_comfy.post_json("/proxy/recraft/image_generation", RECRAFT)
    client = _signed_in(owner)
    html = client.get("/usage?vendor=kling").content.decode()
    assert "No calls match these filters." in html
    assert "No API-node calls yet" not in html
    assert "Clear filters" in html


def test_a_user_without_calls_gets_the_first_run_text(owner: Any) -> None:
    html = _signed_in(owner).get("/usage").content.decode()
    assert "No API-node calls yet" in html
    assert "No calls match these filters." not in html


def test_it_refuses_an_inverted_date_range_with_a_message(proxy_comfy: ComfyClient, owner: Any) -> None:
    proxy_comfy.post_json("/proxy/recraft/image_generation", RECRAFT)
    client = _signed_in(owner)
    page = client.get("/usage?date_from=2026-12-10&date_to=2026-12-01")
    html = page.content.decode()
    assert "The start date (2026-12-10) is after the end date (2026-12-01)" in html
    assert page.context["rows"] == []  # nothing listed as if the filter had matched
    assert client.get("/usage.csv?date_from=2026-12-10&date_to=2026-12-01").status_code == 400


def test_it_names_models_as_people_know_them(proxy_comfy: ComfyClient, owner: Any) -> None:
    proxy_comfy.post_json(
        "/proxy/bfl/flux-2-max/generate", {"prompt": "a fox", "width": 1024, "height": 1024}
    )
    proxy_comfy.post_json("/proxy/recraft/image_generation", RECRAFT)
    html = _signed_in(owner).get("/usage").content.decode()
    assert "FLUX.2 [max]" in html
    assert "Recraft V3" in html
    assert "flux-2-max" not in html
    assert "recraftv3" not in html


def test_the_csv_has_plain_numbers_that_add_up_to_the_balance(proxy_comfy: ComfyClient, owner: Any) -> None:
    for prompt in ("one", "two", "three [moderated]"):
        proxy_comfy.post_json("/proxy/recraft/image_generation", {**RECRAFT, "prompt": prompt})
    proxy_comfy.post_json("/proxy/openai/images/generations", {"prompt": "tokens", "model": "gpt-image-1"})
    export = b"".join(_signed_in(owner).get("/usage.csv").streaming_content).decode()
    rows = list(csv.DictReader(io.StringIO(export)))
    assert len(rows) == 4
    charged = sum(int(r["charged_micros_usd"]) for r in rows)
    exported_credits = sum(Decimal(r["charged_credits"]) for r in rows)
    assert not [cell for r in rows for cell in r.values() if "$" in cell]
    balance = wallet_balance(wallet=wallet_get_for_user(user=owner)).balance_micros
    assert balance == 100_000_000 - charged  # funded $100 (proxy_comfy), minus exactly what the CSV says
    assert exported_credits == Decimal(charged) * 211 / 1_000_000
    assert {r["status"] for r in rows} >= {"Succeeded", "Moderated"}
