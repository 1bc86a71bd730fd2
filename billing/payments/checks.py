"""System checks for payments (quality.md P1)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, register


@register()
def webhook_tolerance_check(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """stripe-python treats any falsy tolerance as "no replay window": insist on an int > 0."""
    tolerance = getattr(settings, "STRIPE_WEBHOOK_TOLERANCE_SECONDS", None)
    if isinstance(tolerance, bool) or not isinstance(tolerance, int) or tolerance <= 0:
        return [
            Error(
                "STRIPE_WEBHOOK_TOLERANCE_SECONDS must be an int > 0; a falsy tolerance disables Stripe's "
                "replay protection.",
                id="payments.E001",
            )
        ]
    return []


@register()
def topup_range_check(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    if not 0 < settings.TOPUP_MIN_MICROS <= settings.TOPUP_MAX_MICROS:
        return [Error("TOPUP_MIN_MICROS must be > 0 and at most TOPUP_MAX_MICROS.", id="payments.E002")]
    return []
