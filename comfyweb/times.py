"""Timestamps as the APIs write them."""

from __future__ import annotations

from datetime import UTC, datetime


def rfc3339(moment: datetime) -> str:
    """'2026-11-27T09:42:21.123456Z': UTC with a Z, the form ComfyUI's frontend parses (comfy-contract.md)."""
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")
