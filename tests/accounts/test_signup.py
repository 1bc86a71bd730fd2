"""Sign-up: e-mail normalisation, duplicates, the password policy (quality.md A-01), CSRF."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.contrib.auth import password_validation
from django.contrib.auth.password_validation import CommonPasswordValidator
from django.core import mail
from django.test import Client

from accounts.models import User
from tests.accounts.helpers import (
    figure,
    link_path,
    login,
    private_cache,  # noqa: F401 - a fixture, used by name
)
from tests.conftest import make_user

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_cache")]


def signup(client: Client, capture: Any, **data: str) -> Any:
    payload = {"email": "new@example.com", "name": "", "password": "a perfectly fine passphrase", **data}
    with capture(execute=True):
        return client.post("/signup", payload)


def test_it_creates_an_unverified_account_and_sends_the_link_that_signs_in(
    client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    response = signup(client, django_capture_on_commit_callbacks, email="  Ada@Example.COM ", name="Ada")
    assert response.status_code == 302
    assert response["Location"] == "/signup/sent"
    user = User.objects.get()
    assert user.email == "ada@example.com"
    assert user.name == "Ada"
    assert not user.is_verified
    sent = client.get("/signup/sent")
    assert "Check your inbox" in sent.content.decode()
    assert "ada@example.com" in sent.content.decode()
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["ada@example.com"]
    assert message.alternatives[0][1] == "text/html"  # type: ignore[attr-defined]
    # The link verifies and, in the browser that signed up, signs the new user in.
    verified = client.get(link_path(message, r"^/verify-email/"))
    assert verified.status_code == 302
    assert verified["Location"] == "/dashboard"
    assert client.get("/dashboard").context["user"] == user
    user.refresh_from_db()
    assert user.is_verified


def test_the_link_in_another_browser_verifies_without_signing_in(
    client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    signup(client, django_capture_on_commit_callbacks)
    other = Client()
    response = other.get(link_path(mail.outbox[0], r"^/verify-email/"))
    assert response.status_code == 200
    assert "E-mail verified" in response.content.decode()
    assert "_auth_user_id" not in other.session


def test_a_known_email_is_not_revealed_and_its_owner_is_told(
    owner: User, django_capture_on_commit_callbacks: Any
) -> None:
    known, new = Client(), Client()
    known_response = signup(known, django_capture_on_commit_callbacks, email="OWNER@example.com")
    new_response = signup(new, django_capture_on_commit_callbacks, email="fresh@example.com")
    assert (known_response.status_code, known_response["Location"]) == (302, "/signup/sent")
    assert (new_response.status_code, new_response["Location"]) == (302, "/signup/sent")

    def page(client: Client, email: str) -> str:
        body = client.get("/signup/sent").content.decode().replace(email, "X")
        return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", body)

    assert page(known, "owner@example.com") == page(new, "fresh@example.com")
    assert User.objects.filter(email="owner@example.com").count() == 1
    exists = [m for m in mail.outbox if m.to == ["owner@example.com"]]
    assert len(exists) == 1
    assert "already have" in exists[0].subject
    assert "/password-reset" in str(exists[0].body)
    # Asking again at once does not flood the owner's mailbox.
    signup(Client(), django_capture_on_commit_callbacks, email="owner@example.com")
    assert len([m for m in mail.outbox if m.to == ["owner@example.com"]]) == 1


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
