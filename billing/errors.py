"""Ledger errors. Each knows its place in the one error shape (`to_api_error`), so a view or the /proxy
engine can turn any of them into a response without a mapping table of its own."""

from __future__ import annotations

from typing import Literal

from comfyweb.errors import ApiError


class LedgerError(Exception):
    status = 400
    error_type = "invalid_request"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def to_api_error(self) -> ApiError:
        return ApiError(self.status, self.error_type, self.message)


class InvalidLedgerRequest(LedgerError):  # noqa: N818 (names fixed by interfaces.md)
    """An amount, reason or ticket that can never be valid (a caller's bug or bad input)."""


class InsufficientCredits(LedgerError):  # noqa: N818 (names fixed by interfaces.md)
    status = 402
    error_type = "insufficient_credits"

    def __init__(self, message: str = "Not enough credits for this request. Top up to continue.") -> None:
        super().__init__(message)


class WalletFrozen(LedgerError):  # noqa: N818 (names fixed by interfaces.md)
    status = 409
    error_type = "account_blocked"

    def __init__(self, message: str = "This account is frozen. Contact support.") -> None:
        super().__init__(message)


class WalletClosed(LedgerError):  # noqa: N818 (names fixed by interfaces.md)
    status = 409
    error_type = "account_blocked"

    def __init__(self, message: str = "This account is closed.") -> None:
        super().__init__(message)


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

    def __init__(self, message: str = "The capture exceeds the reserved amount.") -> None:
        super().__init__(message)


class IdempotencyConflict(LedgerError):  # noqa: N818 (names fixed by interfaces.md)
    status = 409
    error_type = "idempotency_mismatch"

    def __init__(
        self, message: str = "This idempotency key was already used for a different request."
    ) -> None:
        super().__init__(message)


class GrantNotPermitted(LedgerError):  # noqa: N818 (names fixed by interfaces.md)
    status = 403
    error_type = "forbidden"


class LedgerBusy(LedgerError):  # noqa: N818 (reads as a state, like the others)
    """The database could not take the write in time (SQLite's "database is locked" under load).

    A 503 with Retry-After, never a 500 (quality.md §3.0); nothing was written, so a retry is safe.
    """

    status = 503
    error_type = "service_unavailable"

    def __init__(self, message: str = "The ledger is busy; retry in a moment.") -> None:
        super().__init__(message)

    def to_api_error(self) -> ApiError:
        return ApiError(self.status, self.error_type, self.message, headers={"Retry-After": "1"})
