"""Device bookkeeping on sign-in and sign-out, and the owner's e-mail when sign-in is paused (connected in
AccountsConfig.ready)."""

from __future__ import annotations

from typing import Any

from axes.signals import user_locked_out
from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.dispatch import receiver
from django.http import HttpRequest

from accounts.devices import client_ip
from accounts.emails import signin_paused_email_send
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


@receiver(user_locked_out, dispatch_uid="accounts.mail_owner_on_signin_pause")
def mail_owner_on_signin_pause(
    sender: Any, request: HttpRequest | None = None, username: str | None = None, **kwargs: Any
) -> None:
    """django-axes paused sign-in to an account from one client: the owner hears of it (with a reset
    link). An address without an account gets nothing, and the page says the same either way."""
    if not username:
        return
    user = User.objects.filter(email=username, is_active=True).first()
    if user is None:
        return
    signin_paused_email_send(
        user=user,
        ip_address=kwargs.get("ip_address"),
        failures=int(settings.AXES_FAILURE_LIMIT),
        request=request,
    )
