"""Sign-up: e-mail normalisation, duplicates, the password policy (quality.md A-01), CSRF."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import password_validation
from django.contrib.auth.password_validation import CommonPasswordValidator
from django.core import mail
from django.test import Client

from accounts.models import User
from tests.accounts.helpers import figure, login
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


def signup(client: Client, capture: Any, **data: str) -> Any:
    payload = {"email": "new@example.com", "name": "", "password": "a perfectly fine passphrase", **data}
    with capture(execute=True):
        return client.post("/signup", payload)


def test_it_creates_an_unverified_account_signs_in_and_sends_the_link(
    client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    response = signup(client, django_capture_on_commit_callbacks, email="  Ada@Example.COM ", name="Ada")
    assert response.status_code == 302
    assert response["Location"] == "/dashboard"
    user = User.objects.get()
    assert user.email == "ada@example.com"
    assert user.name == "Ada"
    assert not user.is_verified
    assert client.get("/dashboard").context["user"] == user
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["ada@example.com"]
    assert "/verify-email/" in str(message.body)
    assert message.alternatives[0][1] == "text/html"  # type: ignore[attr-defined]


def test_it_refuses_a_duplicate_email_in_any_case_with_a_friendly_error(
    client: Client, owner: User, django_capture_on_commit_callbacks: Any
) -> None:
    response = signup(client, django_capture_on_commit_callbacks, email="OWNER@example.com")
    assert response.status_code == 200
    assert "already exists" in response.content.decode()
    assert User.objects.count() == 1
    assert mail.outbox == []


def test_it_keeps_the_password_out_of_the_re_rendered_form(
    client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    response = signup(
        client, django_capture_on_commit_callbacks, email="not-an-email", password="hunter2hunter2x"
    )
    assert response.status_code == 200
    assert "hunter2hunter2x" not in response.content.decode()


@pytest.mark.parametrize(
    ("length", "accepted"), [(7, False), (8, True), (15, True), (64, True), (200, True), (201, False)]
)
def test_it_applies_the_length_policy(
    client: Client, django_capture_on_commit_callbacks: Any, length: int, accepted: bool
) -> None:
    password = ("Zq8#vLm2pX" * 30)[:length]
    response = signup(client, django_capture_on_commit_callbacks, password=password)
    assert User.objects.exists() is accepted
    if accepted:
        # Stored whole, never truncated: the exact password logs in.
        client.post("/logout")
        assert login(client, "new@example.com", password).status_code == 302
    else:
        assert response.status_code == 200
        assert ("too long" if length > 200 else "too short") in response.content.decode()


def test_it_rejects_every_password_on_the_common_list(record_property: Any) -> None:
    common = sorted(CommonPasswordValidator().passwords)
    rejected = 0
    for password in common:
        try:
            password_validation.validate_password(password)
        except password_validation.ValidationError:
            rejected += 1
    figure(record_property, "A-01", common_total=len(common), common_rejected=rejected)
    assert len(common) > 10_000
    assert rejected == len(common)


def test_it_has_no_composition_rules(client: Client, django_capture_on_commit_callbacks: Any) -> None:
    signup(client, django_capture_on_commit_callbacks, password="lowercase only words here")
    assert User.objects.filter(email="new@example.com").exists()


def test_it_refuses_a_variant_changed_only_at_char_90(client: Client, db: None) -> None:
    password = "".join(chr(ord("a") + i % 26) for i in range(100))
    make_user("long@example.com", password=password)
    variant = password[:89] + ("X" if password[89] != "X" else "Y") + password[90:]
    assert login(client, "long@example.com", variant).status_code == 200
    assert login(client, "long@example.com", password).status_code == 302


def test_it_needs_a_csrf_token(db: None) -> None:
    client = Client(enforce_csrf_checks=True)
    response = client.post("/signup", {"email": "x@example.com", "password": "a perfectly fine passphrase"})
    assert response.status_code == 403
    assert not User.objects.exists()


def test_it_sends_signed_in_users_to_the_dashboard(client: Client, owner: User) -> None:
    client.force_login(owner)
    assert client.get("/signup")["Location"] == "/dashboard"
