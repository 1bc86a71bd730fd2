"""The password field's limit is the one its help text gives (issue 14, item 21): the page said "up to
200" while the input accepted 4,096."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def _password_input(html: str) -> str:
    return re.search(r'<input type="password" name="password"[^>]*>', html).group(0)


def test_the_sign_up_field_has_no_other_limit_than_the_documented_one(client: Client, settings: Any) -> None:
    html = client.get("/signup").content.decode()
    assert "maxlength" not in _password_input(html)  # no browser cut of a pasted passphrase
    assert f"up to {settings.PASSWORD_MAX_LENGTH})" in html
    too_long = "x" * (settings.PASSWORD_MAX_LENGTH + 1)
    reply = client.post("/signup", {"email": "long@example.com", "password": too_long})
    assert f"at most {settings.PASSWORD_MAX_LENGTH} characters" in reply.content.decode()


def test_the_sign_in_field_cuts_nothing_either(client: Client) -> None:
    assert "maxlength" not in _password_input(client.get("/login").content.decode())
