"""Sandbox jobs move queued → processing → terminal over SANDBOX_JOB_SECONDS, statelessly, and prompt
markers decide how they end: `[fail]`, `[moderated]`, `[slow]` (10x longer), `[http500]` (submit fails)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

import pytest
import time_machine
from django.test import Client

from nodes.sandbox.vendors import VENDORS as VENDOR_SPECS
from tests.nodes.sandbox_support import call

START = datetime(2026, 5, 1, 12, 0, 0, tzinfo=UTC)
VEO = "v1/projects/p/locations/us-central1/publishers/google/models/veo-2.0-generate-001"
Poll = Callable[[], Any]


def bfl(client: Client, prompt: str) -> Poll:
    url = call(client, "bfl", "POST", "v1/flux-pro-1.1-ultra", json={"prompt": prompt}).json()["polling_url"]
    return lambda: call(client, "bfl", "GET", url).json()["status"]


def kling(client: Client, prompt: str) -> Poll:
    task = call(client, "kling", "POST", "v1/videos/text2video", json={"prompt": prompt}).json()["data"][
        "task_id"
    ]
    return lambda: call(client, "kling", "GET", f"v1/videos/text2video/{task}").json()["data"]["task_status"]


def luma(client: Client, prompt: str) -> Poll:
    generation = call(client, "luma", "POST", "dream-machine/v1/generations", json={"prompt": prompt}).json()[
        "id"
    ]
    return lambda: call(client, "luma", "GET", f"dream-machine/v1/generations/{generation}").json()["state"]


def minimax(client: Client, prompt: str) -> Poll:
    body = {"model": "T2V-01", "prompt": prompt}
    task = quote(call(client, "minimax", "POST", "v1/video_generation", json=body).json()["task_id"])
    return lambda: call(client, "minimax", "GET", f"v1/query/video_generation?task_id={task}").json()[
        "status"
    ]


def pixverse(client: Client, prompt: str) -> Poll:
    body = {"prompt": prompt, "aspect_ratio": "16:9", "quality": "540p", "duration": 5}
    video = call(client, "pixverse", "POST", "openapi/v2/video/text/generate", json=body).json()["Resp"][
        "video_id"
    ]
    return lambda: call(client, "pixverse", "GET", f"openapi/v2/video/result/{video}").json()["Resp"][
        "status"
    ]


def pika(client: Client, prompt: str) -> Poll:
    video = call(client, "pika", "POST", "generate/2.2/t2v", form=f"promptText={quote(prompt)}").json()[
        "video_id"
    ]
    return lambda: call(client, "pika", "GET", f"videos/{video}").json()["status"]


def stability(client: Client, prompt: str) -> Poll:
    from tests.nodes.test_sandbox_vendors import image_file

    fields = {"prompt": prompt, "image": image_file()}
    job = call(client, "stability", "POST", "v2beta/stable-image/upscale/creative", multipart=fields).json()[
        "id"
    ]

    def poll() -> str:
        response = call(client, "stability", "GET", f"v2beta/results/{job}")
        body = response.json()
        if response.status_code == 202:
            return str(body["status"])
        return "errors" if "errors" in body else str(body["finish_reason"])

    return poll


def veo(client: Client, prompt: str) -> Poll:
    body = {"instances": [{"prompt": prompt}]}
    name = call(client, "veo", "POST", f"{VEO}:predictLongRunning", json=body).json()["name"]

    def poll() -> str:
        reply = call(
            client, "veo", "POST", f"{VEO}:fetchPredictOperation", json={"operationName": name}
        ).json()
        if not reply["done"]:
            return "pending"
        if "error" in reply:
            return "error"
        return "filtered" if reply["response"]["raiMediaFilteredCount"] else "videos"

    return poll


# vendor → (submit-and-poll, queued, processing, succeeded, failed, moderated) in the vendor's own words.
VENDORS = {
    "bfl": (bfl, "Pending", "Pending", "Ready", "Error", "Content Moderated"),
    "kling": (kling, "submitted", "processing", "succeed", "failed", "failed"),
    "luma": (luma, "queued", "dreaming", "completed", "failed", "failed"),
    "minimax": (minimax, "Queueing", "Preparing", "Success", "Fail", "Fail"),
    "pixverse": (pixverse, 5, 5, 1, 8, 7),
    "pika": (pika, "queued", "started", "finished", "failed", "failed"),
    "stability": (stability, "in-progress", "in-progress", "SUCCESS", "errors", "CONTENT_FILTERED"),
    "veo": (veo, "pending", "pending", "videos", "error", "filtered"),
}


@pytest.fixture
def eight_second_jobs(settings: Any) -> None:
    settings.SANDBOX_JOB_SECONDS = 8


@pytest.mark.usefixtures("eight_second_jobs")
@pytest.mark.parametrize("vendor", VENDORS)
def test_it_moves_jobs_through_the_vendors_status_words(client: Client, vendor: str) -> None:
    start, queued, processing, succeeded, _, _ = VENDORS[vendor]
    with time_machine.travel(START, tick=False) as traveller:
        poll = start(client, "a lighthouse at dusk")
        assert poll() == queued
        traveller.shift(3)
        assert poll() == processing
        traveller.shift(5)
        assert poll() == succeeded


@pytest.mark.usefixtures("eight_second_jobs")
def test_it_reports_minimax_processing_after_preparing(client: Client) -> None:
    with time_machine.travel(START, tick=False) as traveller:
        poll = minimax(client, "x")
        traveller.shift(5)
        assert poll() == "Processing"


@pytest.mark.usefixtures("eight_second_jobs")
@pytest.mark.parametrize("vendor", VENDORS)
def test_it_makes_slow_jobs_take_ten_times_longer(client: Client, vendor: str) -> None:
    start, _, _, succeeded, _, _ = VENDORS[vendor]
    with time_machine.travel(START, tick=False) as traveller:
        poll = start(client, "a [slow] lighthouse")
        traveller.shift(79)
        assert poll() != succeeded
        traveller.shift(1)
        assert poll() == succeeded


@pytest.mark.parametrize("vendor", VENDORS)
@pytest.mark.parametrize("marker", ["[fail]", "[moderated]"])
def test_it_ends_marked_jobs_as_the_vendor_would(client: Client, vendor: str, marker: str) -> None:
    start, _, _, _, failed, moderated = VENDORS[vendor]
    poll = start(client, f"a lighthouse {marker.upper()}")
    assert poll() == (failed if marker == "[fail]" else moderated)


@pytest.mark.usefixtures("eight_second_jobs")
def test_it_answers_polls_from_any_process_without_state(client: Client) -> None:
    """The job id alone carries the job: a second client (another process, as far as we know) polls it."""
    with time_machine.travel(START, tick=False) as traveller:
        kling(client, "warm up")
        task = call(client, "kling", "POST", "v1/videos/text2video", json={"prompt": "x"}).json()["data"][
            "task_id"
        ]
        traveller.shift(9)
        other = Client()
        status = call(other, "kling", "GET", f"v1/videos/text2video/{task}").json()["data"]["task_status"]
        assert status == "succeed"


# --- [http500] on every work-starting route -----------------------------------------------------------

HTTP500_ROUTES = [
    ("bfl", "v1/flux-2-pro", "json"),
    ("kling", "v1/images/generations", "json"),
    ("luma", "dream-machine/v1/generations/image", "json"),
    ("minimax", "v1/video_generation", "json"),
    ("pixverse", "openapi/v2/video/text/generate", "json"),
    ("recraft", "v1/images/generations", "json"),
    ("stability", "v2beta/stable-image/generate/ultra", "multipart"),
    ("stability", "v2beta/audio/stable-audio-2/text-to-audio", "multipart"),
    ("veo", f"{VEO}:predictLongRunning", "veo"),
    ("ideogram", "generate", "ideogram"),
    ("ideogram", "v1/ideogram-v3/generate", "multipart"),
    ("openai", "v1/images/generations", "json"),
    ("pika", "generate/2.2/t2v", "form"),
]


def _marked_call(client: Client, vendor: str, path: str, encoding: str, prompt: str) -> Any:
    if encoding == "multipart":
        return call(client, vendor, "POST", path, multipart={"prompt": prompt})
    if encoding == "form":
        return call(client, vendor, "POST", path, form=f"promptText={quote(prompt)}")
    if encoding == "veo":
        return call(client, vendor, "POST", path, json={"instances": [{"prompt": prompt}]})
    if encoding == "ideogram":
        return call(client, vendor, "POST", path, json={"image_request": {"prompt": prompt}})
    return call(client, vendor, "POST", path, json={"prompt": prompt})


@pytest.mark.parametrize(("vendor", "path", "encoding"), HTTP500_ROUTES)
def test_it_answers_500_on_submit_for_http500(client: Client, vendor: str, path: str, encoding: str) -> None:
    response = _marked_call(client, vendor, path, encoding, "boom [http500]")
    assert response.status_code == 500
    assert response["Content-Type"] == "application/json"
    # The vendor's own error body, not the platform's error shape.
    assert response.json().keys() == VENDOR_SPECS[vendor].error(500, "x", "y").keys()


SYNC_ROUTES = [route for route in HTTP500_ROUTES if route[0] in {"recraft", "ideogram", "openai"}] + [
    ("stability", "v2beta/stable-image/generate/ultra", "multipart")
]


@pytest.mark.parametrize(("vendor", "path", "encoding"), SYNC_ROUTES)
def test_it_fails_sync_routes_with_400_for_fail(
    client: Client, vendor: str, path: str, encoding: str
) -> None:
    response = _marked_call(client, vendor, path, encoding, "a [fail] cat")
    assert response.status_code == 400


def test_it_moderates_recraft_with_a_400(client: Client) -> None:
    response = _marked_call(client, "recraft", "v1/images/generations", "json", "[moderated]")
    assert response.status_code == 400
    assert response.json()["code"] == "prompt_moderation"


def test_it_moderates_stability_with_content_filtered(client: Client) -> None:
    response = _marked_call(
        client, "stability", "v2beta/stable-image/generate/ultra", "multipart", "[moderated]"
    )
    assert response.json()["finish_reason"] == "CONTENT_FILTERED"


@pytest.mark.parametrize(
    ("model", "code"), [("gpt-image-1", "moderation_blocked"), ("dall-e-3", "content_policy_violation")]
)
def test_it_moderates_openai_with_its_error_codes(client: Client, model: str, code: str) -> None:
    response = call(
        client, "openai", "POST", "v1/images/generations", json={"model": model, "prompt": "[moderated]"}
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == code


def test_it_moderates_ideogram_by_withholding_the_url(client: Client) -> None:
    item = _marked_call(client, "ideogram", "generate", "ideogram", "[moderated]").json()["data"][0]
    assert item["is_image_safe"] is False
    assert "url" not in item
