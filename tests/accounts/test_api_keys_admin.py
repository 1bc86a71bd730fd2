"""Admin for API keys (metadata only, a revoke action) and authorized origins (quality.md A-15)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from accounts.models import ApiKey, AuthorizedOrigin
from accounts.services.api_keys import api_key_create
from tests.conftest import make_user, staff_login

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(db: None) -> Client:
    client = Client()
    staff_login(client, make_user("admin@example.com", is_staff=True, is_superuser=True))
    return client


def test_it_shows_key_metadata_but_never_the_digest_or_plaintext(admin_client: Client, owner: Any) -> None:
    key, plaintext = api_key_create(user=owner, name="render box")
    pages = [
        admin_client.get("/admin/accounts/apikey/"),
        admin_client.get(f"/admin/accounts/apikey/{key.pk}/change/"),
    ]
    for page in pages:
        assert page.status_code == 200
        html = page.content.decode()
        assert "render box" in html
        assert key.digest not in html
        assert plaintext[8:] not in html
        assert plaintext[20:40] not in html


def test_it_offers_no_way_to_add_or_edit_keys(admin_client: Client) -> None:
    assert admin_client.get("/admin/accounts/apikey/add/").status_code == 403


def test_it_revokes_selected_keys_with_the_admin_action(admin_client: Client, owner: Any) -> None:
    first, _ = api_key_create(user=owner, name="one")
    second, _ = api_key_create(user=owner, name="two")
    response = admin_client.post(
        "/admin/accounts/apikey/", {"action": "revoke_keys", "_selected_action": [first.pk]}
    )
    assert response.status_code == 302
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.revoked_at is not None
    assert second.revoked_at is None


def test_it_refuses_staff_without_permissions(owner: Any) -> None:
    client = Client()
    staff_login(client, make_user("plainstaff@example.com", is_staff=True))
    api_key_create(user=owner, name="x")
    assert client.get("/admin/accounts/apikey/").status_code == 403


def test_it_adds_an_authorized_origin_and_refuses_a_sloppy_one(admin_client: Client) -> None:
    bad = admin_client.post("/admin/accounts/authorizedorigin/add/", {"origin": "https://comfy.example.com/"})
    assert bad.status_code == 200  # the form again, with the error
    assert AuthorizedOrigin.objects.count() == 0
    good = admin_client.post(
        "/admin/accounts/authorizedorigin/add/", {"origin": "https://comfy.example.com", "note": "studio"}
    )
    assert good.status_code == 302
    origin = AuthorizedOrigin.objects.get()
    assert origin.origin == "https://comfy.example.com"
    assert origin.created_by is not None
    assert origin.created_by.email == "admin@example.com"
    assert ApiKey.objects.count() == 0


def test_it_lets_only_staff_with_the_change_permission_revoke(owner: Any) -> None:
    from django.contrib.auth.models import Permission

    viewer = make_user("viewer@example.com", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_apikey"))
    client = Client()
    staff_login(client, viewer)
    key, _ = api_key_create(user=owner, name="x")
    assert client.get("/admin/accounts/apikey/").status_code == 200
    client.post("/admin/accounts/apikey/", {"action": "revoke_keys", "_selected_action": [key.pk]})
    key.refresh_from_db()
    assert key.revoked_at is None
