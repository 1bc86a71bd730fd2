"""The "customer" ComfyUI's frontend sees: the platform user, identified by `public_id`."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from accounts.models import User
from comfyweb.times import rfc3339


def customer_ensure(*, user: User) -> bool:
    """Mark the user's customer record as created; True only for the call that did it.

    A conditional UPDATE, not read-then-write: two racing first calls get one 201 and one 200."""
    now = timezone.now()
    created = User.objects.filter(pk=user.pk, customer_created_at__isnull=True).update(
        customer_created_at=now
    )
    if created:
        user.customer_created_at = now
    else:
        user.refresh_from_db(fields=["customer_created_at"])
    return created == 1


def _has_fund(user: User) -> bool:
    """Whether the wallet has spendable (available, not held) credits."""
    # Imported here: billing imports accounts models, so a module-level import would be circular.
    from billing.selectors import wallet_balance, wallet_get_for_user

    return wallet_balance(wallet=wallet_get_for_user(user=user)).available_micros > 0


def customer_payload(*, user: User) -> dict[str, Any]:
    """The `Customer` object of comfy-contract.md §8.1 (`id` is what the frontend requires)."""
    return {
        "id": str(user.public_id),
        "email": user.email,
        "name": user.display_name(),
        "createdAt": rfc3339(user.date_joined),
        "updatedAt": rfc3339(user.customer_created_at or user.date_joined),
        "has_fund": _has_fund(user),
        "is_admin": False,
    }
