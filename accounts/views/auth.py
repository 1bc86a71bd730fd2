"""Sign-up, sign-in, sign-out, and the django-axes hooks (throttle key, lockout page).

Sign-in throttling is in accounts.services.login_throttle (per account+client lock, account-wide slow-down).
"""

from __future__ import annotations

import math
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.core.exceptions import NON_FIELD_ERRORS
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods

from accounts.emails import account_exists_email_send, verification_email_send
from accounts.forms import LoginForm, SignupForm
from accounts.models import User
from accounts.services import login_throttle
from accounts.services.users import EmailTakenError, email_normalize, user_signup

MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"
SIGNUP_PENDING_SESSION_KEY = "accounts.signup_pending"
SIGNUP_SENT_TO_SESSION_KEY = "accounts.signup_sent_to"


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
    email = email_normalize(str(request.POST.get("email", ""))) if request.method == "POST" else ""
    if email and login_throttle.client_is_locked(request, email):
        # This client's own pause on this account (django-axes), answered before any password check.
        return lockout_response(request)
    wait = login_throttle.account_wait_seconds(request, email) if email else 0
    if wait:
        # The account-wide slow-down: no password check at all until the wait is over.
        return _slowed_down(request, email, next_url, wait)
    if form.is_valid():
        # login() issues a new session id (fixation defence); the user_logged_in signal records the device.
        # The account-wide count is not cleared here: only a reset does (else every sign-in of the owner
        # would hand a stuffing attack a fresh allowance); this browser is trusted from now on instead.
        login(request, form.get_user())
        response = redirect(next_url)
        login_throttle.browser_trust(request, response, email)
        return response
    if email and form.has_error(NON_FIELD_ERRORS, "invalid_login"):
        login_throttle.account_failure_record(email)
        warning = login_throttle.attempts_left_warning(login_throttle.attempts_left(request, email))
        if warning:
            form.add_error(None, warning)
    return render(request, "accounts/login.html", {"form": form, "next": next_url})


def _slowed_down(request: HttpRequest, email: str, next_url: str, wait: int) -> HttpResponse:
    shown = f"{wait} seconds" if wait < 120 else f"{math.ceil(wait / 60)} minutes"
    # An unbound form: validating the posted one would check the password.
    form = LoginForm(request, initial={"email": email})
    message = (
        "There were many failed sign-ins to this account from other devices, so each attempt now has to "
        f"wait a little. Try again in {shown}, or reset your password to sign in right away."
    )
    context = {"form": form, "next": next_url, "throttle_message": message}
    response = render(request, "accounts/login.html", context, status=429)
    response["Retry-After"] = str(wait)
    return response


@sensitive_post_parameters("password")
@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def signup_view(request: HttpRequest) -> HttpResponse:
    """Sign-up never says whether an address has an account (as the reset page): a new address gets its
    verification link, a known one an e-mail saying it already has an account, and the page answers
    "check your inbox" to both. The verification link signs the new user in, in the browser that signed
    up (the session remembers whom it is waiting for)."""
    if request.user.is_authenticated:
        return redirect(settings.LOGIN_REDIRECT_URL)
    form = SignupForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        data = form.cleaned_data
        pending = ""
        try:
            # Hashes the password either way, so both answers take the same time.
            user = user_signup(email=data["email"], password=data["password"], name=data["name"])
        except EmailTakenError:
            existing = User.objects.filter(email=data["email"], is_active=True).first()
            if existing is not None:
                account_exists_email_send(user=existing, request=request)
        else:
            verification_email_send(user=user, request=request)
            pending = str(user.public_id)
        request.session[SIGNUP_PENDING_SESSION_KEY] = pending
        request.session[SIGNUP_SENT_TO_SESSION_KEY] = data["email"]
        return redirect("accounts:signup_sent")
    return render(request, "accounts/signup.html", {"form": form})


@never_cache
@require_GET
def signup_sent_view(request: HttpRequest) -> HttpResponse:
    sent_to = request.session.get(SIGNUP_SENT_TO_SESSION_KEY)
    if not sent_to:
        return redirect("accounts:signup")
    return render(request, "accounts/signup_sent.html", {"sent_to": sent_to})


def signup_pending_sign_in(request: HttpRequest, user: User) -> bool:
    """After a verification link: sign the new user in if this is the browser that signed up."""
    if request.user.is_authenticated or not user.is_active:
        return False
    pending = request.session.get(SIGNUP_PENDING_SESSION_KEY)
    if not pending or pending != str(user.public_id):
        return False
    login(request, user, backend=MODEL_BACKEND)
    request.session.pop(SIGNUP_SENT_TO_SESSION_KEY, None)
    return True


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
