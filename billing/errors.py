"""Ledger errors. Each knows its place in the one error shape (`to_api_error`), so a view or the /proxy
engine can turn any of them into a response without a mapping table of its own."""

from __future__ import annotations

from typing import Literal

from comfyweb.errors import ApiError


class LedgerError(Exception):
    status = 400
    error_type = "invalid_request"
    default_message = "The ledger refused the request."

    def __init__(self, message: str | None = None) -> None:
        self.message = message or self.default_message
        super().__init__(self.message)

    def to_api_error(self) -> ApiError:
        return ApiError(self.status, self.error_type, self.message)


class InvalidLedgerRequest(LedgerError):  # noqa: N818 (names fixed by interfaces.md)
    """An amount, reason or ticket that can never be valid (a caller's bug or bad input)."""


class HoldNotFound(InvalidLedgerRequest):
    """No hold has this id (never written, or lost with its transaction)."""

    default_message = "No such hold."


class InsufficientCredits(LedgerError):  # noqa: N818 (names fixed by interfaces.md)
    status = 402
    error_type = "insufficient_credits"
    default_message = "Not enough credits for this request. Top up to continue."


class WalletFrozen(LedgerError):  # noqa: N818 (names fixed by interfaces.md)
    status = 409
    error_type = "account_blocked"
    default_message = "This account is frozen. Contact support."


class WalletClosed(LedgerError):  # noqa: N818 (names fixed by interfaces.md)
    status = 409
    error_type = "account_blocked"
    default_message = "This account is closed."


HoldResolution = Literal["already_captured", "already_released", "expired"]


class HoldAlreadyResolved(LedgerError):  # noqa: N818 (names fixed by interfaces.md)
    """A hold resolves exactly once; every later capture, release or expiry gets this, with the reason."""

    status = 409

    def __init__(self, reason: HoldResolution, message: str | None = None) -> None:
        texts = {
            "already_captured": "This reservation was already captured.",
            "already_released": "This reservation was already released.",
            "expired": "This reservation has expired.",
        }
        super().__init__(message or texts[reason])
        self.reason: HoldResolution = reason
        self.error_type = reason


class CaptureExceedsHold(LedgerError):  # noqa: N818 (names fixed by interfaces.md)
    status = 409
    error_type = "exceeds_reserved"
    default_message = "The capture exceeds the reserved amount."


class IdempotencyConflict(LedgerError):  # noqa: N818 (names fixed by interfaces.md)
    status = 409
    error_type = "idempotency_mismatch"
    default_message = "This idempotency key was already used for a different request."


class GrantNotPermitted(LedgerError):  # noqa: N818 (names fixed by interfaces.md)
    status = 403
    error_type = "forbidden"


class LedgerBusy(LedgerError):  # noqa: N818 (reads as a state, like the others)
    """The database could not take the write in time (SQLite's "database is locked" under load).

    A 503 with Retry-After, never a 500 (quality.md §3.0); nothing was written, so a retry is safe.
    """

    status = 503
    error_type = "service_unavailable"
    default_message = "The ledger is busy; retry in a moment."

    def to_api_error(self) -> ApiError:
        return ApiError(self.status, self.error_type, self.message, headers={"Retry-After": "1"})
