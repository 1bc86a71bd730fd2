"""Every seed-vendor route, sync and async, driven through the sandbox by a ComfyUI-like client.

Each case: the call succeeds with the vendor's native body, the poll vocabulary is the vendor's, the
result downloads without credentials, and the wallet is charged exactly the priced amount, once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from billing.models import CustomerEvent, Hold
from nodes.models import ProxyJob, UsageRecord, UsageStatus
from tests.nodes.proxy_support import DONE, FAILED, ComfyClient, available_micros

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00\x90wS\xde"
    b"\x00\x00\x00\x0cIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82"
)


def png(name: str = "image.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PNG, content_type="image/png")


def mp4(name: str = "video.mp4") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 16, content_type="video/mp4")


@dataclass
class Case:
    id: str
    path: str
    flow: (
        str  # sync | bfl | kling | kling_turbo | luma | luma_2 | minimax | pixverse | stability | veo | pika
    )
    quote: int
    json: Any = None
    multipart: dict[str, Any] | None = None
    form: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


CASES = [
    # BFL (submit → signed polling URL)
    Case(
        "bfl-ultra",
        "/proxy/bfl/flux-pro-1.1-ultra/generate",
        "bfl",
        60_000,
        json={"prompt": "flux test", "aspect_ratio": "16:9", "safety_tolerance": 6, "output_format": "png"},
    ),
    Case("bfl-kontext-max", "/proxy/bfl/flux-kontext-max/generate", "bfl", 80_000, json={"prompt": "k"}),
    Case(
        "bfl-expand",
        "/proxy/bfl/flux-pro-1.0-expand/generate",
        "bfl",
        50_000,
        json={"prompt": "e", "image": "aGk="},
    ),
    Case(
        "bfl-fill",
        "/proxy/bfl/flux-pro-1.0-fill/generate",
        "bfl",
        50_000,
        json={"prompt": "f", "image": "aGk="},
    ),
    Case(
        "bfl-flux2-pro",
        "/proxy/bfl/flux-2-pro/generate",
        "bfl",
        30_000,
        json={"prompt": "two", "width": 1024, "height": 1024},
    ),
    Case(
        "bfl-flux2-max",
        "/proxy/bfl/flux-2-max/generate",
        "bfl",
        70_000,
        json={"prompt": "two", "width": 1000, "height": 1000},
    ),
    Case("bfl-pro-legacy", "/proxy/bfl/flux-pro-1.1/generate", "bfl", 40_000, json={"prompt": "legacy"}),
    Case("bfl-canny", "/proxy/bfl/flux-pro-1.0-canny/generate", "bfl", 50_000, json={"prompt": "c"}),
    Case("bfl-depth", "/proxy/bfl/flux-pro-1.0-depth/generate", "bfl", 50_000, json={"prompt": "d"}),
    Case("bfl-kontext-pro", "/proxy/bfl/flux-kontext-pro/generate", "bfl", 40_000, json={"prompt": "kp"}),
    Case(
        "bfl-erase",
        "/proxy/bfl/v1/flux-tools/erase-v1",
        "bfl",
        60_000,
        json={"image": "aGk=", "mask": "aGk="},
    ),
    Case(
        "bfl-vto", "/proxy/bfl/v1/flux-tools/vto-v1", "bfl", 75_000, json={"image": "aGk=", "garment": "aGk="}
    ),
    # Kling (submit → GET <path>/{task_id})
    Case(
        "kling-t2v",
        "/proxy/kling/v1/videos/text2video",
        "kling",
        980_000,
        json={"prompt": "k", "model_name": "kling-v1-6", "mode": "pro", "duration": "10"},
    ),
    Case(
        "kling-i2v",
        "/proxy/kling/v1/videos/image2video",
        "kling",
        280_000,
        json={"prompt": "k", "model_name": "kling-v2-1", "image": "aGk=", "duration": "5"},
    ),
    Case("kling-extend", "/proxy/kling/v1/videos/video-extend", "kling", 280_000, json={"video_id": "v1"}),
    Case(
        "kling-lipsync",
        "/proxy/kling/v1/videos/lip-sync",
        "kling",
        140_000,
        json={"input": {"video_id": "v1", "mode": "text2video", "text": "hi"}},
    ),
    Case(
        "kling-effects",
        "/proxy/kling/v1/videos/effects",
        "kling",
        140_000,
        json={"effect_scene": "hug", "input": {"duration": "5", "images": ["aGk=", "aGk="]}},
    ),
    Case(
        "kling-omni-4k",
        "/proxy/kling/v1/videos/omni-video",
        "kling",
        2_100_000,  # $0.42/s x 5 s
        json={"prompt": "o", "model_name": "kling-v3-omni", "mode": "4k", "duration": "5", "sound": "on"},
    ),
    Case(
        "kling-omni",
        "/proxy/kling/v1/videos/omni-video",
        "kling",
        560_000,
        json={"prompt": "o", "mode": "pro", "duration": "5"},
    ),
    Case("kling-motion", "/proxy/kling/v1/videos/motion-control", "kling", 2_100_000, json={"prompt": "m"}),
    Case(
        "kling-avatar",
        "/proxy/kling/v1/videos/avatar/image2video",
        "kling",
        16_800_000,  # 300 s of sound at $0.056/s
        json={"image": "aGk=", "sound_file": "aGk="},
    ),
    Case(
        "kling-images",
        "/proxy/kling/v1/images/generations",
        "kling",
        14_000,
        json={"prompt": "k", "model_name": "kling-v1", "n": 4},
    ),
    Case(
        "kling-tryon",
        "/proxy/kling/v1/images/kolors-virtual-try-on",
        "kling",
        70_000,
        json={"human_image": "aGk=", "cloth_image": "aGk="},
    ),
    Case(
        "kling-omni-image", "/proxy/kling/v1/images/omni-image", "kling", 56_000, json={"prompt": "o", "n": 2}
    ),
    Case(
        "kling-turbo-t2v",
        "/proxy/kling/text-to-video/kling-3.0-turbo",
        "kling_turbo",
        560_000,
        json={"prompt": "t", "settings": {"duration": 5}},
    ),
    Case(
        "kling-turbo-i2v",
        "/proxy/kling/image-to-video/kling-3.0-turbo",
        "kling_turbo",
        1_400_000,
        json={"prompt": "t", "settings": {"duration": 10, "resolution": "1080p"}, "image": "aGk="},
    ),
    # Luma
    Case(
        "luma-image",
        "/proxy/luma/generations/image",
        "luma",
        7_300,
        json={"prompt": "luma", "model": "photon-1", "aspect_ratio": "16:9"},
    ),
    Case(
        "luma-video",
        "/proxy/luma/generations",
        "luma",
        710_000,
        json={"prompt": "luma", "model": "ray-2", "resolution": "720p", "duration": "5s"},
    ),
    Case("luma2", "/proxy/luma_2/generations", "luma_2", 40_400, json={"prompt": "luma2", "type": "image"}),
    # MiniMax (submit → query → files/retrieve)
    Case(
        "minimax-hailuo",
        "/proxy/minimax/video_generation",
        "minimax",
        560_000,
        json={"model": "MiniMax-Hailuo-02", "prompt": "m", "duration": 10, "resolution": "768P"},
    ),
    Case(
        "minimax-t2v",
        "/proxy/minimax/video_generation",
        "minimax",
        430_000,
        json={"model": "T2V-01", "prompt": "m"},
    ),
    # PixVerse
    Case(
        "pixverse-text",
        "/proxy/pixverse/video/text/generate",
        "pixverse",
        600_000,
        json={
            "prompt": "p",
            "quality": "720p",
            "duration": 5,
            "motion_mode": "normal",
            "model": "v4.5",
            "aspect_ratio": "16:9",
        },
    ),
    Case(
        "pixverse-img",
        "/proxy/pixverse/video/img/generate",
        "pixverse",
        900_000,
        json={"prompt": "p", "img_id": 1, "quality": "540p", "duration": 8},
    ),
    Case(
        "pixverse-transition",
        "/proxy/pixverse/video/transition/generate",
        "pixverse",
        450_000,
        json={"prompt": "p", "first_frame_img": 1, "last_frame_img": 2, "quality": "360p", "duration": 5},
    ),
    # Recraft (sync, settles on `credits`)
    Case(
        "recraft-generate",
        "/proxy/recraft/image_generation",
        "sync",
        80_000,
        json={
            "prompt": "recraft test",
            "size": "1024x1024",
            "n": 2,
            "model": "recraftv3",
            "style": "realistic_image",
        },
    ),
    Case(
        "recraft-i2i",
        "/proxy/recraft/images/imageToImage",
        "sync",
        40_000,
        multipart={"image": png(), "prompt": "r", "strength": "0.5", "n": "1"},
    ),
    Case(
        "recraft-inpaint",
        "/proxy/recraft/images/inpaint",
        "sync",
        80_000,
        multipart={"image": png(), "mask": png("mask.png"), "prompt": "r", "n": "2"},
    ),
    Case(
        "recraft-replace-bg",
        "/proxy/recraft/images/replaceBackground",
        "sync",
        40_000,
        multipart={"image": png(), "prompt": "r"},
    ),
    Case("recraft-vectorize", "/proxy/recraft/images/vectorize", "sync", 10_000, multipart={"image": png()}),
    Case(
        "recraft-remove-bg",
        "/proxy/recraft/images/removeBackground",
        "sync",
        10_000,
        multipart={"image": png()},
    ),
    Case("recraft-crisp", "/proxy/recraft/images/crispUpscale", "sync", 4_000, multipart={"image": png()}),
    Case(
        "recraft-creative",
        "/proxy/recraft/images/creativeUpscale",
        "sync",
        250_000,
        multipart={"image": png()},
    ),
    Case(
        "recraft-v41-flash",
        "/proxy/recraft/image_generation",
        "sync",
        21_000,  # $0.007 x 3
        json={"prompt": "r", "size": "1024x1024", "n": 3, "model": "recraftv4_1_flash"},
    ),
    # A custom style is charged ($0.04, RecraftCreateStyleNode's badge); it was forwarded free.
    Case(
        "recraft-styles",
        "/proxy/recraft/styles",
        "sync",
        40_000,
        multipart={"style": "digital_illustration", "file1": png()},
    ),
    # Stability (multipart sync; creative upscale submit → results)
    Case(
        "stability-ultra",
        "/proxy/stability/v2beta/stable-image/generate/ultra",
        "sync",
        80_000,
        multipart={"prompt": "s", "output_format": "png"},
    ),
    Case(
        "stability-sd3",
        "/proxy/stability/v2beta/stable-image/generate/sd3",
        "sync",
        35_000,
        multipart={"prompt": "s", "model": "sd3.5-medium"},
    ),
    Case(
        "stability-conservative",
        "/proxy/stability/v2beta/stable-image/upscale/conservative",
        "sync",
        250_000,
        multipart={"image": png(), "prompt": "s"},
    ),
    Case(
        "stability-fast",
        "/proxy/stability/v2beta/stable-image/upscale/fast",
        "sync",
        10_000,
        multipart={"image": png()},
    ),
    Case(
        "stability-creative",
        "/proxy/stability/v2beta/stable-image/upscale/creative",
        "stability",
        250_000,
        multipart={"image": png(), "prompt": "s"},
    ),
    Case(
        "stability-t2a",
        "/proxy/stability/v2beta/audio/stable-audio-2/text-to-audio",
        "sync",
        200_000,
        multipart={"prompt": "a", "duration": "10"},
    ),
    Case(
        "stability-a2a",
        "/proxy/stability/v2beta/audio/stable-audio-2/audio-to-audio",
        "sync",
        200_000,
        multipart={"prompt": "a", "audio": SimpleUploadedFile("a.wav", b"RIFF", content_type="audio/wav")},
    ),
    Case(
        "stability-inpaint",
        "/proxy/stability/v2beta/audio/stable-audio-2/inpaint",
        "sync",
        200_000,
        multipart={"prompt": "a", "audio": SimpleUploadedFile("a.wav", b"RIFF", content_type="audio/wav")},
    ),
    # Veo (submit → POST poll)
    Case(
        "veo-3",
        "/proxy/veo/veo-3.0-generate-001/generate",
        "veo",
        6_400_000,
        json={
            "instances": [{"prompt": "veo"}],
            "parameters": {"durationSeconds": 8, "sampleCount": 2, "generateAudio": True},
        },
    ),
    Case(
        "veo-2",
        "/proxy/veo/veo-2.0-generate-001/generate",
        "veo",
        2_500_000,
        json={"instances": [{"prompt": "veo"}], "parameters": {"durationSeconds": 5}},
    ),
    Case(
        "veo-31-4k",
        "/proxy/veo/veo-3.1-generate-001/generate",
        "veo",
        2_400_000,  # $0.60/s at 4K with audio x 4 s
        json={"instances": [{"prompt": "veo"}], "parameters": {"durationSeconds": 4, "resolution": "4k"}},
    ),
    Case(
        "veo-31-fast-silent",
        "/proxy/veo/veo-3.1-fast-generate-001/generate",
        "veo",
        640_000,  # the 0.30.0 badge: $0.08/s at 720p without audio
        json={"instances": [{"prompt": "veo"}], "parameters": {"durationSeconds": 8, "generateAudio": False}},
    ),
    # The Ideogram routes answer synchronously.
    Case(
        "ideogram-v2",
        "/proxy/ideogram/generate",
        "sync",
        240_000,
        json={"image_request": {"model": "V_2", "num_images": 3, "prompt": "ideogram test", "seed": 1}},
    ),
    Case(
        "ideogram-v1",
        "/proxy/ideogram/generate",
        "sync",
        60_000,
        json={"image_request": {"model": "V_1", "num_images": 1, "prompt": "ideogram test", "seed": 1}},
    ),
    Case(
        "ideogram-v3",
        "/proxy/ideogram/ideogram-v3/generate",
        "sync",
        180_000,
        multipart={"prompt": "i3", "rendering_speed": "QUALITY", "num_images": "2", "aspect_ratio": "16x9"},
    ),
    Case(
        "ideogram-v3-edit",
        "/proxy/ideogram/ideogram-v3/edit",
        "sync",
        30_000,
        multipart={"prompt": "i3", "rendering_speed": "TURBO", "image": png(), "mask": png("mask.png")},
    ),
    Case("ideogram-v4", "/proxy/ideogram/ideogram-v4/generate", "sync", 60_000, json={"prompt": "i4"}),
    # OpenAI images (sync; GPT-Image settles on `usage`)
    Case(
        "dalle3",
        "/proxy/openai/images/generations",
        "sync",
        120_000,
        json={
            "model": "dall-e-3",
            "prompt": "a red square",
            "quality": "hd",
            "size": "1792x1024",
            "style": "natural",
        },
    ),
    Case(
        "dalle2-n8",
        "/proxy/openai/images/generations",
        "sync",
        144_000,
        json={"model": "dall-e-2", "prompt": "eight", "n": 8, "size": "512x512"},
    ),
    Case(
        "gpt-image",
        "/proxy/openai/images/generations",
        "sync",
        187_000,
        json={
            "background": "opaque",
            "model": "gpt-image-1",
            "n": 1,
            "prompt": "gpt image test",
            "quality": "high",
            "size": "1024x1024",
        },
    ),
    Case(
        "dalle2-edit",
        "/proxy/openai/images/edits",
        "sync",
        40_000,
        multipart={"image": png(), "model": "dall-e-2", "prompt": "edit", "n": "2", "size": "1024x1024"},
    ),
    Case(
        "gpt-image-edit-batch",
        "/proxy/openai/images/edits",
        "sync",
        206_000,
        multipart={
            "image[]": [png("a.png"), png("b.png")],
            "model": "gpt-image-1",
            "prompt": "edit",
            "quality": "medium",
            "size": "1024x1536",
            "n": "2",
        },
    ),
    # The Pika routes take form-encoded and multipart bodies.
    Case(
        "pika-t2v",
        "/proxy/pika/generate/2.2/t2v",
        "pika",
        200_000,
        form="promptText=pika+test&resolution=720p&duration=5&aspectRatio=1.7777",
    ),
    Case(
        "pika-i2v",
        "/proxy/pika/generate/2.2/i2v",
        "pika",
        1_000_000,
        multipart={"image": png(), "promptText": "p", "resolution": "1080p", "duration": "10"},
    ),
    Case(
        "pika-frames",
        "/proxy/pika/generate/2.2/pikaframes",
        "pika",
        250_000,
        multipart={
            "keyFrames": [png("a.png"), png("b.png")],
            "promptText": "p",
            "resolution": "720p",
            "duration": "10",
        },
    ),
    Case(
        "pika-scenes",
        "/proxy/pika/generate/2.2/pikascenes",
        "pika",
        500_000,
        multipart={"images": [png("a.png"), png("b.png")], "promptText": "p", "duration": "5"},
    ),
    Case(
        "pika-additions",
        "/proxy/pika/generate/pikadditions",
        "pika",
        300_000,
        multipart={"video": mp4(), "image": png(), "promptText": "p"},
    ),
    Case(
        "pika-swaps",
        "/proxy/pika/generate/pikaswaps",
        "pika",
        300_000,
        multipart={"video": mp4(), "image": png(), "promptText": "p"},
    ),
    Case(
        "pika-affects",
        "/proxy/pika/generate/pikaffects",
        "pika",
        450_000,
        multipart={"image": png(), "pikaffect": "Cake-ify"},
    ),
]


def send(comfy: ComfyClient, case: Case) -> Any:
    if case.form is not None:
        return comfy.post_form(case.path, case.form)
    if case.multipart is not None:
        for value in case.multipart.values():
            for item in value if isinstance(value, list) else [value]:
                if hasattr(item, "seek"):
                    item.seek(0)
        return comfy.post_multipart(case.path, case.multipart)
    return comfy.post_json(case.path, case.json)


def _status(case: Case, body: dict[str, Any]) -> Any:
    """The status value the ComfyUI node reads for this vendor."""
    flows = {
        "bfl": lambda b: b["status"],
        "kling": lambda b: b["data"]["task_status"],
        "kling_turbo": lambda b: b["data"][0]["status"],
        "luma": lambda b: b["state"],
        "luma_2": lambda b: b["state"],
        "minimax": lambda b: b["status"],
        "pixverse": lambda b: b["Resp"]["status"],
        "pika": lambda b: b["status"],
    }
    return flows[case.flow](body)


def _poll_once(comfy: ComfyClient, case: Case, submitted: dict[str, Any]) -> Any:
    model = case.path.split("/")[3]
    requests = {
        "bfl": lambda: comfy.get_absolute(submitted["polling_url"]),
        "kling": lambda: comfy.get(f"{case.path}/{submitted['data']['task_id']}"),
        "kling_turbo": lambda: comfy.get(f"/proxy/kling/tasks?task_ids={submitted['data']['id']}"),
        "luma": lambda: comfy.get(f"/proxy/luma/generations/{submitted['id']}"),
        "luma_2": lambda: comfy.get(f"/proxy/luma_2/generations/{submitted['id']}"),
        "minimax": lambda: comfy.get(f"/proxy/minimax/query/video_generation?task_id={submitted['task_id']}"),
        "pixverse": lambda: comfy.get(f"/proxy/pixverse/video/result/{submitted['Resp']['video_id']}"),
        "stability": lambda: comfy.get(f"/proxy/stability/v2beta/results/{submitted['id']}"),
        "veo": lambda: comfy.post_json(f"/proxy/veo/{model}/poll", {"operationName": submitted["name"]}),
        "pika": lambda: comfy.get(f"/proxy/pika/videos/{submitted['video_id']}"),
    }
    return requests[case.flow]()


def _terminal(case: Case, body: dict[str, Any]) -> bool:
    """Terminal the way each ComfyUI node decides it (synthesised for Stability and Veo)."""
    if case.flow == "stability":
        return "finish_reason" in body
    if case.flow == "veo":
        return bool(body.get("done"))
    if case.flow == "pixverse":
        return body["Resp"]["status"] in (1, 6, 7, 8)
    if case.flow == "bfl":
        return bool(body["status"] != "Pending")
    return str(_status(case, body)).lower() in DONE | FAILED


def poll(comfy: ComfyClient, case: Case, submitted: dict[str, Any]) -> Any:
    """Poll as the ComfyUI node does, until a terminal status; return the terminal reply."""
    for _ in range(20):
        reply = _poll_once(comfy, case, submitted)
        assert reply.status_code in (200, 202), reply.content[:300]
        if _terminal(case, reply.json()):
            return reply
    raise AssertionError("the job never reached a terminal status")


def expected_charge(case: Case, replies: list[dict[str, Any]]) -> int:
    """The quote, or the vendor-reported cost where the vendor reports one (never above the quote)."""
    first = replies[0]
    if case.flow == "bfl" and isinstance(first.get("cost"), int):
        return min(case.quote, first["cost"] * 10_000)
    if case.path.startswith("/proxy/recraft/") and isinstance(first.get("credits"), int):
        return min(case.quote, first["credits"] * 1_000)
    usage = first.get("usage")
    if case.path.startswith("/proxy/openai/") and isinstance(usage, dict):
        return min(case.quote, usage["input_tokens"] * 10 + usage["output_tokens"] * 40)
    return case.quote


def result_url(case: Case, body: dict[str, Any], comfy: ComfyClient) -> str | None:
    if case.flow == "bfl":
        return str(body["result"]["sample"])
    if case.flow == "kling":
        result = body["data"]["task_result"]
        return str((result.get("videos") or result.get("images"))[0]["url"])
    if case.flow == "luma":
        return str(body["assets"].get("image") or body["assets"].get("video"))
    if case.flow == "minimax":
        files = comfy.get(f"/proxy/minimax/files/retrieve?file_id={body['file_id']}")
        assert files.status_code == 200, files.content[:300]
        return str(files.json()["file"]["download_url"])
    if case.flow == "pixverse":
        return str(body["Resp"]["url"])
    if case.flow == "pika":
        return str(body["url"])
    return None


@pytest.mark.django_db
@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_it_runs_every_route_and_charges_exactly_once(
    proxy_comfy: ComfyClient, owner: Any, case: Case
) -> None:
    before = available_micros(owner)
    reply = send(proxy_comfy, case)
    assert reply.status_code in (200, 201), reply.content[:400]  # Luma answers 201 Created
    assert reply["Content-Type"].startswith("application/json")
    submitted = reply.json()
    usage = UsageRecord.objects.get(user=owner)
    assert usage.quoted_micros == case.quote
    assert usage.comfy_job_id == proxy_comfy.job_id
    assert (usage.usage_source, usage.core_version, usage.comfy_env) == ("comfyui-api", "0.28.0", "local-git")
    replies = [submitted]
    if case.flow == "sync":
        terminal = reply
    else:
        assert "X-Comfy-Credits-Used" not in reply
        assert ProxyJob.objects.filter(usage=usage).count() == 1
        terminal = poll(proxy_comfy, case, submitted)
    final = terminal.json()
    charge = expected_charge(case, replies)
    usage.refresh_from_db()
    assert usage.status == UsageStatus.SUCCEEDED, (usage.status, final)
    assert usage.charged_micros == charge
    assert before - available_micros(owner) == charge
    assert Hold.objects.get(pk=usage.hold_id).status == "captured"
    used = Decimal(terminal["X-Comfy-Credits-Used"])
    assert used == (Decimal(charge) * 211 / 1_000_000).quantize(Decimal("0.01"))
    events = CustomerEvent.objects.filter(user=owner, event_type="api_usage_completed")
    assert [e.params["charge_micro_usd"] for e in events] == [charge]
    url = result_url(case, final, proxy_comfy)
    if url is not None:
        download = proxy_comfy.get_absolute(url)
        assert download.status_code == 200
        assert len(b"".join(download.streaming_content) if download.streaming else download.content) > 0
    # A second poll of a settled job is free and charges nothing more.
    if case.flow not in ("sync",):
        again = poll(proxy_comfy, case, submitted)
        assert again.status_code in (200, 202)
        assert before - available_micros(owner) == charge
