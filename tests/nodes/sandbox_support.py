"""Helpers for the sandbox and storage tests: a vendor-style caller and file-format checks."""

from __future__ import annotations

import io
import struct
import wave
import zlib
from typing import Any

from django.conf import settings
from django.test import Client

from nodes.sandbox.vendors import KEY_HEADERS, sandbox_key


def key_headers(vendor: str) -> dict[str, str]:
    header, prefix = KEY_HEADERS[vendor]
    return {header: prefix + sandbox_key(vendor)}


def call(
    client: Client,
    vendor: str,
    method: str,
    path: str,
    *,
    json: Any = None,
    multipart: dict[str, Any] | None = None,
    form: str | None = None,
    key: bool = True,
) -> Any:
    """Call `/sandbox/<vendor>/<path>` the way the /proxy engine does (the vendor's key header)."""
    url = path if path.startswith("http") else f"/sandbox/{vendor}/{path}"
    url = url.removeprefix("http://testserver")
    headers = key_headers(vendor) if key else {}
    if method == "GET":
        return client.get(url, headers=headers)
    if multipart is not None:
        return client.post(url, data=multipart, headers=headers)
    if form is not None:
        return client.post(url, data=form, content_type="application/x-www-form-urlencoded", headers=headers)
    return client.post(
        url, data=json if json is not None else {}, content_type="application/json", headers=headers
    )


def fetch(client: Client, url: str) -> Any:
    """Download an absolute result URL with no credentials at all, as ComfyUI does."""
    assert url.startswith(settings.PUBLIC_BASE_URL + "/"), url
    return client.get(url.removeprefix(settings.PUBLIC_BASE_URL))


def png_size(data: bytes) -> tuple[int, int]:
    """Validate a PNG chunk by chunk (signature, CRCs, IHDR first, IEND last, pixel data size)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    offset, chunks = 8, []
    while offset < len(data):
        (length,) = struct.unpack(">I", data[offset : offset + 4])
        kind = data[offset + 4 : offset + 8]
        body = data[offset + 8 : offset + 8 + length]
        (crc,) = struct.unpack(">I", data[offset + 8 + length : offset + 12 + length])
        assert zlib.crc32(kind + body) == crc, f"bad CRC in {kind!r}"
        chunks.append((kind, body))
        offset += 12 + length
    assert offset == len(data)
    assert chunks[0][0] == b"IHDR"
    assert chunks[-1] == (b"IEND", b"")
    width, height, depth, colour = struct.unpack(">IIBB", chunks[0][1][:10])
    assert (depth, colour) == (8, 2)
    pixels = zlib.decompress(b"".join(body for kind, body in chunks if kind == b"IDAT"))
    assert len(pixels) == height * (1 + 3 * width)
    return width, height


def _boxes(data: bytes, start: int = 0, end: int | None = None) -> dict[bytes, tuple[int, int]]:
    """Top-level ISO-BMFF boxes in data[start:end] → {type: (payload start, payload end)}; sizes must tile."""
    end = len(data) if end is None else end
    found, offset = {}, start
    while offset < end:
        size, kind = struct.unpack(">I4s", data[offset : offset + 8])
        assert size >= 8, f"bad box {kind!r}"
        assert offset + size <= end, f"box {kind!r} overruns its parent"
        found[kind] = (offset + 8, offset + size)
        offset += size
    assert offset == end
    return found


def mp4_check(data: bytes) -> int:
    """Validate box structure and the sample table against mdat; returns the number of H.264 frames."""
    top = _boxes(data)
    assert {b"ftyp", b"moov", b"mdat"} <= set(top)
    moov = _boxes(data, *top[b"moov"])
    trak = _boxes(data, *moov[b"trak"])
    mdia = _boxes(data, *trak[b"mdia"])
    minf = _boxes(data, *mdia[b"minf"])
    stbl = _boxes(data, *minf[b"stbl"])
    stsd_start = stbl[b"stsd"][0]
    assert data[stsd_start + 12 : stsd_start + 16] == b"avc1"
    (count,) = struct.unpack_from(">I", data, stbl[b"stsz"][0] + 8)
    sizes = list(struct.unpack_from(f">{count}I", data, stbl[b"stsz"][0] + 12))
    (chunk_offset,) = struct.unpack_from(">I", data, stbl[b"stco"][0] + 8)
    mdat_start, mdat_end = top[b"mdat"]
    assert chunk_offset == mdat_start
    assert sum(sizes) == mdat_end - mdat_start
    position = chunk_offset
    for size in sizes:
        (nal_length,) = struct.unpack_from(">I", data, position)
        assert nal_length == size - 4
        assert data[position + 4] == 0x65
        position += size
    return count


def wav_seconds(data: bytes) -> float:
    with wave.open(io.BytesIO(data)) as audio:
        assert (audio.getnchannels(), audio.getsampwidth()) == (1, 2)
        assert audio.getnframes() > 0
        return audio.getnframes() / audio.getframerate()
