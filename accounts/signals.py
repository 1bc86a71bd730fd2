"""Device bookkeeping on sign-in and sign-out (connected in AccountsConfig.ready)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.dispatch import receiver
from django.http import HttpRequest

from accounts.devices import client_ip
from accounts.models import User
from accounts.services.devices import device_register, device_revoke_session


@receiver(user_logged_in, dispatch_uid="accounts.device_on_login")
def device_on_login(sender: Any, request: HttpRequest | None, user: User, **kwargs: Any) -> None:
    session = getattr(request, "session", None)
    if request is None or session is None:
        return
    if not session.session_key:
        session.save()
    device_register(
        user=user,
        session_key=session.session_key,
        user_agent=request.headers.get("user-agent", ""),
        ip_address=client_ip(request),
    )


@receiver(user_logged_out, dispatch_uid="accounts.device_on_logout")
def device_on_logout(sender: Any, request: HttpRequest | None, user: User | None, **kwargs: Any) -> None:
    session_key = getattr(getattr(request, "session", None), "session_key", None)
    if session_key:
        device_revoke_session(session_key=session_key)
