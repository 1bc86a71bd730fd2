"""Template filters for micro-USD: `{{ amount|usd }}` → "$12.34", `{{ amount|credits }}` → "2,603.7"."""

from __future__ import annotations

from django import template

from billing.money import format_credits, format_usd

register = template.Library()


@register.filter
def usd(micros: int | None) -> str:
    return "" if micros is None else format_usd(micros)


@register.filter(name="credits")
def credits_filter(micros: int | None) -> str:
    return "" if micros is None else format_credits(micros)
