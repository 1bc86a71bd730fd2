"""`manage.py check` fails when a metered route could not be priced (quality.md L9).

A price key the version in effect lacks (an upgrade that declares new ones) is a warning for plain
`check` and for `migrate` — which is what adds it, at its default — and an error for `check --deploy`,
the pre-flight before serving."""

from __future__ import annotations

from typing import Any

from django.core import checks
from django.core.checks import CheckMessage, Error, register
from django.db import DatabaseError


@register()
def check_routes_priced(app_configs: Any, **kwargs: Any) -> list[CheckMessage]:
    from nodes.vendors import VENDORS

    errors: list[CheckMessage] = []
    for vendor in VENDORS.values():
        metered = [route for route in vendor.routes if not route.free]
        if metered and not vendor.prices:
            errors.append(Error(f"Vendor {vendor.name} has metered routes but no prices.", id="nodes.E001"))
        errors.extend(
            Error(f"{vendor.name} {route.method} {route.path} is metered but has no price.", id="nodes.E002")
            for route in vendor.routes
            if route.kind in ("sync", "submit") and route.free
        )
    return errors + _check_table(VENDORS, deploy=False)


@register(deploy=True)
def check_prices_in_effect(app_configs: Any, **kwargs: Any) -> list[CheckMessage]:
    from nodes.vendors import VENDORS

    return _check_table(VENDORS, deploy=True)


def _check_table(vendors: Any, *, deploy: bool) -> list[CheckMessage]:
    """Every declared price key must be in the version in effect (when the database is reachable)."""
    from nodes.models import Price, PriceVersion

    try:
        from django.utils import timezone

        version = PriceVersion.objects.filter(effective_from__lte=timezone.now()).first()
        if version is None:
            if deploy:
                return []  # the plain check's W001 says it
            return [
                checks.Warning(
                    "No price version is in effect: every metered call is refused.", id="nodes.W001"
                )
            ]
        present = set(Price.objects.filter(version=version).values_list("vendor", "key"))
    except DatabaseError:
        return []  # no database yet (before migrate): nothing to compare
    missing = [
        f"{vendor.name}:{key}"
        for vendor in vendors.values()
        for key in vendor.prices
        if (vendor.name, key) not in present
    ]
    if missing:
        message = f"Routes without a price in '{version}': {', '.join(missing[:20])}"
        hint = "Run `manage.py migrate`: it adds the missing prices at their defaults."
        if deploy:
            return [Error(message, hint=hint, id="nodes.E003")]
        return [checks.Warning(message, hint=hint, id="nodes.W003")]
    return []


@register()
def check_django_supported(app_configs: Any, **kwargs: Any) -> list[CheckMessage]:
    """The lean /proxy ASGI path overrides Django handler internals (nodes.engine.asgi)."""
    import django

    from nodes.engine.asgi import SUPPORTED_DJANGO

    if tuple(django.VERSION[:2]) in SUPPORTED_DJANGO:
        return []
    return [
        Error(
            f"Django {django.get_version()} is not one the /proxy ASGI path was checked against "
            f"({', '.join('.'.join(map(str, v)) for v in SUPPORTED_DJANGO)}).",
            hint="Re-check nodes/engine/asgi.py against the new release, then add it to SUPPORTED_DJANGO.",
            id="nodes.E010",
        )
    ]
