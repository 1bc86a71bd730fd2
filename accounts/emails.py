"""Account e-mails (verification, password reset and change, sign-in paused, sign-up with a known address)
and the signed verification link.

Links are built from PUBLIC_BASE_URL, never from the request's Host header, so a forged Host cannot
redirect a reset or verification link to another site.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core import signing
from django.core.cache import cache
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from accounts.models import User

VERIFY_SALT = "accounts.verify-email"
VERIFY_MAX_AGE_SECONDS = 3 * 24 * 3600
PAUSED_MAIL_INTERVAL_SECONDS = 3600
ACCOUNT_EXISTS_MAIL_INTERVAL_SECONDS = 60


def base_url(request: HttpRequest | None = None) -> str:
    if settings.PUBLIC_BASE_URL:
        return str(settings.PUBLIC_BASE_URL)
    return request.build_absolute_uri("/").rstrip("/") if request is not None else ""


def verification_token_make(user: User) -> str:
    # The address is part of the signed payload: a link made for an old address cannot verify a new one.
    return signing.dumps({"u": str(user.public_id), "e": user.email}, salt=VERIFY_SALT, compress=True)


def verification_token_read(token: str) -> tuple[str, str] | None:
    """(public_id, email) from a valid, unexpired link; None for anything else."""
    try:
        data = signing.loads(token, salt=VERIFY_SALT, max_age=VERIFY_MAX_AGE_SECONDS)
    except signing.BadSignature:  # SignatureExpired is a subclass
        return None
    if not isinstance(data, dict) or not isinstance(data.get("u"), str) or not isinstance(data.get("e"), str):
        return None
    return data["u"], data["e"]


def send_templated(*, to: str, template: str, context: dict[str, Any]) -> None:
    """Render emails/<template>_subject.txt, .txt and .html and send one multipart message."""
    context = {"SITE_NAME": settings.SITE_NAME, "SUPPORT_EMAIL": settings.SUPPORT_EMAIL, **context}
    subject = " ".join(render_to_string(f"emails/{template}_subject.txt", context).split())
    message = EmailMultiAlternatives(
        subject=subject, body=render_to_string(f"emails/{template}.txt", context), to=[to]
    )
    message.attach_alternative(render_to_string(f"emails/{template}.html", context), "text/html")
    message.send()


def verification_email_send(*, user: User, request: HttpRequest | None = None) -> None:
    """Queue the verification e-mail for after the surrounding transaction commits."""
    link = base_url(request) + reverse("accounts:verify_email", args=[verification_token_make(user)])
    context = {"user": user, "link": link, "valid_days": VERIFY_MAX_AGE_SECONDS // 86400}
    email = user.email
    transaction.on_commit(lambda: send_templated(to=email, template="verify_email", context=context))


def password_reset_link(user: User, request: HttpRequest | None = None) -> str:
    """A working reset link for this user (one use; a new password invalidates it)."""
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    path = reverse(
        "accounts:password_reset_confirm",
        kwargs={"uidb64": uid, "token": default_token_generator.make_token(user)},
    )
    return base_url(request) + path


def signin_paused_email_send(
    *, user: User, ip_address: str | None, failures: int, request: HttpRequest | None = None
) -> bool:
    """Tell the owner sign-in was paused somewhere, with a reset link. At most one an hour per account,
    however many addresses an attacker pauses. Returns whether an e-mail went out."""
    if not cache.add(f"accounts:signin-paused-mail:{user.public_id}", 1, PAUSED_MAIL_INTERVAL_SECONDS):
        return False
    context = {
        "user": user,
        "failures": failures,
        "where": f"the network address {ip_address}" if ip_address else "one device",
        "minutes": round(float(settings.AXES_COOLOFF_TIME) * 60),
        "reset_link": password_reset_link(user, request),
    }
    send_templated(to=user.email, template="signin_paused", context=context)
    return True


def password_changed_email_send(*, user: User, how: str, request: HttpRequest | None = None) -> None:
    """Tell the owner their password changed (after the change commits)."""
    context = {
        "user": user,
        "how": how,
        "changed_at": timezone.now(),
        "reset_url": base_url(request) + reverse("accounts:password_reset"),
    }
    email = user.email
    transaction.on_commit(lambda: send_templated(to=email, template="password_changed", context=context))


def account_exists_email_send(*, user: User, request: HttpRequest | None = None) -> None:
    """Sign-up with an address that already has an account: the page says the same as for a new one,
    and the address itself is told (at most once a minute, so the form cannot flood a mailbox)."""
    if not cache.add(
        f"accounts:account-exists-mail:{user.public_id}", 1, ACCOUNT_EXISTS_MAIL_INTERVAL_SECONDS
    ):
        return
    root = base_url(request)
    context = {
        "user": user,
        "login_url": root + reverse("accounts:login"),
        "reset_url": root + reverse("accounts:password_reset"),
    }
    send_templated(to=user.email, template="account_exists", context=context)
