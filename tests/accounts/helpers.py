"""Small helpers shared by the accounts tests (H1)."""

from __future__ import annotations

import re
import uuid
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.test import Client

PASSWORD = "correct horse battery staple"  # the personas' password (tests/conftest.py make_user)


def figure(record_property: Any, test_id: str, **values: object) -> None:
    """quality.md: every figure goes to record_property and to a FIGURE line in the log."""
    for key, value in values.items():
        record_property(f"{test_id}.{key}", value)
    print(f"FIGURE {test_id} " + " ".join(f"{k}={v}" for k, v in values.items()))


def login(client: Client, email: str, password: str = PASSWORD, **extra: Any) -> Any:
    return client.post("/login", {"email": email, "password": password}, **extra)


def link_path(message: mail.EmailMessage, pattern: str) -> str:
    """The path of the first link in an e-mail's text body whose path matches `pattern`."""
    for url in re.findall(r"https?://\S+", str(message.body)):
        path = urlsplit(url).path
        if re.search(pattern, path):
            return path
    raise AssertionError(f"no link matching {pattern!r} in: {message.body}")


def session_key(client: Client) -> str | None:
    from django.conf import settings

    cookie = client.cookies.get(settings.SESSION_COOKIE_NAME)
    return cookie.value if cookie and cookie.value else None


@pytest.fixture
def private_cache(settings: Any) -> None:
    """A cache of the test's own: throttles (reset e-mails, resends) must not leak between tests, nor
    between xdist workers sharing CI's Redis."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": f"h1-{uuid.uuid4()}",
        }
    }
