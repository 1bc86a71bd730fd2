"""The ledger's write API (interfaces.md). Everything that moves money goes through these functions."""

from billing.services.events import customer_event_record
from billing.services.funding import (
    ClawbackResult,
    credits_clawback,
    credits_grant,
    credits_grant_approve,
    credits_purchase,
)
from billing.services.holds import credits_reserve, hold_capture, hold_release, holds_expire
from billing.services.wallets import (
    ForfeitResult,
    forfeit_balance,
    house_accounts_ensure,
    wallet_close,
    wallet_create_for_user,
    wallet_freeze,
    wallet_unfreeze,
)

__all__ = [
    "ClawbackResult",
    "ForfeitResult",
    "credits_clawback",
    "credits_grant",
    "credits_grant_approve",
    "credits_purchase",
    "credits_reserve",
    "customer_event_record",
    "forfeit_balance",
    "hold_capture",
    "hold_release",
    "holds_expire",
    "house_accounts_ensure",
    "wallet_close",
    "wallet_create_for_user",
    "wallet_freeze",
    "wallet_unfreeze",
]
