"""Change password: needs the current one, keeps this browser, ends every other session (A-03)."""

from __future__ import annotations

import pytest
from django.test import Client

from accounts.models import Device, User
from tests.accounts.helpers import PASSWORD, login, session_key

pytestmark = pytest.mark.django_db

NEW = "a brand new passphrase"


def change(client: Client, old: str = PASSWORD, new: str = NEW) -> object:
    return client.post(
        "/settings/password", {"old_password": old, "new_password1": new, "new_password2": new}
    )


def test_it_requires_the_current_password(client: Client, owner: User) -> None:
    login(client, owner.email)
    response = change(client, old="not my password")
    assert response.status_code == 200  # type: ignore[attr-defined]
    assert login(Client(), owner.email, PASSWORD).status_code == 302


def test_it_ends_other_sessions_and_keeps_this_one(client: Client, owner: User) -> None:
    phone, tablet = Client(), Client()
    for other in (phone, tablet):
        login(other, owner.email)
    login(client, owner.email)
    before = session_key(client)
    device = Device.objects.get(session_key=before)

    response = change(client)

    assert response["Location"] == "/settings"  # type: ignore[index]
    assert "2 other devices signed out" in client.get("/settings").content.decode()
    assert phone.get("/dashboard").status_code == 302
    assert tablet.get("/dashboard").status_code == 302
    # A new session id for this browser, and its device row followed it (same identity).
    after = session_key(client)
    assert after != before
    device.refresh_from_db()
    assert device.session_key == after
    assert device.revoked_at is None
    assert Device.objects.filter(user=owner, revoked_at__isnull=True).count() == 1


def test_it_is_only_for_signed_in_users(client: Client) -> None:
    assert change(client)["Location"].startswith("/login")  # type: ignore[index]
