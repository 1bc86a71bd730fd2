"""Password reset by e-mail: no enumeration, one-time link, ends every session, lifts a lockout."""

from __future__ import annotations

import pytest
from django.core import mail
from django.test import Client

from accounts.models import Device, User
from tests.accounts.helpers import (
    PASSWORD,
    link_path,
    login,
    private_cache,  # noqa: F401 - a fixture, used by name
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_cache")]

NEW = "a brand new passphrase"


def reset(client: Client, email: str) -> str:
    """Ask for a reset and follow the link to the form; returns the form's URL."""
    client.post("/password-reset", {"email": email})
    page = client.get(link_path(mail.outbox[-1], r"^/password-reset/"), follow=True)
    assert page.context["validlink"]
    return str(page.redirect_chain[-1][0])


def test_it_answers_the_same_for_known_and_unknown_addresses(client: Client, owner: User) -> None:
    known = client.post("/password-reset", {"email": owner.email}, follow=True)
    unknown = client.post("/password-reset", {"email": "nobody@example.com"}, follow=True)
    assert known.redirect_chain == unknown.redirect_chain == [("/password-reset/sent", 302)]
    assert known.content == unknown.content
    assert [m.to for m in mail.outbox] == [[owner.email]]


def test_it_sets_the_new_password_and_the_link_works_once(client: Client, owner: User) -> None:
    form_url = reset(client, "OWNER@example.com")
    done = client.post(form_url, {"new_password1": NEW, "new_password2": NEW})
    assert done["Location"] == "/password-reset/done"
    assert login(Client(), owner.email, PASSWORD).status_code == 200
    assert login(Client(), owner.email, NEW).status_code == 302
    again = Client().get(link_path(mail.outbox[-1], r"^/password-reset/"), follow=True)
    assert not again.context["validlink"]


def test_it_applies_the_password_policy(client: Client, owner: User) -> None:
    form_url = reset(client, owner.email)
    response = client.post(form_url, {"new_password1": "short", "new_password2": "short"})
    assert response.status_code == 200
    assert "too short" in response.content.decode()
    assert login(Client(), owner.email, PASSWORD).status_code == 302


def test_it_signs_out_every_device(client: Client, owner: User) -> None:
    laptop = Client()
    login(laptop, owner.email)
    assert laptop.get("/dashboard").status_code == 200
    client.post(reset(client, owner.email), {"new_password1": NEW, "new_password2": NEW})
    assert laptop.get("/dashboard").status_code == 302
    assert not Device.objects.filter(user=owner, revoked_at__isnull=True).exists()


def test_it_shows_a_friendly_page_for_a_bad_link(client: Client, owner: User) -> None:
    response = client.get("/password-reset/MQ/bad-token", follow=True)
    assert response.status_code == 200
    assert "This link doesn" in response.content.decode()


def test_it_needs_a_csrf_token(owner: User) -> None:
    client = Client(enforce_csrf_checks=True)
    assert client.post("/password-reset", {"email": owner.email}).status_code == 403
    assert mail.outbox == []


def test_it_sends_at_most_one_email_a_minute_per_address(client: Client, owner: User) -> None:
    first = client.post("/password-reset", {"email": owner.email})
    second = client.post("/password-reset", {"email": "Owner@Example.com"})
    assert first["Location"] == second["Location"] == "/password-reset/sent"
    assert len(mail.outbox) == 1
