"""Bad input to POST /customers/storage: 4xx in the one error shape, and nothing is written."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from accounts.services.api_keys import api_key_create

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_root(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path


@pytest.fixture
def owner_key(owner: Any) -> str:
    return api_key_create(user=owner, name="comfyui")[1]


def post_raw(client: Client, key: str, raw: bytes | str, content_type: str = "application/json") -> Any:
    return client.post("/customers/storage", data=raw, content_type=content_type, headers={"X-API-KEY": key})


def assert_refused(response: Any, status: int = 400) -> None:
    assert response.status_code == status
    body = response.json()
    assert set(body) >= {"error", "message", "code"}
    assert set(body["error"]) == {"type", "message"}


@pytest.mark.parametrize(
    "raw",
    [
        "{",
        '{"file_name": "a.png",}',
        '{"file_name": "a.png", "file_name": "b.png"}',
        '{"file_name": NaN}',
        "[]",
        '"a.png"',
        "",
        "\ufeff{}",
    ],
)
def test_it_refuses_malformed_json(client: Client, owner_key: str, raw: str, media_root: Path) -> None:
    assert_refused(post_raw(client, owner_key, raw))
    assert not any(media_root.rglob("*.png"))


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"file_name": None},
        {"file_name": 5},
        {"file_name": ["a.png"]},
        {"file_name": ""},
        {"file_name": "   "},
        {"file_name": "a.png", "content_type": 7},
        {"file_name": "a.png", "content_type": "not a type"},
        {"file_name": "a.png", "content_type": "image/png\r\nX-Injected: 1"},
        {"file_name": "a.png", "file_hash": 9},
        {"file_name": "a.png", "file_hash": "f" * 257},
        {"file_name": "a.png", "bucket": "other"},
        {"file_name": "a" * 256},
    ],
)
def test_it_refuses_invalid_fields(client: Client, owner_key: str, body: dict[str, Any]) -> None:
    import json

    assert_refused(post_raw(client, owner_key, json.dumps(body)))


@pytest.mark.parametrize(
    "file_name",
    [
        "../../etc/passwd",
        "..",
        ".",
        "a/b.png",
        "..\\..\\windows\\win.ini",
        "/abs.png",
        "x\x00y.png",
        "tab\tname",
    ],
)
def test_it_refuses_paths_in_file_names(
    client: Client, owner_key: str, file_name: str, media_root: Path
) -> None:
    import json

    assert_refused(post_raw(client, owner_key, json.dumps({"file_name": file_name})))
    assert not any(path.is_file() for path in media_root.rglob("*"))


def test_it_tolerates_file_hash_and_odd_but_plain_names(
    client: Client, owner_key: str, media_root: Path
) -> None:
    import json

    body = {"file_name": "..hidden ünïcode ☃.png", "content_type": "image/png", "file_hash": "abc"}
    slot = post_raw(client, owner_key, json.dumps(body)).json()
    assert slot["download_url"].endswith("/hidden_n_code_.png")
    upload = slot["upload_url"].removeprefix("http://127.0.0.1:8000")
    assert client.generic("PUT", upload, data=b"png", CONTENT_TYPE="image/png").status_code == 200
    [stored] = [path for path in (media_root / "media").rglob("*") if path.is_file()]
    assert stored.name == "hidden_n_code_.png"
    assert stored.resolve().is_relative_to((media_root / "media" / "uploads").resolve())


def test_it_refuses_a_non_json_content_type(client: Client, owner_key: str) -> None:
    assert_refused(post_raw(client, owner_key, "file_name=a.png", "application/x-www-form-urlencoded"), 415)


def test_it_refuses_an_oversize_json_body(client: Client, owner_key: str, settings: Any) -> None:
    import json

    raw = json.dumps({"file_name": "a.png", "file_hash": "f" * settings.DATA_UPLOAD_MAX_MEMORY_SIZE})
    assert_refused(post_raw(client, owner_key, raw), 413)


def test_it_checks_the_key_before_reading_the_body(client: Client) -> None:
    response = client.post("/customers/storage", data="{", content_type="application/json")
    assert_refused(response, 401)
