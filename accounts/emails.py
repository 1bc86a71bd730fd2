"""Account e-mails (verification, password reset) and the signed verification link.

Links are built from PUBLIC_BASE_URL, never from the request's Host header, so a forged Host cannot
redirect a reset or verification link to another site.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse

from accounts.models import User

VERIFY_SALT = "accounts.verify-email"
VERIFY_MAX_AGE_SECONDS = 3 * 24 * 3600


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
