"""What the demo account gets besides itself (credits, a key…): each app adds its part here."""

from __future__ import annotations

from typing import Any


def seed_demo_extras(user: Any) -> None:
    """Idempotent: runs on every `make run`."""
