"""The browser Keys page at /keys: list, create with show-once, revoke with confirmation."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from accounts.models import ApiKey, User
from accounts.services.api_keys import api_key_create

pytestmark = pytest.mark.django_db
KEY_RE = re.compile(r"comfyui-[A-Za-z0-9]{64}")


def _browser(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_it_sends_anonymous_visitors_to_sign_in(db: None) -> None:
    response = Client().get("/keys")
    assert response.status_code == 302
    assert response["Location"].startswith("/login")


def test_it_shows_the_new_key_once_with_a_copy_button_and_instructions(owner: Any) -> None:
    client = _browser(owner)
    created = client.post("/keys", {"name": "Studio PC", "description": "desk", "expires_in_days": "30"})
    assert created.status_code == 302
    assert created["Location"] == "/keys/new"  # POST/redirect/GET
    assert KEY_RE.search(created["Location"]) is None
    response = client.get("/keys/new")
    assert response.status_code == 200
    html = response.content.decode()
    plaintexts = set(KEY_RE.findall(html))
    assert len(plaintexts) == 1
    assert "no-store" in response["Cache-Control"]
    assert "js/keys.js" in html
    assert "js-copy" in html
    assert "--comfy-api-base" in html
    key = ApiKey.objects.get(user=owner)
    assert key.expires_at is not None
    listing = client.get("/keys").content.decode()
    assert KEY_RE.search(listing) is None
    assert "Studio PC" in listing
    assert f"comfyui-{key.prefix[:4]}…" in listing


def test_it_lists_status_of_each_key(owner: Any) -> None:
    from django.utils import timezone

    api_key_create(user=owner, name="active one")
    revoked, _ = api_key_create(user=owner, name="revoked one")
    ApiKey.objects.filter(pk=revoked.pk).update(revoked_at=timezone.now())
    html = _browser(owner).get("/keys").content.decode()
    assert "active one" in html
    assert "revoked one" in html
    assert ">revoked<" in html
    assert ">active<" in html


def test_it_explains_why_unverified_users_cannot_create_keys(owner: Any) -> None:
    User.objects.filter(pk=owner.pk).update(email_verified_at=None)
    client = _browser(owner)
    page = client.get("/keys").content.decode()
    assert "confirmed e-mail address" in page
    response = client.post("/keys", {"name": "sneaky"})
    assert response.status_code == 400
    assert ApiKey.objects.count() == 0


def test_it_revokes_after_confirmation(owner: Any) -> None:
    key, plaintext = api_key_create(user=owner, name="to go")
    client = _browser(owner)
    confirm = client.get(f"/keys/{key.public_id}/revoke")
    assert confirm.status_code == 200
    assert "Revoke" in confirm.content.decode()
    key.refresh_from_db()
    assert key.revoked_at is None  # looking at the confirmation changes nothing
    response = client.post(f"/keys/{key.public_id}/revoke")
    assert response.status_code == 302
    key.refresh_from_db()
    assert key.revoked_at is not None
    assert Client(headers={"X-API-KEY": plaintext}).get("/customers/api-keys").status_code == 401


def test_it_refuses_an_outsider_revoking_or_seeing_someone_elses_key(owner: Any, outsider: Any) -> None:
    key, _ = api_key_create(user=owner, name="owner's secret project")
    client = _browser(outsider)
    assert client.get(f"/keys/{key.public_id}/revoke").status_code == 404
    assert client.post(f"/keys/{key.public_id}/revoke").status_code == 404
    assert "owner's secret project" not in client.get("/keys").content.decode()
    key.refresh_from_db()
    assert key.revoked_at is None


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"name": ""},
        {"name": "x" * 101},
        {"name": "ok", "description": "d" * 501},
        {"name": "ok", "expires_in_days": "9999"},
    ],
)
def test_it_refuses_bad_form_input_and_writes_nothing(owner: Any, data: dict[str, str]) -> None:
    response = _browser(owner).post("/keys", data)
    assert response.status_code == 400
    assert ApiKey.objects.count() == 0


def test_it_refuses_a_form_post_without_csrf(owner: Any) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(owner)
    assert client.post("/keys", {"name": "x"}).status_code == 403
    assert ApiKey.objects.count() == 0


def test_reloading_the_new_key_page_creates_nothing_and_shows_it_no_more(owner: Any) -> None:
    client = _browser(owner)
    client.post("/keys", {"name": "Studio PC"})
    first = client.get("/keys/new").content.decode()
    assert len(set(KEY_RE.findall(first))) == 1
    again = client.get("/keys/new", follow=True)  # what the browser's reload does after the redirect
    assert again.redirect_chain == [("/keys", 302)]
    assert KEY_RE.search(again.content.decode()) is None
    assert "shown only once" in again.content.decode()
    assert ApiKey.objects.filter(user=owner).count() == 1
    assert "accounts:new-api-key" not in client.session


def test_the_create_form_comes_before_the_list(owner: Any) -> None:
    for index in range(5):
        api_key_create(user=owner, name=f"key {index}")
    html = _browser(owner).get("/keys").content.decode()
    assert html.index("Create key") < html.index("key 0")


def test_another_users_new_key_is_never_shown(owner: Any, outsider: Any) -> None:
    key, plaintext = api_key_create(user=owner, name="theirs")
    client = _browser(outsider)
    session = client.session
    session["accounts:new-api-key"] = {"id": str(key.public_id), "plaintext": plaintext}
    session.save()
    assert plaintext not in client.get("/keys/new", follow=True).content.decode()
