"""Hooks into parts of the platform that may not be installed: account deletion (the `privacy` app) and
hosted ComfyUI sessions (the `canvas` app).

Each is imported lazily, so the console works without them and says "not available" instead. When the
module is there, the console calls exactly these functions:

- `privacy.selectors.deletion_state_for_user(user)` → a state with `request` (the open or latest
  DeletionRequest, or None), `status_label`, `on_hold`, `hold_reason`, `steps_done`/`steps_total`,
  `due_at`;
- `privacy.services.deletion.deletion_hold(request, reason, staff)` and
  `deletion_release_hold(request, staff)`, which refuse with `DeletionError` (shown to staff) and write
  their own `deletion.hold` / `deletion.hold_released` audit rows;
- hosted sessions: `canvas.selectors.hosted_sessions_for_user(user)`, `canvas.selectors.
  hosted_session_find(session_id)` and `canvas.services.hosted_session_end(session=…, reason=…, staff=…)`
  (the canvas app writes the `canvas.session_end` audit row with the staff member's reason).
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from accounts.models import User


class HookRefused(Exception):  # noqa: N818 (reads as a state, like Django's ObjectDoesNotExist)
    """The app behind this action refused it (its message is shown to staff)."""


class FeatureUnavailable(HookRefused):
    """The module behind this action is not installed on this platform."""


def _module(name: str) -> ModuleType | None:
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        # Only "the app is absent" means unavailable; a broken import inside it must still fail loudly.
        if exc.name and (name == exc.name or name.startswith(exc.name + ".")):
            return None
        raise


@dataclass(frozen=True)
class DeletionState:
    available: bool
    state: Any = None  # privacy.selectors.DeletionState

    @property
    def request(self) -> Any:
        return getattr(self.state, "request", None)

    @property
    def label(self) -> str:
        if not self.available:
            return "deletion: not available"
        if self.request is None:
            return "no deletion requested"
        text = str(getattr(self.state, "status_label", "") or self.state)
        done, total = getattr(self.state, "steps_done", 0), getattr(self.state, "steps_total", 0)
        if done and total:
            text += f", step {done} of {total}"
        due = getattr(self.state, "due_at", None)
        if due is not None and not self.on_hold:
            text += f", due {due:%Y-%m-%d %H:%M} UTC"
        if self.on_hold:
            text += f" ({getattr(self.state, 'hold_reason', '')})"
        return text

    @property
    def on_hold(self) -> bool:
        return bool(getattr(self.state, "on_hold", False))

    @property
    def can_hold(self) -> bool:
        status = getattr(self.state, "status", "")
        return self.request is not None and (self.on_hold or status in ("scheduled", "running"))


def deletion_state(user: User) -> DeletionState:
    selectors = _module("privacy.selectors")
    if selectors is None:
        return DeletionState(available=False)
    return DeletionState(available=True, state=selectors.deletion_state_for_user(user))


def _deletion_services() -> ModuleType:
    services = _module("privacy.services.deletion")
    if services is None:
        raise FeatureUnavailable("Account deletion is not available on this platform.")
    return services


def _deletion_call(user: User, what: str, call: Any) -> Any:
    services = _deletion_services()
    request = deletion_state(user).request
    if request is None:
        raise HookRefused(f"This user has no deletion request to {what}.")
    refused: Any = getattr(services, "DeletionError", None) or HookRefused
    try:
        return call(services, request)
    except refused as exc:
        raise HookRefused(str(exc)) from exc


def deletion_hold(*, user: User, reason: str, staff: User) -> Any:
    return _deletion_call(
        user, "hold", lambda services, request: services.deletion_hold(request, reason, staff)
    )


def deletion_release(*, user: User, staff: User) -> Any:
    return _deletion_call(
        user, "release", lambda services, request: services.deletion_release_hold(request, staff)
    )


def hosted_sessions(user: User) -> list[Any] | None:
    """The user's hosted sessions, or None when hosted sessions are not installed."""
    selectors = _module("canvas.selectors")
    if selectors is None:
        return None
    return list(selectors.hosted_sessions_for_user(user))


def hosted_session_owner(session_id: str) -> User | None:
    """The search hook: whose hosted session is this id (None when unknown or not installed)."""
    selectors = _module("canvas.selectors")
    if selectors is None:
        return None
    session = selectors.hosted_session_find(session_id)
    return getattr(session, "user", None)


def hosted_session_end(*, user: User, session_id: str, reason: str, staff: User) -> Any:
    selectors, services = _module("canvas.selectors"), _module("canvas.services")
    if selectors is None or services is None:
        raise FeatureUnavailable("Hosted sessions are not available on this platform.")
    session = selectors.hosted_session_find(session_id)
    if session is None or getattr(session, "user_id", None) != user.pk:
        raise FeatureUnavailable("No such hosted session for this user.")
    return services.hosted_session_end(session=session, reason=reason, staff=staff)
