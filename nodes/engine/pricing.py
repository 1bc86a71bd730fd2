"""The one pricing function: line items x the price rows in effect at admission x the operator markup.

A key without a price row refuses the call (422 `price_unavailable`), never bills $0 (quality.md L9).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.utils import timezone

from comfyweb.errors import ApiError
from nodes.engine.types import LineItem
from nodes.models import Price, PriceVersion, PricingSettings

BPS = 10_000


@dataclass(frozen=True)
class PriceTable:
    version_id: int
    markup_bps: int
    unit_micros: dict[tuple[str, str], int]


@dataclass(frozen=True)
class Quote:
    version_id: int
    list_micros: int
    total_micros: int
    items: tuple[LineItem, ...]
    markup_bps: int = 0


_cache: dict[str, tuple[float, PriceTable]] = {}
_lock = threading.Lock()


def price_unavailable(detail: str) -> ApiError:
    return ApiError(422, "price_unavailable", f"This request cannot be priced: {detail}.")


def _load(now: datetime) -> PriceTable:
    version = PriceVersion.objects.filter(effective_from__lte=now).order_by("-effective_from", "-id").first()
    if version is None:
        raise price_unavailable("no price table is in effect")
    rows = Price.objects.filter(version=version).values_list("vendor", "key", "unit_micros")
    markup = PricingSettings.objects.filter(pk=1).values_list("markup_bps", flat=True).first() or 0
    return PriceTable(version.pk, markup, {(vendor, key): micros for vendor, key, micros in rows})


def price_table_current(*, now: datetime | None = None) -> PriceTable:
    """The table in effect now; cached for PROXY_PRICE_CACHE_SECONDS (0 in tests) to keep admission cheap."""
    ttl = float(settings.PROXY_PRICE_CACHE_SECONDS)
    if ttl <= 0 or now is not None:
        return _load(now or timezone.now())
    with _lock:
        cached = _cache.get("current")
        if cached and time.monotonic() - cached[0] < ttl:
            return cached[1]
    table = _load(timezone.now())
    with _lock:
        _cache["current"] = (time.monotonic(), table)
    return table


def price_cache_clear() -> None:
    with _lock:
        _cache.clear()


def with_markup(list_micros: int, markup_bps: int) -> int:
    """Round up: the platform never sells below list price plus markup."""
    return -(-list_micros * (BPS + markup_bps) // BPS)


def list_micros(*, vendor: str, items: Iterable[LineItem], table: PriceTable) -> int:
    total = 0
    for item in items:
        unit = table.unit_micros.get((vendor, item.key))
        if unit is None:
            raise price_unavailable(f"no price for {vendor} {item.key}")
        if item.quantity < 0:
            raise price_unavailable(f"negative quantity for {item.key}")
        total += unit * item.quantity
    return total


def quote_compute(*, vendor: str, items: list[LineItem], table: PriceTable) -> Quote:
    """The maximum a call can cost, with markup; a metered call that prices at 0 is refused."""
    if not items:
        raise price_unavailable("the route priced nothing")
    listed = list_micros(vendor=vendor, items=items, table=table)
    if listed <= 0:
        raise price_unavailable("the price came to zero")
    return Quote(
        table.version_id, listed, with_markup(listed, table.markup_bps), tuple(items), table.markup_bps
    )


def charge_for_vendor_cost(
    *, vendor: str, cost: int | list[LineItem] | None, table: PriceTable, quote: int
) -> tuple[int, int | None]:
    """(charge, vendor list cost): the vendor's cost plus markup, capped at the hold; else the quote."""
    if cost is None:
        return quote, None
    try:
        listed = cost if isinstance(cost, int) else list_micros(vendor=vendor, items=cost, table=table)
    except ApiError:
        return quote, None
    listed = max(listed, 0)
    return min(quote, with_markup(listed, table.markup_bps)), listed


def price_table_for_version(*, version_id: int, markup_bps: int) -> PriceTable:
    """The table a call was quoted with (vendor costs reported later are priced by it); cached briefly."""
    ttl = float(settings.PROXY_PRICE_CACHE_SECONDS)
    cache_key = f"version:{version_id}"
    with _lock:
        cached = _cache.get(cache_key)
    if ttl <= 0 or cached is None or time.monotonic() - cached[0] >= ttl:
        rows = Price.objects.filter(version_id=version_id).values_list("vendor", "key", "unit_micros")
        cached = (time.monotonic(), PriceTable(version_id, 0, {(v, k): m for v, k, m in rows}))
        if ttl > 0:
            with _lock:
                _cache[cache_key] = cached
    return PriceTable(version_id, markup_bps, cached[1].unit_micros)
