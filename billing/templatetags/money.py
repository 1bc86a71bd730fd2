"""Template filters for micro-USD: `{{ amount|usd }}` → "$12.34", `{{ amount|credits }}` → "59.08"."""

from __future__ import annotations

from django import template

from billing.money import format_credits, format_usd, format_usd_price

register = template.Library()


@register.filter
def usd(micros: int | None) -> str:
    return "" if micros is None else format_usd(micros)


@register.filter(name="credits")
def credits_filter(micros: int | None) -> str:
    return "" if micros is None else format_credits(micros)


@register.filter
def usd_price(micros: int | None) -> str:
    """A unit price: every digit it has ('$0.0035'), never '$0.00'."""
    return "" if micros is None else format_usd_price(micros)
