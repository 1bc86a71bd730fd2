"""The sandbox's generated files are real files: valid PNG, MP4 (H.264 in ISO-BMFF) and WAV."""

from __future__ import annotations

import pytest

from nodes.sandbox import media, mp4
from nodes.sandbox.files import OutputFile, file_from_token
from tests.nodes.sandbox_support import mp4_check, png_size, wav_seconds


@pytest.mark.parametrize(("width", "height"), [(64, 64), (512, 288), (100, 512)])
def test_it_makes_valid_pngs_of_the_requested_size(width: int, height: int) -> None:
    assert png_size(media.png_bytes(seed=7, width=width, height=height)) == (width, height)


def test_it_colours_images_by_seed() -> None:
    assert media.png_bytes(seed=1, width=64, height=64) != media.png_bytes(seed=2, width=64, height=64)
    assert media.png_bytes(seed=1, width=64, height=64) == media.png_bytes(seed=1, width=64, height=64)


@pytest.mark.parametrize(
    ("asked", "expected"),
    [
        ((1024, 1024), (1024, 1024)),
        ((1920, 1080), (1920, 1080)),
        ((3840, 2160), (3840, 2160)),
        ((8192, 4096), (4096, 2048)),
        ((16, 9), (1024, 576)),
        ((10, 5000), (16, 4096)),
        ((0, 0), (1024, 1024)),
    ],
)
def test_it_honours_the_requested_size(asked: tuple[int, int], expected: tuple[int, int]) -> None:
    assert media.clamp_size(*asked) == expected


@pytest.mark.parametrize("seconds", [1, 2, 5])
def test_it_makes_mp4s_with_one_idr_frame_per_sample(seconds: int) -> None:
    data = mp4.mp4_bytes(seed=3, seconds=seconds)
    assert data[4:8] == b"ftyp"
    assert mp4_check(data) == mp4.FPS * seconds


def test_it_never_lets_pcm_samples_emulate_a_start_code() -> None:
    data = mp4.mp4_bytes(seed=11, seconds=1)
    mdat = data.index(b"mdat")
    assert b"\x00\x00\x01" not in data[mdat + 4 + 5 :].replace(b"\x00\x00\x03", b"")


@pytest.mark.parametrize("seconds", [1, 3])
def test_it_makes_wavs_of_the_requested_length(seconds: int) -> None:
    assert wav_seconds(media.wav_bytes(seed=5, seconds=seconds)) == seconds


def test_it_makes_svgs() -> None:
    svg = media.svg_bytes(seed=5, width=64, height=64)
    assert svg.startswith(b"<svg ")
    assert svg.endswith(b"</svg>")


def test_it_round_trips_file_tokens() -> None:
    original = OutputFile(ext="png", seed=9, width=128, height=64)
    token = original.url().rsplit("/", 1)[1].removesuffix(".png")
    assert file_from_token(token, "png") == original
    assert file_from_token(token, "mp4") is None
