"""`manage.py create_api_key EMAIL [--name NAME] [--create-user]`."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from accounts.models import ApiKey, User
from accounts.services.api_keys import api_key_digest, api_key_is_well_formed

pytestmark = pytest.mark.django_db


def _run(*args: str) -> str:
    out, err = io.StringIO(), io.StringIO()
    call_command("create_api_key", *args, stdout=out, stderr=err)
    return out.getvalue().strip()


def test_it_prints_a_working_key_once_for_an_existing_user(owner: Any) -> None:
    plaintext = _run("Owner@Example.com", "--name", "render box")
    assert api_key_is_well_formed(plaintext)
    key = ApiKey.objects.get(user=owner)
    assert (key.name, key.digest) == ("render box", api_key_digest(plaintext))
    assert Client(headers={"X-API-KEY": plaintext}).get("/customers/api-keys").status_code == 200


def test_it_refuses_an_unknown_email_without_create_user(db: None) -> None:
    with pytest.raises(CommandError, match="--create-user"):
        _run("nobody@example.com")
    assert User.objects.count() == 0


def test_it_creates_a_verified_user_with_an_unusable_password(db: None) -> None:
    plaintext = _run("new@example.com", "--create-user")
    user = User.objects.get(email="new@example.com")
    assert user.is_verified
    assert not user.has_usable_password()
    assert ApiKey.objects.get(user=user).digest == api_key_digest(plaintext)


def test_it_reports_the_key_limit_as_a_command_error(owner: Any) -> None:
    for _ in range(25):
        _run("owner@example.com")
    with pytest.raises(CommandError, match="25"):
        _run("owner@example.com")


def test_it_refuses_unverified_users(owner: Any) -> None:
    User.objects.filter(pk=owner.pk).update(email_verified_at=None)
    with pytest.raises(CommandError, match="e-mail"):
        _run("owner@example.com")
    assert ApiKey.objects.count() == 0
