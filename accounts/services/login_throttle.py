"""Sign-in throttling that an attacker cannot turn against the owner (quality.md A5, issue 14 item 9).

Two limits, both lifted by a password reset (proving control of the mailbox):

1. **Per account and client** (django-axes, AXES_LOCKOUT_PARAMETERS = e-mail + IP): AXES_FAILURE_LIMIT
   failures from one address pause sign-in to that account *from that address* for 15 minutes. Someone
   else's failures cannot lock the owner out of their own network. The form warns when 2 attempts are
   left, and the owner gets an e-mail (with a reset link) when a pause starts.
2. **Per account, across all clients** (here, in `LoginFailures` rows keyed by a hash of the address):
   after LOGIN_ACCOUNT_FREE_FAILURES failures in an hour, every further attempt must wait, 30 s doubling
   up to 15 minutes after the last failure, however many addresses the guesses come from (a
   credential-stuffing botnet gets a handful of guesses an hour, quality.md A-02). A browser the owner
   has already signed in with (a signed cookie naming the account, `LOGIN_TRUSTED_COOKIE`) is not slowed
   down, so the owner keeps signing in from it. Attempts refused while waiting never reach the password
   check and do not extend the wait.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from accounts.models import LoginFailures
from accounts.services.users import email_normalize

TRUSTED_SALT = "accounts.login-trusted-browser"
TRUSTED_MAX_AGE_SECONDS = 180 * 24 * 3600
WINDOW_SECONDS = 3600
BASE_DELAY_SECONDS = 30
MAX_DELAY_SECONDS = 900
WARN_WHEN_LEFT = 2


def _digest(email: str) -> str:
    return hashlib.sha256(email_normalize(email).encode()).hexdigest()


@dataclass(frozen=True)
class AccountFailures:
    count: int
    last_at: datetime | None

    def wait_seconds(self, now: datetime) -> int:
        """How long the account-wide slow-down still holds (0: an attempt may go ahead)."""
        over = self.count - int(settings.LOGIN_ACCOUNT_FREE_FAILURES)
        if over < 0 or self.last_at is None:
            return 0
        delay = min(MAX_DELAY_SECONDS, BASE_DELAY_SECONDS << min(over, 16))
        return max(0, math.ceil((self.last_at - now).total_seconds() + delay))


def _current(row: LoginFailures | None, now: datetime) -> AccountFailures:
    """The row's count, or nothing once the last failure is more than an hour old."""
    if row is None or (now - row.last_at).total_seconds() > WINDOW_SECONDS:
        return AccountFailures(0, None)
    return AccountFailures(row.count, row.last_at)


def account_failures(email: str, *, now: datetime | None = None) -> AccountFailures:
    row = LoginFailures.objects.filter(email_digest=_digest(email)).first()
    return _current(row, now or timezone.now())


def account_failure_record(email: str, *, now: datetime | None = None) -> AccountFailures:
    """Count one failed password check against the account (any client), under the row's lock."""
    at = now or timezone.now()
    digest = _digest(email)
    for _attempt in range(2):  # a racing first failure may create the row first: then update it
        try:
            with transaction.atomic():
                row = LoginFailures.objects.select_for_update().filter(email_digest=digest).first()
                if row is None:
                    LoginFailures.objects.create(email_digest=digest, count=1, last_at=at)
                    return AccountFailures(1, at)
                row.count = _current(row, at).count + 1
                row.last_at = at
                row.save(update_fields=["count", "last_at"])
                return AccountFailures(row.count, at)
        except IntegrityError:
            continue
    return account_failures(email, now=at)


def account_failures_clear(email: str) -> None:
    LoginFailures.objects.filter(email_digest=_digest(email)).delete()


def account_wait_seconds(request: HttpRequest, email: str, *, now: datetime | None = None) -> int:
    """The slow-down for this attempt: 0 from a browser the owner already signed in with."""
    if browser_is_trusted(request, email):
        return 0
    at = now or timezone.now()
    return account_failures(email, now=at).wait_seconds(at)


# --- the owner's own browsers ------------------------------------------------------------------------------


def browser_is_trusted(request: HttpRequest, email: str) -> bool:
    raw = request.COOKIES.get(settings.LOGIN_TRUSTED_COOKIE, "")
    if not raw:
        return False
    try:
        names = signing.loads(raw, salt=TRUSTED_SALT, max_age=TRUSTED_MAX_AGE_SECONDS)
    except signing.BadSignature:
        return False
    return isinstance(names, list) and _digest(email)[:32] in names


def browser_trust(request: HttpRequest, response: HttpResponse, email: str) -> None:
    """After a successful sign-in: remember that this browser knows this account's password (up to 5
    accounts per browser; only hashes of the addresses are kept)."""
    names: list[str] = []
    raw = request.COOKIES.get(settings.LOGIN_TRUSTED_COOKIE, "")
    if raw:
        try:
            loaded = signing.loads(raw, salt=TRUSTED_SALT, max_age=TRUSTED_MAX_AGE_SECONDS)
            names = [n for n in loaded if isinstance(n, str)] if isinstance(loaded, list) else []
        except signing.BadSignature:
            names = []
    digest = _digest(email)[:32]
    names = [digest, *[n for n in names if n != digest]][:5]
    response.set_cookie(
        settings.LOGIN_TRUSTED_COOKIE,
        signing.dumps(names, salt=TRUSTED_SALT),
        max_age=TRUSTED_MAX_AGE_SECONDS,
        httponly=True,
        secure=settings.SESSION_COOKIE_SECURE,
        samesite="Lax",
    )


# --- the per account+client lock (django-axes) --------------------------------------------------------------


def attempts_left(request: HttpRequest, email: str) -> int:
    """Failed attempts this client may still make on this account before its 15-minute pause."""
    from axes.handlers.proxy import AxesProxyHandler

    failures = AxesProxyHandler.get_failures(request, {"username": email_normalize(email)})
    return max(0, int(settings.AXES_FAILURE_LIMIT) - int(failures))


def client_is_locked(request: HttpRequest, email: str) -> bool:
    from axes.handlers.proxy import AxesProxyHandler

    return bool(AxesProxyHandler.is_locked(request, {"username": email_normalize(email)}))


def attempts_left_warning(left: int) -> str | None:
    if not 0 < left <= WARN_WHEN_LEFT:
        return None
    minutes = round(float(settings.AXES_COOLOFF_TIME) * 60)
    plural = "s" if left != 1 else ""
    return (
        f"{left} attempt{plural} left: after that, sign-in from this device is paused for {minutes} "
        "minutes. Forgot your password? Reset it instead."
    )


def throttle_clear(email: str) -> None:
    """A password reset (or a new password) lifts both limits for the account, from every client."""
    from axes.utils import reset as axes_reset

    axes_reset(username=email_normalize(email))
    account_failures_clear(email)
