"""Every sandbox route answers in its vendor's own shape (comfy-contract.md §6.2-6.12), end to end:
submit → poll → download the result without credentials, with SANDBOX_JOB_SECONDS = 0."""

from __future__ import annotations

import base64
from typing import Any
from urllib.parse import quote

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from nodes.sandbox.media import png_bytes
from tests.nodes.sandbox_support import call, fetch, mp4_check, png_size, wav_seconds

pytestmark = pytest.mark.usefixtures("instant_jobs")

VEO_MODEL_PATH = "v1/projects/sandbox/locations/us-central1/publishers/google/models/veo-3.0-generate-001"


@pytest.fixture
def instant_jobs(settings: Any) -> None:
    settings.SANDBOX_JOB_SECONDS = 0


def image_file(name: str = "image") -> SimpleUploadedFile:
    return SimpleUploadedFile(f"{name}.png", png_bytes(seed=1, width=64, height=64), content_type="image/png")


def assert_png_url(client: Client, url: str) -> None:
    response = fetch(client, url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    png_size(response.content)


def assert_mp4_url(client: Client, url: str) -> None:
    response = fetch(client, url)
    assert response.status_code == 200
    assert response["Content-Type"] == "video/mp4"
    assert mp4_check(response.content) > 0


# --- BFL ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "model",
    [
        "flux-pro-1.1-ultra",
        "flux-kontext-pro",
        "flux-kontext-max",
        "flux-pro-1.0-expand",
        "flux-pro-1.0-fill",
        "flux-2-pro",
        "flux-2-max",
        "flux-pro-1.1",
        "flux-pro-1.0-canny",
        "flux-pro-1.0-depth",
        "flux-tools/erase-v1",
        "flux-tools/vto-v1",
    ],
)
def test_it_runs_bfl_submit_and_poll(client: Client, model: str) -> None:
    body = {"prompt": "flux test", "seed": 3, "aspect_ratio": "16:9", "output_format": "png"}
    submitted = call(client, "bfl", "POST", f"v1/{model}", json=body)
    assert submitted.status_code == 200
    assert submitted["X-Comfyweb-Sandbox"] == "1"
    reply = submitted.json()
    assert isinstance(reply["id"], str)
    assert reply["id"]
    assert isinstance(reply["cost"], int | float)
    assert (
        reply["polling_url"]
        == f"http://testserver/sandbox/bfl/v1/get_result?id={quote(reply['id'], safe='')}"
    )
    polled = call(client, "bfl", "GET", reply["polling_url"]).json()
    assert polled["id"] == reply["id"]
    assert polled["status"] == "Ready"
    assert_png_url(client, polled["result"]["sample"])


# --- Kling --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "media"),
    [
        ("v1/videos/text2video", "video"),
        ("v1/videos/image2video", "video"),
        ("v1/videos/video-extend", "video"),
        ("v1/videos/lip-sync", "video"),
        ("v1/videos/effects", "video"),
        ("v1/videos/omni-video", "video"),
        ("v1/videos/motion-control", "video"),
        ("v1/videos/avatar/image2video", "video"),
        ("v1/images/generations", "image"),
        ("v1/images/kolors-virtual-try-on", "image"),
        ("v1/images/omni-image", "image"),
    ],
)
def test_it_runs_kling_submit_and_poll(client: Client, path: str, media: str) -> None:
    submitted = call(
        client, "kling", "POST", path, json={"prompt": "kling test", "n": 2, "duration": "5"}
    ).json()
    assert submitted["code"] == 0
    assert submitted["data"]["task_status"] == "submitted"
    task_id = submitted["data"]["task_id"]
    assert task_id
    polled = call(client, "kling", "GET", f"{path}/{task_id}").json()
    assert polled["code"] == 0
    assert set(polled) >= {"message", "request_id", "data"}
    data = polled["data"]
    assert (data["task_id"], data["task_status"]) == (task_id, "succeed")
    assert isinstance(data["created_at"], int)
    if media == "video":
        video = data["task_result"]["videos"][0]
        assert video["duration"] == "5"
        assert_mp4_url(client, video["url"])
    else:
        images = data["task_result"]["images"]
        assert [image["index"] for image in images] == [0, 1]
        assert_png_url(client, images[1]["url"])


def test_it_refuses_a_kling_video_id_on_an_image_route(client: Client) -> None:
    task_id = call(client, "kling", "POST", "v1/videos/text2video", json={"prompt": "x"}).json()["data"][
        "task_id"
    ]
    assert call(client, "kling", "GET", f"v1/images/generations/{task_id}").status_code == 404


@pytest.mark.parametrize("path", ["text-to-video/kling-3.0-turbo", "image-to-video/kling-3.0-turbo"])
def test_it_runs_kling_turbo_tasks(client: Client, path: str) -> None:
    submitted = call(client, "kling", "POST", path, json={"prompt": "turbo"}).json()
    task_id = submitted["data"]["id"]
    polled = call(client, "kling", "GET", f"tasks?task_ids={quote(task_id)}").json()
    assert polled["code"] == 0
    task = polled["data"][0]
    assert (task["id"], task["status"]) == (task_id, "succeeded")
    assert_mp4_url(client, task["outputs"][0]["url"])


# --- Luma ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "body", "kind"),
    [
        (
            "dream-machine/v1/generations/image",
            {"prompt": "luma test", "model": "photon-1", "aspect_ratio": "16:9"},
            "image",
        ),
        (
            "dream-machine/v1/generations",
            {"prompt": "luma video", "model": "ray-2", "duration": "5s"},
            "video",
        ),
    ],
)
def test_it_runs_luma_generations(client: Client, path: str, body: dict[str, Any], kind: str) -> None:
    submitted = call(client, "luma", "POST", path, json=body)
    assert submitted.status_code == 201
    generation = submitted.json()
    assert set(generation) >= {"id", "generation_type", "state", "created_at", "model", "request"}
    assert (generation["generation_type"], generation["state"]) == (kind, "queued")
    polled = call(client, "luma", "GET", f"dream-machine/v1/generations/{generation['id']}").json()
    assert polled["state"] == "completed"
    assert polled["request"]["prompt"] == body["prompt"]
    assert polled["request"]["model"] == body["model"] == polled["model"]
    assert isinstance(polled["created_at"], str)
    if kind == "image":
        assert_png_url(client, polled["assets"]["image"])
    else:
        assert_mp4_url(client, polled["assets"]["video"])


def test_it_echoes_a_valid_luma_request_without_a_model(client: Client) -> None:
    generation = call(client, "luma", "POST", "dream-machine/v1/generations", json={"prompt": "p"}).json()
    assert generation["request"] == {"prompt": "p", "model": "ray-2"}


def test_it_runs_luma_v2(client: Client) -> None:
    submitted = call(
        client, "luma", "POST", "dream-machine/v2/generations", json={"prompt": "x", "type": "image"}
    )
    polled = call(client, "luma", "GET", f"dream-machine/v2/generations/{submitted.json()['id']}").json()
    assert polled["state"] == "completed"
    assert_png_url(client, polled["output"][0]["url"])


# --- MiniMax ------------------------------------------------------------------------------------------


def test_it_runs_minimax_submit_query_and_file_retrieve(client: Client) -> None:
    body = {"model": "T2V-01", "prompt": "minimax test", "prompt_optimizer": True}
    submitted = call(client, "minimax", "POST", "v1/video_generation", json=body).json()
    assert submitted["base_resp"] == {"status_code": 0, "status_msg": "success"}
    task_id = submitted["task_id"]
    polled = call(client, "minimax", "GET", f"v1/query/video_generation?task_id={quote(task_id)}").json()
    assert (polled["task_id"], polled["status"]) == (task_id, "Success")
    assert polled["file_id"].isdigit()
    retrieved = call(client, "minimax", "GET", f"v1/files/retrieve?file_id={int(polled['file_id'])}").json()
    assert retrieved["base_resp"]["status_code"] == 0
    file = retrieved["file"]
    assert file["file_id"] == int(polled["file_id"])
    assert isinstance(file["bytes"], int)
    assert_mp4_url(client, file["download_url"])
    assert_mp4_url(client, file["backup_download_url"])


def test_it_refuses_a_forged_minimax_file_id(client: Client) -> None:
    assert call(client, "minimax", "GET", "v1/files/retrieve?file_id=12345").status_code == 404
    assert call(client, "minimax", "GET", "v1/files/retrieve?file_id=abc").status_code == 404


# --- PixVerse -----------------------------------------------------------------------------------------


def test_it_runs_pixverse_upload(client: Client) -> None:
    reply = call(
        client, "pixverse", "POST", "openapi/v2/image/upload", multipart={"image": image_file()}
    ).json()
    assert reply["ErrCode"] == 0
    assert isinstance(reply["Resp"]["img_id"], int)


def test_it_refuses_a_pixverse_upload_without_an_image(client: Client) -> None:
    response = call(client, "pixverse", "POST", "openapi/v2/image/upload", multipart={"other": "x"})
    assert response.status_code == 400
    assert response.json()["Resp"] is None


@pytest.mark.parametrize("kind", ["text", "img", "transition"])
def test_it_runs_pixverse_generate_and_result(client: Client, kind: str) -> None:
    body = {"prompt": "pixverse", "aspect_ratio": "16:9", "quality": "540p", "duration": 5, "img_id": 1}
    submitted = call(client, "pixverse", "POST", f"openapi/v2/video/{kind}/generate", json=body).json()
    video_id = submitted["Resp"]["video_id"]
    assert isinstance(video_id, int)
    assert 0 < video_id < 2**63
    result = call(client, "pixverse", "GET", f"openapi/v2/video/result/{video_id}").json()
    assert result["ErrCode"] == 0
    assert (result["Resp"]["id"], result["Resp"]["status"]) == (video_id, 1)
    assert_mp4_url(client, result["Resp"]["url"])


# --- Recraft ------------------------------------------------------------------------------------------


def test_it_runs_recraft_generation(client: Client) -> None:
    body = {
        "prompt": "recraft test",
        "size": "1024x1024",
        "n": 2,
        "model": "recraftv3",
        "style": "realistic_image",
    }
    reply = call(client, "recraft", "POST", "v1/images/generations", json=body).json()
    assert isinstance(reply["created"], int)
    assert reply["credits"] == 80
    assert len(reply["data"]) == 2
    assert all(isinstance(item["image_id"], str) for item in reply["data"])
    assert_png_url(client, reply["data"][0]["url"])


def test_it_answers_svg_for_recraft_vector_styles(client: Client) -> None:
    body = {"prompt": "logo", "style": "vector_illustration", "n": 1}
    url = call(client, "recraft", "POST", "v1/images/generations", json=body).json()["data"][0]["url"]
    assert url.endswith(".svg")
    assert fetch(client, url)["Content-Type"] == "image/svg+xml"


@pytest.mark.parametrize("operation", ["imageToImage", "inpaint", "replaceBackground"])
def test_it_runs_recraft_multi_output_processes(client: Client, operation: str) -> None:
    files = {"image": image_file(), "mask": image_file("mask"), "prompt": "p", "n": "1"}
    reply = call(client, "recraft", "POST", f"v1/images/{operation}", multipart=files).json()
    assert reply["credits"] > 0
    assert_png_url(client, reply["data"][0]["url"])


@pytest.mark.parametrize("operation", ["vectorize", "removeBackground", "crispUpscale", "creativeUpscale"])
def test_it_runs_recraft_single_image_processes(client: Client, operation: str) -> None:
    reply = call(
        client, "recraft", "POST", f"v1/images/{operation}", multipart={"image": image_file()}
    ).json()
    assert isinstance(reply["credits"], int)
    assert isinstance(reply["image"]["image_id"], str)
    assert fetch(client, reply["image"]["url"]).status_code == 200


def test_it_refuses_a_recraft_process_without_its_file(client: Client) -> None:
    response = call(client, "recraft", "POST", "v1/images/inpaint", multipart={"image": image_file()})
    assert response.status_code == 400
    assert "mask" in response.json()["message"]


def test_it_creates_recraft_styles(client: Client) -> None:
    reply = call(
        client,
        "recraft",
        "POST",
        "v1/styles",
        multipart={"style": "digital_illustration", "file1": image_file()},
    )
    assert reply.json()["id"]


# --- Stability ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "stable-image/generate/ultra",
        "stable-image/generate/sd3",
        "stable-image/upscale/conservative",
        "stable-image/upscale/fast",
    ],
)
def test_it_runs_stability_sync_images(client: Client, path: str) -> None:
    fields = {"prompt": "stability", "output_format": "png", "seed": "42", "image": image_file()}
    reply = call(client, "stability", "POST", f"v2beta/{path}", multipart=fields).json()
    assert (reply["finish_reason"], reply["seed"]) == ("SUCCESS", 42)
    png_size(base64.b64decode(reply["image"]))


def test_it_runs_stability_creative_upscale(client: Client) -> None:
    fields = {"prompt": "upscale", "image": image_file()}
    generation_id = call(
        client, "stability", "POST", "v2beta/stable-image/upscale/creative", multipart=fields
    ).json()["id"]
    result = call(client, "stability", "GET", f"v2beta/results/{generation_id}")
    assert result.status_code == 200
    assert result.json()["finish_reason"] == "SUCCESS"
    png_size(base64.b64decode(result.json()["result"]))


@pytest.mark.parametrize("operation", ["text-to-audio", "audio-to-audio", "inpaint"])
def test_it_runs_stability_audio(client: Client, operation: str) -> None:
    fields = {"prompt": "a calm tune", "duration": "3"}
    reply = call(
        client, "stability", "POST", f"v2beta/audio/stable-audio-2/{operation}", multipart=fields
    ).json()
    assert reply["finish_reason"] == "SUCCESS"
    assert wav_seconds(base64.b64decode(reply["audio"])) == 3


# --- Veo ----------------------------------------------------------------------------------------------


def test_it_runs_veo_long_running_operations(client: Client) -> None:
    body = {"instances": [{"prompt": "veo test"}], "parameters": {"durationSeconds": 8, "sampleCount": 2}}
    name = call(client, "veo", "POST", f"{VEO_MODEL_PATH}:predictLongRunning", json=body).json()["name"]
    assert name.startswith(f"{VEO_MODEL_PATH.removeprefix('v1/')}/operations/")
    polled = call(
        client, "veo", "POST", f"{VEO_MODEL_PATH}:fetchPredictOperation", json={"operationName": name}
    ).json()
    assert (polled["name"], polled["done"]) == (name, True)
    assert polled["response"]["raiMediaFilteredCount"] == 0
    videos = polled["response"]["videos"]
    assert len(videos) == 2
    assert videos[0]["mimeType"] == "video/mp4"
    assert mp4_check(base64.b64decode(videos[0]["bytesBase64Encoded"])) > 0


def test_it_refuses_a_veo_operation_polled_on_another_model(client: Client) -> None:
    name = call(
        client, "veo", "POST", f"{VEO_MODEL_PATH}:predictLongRunning", json={"instances": [{"prompt": "x"}]}
    ).json()["name"]
    other = VEO_MODEL_PATH.replace("veo-3.0-generate-001", "veo-2.0-generate-001")
    response = call(client, "veo", "POST", f"{other}:fetchPredictOperation", json={"operationName": name})
    assert response.status_code == 404
    assert response.json()["error"]["status"] == "NOT_FOUND"


# --- Ideogram -----------------------------------------------------------------------------------------


def test_it_runs_ideogram_v1_v2(client: Client) -> None:
    body = {"image_request": {"model": "V_1", "num_images": 2, "prompt": "ideogram test", "seed": 1}}
    reply = call(client, "ideogram", "POST", "generate", json=body).json()
    assert isinstance(reply["created"], str)
    assert len(reply["data"]) == 2
    item = reply["data"][0]
    assert item["is_image_safe"] is True
    assert item["prompt"] == "ideogram test"
    assert_png_url(client, item["url"])


@pytest.mark.parametrize("path", ["v1/ideogram-v3/generate", "v1/ideogram-v3/edit"])
def test_it_runs_ideogram_v3_multipart(client: Client, path: str) -> None:
    fields = {
        "prompt": "v3",
        "rendering_speed": "TURBO",
        "aspect_ratio": "16x9",
        "image": image_file(),
        "mask": image_file("mask"),
    }
    reply = call(client, "ideogram", "POST", path, multipart=fields).json()
    assert_png_url(client, reply["data"][0]["url"])


def test_it_refuses_an_ideogram_edit_without_a_mask(client: Client) -> None:
    fields = {"prompt": "v3", "image": image_file()}
    assert call(client, "ideogram", "POST", "v1/ideogram-v3/edit", multipart=fields).status_code == 400


def test_it_runs_ideogram_v4_json(client: Client) -> None:
    reply = call(client, "ideogram", "POST", "v1/ideogram-v4/generate", json={"prompt": "v4"}).json()
    assert reply["data"][0]["url"]


# --- OpenAI -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("model", "field"), [("dall-e-2", "url"), ("dall-e-3", "url")])
def test_it_answers_dall_e_with_urls(client: Client, model: str, field: str) -> None:
    body = {"model": model, "prompt": "a red square on white", "size": "1024x1024", "n": 1}
    reply = call(client, "openai", "POST", "v1/images/generations", json=body).json()
    assert "usage" not in reply
    assert_png_url(client, reply["data"][0][field])
    assert ("revised_prompt" in reply["data"][0]) is (model == "dall-e-3")


def test_it_answers_b64_when_asked(client: Client) -> None:
    body = {"model": "dall-e-2", "prompt": "x", "response_format": "b64_json"}
    reply = call(client, "openai", "POST", "v1/images/generations", json=body).json()
    png_size(base64.b64decode(reply["data"][0]["b64_json"]))


@pytest.mark.parametrize(
    ("quality", "size", "per_image"), [("low", "1024x1024", 272), ("high", "1536x1024", 6240)]
)
def test_it_answers_gpt_image_with_base64_and_usage(
    client: Client, quality: str, size: str, per_image: int
) -> None:
    body = {
        "model": "gpt-image-1",
        "prompt": "gpt image test",
        "n": 2,
        "quality": quality,
        "size": size,
        "background": "opaque",
    }
    reply = call(client, "openai", "POST", "v1/images/generations", json=body).json()
    assert len(reply["data"]) == 2
    png_size(base64.b64decode(reply["data"][0]["b64_json"]))
    usage = reply["usage"]
    assert usage["output_tokens"] == 2 * per_image
    assert usage["total_tokens"] == usage["input_tokens"] + usage["output_tokens"]


def test_it_runs_openai_edits_multipart(client: Client) -> None:
    fields = {"model": "gpt-image-1", "prompt": "edit", "n": "1", "size": "1024x1024", "image": image_file()}
    reply = call(client, "openai", "POST", "v1/images/edits", multipart=fields).json()
    assert reply["usage"]["input_tokens_details"]["image_tokens"] > 0
    png_size(base64.b64decode(reply["data"][0]["b64_json"]))


def test_it_refuses_an_openai_edit_without_an_image(client: Client) -> None:
    response = call(
        client, "openai", "POST", "v1/images/edits", multipart={"model": "dall-e-2", "prompt": "x"}
    )
    assert response.status_code == 400
    assert response.json()["error"]["type"] == "invalid_request_error"


# --- Pika ---------------------------------------------------------------------------------------------


def test_it_runs_pika_form_encoded_t2v(client: Client) -> None:
    submitted = call(
        client, "pika", "POST", "generate/2.2/t2v", form="promptText=pika+test&duration=5&resolution=1080p"
    )
    video_id = submitted.json()["video_id"]
    polled = call(client, "pika", "GET", f"videos/{video_id}").json()
    assert (polled["id"], polled["status"], polled["progress"]) == (video_id, "finished", 100)
    assert_mp4_url(client, polled["url"])


@pytest.mark.parametrize(
    ("path", "files"),
    [
        ("generate/2.2/i2v", ("image",)),
        ("generate/2.2/pikaframes", ("keyFrames",)),
        ("generate/2.2/pikascenes", ("images",)),
        ("generate/pikadditions", ("video", "image")),
        ("generate/pikaswaps", ("video", "image")),
        ("generate/pikaffects", ("image",)),
    ],
)
def test_it_runs_pika_multipart_routes(client: Client, path: str, files: tuple[str, ...]) -> None:
    fields: dict[str, Any] = {"promptText": "pika", "ingredientsMode": "creative"}
    fields |= {name: image_file(name) for name in files}
    video_id = call(client, "pika", "POST", path, multipart=fields).json()["video_id"]
    assert call(client, "pika", "GET", f"videos/{video_id}").json()["status"] == "finished"


def test_it_refuses_a_pika_route_without_its_files(client: Client) -> None:
    assert call(client, "pika", "POST", "generate/2.2/i2v", multipart={"promptText": "x"}).status_code == 422


@pytest.mark.parametrize("prompt", ["a" * 5000, "\u732b" * 5000, "\U0001f431" * 2000])
def test_it_keeps_job_ids_short_whatever_the_prompt(client: Client, prompt: str) -> None:
    """The /proxy engine stores vendor job ids in a 600-character column."""
    body = {"prompt": prompt, "model": "m" * 10_000, "aspect_ratio": "16:9"}
    generation = call(client, "luma", "POST", "dream-machine/v1/generations/image", json=body).json()
    assert len(generation["id"]) <= 512
    assert prompt.startswith(generation["request"]["prompt"])
    assert generation["request"]["model"] == "photon-1"
    kling = call(client, "kling", "POST", "v1/videos/text2video", json={"prompt": prompt}).json()
    assert len(kling["data"]["task_id"]) <= 512
