"""Signed, credential-free polling URLs handed out instead of a vendor's own (BFL `polling_url`, §5.3)."""

from __future__ import annotations

from django.conf import settings
from django.core import signing

from nodes.models import ProxyJob

POLL_SALT = "nodes.proxy.poll"
POLL_TOKEN_MAX_AGE = 48 * 3600


def sign_poll_token(token: str) -> str:
    return signing.TimestampSigner(salt=POLL_SALT).sign(token)


def unsign_poll_token(signed: str) -> str | None:
    try:
        return signing.TimestampSigner(salt=POLL_SALT).unsign(signed, max_age=POLL_TOKEN_MAX_AGE)
    except signing.BadSignature:
        return None


def poll_url(job: ProxyJob) -> str:
    assert job.poll_token
    return f"{settings.PUBLIC_BASE_URL}/proxy/{job.vendor}/poll/{sign_poll_token(job.poll_token)}"
