"""The sandbox checks vendor keys like a vendor, knows only its routes, and its ids and file links cannot be
forged, altered or used after they expire."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote, unquote

import pytest
import time_machine
from django.test import Client

from nodes.sandbox.vendors import VENDORS, sandbox_key
from tests.nodes.sandbox_support import call, fetch

# One work-starting route per vendor, with a body it accepts.
SUBMITS: dict[str, tuple[str, dict[str, Any]]] = {
    "bfl": ("v1/flux-pro-1.1-ultra", {"prompt": "p"}),
    "kling": ("v1/videos/text2video", {"prompt": "p"}),
    "luma": ("dream-machine/v1/generations", {"prompt": "p"}),
    "minimax": ("v1/video_generation", {"model": "T2V-01", "prompt": "p"}),
    "pixverse": ("openapi/v2/video/text/generate", {"prompt": "p"}),
    "recraft": ("v1/images/generations", {"prompt": "p"}),
    "stability": ("v2beta/stable-image/generate/ultra", {"prompt": "p"}),
    "veo": ("v1/projects/p/locations/l/publishers/google/models/veo-2.0-generate-001:predictLongRunning", {}),
    "ideogram": ("generate", {"image_request": {"prompt": "p"}}),
    "openai": ("v1/images/generations", {"prompt": "p"}),
    "pika": ("generate/2.2/t2v", {"promptText": "p"}),
    "beeble": (
        "v1/switchx/generations",
        {"generation_type": "image", "source_uri": "u", "alpha_mode": "auto"},
    ),
    "synclabs": ("v2/generate", {"model": "sync-3", "input": []}),
    "heygen": ("v3/videos", {"type": "avatar", "script": "p"}),
    "topaz": ("video/", {"source": {}, "filters": [{"model": "slf-1"}]}),
    "hitpaw": ("api/photo-enhancer", {"img_url": "https://example.com/a.png", "model_name": "generative"}),
    "xai": ("v1/videos/generations", {"model": "grok-imagine-video", "prompt": "p", "duration": 6}),
    "freepik": ("v1/ai/image-relight", {"image": "https://example.com/a.png", "style": "standard"}),
    "wavespeed": ("api/v3/wavespeed-ai/flashvsr", {"target_resolution": "720p", "video": "u", "duration": 5}),
    "bria": ("v2/image/edit/remove_background", {"image": "https://example.com/a.png"}),
    "reve": ("v1/image/create", {"prompt": "p", "version": "reve-create@20250915"}),
    "krea": ("generate/image/krea/krea-2/medium", {"prompt": "p", "aspect_ratio": "1:1", "resolution": "1K"}),
    "quiver": ("v1/svgs/generations", {"model": "arrow-preview", "prompt": "p"}),
    "byteplus": (
        "api/v3/contents/generations/tasks",
        {"model": "m", "content": [{"type": "text", "text": "p"}]},
    ),
    "runway": ("v1/text_to_image", {"promptText": "p", "model": "gen4_image"}),
    "anthropic": ("v1/messages", {"model": "claude-haiku-4-5-20251001", "max_tokens": 16, "messages": []}),
    "vidu": ("ent/v2/text2video", {"model": "viduq3-turbo", "prompt": "p", "duration": 5}),
    "wan": (
        "api/v1/services/aigc/text2image/image-synthesis",
        {"model": "wan2.5-t2i-preview", "input": {"prompt": "p"}},
    ),
    "tripo": ("v2/openapi/task", {"type": "text_to_model", "prompt": "p"}),
    "rodin": ("api/v2/rodin", {"tier": "Gen-2.5-High", "prompt": "p"}),
    "meshy": ("openapi/v2/text-to-3d", {"mode": "preview", "prompt": "p"}),
    "tencent": ("hunyuan/3d-pro", {"Prompt": "p", "GenerateType": "Normal"}),
    "elevenlabs": ("v1/sound-generation", {"text": "p", "duration_seconds": 1}),
    "sonilo": ("t2m/generate", {"prompt": "p", "duration": 1}),
    "gemini": (
        "v1/projects/p/locations/global/publishers/google/models/gemini-3.5-flash:generateContent",
        {},
    ),
    "gemini_interactions": ("v1beta/interactions", {"model": "gemini-omni-flash-preview", "input": []}),
    "openrouter": ("api/v1/chat/completions", {"model": "x-ai/grok-4.3", "messages": []}),
    "ltx": ("v1/text-to-video", {"prompt": "p", "model": "ltx-2-fast", "duration": 6}),
}


def test_it_covers_every_vendor() -> None:
    assert set(SUBMITS) == set(VENDORS)


@pytest.mark.parametrize("vendor", SUBMITS)
def test_it_refuses_a_missing_key_in_the_vendors_own_error_style(client: Client, vendor: str) -> None:
    path, body = SUBMITS[vendor]
    response = call(client, vendor, "POST", path, json=body, key=False)
    assert response.status_code == 401
    assert response["X-Comfyweb-Sandbox"] == "1"
    assert response.json().keys() == VENDORS[vendor].error(401, "x", "y").keys()


@pytest.mark.parametrize("vendor", SUBMITS)
def test_it_refuses_another_vendors_key(client: Client, vendor: str) -> None:
    path, body = SUBMITS[vendor]
    spec = VENDORS[vendor]
    other = "kling" if vendor != "kling" else "luma"
    headers = {spec.key_header: spec.key_prefix + sandbox_key(other)}
    response = client.post(
        f"/sandbox/{vendor}/{path}", data=body, content_type="application/json", headers=headers
    )
    assert response.status_code == 401


def test_it_refuses_a_bearer_key_without_its_prefix(client: Client) -> None:
    headers = {"Authorization": sandbox_key("openai")}
    response = client.post(
        "/sandbox/openai/v1/images/generations",
        data={"prompt": "p"},
        content_type="application/json",
        headers=headers,
    )
    assert response.status_code == 401


@pytest.mark.parametrize(
    "path",
    [
        "/sandbox/bfl/v1/flux-unknown",
        "/sandbox/bfl/v1/flux-pro-1.1-ultra/extra",
        "/sandbox/bfl/v1/../../admin/",
        "/sandbox/nobody/v1/anything",
        "/sandbox/openai/images/generations",
        "/sandbox/kling/v1/videos/text2video/a/b",
    ],
)
def test_it_answers_404_for_unknown_paths(client: Client, path: str) -> None:
    response = client.post(path, data={}, content_type="application/json", headers={"x-key": "sandbox-bfl"})
    assert response.status_code == 404
    assert response.json()["error"]["type"] in {"unknown_route", "not_found"}
    if path.startswith("/sandbox/nobody/"):
        assert response["X-Comfyweb-Sandbox"] == "1"


def test_it_answers_405_for_a_wrong_method(client: Client) -> None:
    response = call(client, "bfl", "GET", "v1/flux-pro-1.1-ultra")
    assert response.status_code == 405
    assert response["Allow"] == "POST"


@pytest.mark.parametrize("vendor", ["bfl", "kling", "luma", "openai"])
def test_it_answers_malformed_json_with_the_vendors_400(client: Client, vendor: str) -> None:
    path, _ = SUBMITS[vendor]
    spec = VENDORS[vendor]
    headers = {spec.key_header: spec.key_prefix + sandbox_key(vendor)}
    response = client.post(
        f"/sandbox/{vendor}/{path}", data='{"prompt": ', content_type="application/json", headers=headers
    )
    assert response.status_code == 400
    assert response.json().keys() == spec.error(400, "x", "y").keys()


# --- job ids ------------------------------------------------------------------------------------------


def _tampered(token: str) -> str:
    body, signature = token.rsplit(".", 1)
    return f"{body}.{'A' if signature[0] != 'A' else 'B'}{signature[1:]}"


@pytest.mark.parametrize("mangle", [_tampered, lambda token: token[:-1], lambda _token: "not-a-job"])
def test_it_answers_404_for_altered_job_ids(client: Client, mangle: Any) -> None:
    url = call(client, "bfl", "POST", "v1/flux-pro-1.1-ultra", json={"prompt": "p"}).json()["polling_url"]
    job_id = url.split("id=", 1)[1]
    response = call(client, "bfl", "GET", f"v1/get_result?id={quote(mangle(unquote(job_id)), safe='')}")
    assert response.status_code == 404
    assert response.json()["status"] == "Task not found"


def test_it_refuses_a_job_id_from_another_vendor(client: Client) -> None:
    task = call(client, "kling", "POST", "v1/videos/text2video", json={"prompt": "p"}).json()["data"][
        "task_id"
    ]
    assert call(client, "pika", "GET", f"videos/{task}").status_code == 404
    assert call(client, "luma", "GET", f"dream-machine/v1/generations/{task}").status_code == 404


@pytest.mark.parametrize("delta", [1, -1, 1 << 20])
def test_it_refuses_altered_integer_ids(client: Client, delta: int) -> None:
    body = {"prompt": "p"}
    video = call(client, "pixverse", "POST", "openapi/v2/video/text/generate", json=body).json()["Resp"][
        "video_id"
    ]
    assert call(client, "pixverse", "GET", f"openapi/v2/video/result/{video}").status_code == 200
    assert call(client, "pixverse", "GET", f"openapi/v2/video/result/{video + delta}").status_code == 404


FULL_WIDTH_DIGITS = "\uff11\uff12\uff13"


@pytest.mark.parametrize("value", ["abc", "-5", "0", "99999999999999999999999", FULL_WIDTH_DIGITS])
def test_it_refuses_malformed_integer_ids(client: Client, value: str) -> None:
    assert call(client, "pixverse", "GET", f"openapi/v2/video/result/{quote(value)}").status_code == 404


def test_it_forgets_jobs_after_a_week(client: Client) -> None:
    start = datetime(2026, 5, 1, tzinfo=UTC)
    with time_machine.travel(start, tick=False) as traveller:
        task = call(client, "kling", "POST", "v1/images/generations", json={"prompt": "p"}).json()["data"][
            "task_id"
        ]
        traveller.shift(timedelta(days=6))
        assert call(client, "kling", "GET", f"v1/images/generations/{task}").status_code == 200
        traveller.shift(timedelta(days=2))
        assert call(client, "kling", "GET", f"v1/images/generations/{task}").status_code == 404


# --- result files -------------------------------------------------------------------------------------


def _sample_url(client: Client) -> str:
    url = call(client, "bfl", "POST", "v1/flux-2-pro", json={"prompt": "p"}).json()["polling_url"]
    return str(call(client, "bfl", "GET", url).json()["result"]["sample"])


def test_it_serves_result_files_without_credentials(client: Client) -> None:
    response = fetch(Client(), _sample_url(client))
    assert response.status_code == 200
    assert response["X-Comfyweb-Sandbox"] == "1"


def test_it_answers_404_for_an_altered_file_link(client: Client) -> None:
    url = _sample_url(client)
    token = url.rsplit("/", 1)[1].removesuffix(".png")
    assert fetch(client, url.replace(token, _tampered(token))).status_code == 404
    assert fetch(client, url.removesuffix(".png") + ".mp4").status_code == 404
    assert fetch(client, url.removesuffix(".png") + ".exe").status_code == 404


def test_it_expires_file_links_after_their_ttl(client: Client, settings: Any) -> None:
    start = datetime(2026, 5, 1, tzinfo=UTC)
    with time_machine.travel(start, tick=False) as traveller:
        url = _sample_url(client)
        traveller.shift(settings.SANDBOX_FILE_TTL_SECONDS - 60)
        assert fetch(client, url).status_code == 200
        traveller.shift(120)
        response = fetch(client, url)
        assert response.status_code == 404
        assert response.json()["code"] == "NOT_FOUND"


def test_it_refuses_to_write_to_file_links(client: Client) -> None:
    assert client.post(_sample_url(client).removeprefix("http://127.0.0.1:8000")).status_code == 405
