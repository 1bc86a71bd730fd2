"""The Usage page (keyset pages, filters, chart), the CSV export and the public Pricing page."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from billing.models import Hold
from billing.money import format_credits
from billing.selectors import wallet_get_for_user
from nodes.models import PriceVersion, UsageRecord, UsageStatus
from nodes.pages import csv_cell
from tests.nodes.proxy_support import ComfyClient


def _usage(user: Any, version: PriceVersion, index: int, **extra: Any) -> UsageRecord:
    hold = Hold.objects.create(
        wallet=wallet_get_for_user(user=user),
        key=f"test-hold-{user.pk}-{index}",
        request_hash="x",
        amount_micros=20_000,
        expires_at=timezone.now() + timedelta(hours=1),
    )
    fields = {
        "user": user,
        "credential": "api_key",
        "vendor": "openai",
        "route": "POST images/generations",
        "model": "dall-e-2",
        "hold": hold,
        "price_version": version,
        "quoted_micros": 20_000,
        "charged_micros": 20_000,
        "status": UsageStatus.SUCCEEDED,
        "created_at": timezone.now() - timedelta(minutes=index),
        **extra,
    }
    return UsageRecord.objects.create(**fields)


def _signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.django_db
def test_it_shows_each_call_from_a_real_proxy_run(proxy_comfy: ComfyClient, owner: Any) -> None:
    proxy_comfy.post_json("/proxy/openai/images/generations", {"prompt": "x", "model": "dall-e-2", "n": 2})
    page = _signed_in(owner).get("/usage")
    assert page.status_code == 200
    html = page.content.decode()
    assert "OpenAI" in html
    assert "DALL·E 2" in html
    assert proxy_comfy.job_id[:10] in html
    assert "laptop" in html  # the key's name
    assert format_credits(40_000) in html  # 40,000 µ$ in credits, as the site shows credits
    assert "<rect" in html  # the daily-spend chart has a bar


@pytest.mark.django_db
def test_it_pages_by_keyset_without_gaps_or_repeats(owner: Any, proxy_prices: PriceVersion) -> None:
    ids = {_usage(owner, proxy_prices, i).pk for i in range(120)}
    client = _signed_in(owner)
    seen: list[int] = []
    url = "/usage"
    for _ in range(5):
        page = client.get(url)
        rows = page.context["rows"]
        seen += [line.record.pk for line in rows]
        if not page.context["next_cursor"]:
            break
        url = f"/usage?before={page.context['next_cursor']}"
    assert len(seen) == 120
    assert set(seen) == ids


@pytest.mark.django_db
def test_it_runs_no_count_query_per_page(
    owner: Any, proxy_prices: PriceVersion, django_assert_max_num_queries: Any
) -> None:
    for i in range(60):
        _usage(owner, proxy_prices, i)
    client = _signed_in(owner)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        assert client.get("/usage").status_code == 200
    assert not [q for q in queries.captured_queries if "COUNT(" in q["sql"].upper()]


@pytest.mark.django_db
def test_it_filters_by_vendor_status_key_and_date(owner: Any, proxy_prices: PriceVersion) -> None:
    from accounts.services.api_keys import api_key_create

    key, _plain = api_key_create(user=owner, name="studio")
    _usage(owner, proxy_prices, 1, vendor="kling", model="kling-v1", api_key=key)
    _usage(owner, proxy_prices, 2, status=UsageStatus.FAILED, charged_micros=0)
    _usage(owner, proxy_prices, 3, created_at=timezone.now() - timedelta(days=10))
    client = _signed_in(owner)

    def models(query: str) -> list[str]:
        return [line.record.model for line in client.get("/usage?" + query).context["rows"]]

    assert models("vendor=kling") == ["kling-v1"]
    assert len(models("status=failed")) == 1
    assert models(f"key={key.public_id}") == ["kling-v1"]
    recent = (timezone.localdate() - timedelta(days=2)).isoformat()
    assert len(models(f"date_from={recent}")) == 2
    _usage(owner, proxy_prices, 4, model="run-a", comfy_job_id="prompt-a")
    _usage(owner, proxy_prices, 5, model="run-a2", comfy_job_id="prompt-a")
    assert sorted(models("prompt=prompt-a")) == ["run-a", "run-a2"]  # one ComfyUI workflow run


@pytest.mark.django_db
def test_it_never_shows_another_users_calls(owner: Any, outsider: Any, proxy_prices: PriceVersion) -> None:
    _usage(owner, proxy_prices, 1, comfy_job_id="owner-secret-prompt")
    page = _signed_in(outsider).get("/usage")
    assert "owner-secret-prompt" not in page.content.decode()
    export = b"".join(_signed_in(outsider).get("/usage.csv").streaming_content)
    assert b"owner-secret-prompt" not in export


@pytest.mark.django_db
def test_it_requires_sign_in(db: None) -> None:
    assert Client().get("/usage").status_code == 302
    assert Client().get("/usage.csv").status_code == 302


@pytest.mark.django_db
def test_it_exports_csv_safe_from_formula_injection(owner: Any, proxy_prices: PriceVersion) -> None:
    from accounts.services.api_keys import api_key_create

    key, _plain = api_key_create(user=owner, name='=HYPERLINK("http://evil")')
    _usage(owner, proxy_prices, 1, comfy_job_id="+cmd|' /C calc'!A0", api_key=key)
    _usage(owner, proxy_prices, 2, comfy_job_id="@SUM(1)")
    _usage(owner, proxy_prices, 3, comfy_job_id="-2+3")
    response = _signed_in(owner).get("/usage.csv")
    assert response.streaming
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][:3] == ["time_utc", "vendor", "model"]
    cells = [cell for row in rows[1:] for cell in row]
    assert "'+cmd|' /C calc'!A0" in cells
    assert "'@SUM(1)" in cells
    assert "'-2+3" in cells
    assert '\'=HYPERLINK("http://evil")' in cells
    assert not [cell for cell in cells if cell[:1] in ("=", "+", "-", "@", "\t", "\r")]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@a", "'@a"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("plain", "plain"),
        (None, ""),
    ],
)
def test_csv_cell_neutralises_formulas(value: Any, expected: str) -> None:
    assert csv_cell(value) == expected


@pytest.mark.django_db
def test_the_pricing_page_lists_vendors_in_credits_and_usd_and_marks_sandbox(
    proxy_prices: PriceVersion,
) -> None:
    page = Client().get("/pricing")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Black Forest Labs" in html
    assert "FLUX1.1 [pro] Ultra" in html
    assert "flux-pro-1.1-ultra/image" not in html  # the internal price key stays internal
    assert format_credits(60_000) in html  # $0.06 in credits
    assert "$0.06" in html
    assert 'data-testid="sandbox-bfl"' in html


@pytest.mark.django_db
def test_the_pricing_page_applies_the_markup(proxy_prices: PriceVersion) -> None:
    from nodes.models import PricingSettings

    PricingSettings.objects.update_or_create(pk=1, defaults={"markup_bps": 5_000})
    html = Client().get("/pricing").content.decode()
    assert "$0.09" in html  # $0.06 + 50 %


@pytest.mark.pg
@pytest.mark.django_db
def test_the_page_query_walks_the_user_time_index(owner: Any, proxy_prices: PriceVersion) -> None:
    """Keyset pages stay cheap at any depth: PostgreSQL reads them from (user, created_at, id)."""
    from django.db import connection, transaction

    from nodes.selectors import Cursor, UsageFilters, usage_for_user

    for i in range(30):
        _usage(owner, proxy_prices, i)
    with transaction.atomic(), connection.cursor() as cursor:  # SET LOCAL lasts for this transaction
        cursor.execute("ANALYZE nodes_usagerecord")
        # A tiny table would otherwise be scanned and sorted; with those off, only an index that serves
        # both the filter and the order fits.
        for knob in ("enable_seqscan", "enable_bitmapscan", "enable_sort"):
            cursor.execute(f"SET LOCAL {knob} = off")
        cursor_at = Cursor(timezone.now(), 10**9)
        rows = usage_for_user(user=owner, filters=UsageFilters()).filter(created_at__lt=cursor_at.created_at)
        plan = rows[:51].explain()
    assert "usage_user_time_idx" in plan
    assert "Sort" not in plan.split("usage_user_time_idx")[0]  # ordered by the index, not sorted


@pytest.mark.django_db
def test_the_chart_sums_charged_micros_per_local_day_and_vendor(
    owner: Any, outsider: Any, proxy_prices: PriceVersion
) -> None:
    from nodes.selectors import usage_daily_spend

    today = timezone.localtime().replace(hour=12, minute=0, second=0, microsecond=0)
    _usage(owner, proxy_prices, 1, created_at=today, charged_micros=7_000)
    _usage(owner, proxy_prices, 2, created_at=today, vendor="kling", charged_micros=5_000)
    _usage(owner, proxy_prices, 3, created_at=today - timedelta(days=2), charged_micros=3_000)
    _usage(owner, proxy_prices, 4, created_at=today - timedelta(days=2), charged_micros=0)  # not charged
    _usage(owner, proxy_prices, 5, created_at=today - timedelta(days=30), charged_micros=9_000)  # too old
    _usage(outsider, proxy_prices, 6, created_at=today, charged_micros=11_000)  # someone else's

    days = usage_daily_spend(user=owner, days=30)

    assert len(days) == 30
    assert days[-1].day == timezone.localdate()
    assert days[-1].by_vendor == {"openai": 7_000, "kling": 5_000}
    assert days[-1].total_micros == 12_000
    assert days[-3].by_vendor == {"openai": 3_000}
    assert sum(day.total_micros for day in days) == 15_000


@pytest.mark.pg
@pytest.mark.django_db
def test_a_deep_page_bounds_the_index_scan_by_its_cursor(owner: Any, proxy_prices: PriceVersion) -> None:
    """The cursor must reach PostgreSQL as an index condition, not a filter over every newer row (BM9)."""
    from django.db import connection

    from nodes.selectors import Cursor, UsageFilters, usage_page

    for i in range(30):
        _usage(owner, proxy_prices, i)
    captured: list[tuple[str, Any]] = []

    def capture(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        captured.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(capture):
        usage_page(user=owner, filters=UsageFilters(), cursor=Cursor(timezone.now(), 10**9))
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE nodes_usagerecord")
        for knob in ("enable_seqscan", "enable_bitmapscan", "enable_sort"):
            cursor.execute(f"SET LOCAL {knob} = off")
        cursor.execute("EXPLAIN " + captured[0][0], captured[0][1])
        plan = "\n".join(str(line[0]) for line in cursor.fetchall())
    index_cond = next(line for line in plan.splitlines() if "Index Cond" in line)
    assert "created_at" in index_cond
