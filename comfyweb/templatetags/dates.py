"""`{{ moment|when }}` → "2026-11-27 09:42 UTC": every date on every page and e-mail, one format, with its
zone (plain text, so the text e-mails use it too)."""

from __future__ import annotations

from datetime import datetime

from django import template

from comfyweb.times import format_when

register = template.Library()


@register.filter
def when(moment: datetime | None) -> str:
    return "" if moment is None else format_when(moment)
