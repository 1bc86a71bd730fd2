"""One "verify your e-mail" notice, and none once verified (issue 14, items 16 and 17)."""

from __future__ import annotations

import pytest
from django.test import Client

from accounts.emails import verification_token_make
from accounts.models import User
from tests.accounts.helpers import private_cache  # noqa: F401 - a fixture, used by name

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_cache")]
NOTICE = 'data-testid="verify-notice"'


@pytest.fixture
def newcomer(db: None) -> User:
    return User.objects.create_user(email="newcomer@example.com", password="a perfectly fine passphrase")


def test_the_page_that_verifies_shows_no_verify_banner(newcomer: User) -> None:
    client = Client()
    client.force_login(newcomer)
    assert NOTICE in client.get("/settings").content.decode()  # the stale user would keep it

    html = client.get(f"/verify-email/{verification_token_make(newcomer)}").content.decode()

    assert "E-mail verified" in html
    assert NOTICE not in html
    assert "Go to your dashboard" in html


@pytest.mark.parametrize("path", ["/dashboard", "/credits", "/keys", "/usage", "/settings"])
def test_an_unverified_user_sees_one_notice_per_page(newcomer: User, path: str) -> None:
    client = Client()
    client.force_login(newcomer)
    html = client.get(path).content.decode()
    assert html.count(NOTICE) == 1
    assert html.lower().count("verify your e-mail") <= 1


def test_a_verified_user_sees_none(owner: User) -> None:
    client = Client()
    client.force_login(owner)
    for path in ("/dashboard", "/credits", "/keys"):
        assert NOTICE not in client.get(path).content.decode()
