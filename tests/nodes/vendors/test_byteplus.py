"""ByteDance on BytePlus (nodes_bytedance.py, nodes_bytedance_llm.py), replayed through /proxy (sandbox).

- Seedream (ByteDanceImageNode, ByteDanceSeedreamNode, V2, layer separation): POST `byteplus/api/v3/images/
  generations` (sync) → `data[{url}]`; charged per image delivered, held at the most the request can return.
- Seedance 1.x (text / image / first-last-frame / reference images to video): POST `byteplus/api/v3/contents/
  generations/tasks` → `id`, poll GET `byteplus/…/tasks/{id}` (`queued`, `running`; `succeeded`, `failed`,
  `cancelled`) → `content.video_url`; held at the badge's top, charged on `usage.total_tokens`.
- Seedance 2.x: the same submit, polled at `byteplus-seedance2/…/tasks/{id}`; held at the most tokens the
  request can bill, charged on `usage.total_tokens`. Its image inputs go through the free `seedance` asset
  routes (virtual library, assets, verification sessions), as do ByteDanceCreateImageAsset / VideoAsset.
- Seed Audio: POST `byteplus/api/v3/tts/create` (sync) → base64 `audio`, charged on `duration`.
- Seed LLM: POST `byteplus/api/v3/responses` (sync), charged on `usage` tokens.
"""

from __future__ import annotations

import base64
import json
import math
import uuid
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client

from nodes.models import UsageRecord, UsageStatus
from nodes.sandbox.vendors.byteplus import SPEECH_SECONDS
from tests.nodes.conftest import fund_user
from tests.nodes.proxy_support import ComfyClient, available_micros
from tests.nodes.vendors.replay import (
    assert_charged,
    assert_mp4,
    assert_png,
    assert_wav,
    download,
    poll_until,
)

API = "/proxy/byteplus/api/v3"
TASKS = "api/v3/contents/generations/tasks"
SEEDANCE = "/proxy/seedance"
URL = "https://example.com/storage/upload.png"
DONE = {"succeeded", "failed", "cancelled"}


@pytest.fixture
def comfy(proxy_comfy: ComfyClient, owner: Any) -> ComfyClient:
    fund_user(owner, 100_000_000)
    return proxy_comfy


@pytest.fixture
def outsider_comfy(outsider: Any) -> ComfyClient:
    from accounts.services.api_keys import api_key_create

    fund_user(outsider, 10_000_000)
    _key, plaintext = api_key_create(user=outsider, name="other")
    return ComfyClient(Client(), plaintext)


def _status(body: Any) -> str:
    return str(body.get("status"))


def _tokens(width: int, height: int, seconds: int = 5) -> int:
    """What the sandbox reports: 24 fps of width x height pixels, 1,024 pixels a token."""
    return width * height * 24 * seconds // 1024


# --- Seedream -----------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ImageCase:
    node: str
    body: dict[str, Any]
    per_image: int
    held: int  # images held
    delivered: int


SEEDREAM4 = {"response_format": "url", "image": [], "seed": 0, "watermark": False}
IMAGES = [
    ImageCase(
        "ByteDanceImageNode",
        {
            "model": "seedream-3-0-t2i-250415",
            "prompt": "a red fox",
            "response_format": "url",
            "size": "1024x1024",
            "seed": 0,
            "guidance_scale": 2.5,
            "watermark": False,
        },
        30_000,
        1,
        1,
    ),
    ImageCase(
        "ByteDanceSeedreamNode",
        {
            **SEEDREAM4,
            "model": "seedream-4-5-251128",
            "prompt": "a story in four scenes",
            "size": "2048x2048",
            "sequential_image_generation": "auto",
            "sequential_image_generation_options": {"max_images": 4},
        },
        40_000,
        4,
        3,
    ),
    ImageCase(
        "ByteDanceSeedreamNodeV2",
        {
            **SEEDREAM4,
            "model": "seedream-5-0-pro-260628",
            "prompt": "a lighthouse",
            "size": "1024x1024",
            "optimize_prompt_options": {"thinking": "enabled"},
        },
        45_000,
        1,
        1,
    ),
    ImageCase(
        "ByteDanceSeedreamNodeV2 (lite)",
        {
            **SEEDREAM4,
            "model": "seedream-5-0-260128",
            "prompt": "a lighthouse",
            "size": "2048x2048",
            "sequential_image_generation": "disabled",
            "sequential_image_generation_options": {"max_images": 1},
            "optimize_prompt_options": {"thinking": "disabled"},
        },
        35_000,
        1,
        1,
    ),
    ImageCase(
        "ByteDanceSeedreamLayerSeparationNode",
        {
            "model": "seedream-5-0-pro-260628",
            "image": URL,
            "size": "2K",
            "seed": 0,
            "response_format": "url",
            "output_format": "png",
            "layer_decomposition": True,
            "watermark": False,
            "optimize_prompt_options": {"mode": "standard"},
        },
        64_000,
        17,
        3,
    ),
]


@pytest.mark.django_db
@pytest.mark.parametrize("case", IMAGES, ids=[case.node for case in IMAGES])
def test_each_image_node_is_charged_the_images_delivered(
    comfy: ComfyClient, owner: Any, case: ImageCase
) -> None:
    before = available_micros(owner)
    reply = comfy.post_json(f"{API}/images/generations", case.body, **{"Idempotency-Key": uuid.uuid4().hex})
    assert reply.status_code == 200, reply.content[:300]
    data = reply.json()["data"]
    assert len(data) == case.delivered
    usage = assert_charged(owner, before, case.delivered * case.per_image, status=UsageStatus.SUCCEEDED)
    assert usage.quoted_micros == case.held * case.per_image
    for item in data:
        assert_png(download(comfy, item["url"]))


@pytest.mark.django_db
@pytest.mark.parametrize("marker", ["[fail]", "[moderated]"])
def test_a_refused_image_charges_nothing(comfy: ComfyClient, owner: Any, marker: str) -> None:
    before = available_micros(owner)
    reply = comfy.post_json(f"{API}/images/generations", {**IMAGES[2].body, "prompt": f"{marker} x"})
    assert reply.status_code == 400
    assert available_micros(owner) == before


# --- Seedance -----------------------------------------------------------------------------------------------
def _seedance1(model: str, resolution: str, *images: tuple[str, str | None]) -> list[dict[str, Any]]:
    text = f"a cat --resolution {resolution} --ratio 16:9 --duration 5 --seed 0 --camerafixed false"
    content: list[dict[str, Any]] = [{"type": "text", "text": text + " --watermark false"}]
    for url, role in images:
        item: dict[str, Any] = {"type": "image_url", "image_url": {"url": url}}
        if role:
            item["role"] = role
        content.append(item)
    return content


@dataclass(frozen=True)
class VideoCase:
    node: str
    body: dict[str, Any]
    poll_vendor: str
    held: int
    tokens: int
    per_1k: int


def _seedance2(model: str, resolution: str, *extra: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return {
        "model": model,
        "content": [{"type": "text", "text": "a cat"}, *extra],
        "generate_audio": True,
        "resolution": resolution,
        "duration": 5,
        "seed": 0,
        "watermark": False,
        **fields,
    }


ASSET = {"type": "image_url", "image_url": {"url": "asset://asset-1"}, "role": "first_frame"}
VIDEO = {"type": "video_url", "video_url": {"url": "asset://asset-2"}, "role": "reference_video"}
VIDEOS = [
    VideoCase(
        "ByteDanceTextToVideoNode",
        {"model": "seedance-1-0-pro-250528", "content": _seedance1("seedance-1-0-pro-250528", "1080p")},
        "byteplus",
        5 * 122_000,
        _tokens(1920, 1080),
        2_500,
    ),
    VideoCase(
        "ByteDanceImageToVideoNode",
        {
            "model": "seedance-1-5-pro-251215",
            "content": _seedance1("seedance-1-5-pro-251215", "720p", (URL, None)),
            "generate_audio": True,
        },
        "byteplus",
        5 * 52_000,
        _tokens(1280, 720),
        2_400,
    ),
    VideoCase(
        "ByteDanceFirstLastFrameNode",
        {
            "model": "seedance-1-0-lite-i2v-250428",
            "content": _seedance1(
                "seedance-1-0-lite-i2v-250428", "480p", (URL, "first_frame"), (URL, "last_frame")
            ),
        },
        "byteplus",
        5 * 18_000,
        _tokens(848, 480),
        1_800,
    ),
    VideoCase(
        "ByteDanceImageReferenceNode",
        {
            "model": "seedance-1-0-pro-250528",
            "content": _seedance1("seedance-1-0-pro-250528", "720p", (URL, "reference_image")),
        },
        "byteplus",
        5 * 56_000,
        _tokens(1280, 720),
        2_500,
    ),
    VideoCase(
        "ByteDance2TextToVideoNode",
        _seedance2("dreamina-seedance-2-0-260128", "720p", ratio="16:9"),
        "byteplus-seedance2",
        108 * 7_000,  # 5 s x 21,600 tokens
        _tokens(1280, 720),
        7_000,
    ),
    VideoCase(
        "ByteDance2FirstLastFrameNode",
        _seedance2("dreamina-seedance-2-5-260628", "720p", ASSET, ratio="adaptive", output_format="mp4"),
        "byteplus-seedance2",
        math.ceil(math.floor(905.6719 * 121) / 1000) * 10_700,  # adaptive: the widest ratio's frames
        _tokens(1280, 720),
        10_700,
    ),
    VideoCase(
        "ByteDance2ReferenceNode",
        _seedance2("dreamina-seedance-2-0-fast-260128", "480p", VIDEO, ratio="adaptive"),
        "byteplus-seedance2",
        math.ceil(20 * 10_044 / 1000) * 3_300,  # 5 s out + up to 15 s of reference video
        _tokens(848, 480),
        3_300,
    ),
]


@pytest.mark.django_db
@pytest.mark.parametrize("case", VIDEOS, ids=[case.node for case in VIDEOS])
def test_each_video_node_is_charged_the_tokens_reported(
    comfy: ComfyClient, owner: Any, case: VideoCase
) -> None:
    before = available_micros(owner)
    reply = comfy.post_json(
        f"{API}/contents/generations/tasks", case.body, **{"Idempotency-Key": uuid.uuid4().hex}
    )
    assert reply.status_code == 200, reply.content[:300]
    task = reply.json()["id"]
    final = poll_until(comfy, f"/proxy/{case.poll_vendor}/{TASKS}/{task}", _status, DONE).json()
    assert final["status"] == "succeeded"
    assert final["usage"]["total_tokens"] == case.tokens
    charge = math.ceil(case.tokens * case.per_1k / 1000)
    usage = assert_charged(owner, before, charge, status=UsageStatus.SUCCEEDED)
    assert usage.quoted_micros == case.held
    assert_mp4(download(comfy, final["content"]["video_url"]))


@pytest.mark.django_db
@pytest.mark.parametrize("case", [VIDEOS[0], VIDEOS[4]], ids=["seedance-1", "seedance-2"])
@pytest.mark.parametrize("marker", ["[fail]", "[moderated]"])
def test_a_failed_task_charges_nothing(comfy: ComfyClient, owner: Any, case: VideoCase, marker: str) -> None:
    before = available_micros(owner)
    content = [{**case.body["content"][0], "text": f"{marker} " + case.body["content"][0]["text"]}]
    created = comfy.post_json(f"{API}/contents/generations/tasks", {**case.body, "content": content}).json()
    final = poll_until(comfy, f"/proxy/{case.poll_vendor}/{TASKS}/{created['id']}", _status, DONE).json()
    assert final["status"] == "failed"
    expected = UsageStatus.MODERATED if marker == "[moderated]" else UsageStatus.FAILED
    assert_charged(owner, before, 0, status=expected)


@pytest.mark.django_db
def test_a_seedance2_poll_finds_only_the_callers_own_task(
    comfy: ComfyClient, owner: Any, outsider_comfy: ComfyClient
) -> None:
    task = comfy.post_json(f"{API}/contents/generations/tasks", VIDEOS[4].body).json()["id"]
    assert outsider_comfy.get(f"/proxy/byteplus-seedance2/{TASKS}/{task}").status_code == 404
    assert comfy.get(f"/proxy/byteplus-seedance2/{TASKS}/{task}").status_code == 200


@pytest.mark.django_db
def test_seedance2_submits_at_its_own_name_take_only_seedance2_models(comfy: ComfyClient) -> None:
    path = f"/proxy/byteplus-seedance2/{TASKS}"
    assert comfy.post_json(path, VIDEOS[0].body).status_code == 422
    task = comfy.post_json(path, VIDEOS[4].body).json()["id"]
    final = poll_until(comfy, f"{path}/{task}", _status, DONE).json()
    assert final["status"] == "succeeded"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "body",
    [
        {**VIDEOS[4].body, "resolution": "4k", "model": "dreamina-seedance-2-0-mini"},
        {**VIDEOS[4].body, "duration": 16},
        {**VIDEOS[0].body, "content": _seedance1("seedance-1-0-pro-250528", "2k")},
        {**VIDEOS[0].body, "model": "seedance-9"},
        {**VIDEOS[0].body, "content": []},
    ],
    ids=["resolution", "duration", "flag", "model", "empty"],
)
def test_bad_video_requests_are_refused_before_anything_is_reserved(
    comfy: ComfyClient, owner: Any, body: dict[str, Any]
) -> None:
    before = available_micros(owner)
    reply = comfy.post_json(f"{API}/contents/generations/tasks", body)
    assert reply.status_code in (400, 422), reply.content[:300]
    assert available_micros(owner) == before


# --- Assets (free) ------------------------------------------------------------------------------------------
def _asset_status(body: Any) -> str:
    return str(body.get("status"))


@pytest.mark.django_db
@pytest.mark.parametrize("kind", ["Image", "Video"])
def test_creating_an_asset_after_face_verification_is_free(comfy: ComfyClient, owner: Any, kind: str) -> None:
    """ByteDanceCreateImageAsset / VideoAsset with no group: verify, create, wait for Active."""
    before = available_micros(owner)
    session = comfy.post_json(f"{SEEDANCE}/visual-validate/sessions", {})
    assert session.status_code == 200, session.content[:300]
    assert session.json()["h5_link"].startswith("http")
    done = poll_until(
        comfy,
        f"{SEEDANCE}/visual-validate/sessions/{session.json()['session_id']}",
        _asset_status,
        {"completed", "failed"},
    ).json()
    body = {"group_id": done["group_id"], "url": URL, "asset_type": kind}
    asset = comfy.post_json(f"{SEEDANCE}/assets", body).json()["asset_id"]
    final = poll_until(comfy, f"{SEEDANCE}/assets/{asset}", _asset_status, {"Active", "Failed"}).json()
    assert (final["status"], final["asset_type"], final["group_id"]) == ("Active", kind, done["group_id"])
    assert available_micros(owner) == before
    assert not UsageRecord.objects.filter(user=owner).exists()


@pytest.mark.django_db
def test_the_virtual_library_takes_a_frame_for_seedance2(comfy: ComfyClient, owner: Any) -> None:
    before = available_micros(owner)
    created = comfy.post_json(f"{SEEDANCE}/virtual-library/assets", {"url": URL, "hash": "ab" * 32})
    asset = created.json()["asset_id"]
    final = poll_until(comfy, f"{SEEDANCE}/assets/{asset}", _asset_status, {"Active", "Failed"}).json()
    assert final["status"] == "Active"
    failed = comfy.post_json(f"{SEEDANCE}/virtual-library/assets", {"url": URL + "?[fail]", "hash": "cd"})
    final = poll_until(
        comfy, f"{SEEDANCE}/assets/{failed.json()['asset_id']}", _asset_status, {"Active", "Failed"}
    ).json()
    assert final["status"] == "Failed"
    assert available_micros(owner) == before


# --- Seed Audio and Seed LLM --------------------------------------------------------------------------------
SPEECH = {
    "model": "seed-audio-1.0-multilingual",
    "text_prompt": 'A calm narrator: "Hello there."',
    "references": [{"speaker": "en_male_tim_uranus_bigtts"}],
    "audio_config": {
        "format": "mp3",
        "sample_rate": 24000,
        "speech_rate": 0,
        "loudness_rate": 0,
        "pitch_rate": 0,
    },
    "watermark": {},
}


@pytest.mark.django_db
def test_seed_audio_is_charged_the_seconds_spoken(comfy: ComfyClient, owner: Any) -> None:
    before = available_micros(owner)
    reply = comfy.post_json(f"{API}/tts/create", SPEECH, **{"Idempotency-Key": uuid.uuid4().hex})
    assert reply.status_code == 200, reply.content[:300]
    usage = assert_charged(owner, before, math.ceil(SPEECH_SECONDS) * 2_500, status=UsageStatus.SUCCEEDED)
    assert usage.quoted_micros == 120 * 2_500
    assert_wav(base64.b64decode(reply.json()["audio"]))


@pytest.mark.django_db
def test_refused_speech_charges_nothing(comfy: ComfyClient, owner: Any) -> None:
    before = available_micros(owner)
    reply = comfy.post_json(f"{API}/tts/create", {**SPEECH, "text_prompt": "[fail] hi"})
    assert reply.status_code == 400
    assert available_micros(owner) == before


LLM = {
    "model": "seed-2-0-pro-260328",
    "input": [
        {
            "type": "message",
            "role": "user",
            "content": [
                {"type": "input_image", "image_url": URL, "detail": "auto"},
                {"type": "input_text", "text": "Describe this picture."},
            ],
        }
    ],
    "instructions": "Be brief.",
    "temperature": 1.0,
    "store": False,
    "stream": False,
}


@pytest.mark.django_db
def test_the_seed_llm_is_charged_the_usage_tokens(comfy: ComfyClient, owner: Any) -> None:
    before = available_micros(owner)
    reply = comfy.post_json(f"{API}/responses", LLM, **{"Idempotency-Key": uuid.uuid4().hex})
    assert reply.status_code == 200, reply.content[:300]
    body = reply.json()
    assert body["output"][0]["content"][0]["text"]
    usage = body["usage"]
    charge = math.ceil((usage["input_tokens"] * 500 + usage["output_tokens"] * 3_000) / 1000)
    record = assert_charged(owner, before, charge, status=UsageStatus.SUCCEEDED)
    held_in = math.ceil((len(_raw(LLM)) + 16_384) / 1000)
    assert record.quoted_micros == held_in * 500 + 132 * 3_000  # 131,072 output tokens, in started 1Ks


def _raw(body: dict[str, Any]) -> bytes:
    return json.dumps(body).encode()


@pytest.mark.django_db
def test_a_refused_llm_call_charges_nothing(comfy: ComfyClient, owner: Any) -> None:
    before = available_micros(owner)
    content = [{"type": "input_text", "text": "[moderated] hi"}]
    reply = comfy.post_json(f"{API}/responses", {**LLM, "input": [{**LLM["input"][0], "content": content}]})
    assert reply.status_code == 400
    assert available_micros(owner) == before
