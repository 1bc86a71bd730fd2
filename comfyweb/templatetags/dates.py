"""`{{ moment|when }}` → "2026-11-27 09:42 UTC": every date on every page, in one format with its zone."""

from __future__ import annotations

from datetime import datetime

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

from comfyweb.times import format_when, rfc3339

register = template.Library()


@register.filter
def when(moment: datetime | None) -> SafeString | str:
    if moment is None:
        return ""
    return format_html('<time datetime="{}">{}</time>', rfc3339(moment), format_when(moment))
