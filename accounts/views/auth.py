"""Sign-up, sign-in, sign-out, and the django-axes hooks (throttle key, lockout page)."""

from __future__ import annotations

import math
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from accounts.emails import verification_email_send
from accounts.forms import LoginForm, SignupForm
from accounts.models import User
from accounts.services.users import EmailTakenError, email_normalize, user_signup

MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


def signed_in_user(request: HttpRequest) -> User:
    """The request's user, typed, for views behind login_required (which has already run)."""
    user = request.user
    assert isinstance(user, User)
    return user


def safe_next_url(request: HttpRequest, default: str | None = None) -> str:
    """`?next=` only when it stays on this site (no other host, no scheme change, no `//evil`)."""
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return default or str(settings.LOGIN_REDIRECT_URL)


@sensitive_post_parameters("password")
@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    next_url = safe_next_url(request)
    if request.user.is_authenticated and request.method == "GET":
        return redirect(next_url)
    form = LoginForm(request, data=request.POST if request.method == "POST" else None)
    if form.is_valid():
        # login() issues a new session id (fixation defence); the user_logged_in signal records the device.
        login(request, form.get_user())
        return redirect(next_url)
    return render(request, "accounts/login.html", {"form": form, "next": next_url})


@sensitive_post_parameters("password")
@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def signup_view(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect(settings.LOGIN_REDIRECT_URL)
    form = SignupForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        data = form.cleaned_data
        try:
            user = user_signup(email=data["email"], password=data["password"], name=data["name"])
        except EmailTakenError:
            form.add_error(
                "email", "An account with this e-mail already exists. Sign in, or reset your password."
            )
        else:
            verification_email_send(user=user, request=request)
            login(request, user, backend=MODEL_BACKEND)
            messages.success(request, f"Welcome! We sent a verification link to {user.email}.")
            return redirect(settings.LOGIN_REDIRECT_URL)
    return render(request, "accounts/signup.html", {"form": form})


@csrf_protect
@require_http_methods(["GET", "POST"])
def logout_view(request: HttpRequest) -> HttpResponse:
    # Sign-out changes state, so it is a POST (a cross-site <img src=/logout> must not sign anyone out);
    # GET shows a confirmation button.
    if request.method == "GET":
        return render(request, "accounts/logout.html")
    logout(request)
    messages.info(request, "You are signed out.")
    return redirect(settings.LOGOUT_REDIRECT_URL)


# --- django-axes hooks -----------------------------------------------------------------------------------


def axes_username(request: HttpRequest | None, credentials: dict[str, Any] | None = None) -> str | None:
    """The throttle key: the normalised address, so "Owner@Example.com " and "owner@example.com" count
    against the same account. Also reads `username` for the admin's login form."""
    sources: list[Any] = [credentials or {}]
    if request is not None:
        sources.append(request.POST)
    for source in sources:
        for field in ("email", "username"):
            value = source.get(field)
            if value:
                return email_normalize(str(value))
    return None


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: Any = None
) -> HttpResponse:
    """The friendly 429: when to retry, and the reset link (a password reset lifts the lock)."""
    from axes.helpers import get_cool_off

    cool_off = get_cool_off(request) or timedelta(minutes=15)
    seconds = int(cool_off.total_seconds())
    context = {
        "retry_at": timezone.now() + cool_off,
        "retry_minutes": max(1, math.ceil(seconds / 60)),
    }
    response = render(request, "accounts/locked_out.html", context, status=429)
    response["Retry-After"] = str(seconds)
    return response
