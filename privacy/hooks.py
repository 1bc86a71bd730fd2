"""Hosted ComfyUI sessions, seen from privacy: what the export lists and what the deletion ends.

Hosted sessions (canvas/) do not exist yet. When they do, the canvas app registers a provider in its
AppConfig.ready():

    from privacy.hooks import hosted_sessions_register
    hosted_sessions_register(CanvasSessions())

The export then lists the provider's sessions and the deletion pipeline's `end_hosted_sessions` step calls
`end_all` (which must be idempotent: the step may run again after a crash). Without a provider the export
holds an empty list and the step has nothing to do.
"""

from __future__ import annotations

from typing import Any, Protocol

from accounts.models import User


class HostedSessionProvider(Protocol):
    def sessions_for_export(self, *, user: User) -> list[dict[str, Any]]: ...

    def end_all(self, *, user: User) -> int:
        """End every session of the user and delete its files; return how many were ended."""
        ...


_providers: list[HostedSessionProvider] = []


def hosted_sessions_register(provider: HostedSessionProvider) -> None:
    if provider not in _providers:
        _providers.append(provider)


def hosted_sessions_unregister(provider: HostedSessionProvider) -> None:
    if provider in _providers:
        _providers.remove(provider)


def hosted_sessions_for_export(*, user: User) -> list[dict[str, Any]]:
    return [session for provider in _providers for session in provider.sessions_for_export(user=user)]


def hosted_sessions_end_all(*, user: User) -> int:
    return sum(provider.end_all(user=user) for provider in _providers)
