"""The length of an MP4 is the longest it states (nodes/clips.py): a clip whose movie header is forged
short is still priced by what its sample table makes a decoder play."""

from __future__ import annotations

import struct

from nodes.clips import mp4_seconds
from nodes.sandbox.mp4 import mp4_bytes


def _with_movie_duration(data: bytes, ticks: int) -> bytes:
    """The same MP4 with `moov/mvhd`'s duration (version 0) replaced."""
    at = data.index(b"mvhd")
    duration_at = at + 4 + 4 + 8 + 4  # type, version+flags, creation+modification, timescale
    return data[:duration_at] + struct.pack(">I", ticks) + data[duration_at + 4 :]


def test_a_clip_reads_as_long_as_it_plays() -> None:
    clip = mp4_bytes(seed=3, seconds=4)
    assert mp4_seconds(clip) == 4


def test_a_movie_header_forged_short_does_not_shorten_the_clip() -> None:
    forged = _with_movie_duration(mp4_bytes(seed=3, seconds=4), 1)
    assert mp4_seconds(forged) == 4  # the track's header and its samples still say 4 s


def test_fragmented_garbled_or_empty_files_read_as_unknown() -> None:
    fragmented = struct.pack(">I4s", 8, b"moov") + struct.pack(">I4s", 8, b"moof")
    assert mp4_seconds(fragmented) is None
    assert mp4_seconds(b"not an mp4") is None
    assert mp4_seconds(b"") is None
