"""POST /customers/storage (comfy-contract.md §5.1): a signed single-use PUT capability and a credential-free,
expiring download URL, stored through Django's storage API."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.test import Client

from accounts.services.api_keys import api_key_create, api_key_revoke

pytestmark = pytest.mark.django_db
PNG = b"\x89PNG\r\n\x1a\n" + b"pixels" * 100


@pytest.fixture(autouse=True)
def media_root(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = str(tmp_path)
    return tmp_path


@pytest.fixture
def owner_key(owner: Any) -> str:
    return api_key_create(user=owner, name="comfyui")[1]


def create(client: Client, key: str | None, body: Any) -> Any:
    headers = {"X-API-KEY": key} if key else {}
    return client.post("/customers/storage", data=body, content_type="application/json", headers=headers)


def local(url: str) -> str:
    prefix = "http://127.0.0.1:8000"
    assert url.startswith(prefix + "/")
    return url.removeprefix(prefix)


def put(client: Client, url: str, data: bytes, content_type: str | None = None) -> Any:
    """A bare PUT, as ComfyUI sends it: no credentials, the declared Content-Type or none at all."""
    extra = {"CONTENT_TYPE": content_type} if content_type else {}
    return client.generic("PUT", local(url), data=data, **extra)


def stored_files(root: Path) -> list[Path]:
    return [path for path in root.rglob("*") if path.is_file()]


def test_it_answers_the_contract_shape(client: Client, owner_key: str, owner: Any) -> None:
    response = create(client, owner_key, {"file_name": "3f2c.png", "content_type": "image/png"})
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"upload_url", "download_url", "expires_at"}
    assert body["upload_url"].startswith("http://127.0.0.1:8000/storage/upload/")
    assert body["download_url"].startswith("http://127.0.0.1:8000/storage/files/")
    assert body["download_url"].endswith("/3f2c.png")
    expires_at = datetime.fromisoformat(body["expires_at"])
    assert expires_at - datetime.now(tz=UTC) > timedelta(hours=1)


def test_it_stores_a_put_with_the_declared_type_and_serves_it_without_credentials(
    client: Client, owner_key: str, media_root: Path, owner: Any
) -> None:
    slot = create(client, owner_key, {"file_name": "in.png", "content_type": "image/png"}).json()
    assert put(client, slot["upload_url"], PNG, "image/png").status_code == 200
    download = Client().get(local(slot["download_url"]))
    assert download.status_code == 200
    assert download["Content-Type"] == "image/png"
    assert b"".join(download.streaming_content) == PNG
    [stored] = stored_files(media_root)
    assert stored.relative_to(media_root).parts[:2] == ("uploads", owner.public_id.hex)


def test_it_accepts_a_put_without_content_type(client: Client, owner_key: str) -> None:
    slot = create(client, owner_key, {"file_name": "clip.mp4"}).json()
    assert put(client, slot["upload_url"], b"video-bytes").status_code == 200
    download = Client().get(local(slot["download_url"]))
    assert download["Content-Type"] == "video/mp4"  # guessed from the name when none was declared
    assert b"".join(download.streaming_content) == b"video-bytes"


def test_it_accepts_a_declared_type_with_parameters(client: Client, owner_key: str) -> None:
    slot = create(client, owner_key, {"file_name": "a.wav", "content_type": "audio/wav"}).json()
    assert put(client, slot["upload_url"], b"RIFF", "audio/wav; codecs=1").status_code == 200


def test_it_refuses_a_put_with_another_content_type(client: Client, owner_key: str, media_root: Path) -> None:
    slot = create(client, owner_key, {"file_name": "in.png", "content_type": "image/png"}).json()
    response = put(client, slot["upload_url"], b"<html>", "text/html")
    assert response.status_code == 400
    assert response.json()["error"]["type"] == "invalid_request"
    assert stored_files(media_root) == []


def test_it_answers_404_before_the_upload(client: Client, owner_key: str) -> None:
    slot = create(client, owner_key, {"file_name": "in.png"}).json()
    response = Client().get(local(slot["download_url"]))
    assert response.status_code == 404
    assert response.json()["code"] == "NOT_FOUND"


def test_it_refuses_a_second_put(client: Client, owner_key: str, media_root: Path) -> None:
    slot = create(client, owner_key, {"file_name": "in.png", "content_type": "image/png"}).json()
    assert put(client, slot["upload_url"], PNG, "image/png").status_code == 200
    second = put(client, slot["upload_url"], b"replacement", "image/png")
    assert second.status_code == 409
    assert second.json()["error"]["type"] == "already_uploaded"
    assert b"".join(Client().get(local(slot["download_url"])).streaming_content) == PNG
    assert len(stored_files(media_root)) == 1


def test_it_refuses_oversize_uploads_and_stores_nothing(
    client: Client, owner_key: str, media_root: Path, settings: Any
) -> None:
    settings.UPLOAD_MAX_BYTES = 1000
    slot = create(client, owner_key, {"file_name": "big.bin"}).json()
    response = put(client, slot["upload_url"], b"x" * 1001)
    assert response.status_code == 413
    assert response.json()["error"]["type"] == "payload_too_large"
    assert stored_files(media_root) == []
    assert Client().get(local(slot["download_url"])).status_code == 404
    # The slot was not used up: a body within the limit still goes through.
    assert put(client, slot["upload_url"], b"x" * 1000).status_code == 200


def test_it_reads_no_more_than_the_declared_content_length(
    client: Client, owner_key: str, media_root: Path, settings: Any
) -> None:
    """A body longer than its Content-Length is cut at the declared length, never read past the limit."""
    settings.UPLOAD_MAX_BYTES = 1000
    slot = create(client, owner_key, {"file_name": "big.bin"}).json()
    response = client.generic("PUT", local(slot["upload_url"]), data=b"y" * 5000, CONTENT_LENGTH="10")
    assert response.status_code == 200
    assert [path.stat().st_size for path in stored_files(media_root)] == [10]


def test_it_streams_bodies_larger_than_the_json_limit(client: Client, owner_key: str, settings: Any) -> None:
    """DATA_UPLOAD_MAX_MEMORY_SIZE guards request.body; the upload never reads request.body."""
    body = b"z" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE * 2)
    slot = create(client, owner_key, {"file_name": "large.bin"}).json()
    assert put(client, slot["upload_url"], body).status_code == 200
    download = Client().get(local(slot["download_url"]))
    assert download["Content-Type"] == "application/octet-stream"
    assert len(b"".join(download.streaming_content)) == len(body)


@pytest.mark.parametrize(
    ("content_type", "inline"), [("text/html", False), ("image/svg+xml", False), ("image/jpeg", True)]
)
def test_it_never_serves_uploads_as_pages(
    client: Client, owner_key: str, content_type: str, inline: bool
) -> None:
    slot = create(client, owner_key, {"file_name": "page.html", "content_type": content_type}).json()
    put(client, slot["upload_url"], b"<script>alert(1)</script>", content_type)
    response = Client().get(local(slot["download_url"]))
    assert response["Content-Type"] == (content_type if inline else "application/octet-stream")
    assert response["Content-Disposition"].startswith("inline" if inline else "attachment")
    assert response["Content-Security-Policy"].startswith("sandbox")


def test_it_answers_404_for_altered_tokens(client: Client, owner_key: str, media_root: Path) -> None:
    slot = create(client, owner_key, {"file_name": "in.png"}).json()
    upload_token = slot["upload_url"].rsplit("/", 1)[1]
    forged = slot["upload_url"].replace(
        upload_token, upload_token[:-2] + ("AA" if upload_token[-2:] != "AA" else "BB")
    )
    assert put(client, forged, PNG).status_code == 404
    assert stored_files(media_root) == []
    put(client, slot["upload_url"], PNG)
    download_token = slot["download_url"].split("/")[-2]
    altered = slot["download_url"].replace(
        download_token, download_token[:-1] + ("x" if download_token[-1] != "x" else "y")
    )
    assert Client().get(local(altered)).status_code == 404


def test_it_does_not_accept_a_download_token_as_an_upload_token(client: Client, owner_key: str) -> None:
    slot = create(client, owner_key, {"file_name": "in.png"}).json()
    download_token = slot["download_url"].split("/")[-2]
    assert client.generic("PUT", f"/storage/upload/{download_token}", data=b"x").status_code == 404


def test_it_expires_upload_and_download_links(client: Client, owner_key: str, settings: Any) -> None:
    start = datetime(2026, 5, 1, tzinfo=UTC)
    with time_machine.travel(start, tick=False) as traveller:
        late = create(client, owner_key, {"file_name": "late.png"}).json()
        used = create(client, owner_key, {"file_name": "used.png"}).json()
        assert put(client, used["upload_url"], PNG).status_code == 200
        traveller.shift(settings.UPLOAD_URL_TTL_SECONDS + 1)
        assert put(client, late["upload_url"], PNG).status_code == 404
        assert Client().get(local(used["download_url"])).status_code == 200
        traveller.shift(settings.DOWNLOAD_URL_TTL_SECONDS)
        assert Client().get(local(used["download_url"])).status_code == 404


def test_it_refuses_other_methods(client: Client, owner_key: str) -> None:
    slot = create(client, owner_key, {"file_name": "in.png"}).json()
    assert client.post(local(slot["upload_url"]), data=b"x", content_type="image/png").status_code == 405
    assert client.get("/customers/storage", headers={"X-API-KEY": owner_key}).status_code == 405


# --- who may ask ----------------------------------------------------------------------------------------


def test_it_refuses_a_request_without_a_key(client: Client, media_root: Path) -> None:
    response = create(client, None, {"file_name": "in.png"})
    assert response.status_code == 401
    assert response.json()["code"] == "UNAUTHORIZED"


def test_it_refuses_an_unknown_or_revoked_key(client: Client, owner: Any, outsider: Any) -> None:
    key, plaintext = api_key_create(user=outsider, name="old")
    api_key_revoke(user=outsider, key_public_id=key.public_id)
    assert create(client, plaintext, {"file_name": "in.png"}).status_code == 401
    assert create(client, "comfyui-" + "a" * 64, {"file_name": "in.png"}).status_code == 401


def test_it_refuses_a_foreign_bearer_token(client: Client) -> None:
    response = client.post(
        "/customers/storage",
        data={"file_name": "in.png"},
        content_type="application/json",
        headers={"Authorization": "Bearer eyJhbGciOiJSUzI1NiJ9.e30.sig"},
    )
    assert response.status_code == 401


def test_it_keeps_each_owners_uploads_under_their_own_prefix(
    client: Client, owner_key: str, outsider: Any, media_root: Path
) -> None:
    outsider_key = api_key_create(user=outsider, name="k")[1]
    for key in (owner_key, outsider_key):
        slot = create(client, key, {"file_name": "same.png"}).json()
        put(client, slot["upload_url"], PNG)
    owners = {path.relative_to(media_root).parts[1] for path in stored_files(media_root)}
    assert owners == {outsider.public_id.hex, api_key_owner_hex(owner_key)}


def api_key_owner_hex(plaintext: str) -> str:
    from accounts.selectors import api_key_find_live

    key = api_key_find_live(plaintext=plaintext)
    assert key is not None
    return str(key.user.public_id.hex)
