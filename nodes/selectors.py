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
from nodes.labels import (
    model_label,
    price_key_label,
    route_label,
    unit_label,
    unit_scale,
    usage_label,
    vendor_title,
)
from nodes.models import Price, PriceVersion, PricingSettings, UsageRecord, UsageStatus
from nodes.vendors import VENDORS


@dataclass(frozen=True)
class PriceLine:
    key: str
    unit: str
    micros: int  # with markup, per `unit`
    source: str

    @property
    def label(self) -> str:
        return price_key_label(self.key, self.unit)

    @property
    def unit_label(self) -> str:
        return unit_label(self.unit)

    @property
    def shown_micros(self) -> int:
        """The price of what `unit_label` names (a million tokens, not one)."""
        return self.micros * unit_scale(self.unit)


@dataclass(frozen=True)
class VendorPrices:
    name: str
    title: str
    mode: str
    lines: list[PriceLine]


def price_list_current(*, search: str = "") -> tuple[PriceVersion | None, list[VendorPrices]]:
    """Every vendor's price rows in effect now, with the operator markup applied; with `search`, only
    the rows whose vendor or name contain it (case-insensitive)."""
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
        VendorPrices(vendor.name, vendor.title, vendor_mode(vendor), _matching(vendor.title, lines, search))
        for vendor in VENDORS.values()
        if (lines := rows.get(vendor.name))
    ]
    return version, [vendor for vendor in listing if vendor.lines]


def _matching(title: str, lines: list[PriceLine], search: str) -> list[PriceLine]:
    words = search.casefold().split()
    return [line for line in lines if all(w in f"{title} {line.label}".casefold() for w in words)]


@dataclass(frozen=True)
class UsageFilters:
    vendor: str = ""
    api_key_id: int | None = None
    status: str = ""
    date_from: date | None = None
    date_to: date | None = None
    comfy_job_id: str = ""

    @property
    def active(self) -> bool:
        return self != UsageFilters()


# A synchronous vendor says "moderated" with a 4xx and its own words (Recraft `prompt_moderation`, OpenAI
# `moderation_blocked` / "rejected by the safety system"); the engine records such a call as REJECTED
# with the vendor's message. Until it records MODERATED itself, the pages classify it from that message,
# so a moderated call reads the same (and filters the same) whether its vendor is sync or async.
MODERATION_WORDS = ("moderat", "safety system", "content policy", "content_policy", "content filter")


def _moderation_message() -> Q:
    words = Q()
    for word in MODERATION_WORDS:
        words |= Q(message__icontains=word)
    return words


def usage_status_classify(*, status: str, message: str) -> UsageStatus:
    """The outcome users see: a vendor rejection that names moderation is Moderated (see above)."""
    if status == UsageStatus.REJECTED and any(word in message.casefold() for word in MODERATION_WORDS):
        return UsageStatus.MODERATED
    return UsageStatus(status)


def _status_filter(rows: QuerySet[UsageRecord], status: str) -> QuerySet[UsageRecord]:
    """The same classification as `usage_status_classify`, as a query."""
    if status == UsageStatus.MODERATED:
        return rows.filter(Q(status=status) | Q(_moderation_message(), status=UsageStatus.REJECTED))
    if status == UsageStatus.REJECTED:
        return rows.filter(status=status).exclude(_moderation_message())
    return rows.filter(status=status)


@dataclass(frozen=True)
class UsageLine:
    """One row of the Usage page, in the words users read."""

    record: UsageRecord
    vendor: str
    what: str
    status: UsageStatus

    @classmethod
    def of(cls, row: UsageRecord) -> UsageLine:
        return cls(
            record=row,
            vendor=vendor_title(row.vendor),
            what=model_label(row.model) or route_label(row.route),
            status=usage_status_classify(status=row.status, message=row.message),
        )


def usage_for_user(*, user: Any, filters: UsageFilters) -> QuerySet[UsageRecord]:
    """Owner-scoped usage rows, newest first, filtered."""
    rows = UsageRecord.objects.filter(user=user)
    if filters.vendor:
        rows = rows.filter(vendor=filters.vendor)
    if filters.api_key_id is not None:
        rows = rows.filter(api_key_id=filters.api_key_id)
    if filters.status:
        rows = _status_filter(rows, filters.status)
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


def usage_labels_for_holds(*, user: Any, hold_ids: list[int]) -> dict[int, str]:
    """What each hold was for, in words ('Black Forest Labs · FLUX.2 [max]'), for the Credits history
    (owner-scoped: another user's hold id finds nothing)."""
    rows = UsageRecord.objects.filter(user=user, hold_id__in=hold_ids).values_list(
        "hold_id", "vendor", "model", "route"
    )
    return {
        hold_id: usage_label(vendor=vendor, model=model, route=route)
        for hold_id, vendor, model, route in rows
    }
