"""Write services of the nodes app: seeding the price table from the vendor modules' defaults."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from nodes.models import Price, PriceVersion, PricingSettings
from nodes.vendors import VENDORS


def price_rows_default() -> list[tuple[str, str, str, int, str]]:
    """(vendor, key, unit, unit micro-USD, source) for every price row the vendor modules declare."""
    return [
        (vendor.name, key, unit, micros, source)
        for vendor in VENDORS.values()
        for key, (unit, micros, source) in vendor.prices.items()
    ]


def _default_prices(version: PriceVersion, *, skip: frozenset[tuple[str, str]] = frozenset()) -> list[Price]:
    return [
        Price(
            version=version,
            vendor=vendor,
            key=key,
            unit=unit,
            unit_micros=micros,
            free=micros == 0,
            source=source,
        )
        for vendor, key, unit, micros, source in price_rows_default()
        if (vendor, key) not in skip
    ]


@transaction.atomic
def prices_seed(
    *, label: str = "Initial list prices", effective_from: datetime | None = None
) -> PriceVersion:
    """Create the first price version from the vendor defaults; a no-op (returns it) once one exists."""
    existing = PriceVersion.objects.order_by("effective_from", "id").first()
    if existing is not None:
        return existing
    version = PriceVersion.objects.create(
        label=label,
        effective_from=effective_from or timezone.now(),
        note="Seeded from the defaults in nodes/vendors/*.py.",
    )
    Price.objects.bulk_create(_default_prices(version))
    PricingSettings.objects.get_or_create(pk=1)
    return version


@transaction.atomic
def price_version_copy(*, source: PriceVersion, label: str, effective_from: datetime) -> PriceVersion:
    """A new version (to edit before it takes effect) with the rows of `source`, plus any new defaults."""
    version = PriceVersion.objects.create(
        label=label, effective_from=effective_from, note=f"Copied from {source}."
    )
    copied = [
        Price(
            version=version,
            vendor=p.vendor,
            key=p.key,
            unit=p.unit,
            unit_micros=p.unit_micros,
            free=p.free,
            source=p.source,
        )
        for p in source.prices.all()
    ]
    Price.objects.bulk_create(copied)
    Price.objects.bulk_create(_default_prices(version, skip=frozenset((p.vendor, p.key) for p in copied)))
    return version


@transaction.atomic
def prices_add_missing(*, now: datetime | None = None) -> PriceVersion | None:
    """After an upgrade that declares new price keys: a new version, in effect at once, that copies the
    version in effect (the operator's prices stay as they are) and adds the missing keys at their
    defaults. Without it every call on those routes would be refused and `manage.py check` would fail.
    Runs after every `migrate`; None when nothing is missing (or there is no version yet)."""
    now = now or timezone.now()
    current = PriceVersion.objects.filter(effective_from__lte=now).order_by("-effective_from", "-id").first()
    if current is None:
        return None
    present = set(current.prices.values_list("vendor", "key"))
    missing = sorted(
        f"{vendor}:{key}" for vendor, key, *_ in price_rows_default() if (vendor, key) not in present
    )
    if not missing:
        return None
    version = price_version_copy(source=current, label="New price keys", effective_from=now)
    version.note = f"Copied from {current}; added at their defaults: {', '.join(missing)}"[:2000]
    version.save(update_fields=["note"])
    return version
