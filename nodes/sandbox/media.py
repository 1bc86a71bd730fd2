"""Real output files for the sandbox, made in pure Python: PNG images, WAV audio and SVG vectors.

Every file is a pure function of a small spec (seed and size), so a signed URL can carry the spec and any
process can regenerate the same bytes — nothing is stored. MP4 lives in `mp4.py`.
"""

from __future__ import annotations

import colorsys
import hashlib
import io
import math
import struct
import wave
import zlib
from array import array
from functools import lru_cache

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
MIN_SIDE = 16
MAX_SIDE = 4096  # 4K outputs (3840 x 2160) are drawn at their size; anything larger is scaled to fit
DEFAULT_SIDE = 1024  # no size asked for, or only an aspect ratio: the long side the vendors default to
RATIO_BELOW = 64  # "16:9", "21:9": both numbers this small are an aspect ratio, not pixels
RGB = tuple[int, int, int]


def palette(seed: int) -> tuple[RGB, RGB, RGB]:
    """Three harmonious colours picked by a hash of the seed (the prompt's hash, usually)."""
    digest = hashlib.sha256(str(seed).encode()).digest()
    hue = digest[0] / 255
    spread = 0.10 + digest[1] / 255 * 0.25
    colours = []
    for index, (sat, val) in enumerate(((0.65, 0.95), (0.55, 0.80), (0.70, 0.45))):
        r, g, b = colorsys.hsv_to_rgb((hue + index * spread) % 1.0, sat, val)
        colours.append((round(r * 255), round(g * 255), round(b * 255)))
    return colours[0], colours[1], colours[2]


def _mix(a: RGB, b: RGB, t: float) -> RGB:
    return (round(a[0] + (b[0] - a[0]) * t), round(a[1] + (b[1] - a[1]) * t), round(a[2] + (b[2] - a[2]) * t))


def gradient_line(seed: int, length: int) -> list[RGB]:
    """One diagonal run of colours; pixel (x, y) of an image takes entry x + y, so rows are slices."""
    first, middle, last = palette(seed)
    steps = max(1, length - 1)
    line = []
    for index in range(length):
        t = index / steps
        line.append(_mix(first, middle, t * 2) if t < 0.5 else _mix(middle, last, (t - 0.5) * 2))
    return line


def clamp_size(width: int, height: int) -> tuple[int, int]:
    """The requested size in pixels, as asked (README: the sandbox honours it). An aspect ratio ("16:9")
    or no size gets a long side of 1024; more than 4096 on a side is scaled down to fit; sides stay at
    least 16 px."""
    width, height = max(1, width), max(1, height)
    if max(width, height) < RATIO_BELOW:
        scale = DEFAULT_SIDE / max(width, height)
    else:
        scale = min(1.0, MAX_SIDE / max(width, height))
    width, height = round(width * scale), round(height * scale)
    return max(MIN_SIDE, min(MAX_SIDE, width)), max(MIN_SIDE, min(MAX_SIDE, height))


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


@lru_cache(maxsize=64)
def png_bytes(*, seed: int, width: int, height: int) -> bytes:
    """A diagonal three-colour gradient with soft horizontal bands, as an 8-bit RGB PNG."""
    line = gradient_line(seed, width + height)
    plain = bytes(channel for pixel in line for channel in pixel)
    # A slightly lighter copy of the line gives every other 32-px band a sheen; rows stay cheap slices.
    light = bytes(min(255, channel + 9) for channel in plain)
    rows = bytearray()
    for y in range(height):
        source = light if (y // 32) % 2 else plain
        rows += b"\x00" + source[y * 3 : (y + width) * 3]
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        PNG_SIGNATURE
        + _chunk(b"IHDR", header)
        # Past a megapixel the fast level: a 4K gradient still compresses to well under a megabyte.
        + _chunk(b"IDAT", zlib.compress(bytes(rows), 6 if width * height <= 1 << 20 else 1))
        + _chunk(b"IEND", b"")
    )


@lru_cache(maxsize=16)
def wav_bytes(*, seed: int, seconds: int, rate: int = 22050) -> bytes:
    """A gentle two-note chord with a fade in and out: 16-bit mono PCM WAV."""
    base = 220.0 * 2 ** ((seed % 12) / 12)
    count = rate * max(1, seconds)
    fade = rate // 10
    samples = array("h")
    for index in range(count):
        t = index / rate
        envelope = min(1.0, index / fade, (count - index) / fade)
        value = 0.5 * math.sin(2 * math.pi * base * t) + 0.3 * math.sin(2 * math.pi * base * 1.5 * t)
        samples.append(int(value * envelope * 12000))
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(samples.tobytes())
    return buffer.getvalue()


def svg_bytes(*, seed: int, width: int, height: int) -> bytes:
    """A small vector picture in the same palette (Recraft's vector styles and vectorize return SVG)."""
    first, middle, last = (f"#{r:02x}{g:02x}{b:02x}" for r, g, b in palette(seed))
    radius = min(width, height) // 3
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}"><rect width="{width}" height="{height}" fill="{first}"/>'
        f'<circle cx="{width // 2}" cy="{height // 2}" r="{radius}" fill="{middle}"/>'
        f'<rect x="0" y="{height * 3 // 4}" width="{width}" height="{height // 4}" fill="{last}"/></svg>'
    ).encode()
