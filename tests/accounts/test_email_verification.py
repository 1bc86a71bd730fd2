"""E-mail verification: a signed link valid for 3 days, resend, and what it unlocks (`is_verified`)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.test import Client
from django.utils import timezone

from accounts.emails import verification_token_make
from accounts.models import User
from tests.accounts.helpers import (
    link_path,
    private_cache,  # noqa: F401 - a fixture, used by name
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_cache")]


@pytest.fixture
def newcomer(db: None) -> User:
    return User.objects.create_user(email="newcomer@example.com", password="a perfectly fine passphrase")


def test_it_verifies_with_the_link_from_the_sign_up_email(
    client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/signup", {"email": "new@example.com", "password": "a perfectly fine passphrase"})
    response = Client().get(link_path(mail.outbox[0], r"^/verify-email/"))  # works without a session too
    assert response.status_code == 200
    assert "E-mail verified" in response.content.decode()
    assert User.objects.get().is_verified


def test_it_keeps_the_first_verification_time(client: Client, newcomer: User) -> None:
    path = f"/verify-email/{verification_token_make(newcomer)}"
    client.get(path)
    first = User.objects.get(pk=newcomer.pk).email_verified_at
    client.get(path)
    assert User.objects.get(pk=newcomer.pk).email_verified_at == first


def test_it_refuses_an_expired_link(client: Client, newcomer: User) -> None:
    token = verification_token_make(newcomer)
    with time_machine.travel(timezone.now() + timedelta(days=3, minutes=1)):
        response = client.get(f"/verify-email/{token}")
    assert response.status_code == 400
    assert not User.objects.get(pk=newcomer.pk).is_verified


def test_it_accepts_a_link_just_inside_three_days(client: Client, newcomer: User) -> None:
    token = verification_token_make(newcomer)
    with time_machine.travel(timezone.now() + timedelta(days=2, hours=23)):
        assert client.get(f"/verify-email/{token}").status_code == 200
    assert User.objects.get(pk=newcomer.pk).is_verified


@pytest.mark.parametrize("mangle", ["truncate", "prefix", "garbage"])
def test_it_refuses_a_tampered_link(client: Client, newcomer: User, mangle: str) -> None:
    token = verification_token_make(newcomer)
    bad = {"truncate": token[:-2] + "xx", "prefix": "x" + token, "garbage": "garbage"}[mangle]
    assert client.get(f"/verify-email/{bad}").status_code == 400
    assert not User.objects.get(pk=newcomer.pk).is_verified


def test_it_refuses_a_link_made_for_a_previous_address(client: Client, newcomer: User) -> None:
    token = verification_token_make(newcomer)
    User.objects.filter(pk=newcomer.pk).update(email="changed@example.com")
    assert client.get(f"/verify-email/{token}").status_code == 400
    assert not User.objects.get(pk=newcomer.pk).is_verified


def test_it_resends_at_most_once_a_minute(
    client: Client, newcomer: User, django_capture_on_commit_callbacks: Any
) -> None:
    client.force_login(newcomer)
    with django_capture_on_commit_callbacks(execute=True):
        first = client.post("/verify-email/resend", follow=True)
        client.post("/verify-email/resend")
    assert len(mail.outbox) == 1
    assert "We sent a new verification link" in first.content.decode()
    assert client.get(link_path(mail.outbox[0], r"^/verify-email/")).status_code == 200


def test_it_resends_only_to_signed_in_users(client: Client) -> None:
    response = client.post("/verify-email/resend")
    assert response.status_code == 302
    assert response["Location"].startswith("/login")
    assert mail.outbox == []


def test_it_sends_nothing_to_verified_users(client: Client, owner: User) -> None:
    client.force_login(owner)
    client.post("/verify-email/resend")
    assert mail.outbox == []
