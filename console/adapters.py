"""Hooks into parts of the platform that may not be installed: account deletion (the `privacy` app) and
hosted ComfyUI sessions (the `canvas` app).

Each is imported lazily, so the console works without them and says "not available" instead. When the
module is there, the console calls exactly these functions:

- `privacy.selectors.deletion_state_for_user(user)` → the user's deletion request/state, or None;
- `privacy.services.deletion.deletion_hold(request=…, reason=…, staff=…)` and
  `deletion_release_hold(request=…, staff=…)`, where `request` is what the selector returned;
- hosted sessions: `canvas.selectors.hosted_sessions_for_user(user)`, `canvas.selectors.
  hosted_session_find(session_id)` and `canvas.services.hosted_session_end(session=…, reason=…, staff=…)`.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from accounts.models import User


class FeatureUnavailable(Exception):  # noqa: N818 (reads as a state, like Django's ObjectDoesNotExist)
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
    state: Any = None  # whatever the privacy app returned (shown with str())

    @property
    def label(self) -> str:
        if not self.available:
            return "deletion: not available"
        return "no deletion requested" if self.state is None else str(self.state)

    @property
    def on_hold(self) -> bool:
        return bool(getattr(self.state, "on_hold", False) or getattr(self.state, "held", False))


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


def deletion_hold(*, user: User, reason: str, staff: User) -> Any:
    services = _deletion_services()
    state = deletion_state(user).state
    if state is None:
        raise FeatureUnavailable("This user has no deletion request to hold.")
    return services.deletion_hold(request=getattr(state, "request", state), reason=reason, staff=staff)


def deletion_release(*, user: User, staff: User) -> Any:
    services = _deletion_services()
    state = deletion_state(user).state
    if state is None:
        raise FeatureUnavailable("This user has no deletion request to release.")
    return services.deletion_release_hold(request=getattr(state, "request", state), staff=staff)


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
