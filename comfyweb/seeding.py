"""What the demo account gets besides itself (credits, a key…): each app adds its part here."""

from __future__ import annotations

from typing import Any


def seed_demo_extras(user: Any) -> None:
    """Idempotent: runs on every `make run`."""
    # --- billing: $20 of demo credits, once (the key makes every later run a no-op) ---
    from billing.money import usd_to_micros
    from billing.selectors import wallet_get_for_user
    from billing.services import credits_grant

    credits_grant(
        wallet=wallet_get_for_user(user=user),
        amount_micros=usd_to_micros(20),
        actor=None,
        reason="Demo credits",
        ticket="demo-seed",
        key="demo-seed-grant",
    )
