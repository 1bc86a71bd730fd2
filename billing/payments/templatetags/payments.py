"""`{% payments_topup as topup %}`: what the Credits page's top-up panel needs, whoever renders the page."""

from __future__ import annotations

from typing import Any

from django import template
from django.conf import settings

from billing.money import (
    format_credits,
    format_usd,
    format_usd_short,
    micros_to_usd,
    usd_field_value,
    usd_to_micros,
)
from billing.payments.forms import PRESETS_USD, topup_range_message
from billing.payments.selectors import (
    auto_topup_get,
    low_balance_alert_get,
    purchase_resumable,
    purchases_recent,
)

register = template.Library()


@register.simple_tag(takes_context=True)
def payments_topup(context: template.Context) -> dict[str, Any]:
    request = context.get("request")
    user = getattr(request, "user", None)
    signed_in = bool(user is not None and user.is_authenticated)
    auto = auto_topup_get(user=user) if signed_in else None
    alert = low_balance_alert_get(user=user) if signed_in else None
    buy_form = context.get("buy_form")
    auto_form, alert_form = context.get("auto_form"), context.get("alert_form")
    return {
        # A refused settings form comes back with what was typed and its errors next to its fields.
        "auto_errors": auto_form.errors if auto_form is not None else {},
        "alert_errors": alert_form.errors if alert_form is not None else {},
        "buy_form": buy_form,
        "custom_value": buy_form.data.get("amount_usd", "") if buy_form is not None else "",
        "range_message": topup_range_message(),
        "min_short": format_usd_short(settings.TOPUP_MIN_MICROS),
        "max_short": format_usd_short(settings.TOPUP_MAX_MICROS),
        "presets": [{"usd": usd, "credits": format_credits(usd_to_micros(usd))} for usd in PRESETS_USD],
        "min_usd": micros_to_usd(settings.TOPUP_MIN_MICROS),
        "max_usd": micros_to_usd(settings.TOPUP_MAX_MICROS),
        "credits_per_usd": settings.CREDITS_PER_USD,
        "sandbox": not settings.STRIPE_SECRET_KEY,
        "auto": auto,
        "auto_threshold_usd": _typed(auto_form, "threshold_usd")
        or (usd_field_value(auto.threshold_micros) if auto else "5.00"),
        "auto_amount_usd": _typed(auto_form, "amount_usd")
        or (usd_field_value(auto.amount_micros) if auto else "25.00"),
        "auto_cap_usd": _typed(auto_form, "monthly_cap_usd")
        or (usd_field_value(auto.monthly_cap_micros) if auto else "100.00"),
        "alert": alert,
        "purchases": [
            {
                "purchase": p,
                "usd": format_usd(p.amount_micros),
                "credits": format_credits(p.amount_micros),
                "resumable": purchase_resumable(p),
            }
            for p in (purchases_recent(user=user) if signed_in else [])
        ],
        "alert_threshold_usd": _typed(alert_form, "threshold_usd")
        or (usd_field_value(alert.threshold_micros) if alert else "5.00"),
    }


def _typed(form: Any, name: str) -> str:
    return str(form.data.get(name, "")) if form is not None else ""
