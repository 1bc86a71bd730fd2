"""The console's gate: signed in, active staff, the page's permission, and (when required) a TOTP code
confirmed in this session.

django-otp's own middleware is not used: it sets `user.is_verified`, which our User already has as a
property (e-mail verified). The check below is the same one the middleware makes: the session names a
confirmed device, and that device belongs to the signed-in user.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import quote

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.models import Device

from accounts.models import User

View = TypeVar("View", bound=Callable[..., HttpResponseBase])


def otp_device_confirmed(request: HttpRequest) -> Device | None:
    """The confirmed device this session's TOTP code was checked against, if any."""
    persistent_id = request.session.get(DEVICE_ID_SESSION_KEY)
    if not persistent_id:
        return None
    device = Device.from_persistent_id(persistent_id)
    if device is None or device.user_id != request.user.pk or not device.confirmed:
        return None
    return device


def otp_satisfied(request: HttpRequest) -> bool:
    return not settings.CONSOLE_REQUIRE_OTP or otp_device_confirmed(request) is not None


def is_console_staff(user: Any) -> bool:
    return bool(user.is_authenticated and user.is_active and user.is_staff)


def forbidden(request: HttpRequest, message: str) -> HttpResponse:
    return render(request, "console/forbidden.html", {"message": message}, status=403)


def console_view(permission: str) -> Callable[[View], View]:
    """Decorate a console view: anonymous → sign-in, no second factor → /console/verify, no right → 403."""

    def decorate(view: View) -> View:
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            user = request.user
            if not user.is_authenticated:
                return HttpResponseRedirect(f"{settings.LOGIN_URL}?next={quote(request.get_full_path())}")
            if not is_console_staff(user):
                return forbidden(request, "The support console is for staff only.")
            if not otp_satisfied(request):
                return HttpResponseRedirect(f"/console/verify?next={quote(request.get_full_path())}")
            if not user.has_perm(permission):
                return forbidden(request, "Your role does not allow this.")
            return view(request, *args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorate


def staff_user(request: HttpRequest) -> User:
    """The signed-in staff member (after `console_view` let the request through)."""
    assert isinstance(request.user, User)
    return request.user
