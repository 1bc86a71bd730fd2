"""`{{ micros|usd_value }}` → "12.50": a USD amount as a form field's value."""

from __future__ import annotations

import uuid

from django import template

from billing.money import usd_field_value

register = template.Library()


@register.filter
def usd_value(micros: int | None) -> str:
    return "" if micros is None else usd_field_value(micros)


@register.simple_tag
def new_key() -> str:
    """A fresh idempotency key for one action form: submitting it twice replays the first action."""
    return str(uuid.uuid4())
