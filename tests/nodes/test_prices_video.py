"""Seeded prices of BFL, Kling, Luma, MiniMax, PixVerse and Pika against their public figures.

Each expected value is written as the public figure in USD (ComfyUI's price badge or the vendor's price
list, named beside it) times the quantity a realistic ComfyUI request asks for, never read from our table.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from comfyweb.errors import ApiError
from tests.nodes.test_pricing import quote


def usd(amount: str, times: int = 1) -> int:
    """Micro-USD of a public USD figure; Decimal so that $0.0035 stays exact."""
    micros = Decimal(amount) * 1_000_000 * times
    assert micros == micros.to_integral_value()
    return int(micros)


PNG_B64 = "iVBORw0KGgo="


# --- BFL: comfy_api_nodes/nodes_bfl.py badges -------------------------------------------------------


@pytest.mark.parametrize(
    ("model", "width", "height", "refs", "expected"),
    [
        ("flux-2-pro", 1024, 768, 0, usd("0.03")),  # 1 MP: the first megapixel only
        ("flux-2-pro", 1024, 1024, 0, usd("0.03")),  # MP = 1024 x 1024, so exactly 1
        ("flux-2-pro", 2048, 2048, 0, usd("0.03") + usd("0.015", 3)),
        ("flux-2-max", 1024, 768, 0, usd("0.07")),
        ("flux-2-max", 2048, 1024, 0, usd("0.07") + usd("0.03")),
        # A reference is held at 4 MP (ComfyUI downscales references to 2048 x 2048) at the further-MP rate.
        ("flux-2-pro", 1024, 1024, 1, usd("0.03") + usd("0.015", 4)),
        ("flux-2-max", 1024, 1024, 2, usd("0.07") + usd("0.03", 8)),
    ],
)
def test_it_prices_flux2_by_output_and_reference_megapixels(
    model: str, width: int, height: int, refs: int, expected: int
) -> None:
    body: dict[str, Any] = {"prompt": "p", "width": width, "height": height, "seed": 0}
    for index in range(refs):
        body["input_image" if index == 0 else f"input_image_{index + 1}"] = PNG_B64
    assert quote("bfl", f"{model}/generate", json=body) == expected


@pytest.mark.parametrize(("tool", "expected"), [("erase-v1", usd("0.06")), ("vto-v1", usd("0.075"))])
def test_it_holds_the_top_of_the_flux_tools_badge_range(tool: str, expected: int) -> None:
    body = {"image": PNG_B64, "mask": PNG_B64, "person": PNG_B64, "garment": PNG_B64, "seed": 0}
    assert quote("bfl", f"v1/flux-tools/{tool}", json=body) == expected


# --- Kling: kling.ai price list (1 unit = $0.14 video, $0.0035 image) and ComfyUI badges ------------


@pytest.mark.parametrize(
    ("kind", "body", "expected"),
    [
        # Kling 2.5 Turbo / 2.6: 0.3 units/s at 720p (std), 0.5 at 1080p (pro); 2.6 with audio 1.0 unit/s.
        ("text2video", {"model_name": "kling-v2-5-turbo", "mode": "pro", "duration": "5"}, usd("0.07", 5)),
        ("image2video", {"model_name": "kling-v2-6", "mode": "std", "duration": "10"}, usd("0.042", 10)),
        (
            "text2video",
            {"model_name": "kling-v2-6", "mode": "pro", "duration": "10", "sound": "on"},
            usd("0.14", 10),
        ),
        (
            "text2video",
            {
                "model_name": "kling-v2-6",
                "mode": "pro",
                "duration": "5",
                "sound": "on",
                "voice_list": [{"voice_id": "v"}],
            },
            usd("0.168", 5),
        ),
        # Kling 3.0: 0.6/0.8 units/s silent, 0.9/1.2 with native audio; lengths 3-15 s bill per second.
        (
            "text2video",
            {"model_name": "kling-v3", "mode": "std", "duration": "7", "sound": "off"},
            usd("0.084", 7),
        ),
        (
            "image2video",
            {"model_name": "kling-v3", "mode": "pro", "duration": "15", "sound": "on"},
            usd("0.168", 15),
        ),
        # Kling O1 / 3.0 Omni on omni-video: a reference video raises the rate to 0.9/1.2 units/s.
        ("omni-video", {"model_name": "kling-video-o1", "mode": "pro", "duration": "5"}, usd("0.112", 5)),
        (
            "omni-video",
            {
                "model_name": "kling-video-o1",
                "mode": "std",
                "duration": "10",
                "video_list": [{"video_url": "https://x/v.mp4", "refer_type": "feature"}],
            },
            usd("0.126", 10),
        ),
        (
            "omni-video",
            {"model_name": "kling-v3-omni", "mode": "pro", "duration": "8", "sound": "on"},
            usd("0.14", 8),
        ),
    ],
)
def test_it_prices_kling_per_second_models(kind: str, body: dict[str, Any], expected: int) -> None:
    assert quote("kling", f"v1/videos/{kind}", json={"prompt": "k", **body}) == expected


def test_it_refuses_a_kling_mode_kling_does_not_sell() -> None:
    with pytest.raises(ApiError) as error:
        quote("kling", "v1/videos/text2video", json={"prompt": "k", "model_name": "kling-v1", "mode": "4k"})
    assert (error.value.status, error.value.error_type) == (422, "price_unavailable")


# Kling 3.0 and 3.0 Omni sell `mode: "4k"` at $0.42/s with or without audio (ComfyUI 0.30.0 badges of
# OmniProTextToVideoNode, OmniProImageToVideoNode, OmniProFirstLastFrameNode, KlingVideoNode).
@pytest.mark.parametrize(
    ("kind", "body"),
    [
        ("omni-video", {"model_name": "kling-v3-omni", "mode": "4k", "duration": "7", "sound": "on"}),
        ("omni-video", {"model_name": "kling-v3-omni", "mode": "4k", "duration": "7", "sound": "off"}),
        ("text2video", {"model_name": "kling-v3", "mode": "4k", "duration": "7", "sound": "off"}),
        ("image2video", {"model_name": "kling-v3", "mode": "4k", "duration": "7", "sound": "on"}),
    ],
)
def test_it_prices_kling_4k(kind: str, body: dict[str, Any]) -> None:
    assert quote("kling", f"v1/videos/{kind}", json={"prompt": "k", **body}) == usd("0.42", 7)


def test_it_holds_the_longest_source_for_an_omni_edit() -> None:
    """OmniProEditVideoNode sends no duration: the output runs as long as the source, up to 10 s."""
    body = {
        "prompt": "k",
        "model_name": "kling-video-o1",
        "mode": "pro",
        "video_list": [{"video_url": "https://x/v.mp4", "refer_type": "base", "keep_original_sound": "no"}],
    }
    assert quote("kling", "v1/videos/omni-video", json=body) == usd("0.168", 10)


@pytest.mark.parametrize(
    ("path", "settings", "expected"),
    [
        ("text-to-video/kling-3.0-turbo", {"resolution": "720p", "duration": 5}, usd("0.112", 5)),
        ("image-to-video/kling-3.0-turbo", {"resolution": "1080p", "duration": 12}, usd("0.14", 12)),
        ("text-to-video/kling-3.0-turbo", {}, usd("0.112", 5)),  # Kling's defaults: 720p, 5 s
    ],
)
def test_it_prices_kling_turbo_from_its_settings(path: str, settings: dict[str, Any], expected: int) -> None:
    assert quote("kling", path, json={"prompt": "t", "settings": settings}) == expected


@pytest.mark.parametrize(
    ("scene", "inner", "expected"),
    [
        ("fuzzyfuzzy", {"model_name": "kling-v1-6", "image": PNG_B64, "duration": "5"}, usd("0.28")),
        ("bloombloom", {"model_name": "kling-v1-6", "image": PNG_B64, "duration": "5"}, usd("0.49")),
        ("hug", {"model_name": "kling-v1", "mode": "std", "duration": "5"}, usd("0.14")),
        ("kiss", {"model_name": "kling-v1-6", "mode": "pro", "duration": "10"}, usd("0.98")),
    ],
)
def test_it_prices_kling_effects_by_scene(scene: str, inner: dict[str, Any], expected: int) -> None:
    assert quote("kling", "v1/videos/effects", json={"effect_scene": scene, "input": inner}) == expected


def test_it_prices_kling_lip_sync_at_seven_cents_per_5s_for_the_longest_source() -> None:
    body = {"input": {"video_id": "v", "mode": "audio2video", "audio_type": "url", "audio_url": "https://a"}}
    assert quote("kling", "v1/videos/lip-sync", json=body) == usd("0.07", 2)  # at most 10 s


# The avatar lasts as long as its sound file, which ComfyUI 0.30.0 accepts up to 300 s.
@pytest.mark.parametrize(("mode", "expected"), [("std", usd("0.056", 300)), ("pro", usd("0.112", 300))])
def test_it_prices_kling_avatar_per_second_by_mode(mode: str, expected: int) -> None:
    body = {"image": PNG_B64, "sound_file": "https://a", "mode": mode}
    assert quote("kling", "v1/videos/avatar/image2video", json=body) == expected


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"mode": "std"}, usd("0.07", 30)),  # Kling 2.6 motion control, 30 s at most
        ({"mode": "pro"}, usd("0.112", 30)),
        ({"mode": "pro", "model_name": "kling-v3"}, usd("0.168", 30)),
    ],
)
def test_it_prices_kling_motion_control_by_model_and_mode(body: dict[str, Any], expected: int) -> None:
    full = {
        "prompt": "m",
        "image_url": "https://i",
        "video_url": "https://v",
        "character_orientation": "image",
    }
    assert quote("kling", "v1/videos/motion-control", json={**full, **body}) == expected


@pytest.mark.parametrize(
    ("kind", "body", "expected"),
    [
        ("generations", {"model_name": "kling-v1-5", "image": PNG_B64, "n": 2}, usd("0.028", 2)),
        ("generations", {"model_name": "kling-v2-1", "n": 3}, usd("0.014", 3)),
        ("generations", {"model_name": "kling-v2-1", "image": PNG_B64}, usd("0.028")),
        ("generations", {"model_name": "kling-v3"}, usd("0.028")),
        ("generations", {"model_name": "kling-v1", "image": PNG_B64, "n": 4}, usd("0.0035", 4)),
        ("omni-image", {"model_name": "kling-v3-omni", "resolution": "4k", "n": 2}, usd("0.056", 2)),
        ("omni-image", {"model_name": "kling-v3-omni", "resolution": "2k"}, usd("0.028")),
        (
            "omni-image",
            {"model_name": "kling-image-o1", "resolution": "1k", "result_type": "series", "series_amount": 4},
            usd("0.028", 4),
        ),
    ],
)
def test_it_prices_kling_images_by_model_modality_and_resolution(
    kind: str, body: dict[str, Any], expected: int
) -> None:
    assert quote("kling", f"v1/images/{kind}", json={"prompt": "k", **body}) == expected


# --- Luma: ComfyUI badges (the older v1 figures; current ones carry Comfy.org's 1.43 factor) ---------


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"model": "ray-2", "resolution": "540p", "duration": "5s"}, usd("0.40")),
        ({"model": "ray-2", "resolution": "540p", "duration": "9s"}, usd("0.72")),
        ({"model": "ray-flash-2", "resolution": "540p", "duration": "5s"}, usd("0.14")),
        ({"model": "ray-flash-2", "resolution": "540p", "duration": "9s"}, usd("0.252")),
        ({"model": "ray-flash-2", "resolution": "1080p", "duration": "5s"}, usd("0.55")),
        ({"model": "ray-flash-2", "resolution": "1080p", "duration": "9s"}, usd("0.99")),
        ({"model": "ray-flash-2", "resolution": "4k", "duration": "5s"}, usd("2.19")),
        ({"model": "ray-1-6"}, usd("0.35")),  # ComfyUI sends neither resolution nor duration for ray-1-6
    ],
)
def test_it_prices_luma_ray_videos_as_the_badges(body: dict[str, Any], expected: int) -> None:
    assert quote("luma", "generations", json={"prompt": "a cat", "aspect_ratio": "16:9", **body}) == expected


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"type": "image", "model": "uni-1"}, usd("0.0404")),
        (
            {"type": "image", "model": "uni-1-max", "image_ref": [{"url": "https://r"}] * 3},
            usd("0.1") + usd("0.003", 3),
        ),
        ({"type": "image_edit", "model": "uni-1", "source": {"url": "https://s"}}, usd("0.0434")),
        (
            {"type": "image_edit", "model": "uni-1-max", "image_ref": [{"url": "https://r"}] * 8},
            usd("0.103") + usd("0.003", 8),
        ),
        (
            {"type": "video", "model": "ray-3.2", "video": {"resolution": "720p", "duration": "5s"}},
            usd("0.3"),
        ),
        (
            {"type": "video", "model": "ray-3.2", "video": {"resolution": "1080p", "duration": "10s"}},
            usd("3.6"),
        ),
        (
            {"type": "video", "model": "ray-3.2", "video": {"resolution": "360p", "duration": "10s"}},
            usd("0.18"),
        ),
        (
            {"type": "video_edit", "model": "ray-3.2", "video": {"resolution": "540p", "duration": "5s"}},
            usd("0.72"),
        ),
        (
            {"type": "video_edit", "model": "ray-3.2", "video": {"resolution": "1080p", "duration": "10s"}},
            usd("4.32"),
        ),
        ({"type": "video_reframe", "model": "ray-3.2", "video": {"resolution": "720p"}}, usd("0.12", 30)),
    ],
)
def test_it_prices_luma_2_uni_and_ray_3_2(body: dict[str, Any], expected: int) -> None:
    assert quote("luma_2", "generations", json={"prompt": "p", **body}) == expected


@pytest.mark.parametrize(
    ("model", "expected"), [("photon-1", usd("0.0073")), ("photon-flash-1", usd("0.0019"))]
)
def test_it_prices_luma_photon_images(model: str, expected: int) -> None:
    assert quote("luma", "generations/image", json={"prompt": "p", "model": model}) == expected


# --- MiniMax: comfy_api_nodes/nodes_minimax.py badges -----------------------------------------------


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"model": "T2V-01-Director"}, usd("0.43")),
        ({"model": "I2V-01-live", "first_frame_image": "https://i"}, usd("0.43")),
        ({"model": "MiniMax-Hailuo-02", "resolution": "768P", "duration": 6}, usd("0.28")),
        ({"model": "MiniMax-Hailuo-02", "resolution": "768P", "duration": 10}, usd("0.56")),
    ],
)
def test_it_prices_minimax_as_the_badges(body: dict[str, Any], expected: int) -> None:
    assert (
        quote("minimax", "video_generation", json={"prompt": "m", "prompt_optimizer": True, **body})
        == expected
    )


# --- PixVerse: PixVerse's own credit table ($1 = 100 credits) and the V6 badge / 1.43 ---------------


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"quality": "360p", "duration": 5, "motion_mode": "fast"}, usd("0.90")),
        ({"quality": "1080p", "duration": 5, "motion_mode": "normal"}, usd("1.20")),
        ({"quality": "540p", "duration": 8, "motion_mode": "normal"}, usd("0.90")),
    ],
)
def test_it_prices_pixverse_as_its_credit_table(body: dict[str, Any], expected: int) -> None:
    assert (
        quote("pixverse", "video/text/generate", json={"prompt": "p", "aspect_ratio": "16:9", **body})
        == expected
    )


@pytest.mark.parametrize(
    ("path", "body", "expected"),
    [
        (
            "video/text/generate",
            {"quality": "720p", "duration": 10, "generate_audio_switch": True},
            usd("0.1716", 10),
        ),
        (
            "video/img/generate",
            {"quality": "360p", "duration": 3, "generate_audio_switch": False},
            usd("0.0715", 3),
        ),
        (
            "video/transition/generate",
            {"quality": "1080p", "duration": 15, "generate_audio_switch": True},
            usd("0.3289", 15),
        ),
        (
            "video/text/generate",
            {"quality": "540p", "duration": 5, "generate_audio_switch": False},
            usd("0.1001", 5),
        ),
    ],
)
def test_it_prices_pixverse_v6_per_second_without_comfy_orgs_markup(
    path: str, body: dict[str, Any], expected: int
) -> None:
    listed = quote("pixverse", path, json={"prompt": "p", "model": "v6", "seed": 1, **body})
    # The badge is 1.43 times PixVerse's price (its V3.5-V4.5 badges are 1.43 times the credit table).
    assert listed * Decimal("1.43") == expected


# --- Pika: the last ComfyUI badges before Pika left (Dec 2025) --------------------------------------


@pytest.mark.parametrize(
    ("path", "fields", "files", "expected"),
    [
        (
            "generate/2.2/pikaframes",
            {"resolution": "720p", "duration": "10"},
            ("keyFrames", "keyFrames"),
            usd("0.25"),
        ),
        (
            "generate/2.2/pikaframes",
            {"resolution": "1080p", "duration": "5"},
            ("keyFrames", "keyFrames"),
            usd("0.3"),
        ),
        (
            "generate/2.2/pikascenes",
            {"resolution": "720p", "duration": "5"},
            ("images", "images"),
            usd("0.3"),
        ),
        ("generate/2.2/pikascenes", {"resolution": "1080p", "duration": "10"}, ("images",), usd("1.5")),
        ("generate/2.2/pikascenes", {"resolution": "720p", "duration": "10"}, ("images",), usd("0.4")),
        ("generate/2.2/i2v", {"resolution": "720p", "duration": "10"}, ("image",), usd("0.6")),
    ],
)
def test_it_prices_pika_frames_and_scenes_with_their_own_tables(
    path: str, fields: dict[str, Any], files: tuple[str, ...], expected: int
) -> None:
    assert quote("pika", path, fields={"promptText": "p", **fields}, files=files) == expected
