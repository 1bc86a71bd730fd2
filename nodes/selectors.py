"""Read side of the nodes app: the price list, usage history (keyset pages) and daily spend."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from django.db.models import IntegerField, Q, QuerySet, Sum, Value
from django.utils import timezone

from nodes.engine.forward import vendor_mode
from nodes.engine.pricing import with_markup
from nodes.models import Price, PriceVersion, PricingSettings, UsageRecord
from nodes.vendors import VENDORS


@dataclass(frozen=True)
class PriceLine:
    key: str
    unit: str
    micros: int  # with markup
    source: str


@dataclass(frozen=True)
class VendorPrices:
    name: str
    title: str
    mode: str
    lines: list[PriceLine]


def price_list_current() -> tuple[PriceVersion | None, list[VendorPrices]]:
    """Every vendor's price rows in effect now, with the operator markup applied."""
    version = PriceVersion.objects.filter(effective_from__lte=timezone.now()).first()
    if version is None:
        return None, []
    markup = PricingSettings.objects.filter(pk=1).values_list("markup_bps", flat=True).first() or 0
    rows: dict[str, list[PriceLine]] = defaultdict(list)
    for price in Price.objects.filter(version=version).order_by("vendor", "key"):
        rows[price.vendor].append(
            PriceLine(price.key, price.unit, with_markup(price.unit_micros, markup), price.source)
        )
    listing = [
        VendorPrices(vendor.name, vendor.title, vendor_mode(vendor), rows[vendor.name])
        for vendor in VENDORS.values()
        if rows.get(vendor.name)
    ]
    return version, listing


@dataclass(frozen=True)
class UsageFilters:
    vendor: str = ""
    api_key_id: int | None = None
    status: str = ""
    date_from: date | None = None
    date_to: date | None = None
    comfy_job_id: str = ""


def usage_for_user(*, user: Any, filters: UsageFilters) -> QuerySet[UsageRecord]:
    """Owner-scoped usage rows, newest first, filtered."""
    rows = UsageRecord.objects.filter(user=user)
    if filters.vendor:
        rows = rows.filter(vendor=filters.vendor)
    if filters.api_key_id is not None:
        rows = rows.filter(api_key_id=filters.api_key_id)
    if filters.status:
        rows = rows.filter(status=filters.status)
    if filters.comfy_job_id:
        rows = rows.filter(comfy_job_id=filters.comfy_job_id)
    if filters.date_from:
        rows = rows.filter(created_at__gte=_start_of(filters.date_from))
    if filters.date_to:
        rows = rows.filter(created_at__lt=_start_of(filters.date_to + timedelta(days=1)))
    return rows.order_by("-created_at", "-id")


def _start_of(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=timezone.get_current_timezone())


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Cursor:
    created_at: datetime
    id: int

    def encode(self) -> str:
        """`<microseconds since the epoch>_<id>`: URL-safe, exact."""
        return f"{(self.created_at - EPOCH) // timedelta(microseconds=1)}_{self.id}"

    @staticmethod
    def decode(text: str) -> Cursor | None:
        stamp, _, ident = text.partition("_")
        if not (stamp.isdigit() and ident.isdigit() and len(stamp) < 20 and len(ident) < 20):
            return None
        return Cursor(EPOCH + timedelta(microseconds=int(stamp)), int(ident))


def usage_page(
    *, user: Any, filters: UsageFilters, cursor: Cursor | None, limit: int = 50
) -> tuple[list[UsageRecord], Cursor | None]:
    """One keyset page on (user, created_at, id): constant cost at any depth, no COUNT."""
    rows = usage_for_user(user=user, filters=filters).select_related("api_key")
    if cursor is not None:
        # `created_at <= c` is implied by the OR, but PostgreSQL only turns a plain bound into an index
        # condition: without it a deep page walks (and discards) every newer row of the user first.
        rows = rows.filter(
            Q(created_at__lt=cursor.created_at) | Q(created_at=cursor.created_at, id__lt=cursor.id),
            created_at__lte=cursor.created_at,
        )
    page = list(rows[: limit + 1])
    more = len(page) > limit
    page = page[:limit]
    return page, (Cursor(page[-1].created_at, page[-1].pk) if more and page else None)


def usage_iter(*, user: Any, filters: UsageFilters, chunk: int = 1000) -> Iterator[UsageRecord]:
    """Every matching row, in keyset chunks (for the streamed CSV export)."""
    cursor: Cursor | None = None
    while True:
        page, cursor = usage_page(user=user, filters=filters, cursor=cursor, limit=chunk)
        yield from page
        if cursor is None:
            return


@dataclass(frozen=True)
class DaySpend:
    day: date
    total_micros: int
    by_vendor: dict[str, int]


def usage_daily_spend(*, user: Any, days: int = 30) -> list[DaySpend]:
    """Charged micro-USD per day and vendor over the last `days` days (oldest first, empty days included)."""
    today = timezone.localdate()
    dates = [today - timedelta(days=offset) for offset in range(days - 1, -1, -1)]
    charged = UsageRecord.objects.filter(user=user, charged_micros__gt=0)
    # One arm per local day (bounds from the zone, so DST days are right), summed by vendor, glued with
    # UNION ALL: each arm is an index-only range scan on usage_user_spend_idx with a tiny hash by vendor,
    # instead of converting and hashing a day for every charged row (~1/3 faster at 1M rows, bench BM9).
    arms = [
        charged.filter(created_at__gte=_start_of(day), created_at__lt=_start_of(day + timedelta(days=1)))
        .values("vendor")
        .annotate(total=Sum("charged_micros"), slot=Value(index, output_field=IntegerField()))
        for index, day in enumerate(dates)
    ]
    spend: dict[int, dict[str, int]] = defaultdict(dict)
    for row in arms[0].union(*arms[1:], all=True):
        spend[row["slot"]][row["vendor"]] = int(row["total"])
    return [DaySpend(day, sum(spend[i].values()), dict(spend[i])) for i, day in enumerate(dates)]
