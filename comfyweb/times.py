"""Timestamps as the APIs write them, and as the pages show them."""

from __future__ import annotations

from datetime import UTC, datetime

from django.utils import timezone


def rfc3339(moment: datetime) -> str:
    """'2026-11-27T09:42:21.123456Z': UTC with a Z, the form ComfyUI's frontend parses (comfy-contract.md)."""
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def format_when(moment: datetime) -> str:
    """'2026-11-27 09:42 UTC': the one way pages show a moment, in the site's time zone, named."""
    local = timezone.localtime(moment)
    return f"{local:%Y-%m-%d %H:%M} {local.tzname()}"
