"""Admin for users and devices, and createsuperuser with the custom user model."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.test import Client

from accounts.models import Device, User
from tests.accounts.helpers import login
from tests.conftest import make_user, staff_login

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client_for(db: None) -> Client:
    admin = make_user("root@example.com", is_staff=True, is_superuser=True)
    client = Client()
    staff_login(client, admin)
    return client


def test_createsuperuser_works_with_the_email_login(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "a superuser passphrase")
    call_command("createsuperuser", interactive=False, email="Boss@Example.com", verbosity=0)
    boss = User.objects.get()
    assert boss.email == "boss@example.com"
    assert boss.is_superuser
    assert boss.is_staff
    assert boss.check_password("a superuser passphrase")


def test_it_finds_users_by_email_name_and_customer_id(admin_client_for: Client, owner: User) -> None:
    for query in ("owner@example", "Olive", str(owner.public_id)):
        body = admin_client_for.get("/admin/accounts/user/", {"q": query}).content.decode()
        assert "owner@example.com" in body, query
    assert (
        "owner@example.com"
        not in admin_client_for.get("/admin/accounts/user/", {"q": "nobody"}).content.decode()
    )


def test_it_shows_the_hash_summary_and_devices_read_only(admin_client_for: Client, owner: User) -> None:
    login(Client(HTTP_USER_AGENT="Firefox/127.0"), owner.email)
    body = admin_client_for.get(f"/admin/accounts/user/{owner.pk}/change/").content.decode()
    assert "algorithm" in body  # Django's usual hash summary, never the hash itself
    assert owner.password not in body
    assert "Firefox/127.0" in body
    assert Device.objects.get(user=owner).session_key not in body


def test_staff_cannot_set_a_password(admin_client_for: Client, owner: User) -> None:
    before = User.objects.get(pk=owner.pk).password
    response = admin_client_for.post(
        f"/admin/accounts/user/{owner.pk}/password/",
        {"password1": "chosen by staff 123", "password2": "chosen by staff 123"},
    )
    assert response.status_code == 403
    assert User.objects.get(pk=owner.pk).password == before


def test_it_adds_users_without_a_usable_password(admin_client_for: Client) -> None:
    response = admin_client_for.post("/admin/accounts/user/add/", {"email": "New@Example.com", "name": "N"})
    assert response.status_code == 302
    user = User.objects.get(email="new@example.com")
    assert not user.has_usable_password()


def test_it_refuses_the_admin_to_non_staff(client: Client, owner: User) -> None:
    client.force_login(owner)
    assert client.get("/admin/accounts/user/").status_code == 302
