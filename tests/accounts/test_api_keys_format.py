"""Key format, storage and show-once (quality.md A-05, A1-A3)."""

from __future__ import annotations

import hashlib
import io
import re
from datetime import timedelta
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from accounts.models import ApiKey
from accounts.services import api_keys as api_keys_module
from accounts.services.api_keys import api_key_create, api_key_is_well_formed
from comfyweb.errors import ApiError
from tests.conftest import make_user

KEY_FORMAT = re.compile(r"comfyui-[A-Za-z0-9]{64}")


@pytest.mark.django_db
def test_it_issues_comfyui_prefix_plus_64_header_safe_characters(owner: Any) -> None:
    _key, plaintext = api_key_create(user=owner, name="Studio PC")
    assert len(plaintext) == 72
    assert KEY_FORMAT.fullmatch(plaintext)
    assert api_key_is_well_formed(plaintext)


@pytest.mark.django_db
def test_it_stores_a_plain_sha256_digest_and_a_lookup_prefix(owner: Any) -> None:
    key, plaintext = api_key_create(user=owner, name="Studio PC")
    key.refresh_from_db()
    assert key.digest == hashlib.sha256(plaintext.encode()).hexdigest()
    assert key.prefix == plaintext[8:20]
    assert plaintext not in {key.digest, key.prefix, key.name, key.description}


def test_it_draws_the_key_from_the_secrets_module(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []

    def fake_choice(alphabet: str) -> str:
        calls.append(alphabet)
        return "Z"

    monkeypatch.setattr(api_keys_module.secrets, "choice", fake_choice)
    assert api_keys_module.api_key_generate() == "comfyui-" + "Z" * 64
    assert len(calls) == 64
    assert len(set(calls[0])) == 62  # 64 * log2(62) = about 381 bits


def _every_table_as_text() -> str:
    """Every row of every table, not only the models dumpdata knows about."""
    parts: list[str] = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608 - table names from introspection
            parts.extend(repr(row) for row in cursor.fetchall())
    return "\n".join(parts)


@pytest.mark.django_db
def test_it_never_stores_the_plaintext_of_100_keys(owner: Any, teammate: Any) -> None:
    plaintexts = [api_key_create(user=owner, name=f"k{n}")[1] for n in range(20)]
    for batch in range(4):
        user = make_user(f"bulk{batch}@example.com")
        plaintexts += [api_key_create(user=user, name=f"k{n}")[1] for n in range(20)]
    assert len(set(plaintexts)) == 100
    dump = io.StringIO()
    call_command("dumpdata", "accounts", stdout=dump)
    text = dump.getvalue() + _every_table_as_text()
    assert "comfyui-" not in text  # not even a whole key's framing
    assert sum(plaintext in text or plaintext[8:] in text for plaintext in plaintexts) == 0


@pytest.mark.django_db
def test_it_requires_a_verified_email(owner: Any) -> None:
    owner.email_verified_at = None
    owner.save()
    with pytest.raises(ApiError) as caught:
        api_key_create(user=owner, name="x")
    assert caught.value.status == 403
    assert "Confirm your e-mail" in caught.value.message
    assert ApiKey.objects.count() == 0


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "description"),
    [
        ("", ""),
        ("   ", ""),
        ("x" * 101, ""),
        ("ok", "d" * 501),
        ("bad\x00name", ""),
        ("ok", "line\x1bescape"),
    ],
)
def test_it_rejects_bad_names_and_descriptions(owner: Any, name: str, description: str) -> None:
    with pytest.raises(ApiError) as caught:
        api_key_create(user=owner, name=name, description=description)
    assert caught.value.status == 400
    assert ApiKey.objects.count() == 0


@pytest.mark.django_db
def test_it_accepts_the_longest_name_and_description(owner: Any) -> None:
    key, _ = api_key_create(user=owner, name="n" * 100, description="d" * 500)
    assert (len(key.name), len(key.description)) == (100, 500)


@pytest.mark.django_db
def test_it_rejects_an_expiry_in_the_past(owner: Any) -> None:
    with pytest.raises(ApiError):
        api_key_create(user=owner, name="x", expires_at=timezone.now() - timedelta(seconds=1))
    assert ApiKey.objects.count() == 0


@pytest.mark.django_db
def test_it_allows_at_most_25_live_keys_per_user(owner: Any, teammate: Any) -> None:
    for n in range(25):
        api_key_create(user=owner, name=f"k{n}")
    with pytest.raises(ApiError) as caught:
        api_key_create(user=owner, name="one too many")
    assert caught.value.status == 409
    assert ApiKey.objects.filter(user=owner).count() == 25
    api_key_create(user=teammate, name="another user is not affected")


@pytest.mark.django_db
def test_it_does_not_count_revoked_or_expired_keys_against_the_limit(owner: Any) -> None:
    keys = [api_key_create(user=owner, name=f"k{n}")[0] for n in range(25)]
    ApiKey.objects.filter(pk=keys[0].pk).update(revoked_at=timezone.now())
    ApiKey.objects.filter(pk=keys[1].pk).update(expires_at=timezone.now())
    api_key_create(user=owner, name="replacement 1")
    api_key_create(user=owner, name="replacement 2")
    with pytest.raises(ApiError):
        api_key_create(user=owner, name="replacement 3")
