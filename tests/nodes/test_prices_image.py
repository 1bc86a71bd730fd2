"""Seeded prices of Recraft, Stability, Veo, Ideogram and OpenAI checked against ComfyUI's price badges.

Every expected figure is the badge's USD figure times 1,000,000 (µ$), written out here, never read
from the price table, so a wrong row fails.
"""

from __future__ import annotations

from typing import Any

import pytest

from comfyweb.errors import ApiError
from tests.nodes.test_pricing import quote


def usd(dollars: str) -> int:
    """A badge's dollar figure in micro-USD, exactly."""
    whole, _, cents = dollars.partition(".")
    return int(whole) * 1_000_000 + int((cents + "000000")[:6])


# Recraft: RecraftV4TextToImageNode badge ($ per image x n) for every model the node offers.
@pytest.mark.parametrize(
    ("model", "n", "dollars"),
    [
        ("recraftv4_1", 1, "0.035"),
        ("recraftv4_1_utility", 2, "0.035"),
        ("recraftv4_1_pro", 1, "0.21"),
        ("recraftv4_1_utility_pro", 3, "0.21"),
        ("recraftv4", 6, "0.04"),
        ("recraftv4_pro", 1, "0.25"),
        ("recraftv4_styles", 2, "0.035"),
        ("recraftv4_styles_pro", 1, "0.10"),
    ],
)
def test_it_prices_recraft_v4_raster_models_as_the_badge(model: str, n: int, dollars: str) -> None:
    body = {"prompt": "a fox", "model": model, "size": "1024x1024", "n": n}
    assert quote("recraft", "image_generation", json=body) == usd(dollars) * n


# Recraft: RecraftV4TextToVectorNode badge; recraftv4 / recraftv4_pro are sent with a vector style.
@pytest.mark.parametrize(
    ("body", "dollars"),
    [
        ({"model": "recraftv4_1_vector"}, "0.08"),
        ({"model": "recraftv4_1_utility_vector"}, "0.08"),
        ({"model": "recraftv4_1_pro_vector"}, "0.30"),
        ({"model": "recraftv4_1_utility_pro_vector"}, "0.30"),
        ({"model": "recraftv4", "style": "vector_illustration"}, "0.08"),
        ({"model": "recraftv4_pro", "style": "vector_illustration"}, "0.30"),
        ({"model": "recraftv4_styles_vector", "style_id": "00000000-0000-0000-0000-000000000001"}, "0.05"),
        (
            {"model": "recraftv4_styles_pro_vector", "style_id": "00000000-0000-0000-0000-000000000001"},
            "0.12",
        ),
    ],
)
def test_it_prices_recraft_v4_vector_models_as_the_badge(body: dict[str, Any], dollars: str) -> None:
    request = {"prompt": "a fox logo", "size": "1024x1024", "n": 2, **body}
    assert quote("recraft", "image_generation", json=request) == usd(dollars) * 2


def test_it_adds_the_recraft_style_creation_once_per_call() -> None:
    body = {
        "prompt": "a fox",
        "model": "recraftv4_styles",
        "n": 3,
        "style_match": "precise",
        "style_reference_urls": ["data:image/webp;base64,AAAA", "data:image/webp;base64,BBBB"],
    }
    assert quote("recraft", "image_generation", json=body) == 3 * usd("0.035") + usd("0.005")


@pytest.mark.parametrize(
    ("body", "dollars"),
    [
        ({"model": "recraftv3", "style": "realistic_image", "n": 4}, "0.16"),  # $0.04 x n
        ({"model": "recraftv3", "style": "vector_illustration", "n": 2}, "0.16"),  # $0.08 x n
    ],
)
def test_it_prices_recraft_v3_as_the_badge(body: dict[str, Any], dollars: str) -> None:
    assert quote("recraft", "image_generation", json={"prompt": "x", **body}) == usd(dollars)


@pytest.mark.parametrize(
    ("operation", "fields", "dollars"),
    [
        ("imageToImage", {"n": 3, "strength": "0.5"}, "0.12"),
        ("inpaint", {"n": 2}, "0.08"),
        ("vectorize", {}, "0.01"),
        ("removeBackground", {}, "0.01"),
        ("crispUpscale", {}, "0.004"),
        ("creativeUpscale", {}, "0.25"),
    ],
)
def test_it_prices_recraft_operations_as_the_badge(
    operation: str, fields: dict[str, Any], dollars: str
) -> None:
    assert quote("recraft", f"images/{operation}", fields={"prompt": "x", **fields}, files=("image",)) == usd(
        dollars
    )


def test_it_refuses_a_recraft_model_it_has_no_price_for() -> None:
    with pytest.raises(ApiError) as error:
        quote("recraft", "image_generation", json={"prompt": "x", "model": "recraftv9"})
    assert (error.value.status, error.value.error_type) == (422, "price_unavailable")


# Stability: the ComfyUI badges for every node.
@pytest.mark.parametrize(
    ("path", "fields", "dollars"),
    [
        ("v2beta/stable-image/generate/sd3", {"model": "sd3.5-large"}, "0.065"),
        ("v2beta/stable-image/generate/sd3", {"model": "sd3.5-medium"}, "0.035"),
        ("v2beta/stable-image/generate/ultra", {}, "0.08"),
        ("v2beta/stable-image/upscale/conservative", {"creativity": "0.35"}, "0.25"),
        ("v2beta/stable-image/upscale/creative", {"creativity": "0.3"}, "0.25"),
        ("v2beta/stable-image/upscale/fast", {}, "0.01"),
        (
            "v2beta/audio/stable-audio-2/text-to-audio",
            {"model": "stable-audio-2.5", "duration": "190"},
            "0.20",
        ),
        ("v2beta/audio/stable-audio-2/audio-to-audio", {"model": "stable-audio-2.5"}, "0.20"),
        ("v2beta/audio/stable-audio-2/inpaint", {"model": "stable-audio-2.5", "mask_start": "30"}, "0.20"),
    ],
)
def test_it_prices_stability_as_the_badge(path: str, fields: dict[str, Any], dollars: str) -> None:
    assert quote("stability", path, fields={"prompt": "x", **fields}) == usd(dollars)


# Veo: per 8-second clip at 720p (no `resolution`, Vertex's default), as ComfyUI 0.30.0's badges state them.
@pytest.mark.parametrize(
    ("model", "audio", "dollars_per_8s"),
    [
        ("veo-3.1-generate-001", True, "3.20"),
        ("veo-3.1-generate-001", False, "1.60"),
        ("veo-3.1-fast-generate-001", True, "0.80"),  # $0.10/s
        ("veo-3.1-fast-generate-001", False, "0.64"),  # $0.08/s
        ("veo-3.0-fast-generate-001", True, "1.20"),
        ("veo-2.0-generate-001", False, "4.00"),  # $0.50/s
    ],
)
def test_it_prices_veo_clips_as_the_badge(model: str, audio: bool, dollars_per_8s: str) -> None:
    body = {
        "instances": [{"prompt": "a fox"}],
        "parameters": {"durationSeconds": 8, "generateAudio": audio, "aspectRatio": "16:9", "sampleCount": 1},
    }
    assert quote("veo", f"{model}/generate", json=body) == usd(dollars_per_8s)


# Veo 3.1 charges `parameters.resolution` (the 0.30.0 badge: 4K $0.60/$0.40 per second, Fast $0.30/$0.25).
@pytest.mark.parametrize(
    ("model", "resolution", "audio", "dollars_per_second"),
    [
        ("veo-3.1-generate-001", "4k", True, "0.60"),
        ("veo-3.1-generate-001", "4k", False, "0.40"),
        ("veo-3.1-generate-001", "1080p", True, "0.40"),
        ("veo-3.1-fast-generate-001", "4k", True, "0.30"),
        ("veo-3.1-fast-generate-001", "4k", False, "0.25"),
        ("veo-3.1-fast-generate-001", "1080p", True, "0.12"),
        ("veo-3.1-fast-generate-001", "1080p", False, "0.10"),
        ("veo-3.1-lite-generate-001", "1080p", True, "0.08"),
        ("veo-3.1-lite-generate-001", "720p", False, "0.03"),
    ],
)
def test_it_prices_veo_by_resolution(
    model: str, resolution: str, audio: bool, dollars_per_second: str
) -> None:
    body = {
        "instances": [{"prompt": "a fox"}],
        "parameters": {"durationSeconds": 8, "generateAudio": audio, "resolution": resolution},
    }
    assert quote("veo", f"{model}/generate", json=body) == usd(dollars_per_second) * 8


@pytest.mark.parametrize(
    ("model", "resolution"),
    [("veo-3.1-lite-generate-001", "4k"), ("veo-3.0-generate-001", "4k"), ("veo-3.1-generate-001", "8k")],
)
def test_it_refuses_a_veo_resolution_the_model_does_not_make(model: str, resolution: str) -> None:
    body = {
        "instances": [{"prompt": "a fox"}],
        "parameters": {"durationSeconds": 8, "resolution": resolution},
    }
    with pytest.raises(ApiError) as error:
        quote("veo", f"{model}/generate", json=body)
    assert (error.value.status, error.value.error_type) == (422, "price_unavailable")


# Ideogram: V1/V2 (legacy JSON) and V3 (multipart) badges.
@pytest.mark.parametrize(
    ("model", "count", "dollars"),
    [("V_1", 2, "0.12"), ("V_1_TURBO", 4, "0.08"), ("V_2", 1, "0.08"), ("V_2_TURBO", 3, "0.15")],
)
def test_it_prices_ideogram_legacy_as_the_badge(model: str, count: int, dollars: str) -> None:
    body = {"image_request": {"prompt": "ideogram test", "model": model, "num_images": count, "seed": 1}}
    assert quote("ideogram", "generate", json=body) == usd(dollars)


@pytest.mark.parametrize(
    ("speed", "character", "dollars"),
    [
        ("BALANCED", False, "0.06"),
        ("QUALITY", False, "0.09"),
        ("TURBO", True, "0.10"),
        ("QUALITY", True, "0.20"),
    ],
)
def test_it_prices_ideogram_v3_as_the_badge(speed: str, character: bool, dollars: str) -> None:
    files = ("character_reference_images",) if character else ()
    fields = {"prompt": "x", "rendering_speed": speed, "num_images": "2"}
    assert quote("ideogram", "ideogram-v3/generate", fields=fields, files=files) == 2 * usd(dollars)


@pytest.mark.parametrize(("speed", "dollars"), [("TURBO", "0.03"), ("DEFAULT", "0.06"), ("QUALITY", "0.10")])
def test_it_prices_ideogram_v4_as_the_published_summaries(speed: str, dollars: str) -> None:
    body = {"prompt": "x", "rendering_speed": speed}
    assert quote("ideogram", "ideogram-v4/generate", json=body) == usd(dollars)


# OpenAI: the DALL·E badges.
@pytest.mark.parametrize(
    ("body", "dollars"),
    [
        ({"model": "dall-e-2", "size": "256x256", "n": 3}, "0.048"),
        ({"model": "dall-e-2", "size": "512x512", "n": 1}, "0.018"),
        ({"model": "dall-e-3", "quality": "standard", "size": "1024x1792", "style": "vivid"}, "0.08"),
        ({"model": "dall-e-3", "quality": "hd", "size": "1024x1024", "style": "natural"}, "0.08"),
    ],
)
def test_it_prices_dalle_as_the_badge(body: dict[str, Any], dollars: str) -> None:
    assert quote("openai", "images/generations", json={"prompt": "x", **body}) == usd(dollars)


def test_it_holds_the_gpt_image_1_high_wide_ceiling() -> None:
    # OpenAI's gpt-image-1 high 1536x1024 output price ($0.25, the top of the badge's range without
    # input) plus the platform's input allowance ($0.02); the call settles on `usage`.
    body = {"prompt": "x", "model": "gpt-image-1", "quality": "high", "size": "1536x1024", "n": 1}
    assert quote("openai", "images/generations", json=body) == usd("0.25") + usd("0.02")


# OpenAI gpt-image-2 makes 2K, 4K and custom sizes; the hold is the top of the 0.30.0 badge's range per
# quality ($0.0228 low, $0.2016 medium, $0.804 high) plus the $0.02 input allowance, settled on `usage`.
@pytest.mark.parametrize(
    ("size", "quality", "dollars"),
    [
        ("2048x2048", "high", "0.804"),
        ("2048x1152", "medium", "0.2016"),
        ("1152x2048", "low", "0.0228"),
        ("3840x2160", "high", "0.804"),
        ("2160x3840", "auto", "0.804"),
        ("1024x1024", "low", "0.0228"),
        ("1440x2400", "medium", "0.2016"),  # a custom size: multiples of 16, aspect <= 3:1
    ],
)
def test_it_prices_gpt_image_2_sizes(size: str, quality: str, dollars: str) -> None:
    body = {"prompt": "x", "model": "gpt-image-2", "quality": quality, "size": size, "n": 2}
    assert quote("openai", "images/generations", json=body) == usd(dollars) * 2 + usd("0.02")


@pytest.mark.parametrize(
    ("model", "size"),
    [
        ("gpt-image-2", "1000x1000"),  # not a multiple of 16
        ("gpt-image-2", "4096x2304"),  # longest edge over 3840
        ("gpt-image-2", "3840x1024"),  # wider than 3:1
        ("gpt-image-2", "512x512"),  # under 655,360 pixels
        ("gpt-image-1", "2048x2048"),  # gpt-image-1 makes the three base sizes only
    ],
)
def test_it_refuses_sizes_openai_does_not_make(model: str, size: str) -> None:
    with pytest.raises(ApiError) as error:
        quote("openai", "images/generations", json={"prompt": "x", "model": model, "size": size})
    assert (error.value.status, error.value.error_type) == (422, "price_unavailable")


def test_it_prices_recraft_v4_1_flash() -> None:
    body = {"prompt": "a fox", "model": "recraftv4_1_flash", "size": "1024x1024", "n": 3}
    assert quote("recraft", "image_generation", json=body) == usd("0.007") * 3
