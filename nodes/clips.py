"""How long an MP4 (ISO BMFF) runs, read from its boxes without decoding it: an uploaded clip a vendor
bills by its length (ElevenLabs), or a delivered video charged by its length (Gemini Omni).

A header can say anything, so the length is the longest of what the file states: the movie header
(`mvhd`), each track's media header (`mdhd`), and each track's sample table (`stts`: what a decoder plays).
A fragmented MP4 (`moof`) keeps its lengths in the fragments: it reads as unknown, and the caller holds
its limit instead."""

from __future__ import annotations

import struct
from collections.abc import Iterator


def boxes(data: bytes) -> Iterator[tuple[bytes, bytes]]:
    """(type, payload) of each box at this level, in order; stops at a garbled one."""
    offset = 0
    while offset + 8 <= len(data):
        size, kind = struct.unpack(">I4s", data[offset : offset + 8])
        start = offset + 8
        if size == 1 and offset + 16 <= len(data):  # a 64-bit size follows the type
            size, start = struct.unpack(">Q", data[offset + 8 : offset + 16])[0], offset + 16
        elif size == 0:  # the box runs to the end
            size = len(data) - offset
        if size < start - offset or offset + size > len(data):
            return
        yield kind, data[start : offset + size]
        offset += size


def _first(data: bytes, kind: bytes) -> bytes:
    return next((payload for found, payload in boxes(data) if found == kind), b"")


def _header_length(header: bytes, *, v0_at: int, v1_at: int) -> tuple[int, int] | None:
    """(timescale, duration) of an `mvhd` / `mdhd` payload, by its version."""
    if len(header) >= v0_at + 8 and header[:1] == b"\0":
        return struct.unpack(">II", header[v0_at : v0_at + 8])
    if len(header) >= v1_at + 12 and header[:1] == b"\1":
        timescale, duration = struct.unpack(">IQ", header[v1_at : v1_at + 12])
        return timescale, duration
    return None


def _sample_ticks(stts: bytes) -> int:
    """The sum of a `stts` table's sample durations, in the track's timescale."""
    if len(stts) < 8:
        return 0
    (entries,) = struct.unpack(">I", stts[4:8])
    body = stts[8 : 8 + 8 * entries]
    return sum(count * delta for count, delta in struct.iter_unpack(">II", body[: len(body) // 8 * 8]))


def _track_seconds(trak: bytes) -> list[float]:
    mdia = _first(trak, b"mdia")
    found = _header_length(_first(mdia, b"mdhd"), v0_at=12, v1_at=20)
    if found is None or not found[0]:
        return []
    timescale, duration = found
    stts = _first(_first(_first(mdia, b"minf"), b"stbl"), b"stts")
    return [duration / timescale, _sample_ticks(stts) / timescale]


def mp4_seconds(data: bytes) -> float | None:
    """The longest length the MP4 states, in seconds; None when it states none (or is fragmented)."""
    top = list(boxes(data))
    if any(kind == b"moof" for kind, _payload in top):
        return None
    moov = next((payload for kind, payload in top if kind == b"moov"), b"")
    lengths: list[float] = []
    movie = _header_length(_first(moov, b"mvhd"), v0_at=12, v1_at=20)
    if movie is not None and movie[0]:
        lengths.append(movie[1] / movie[0])
    for kind, payload in boxes(moov):
        if kind == b"trak":
            lengths.extend(_track_seconds(payload))
    longest = max(lengths, default=0.0)
    return longest if longest > 0 else None
