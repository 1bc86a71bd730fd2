"""Real compressed audio for the sandbox, made in pure Python: MP3 and Ogg Opus silence.

MP3 (ElevenLabs' default `mp3_44100_192`): a stream of MPEG-1 Layer III frames with no CRC whose side
information and main data are all zero: every granule has `part2_3_length` 0 and `global_gain` 0, so any
decoder reads it as digital silence of exactly `frames * 1152 / sample rate` seconds. No encoder is
needed, and the bytes are a pure function of the spec (like `media.py`'s files), so a signed URL can
carry it. Ogg Opus (`opus_48000_192`): the two header packets RFC 7845 requires, then 20 ms packets whose
one frame is empty, which RFC 6716 (3.2.1) lets a decoder play as silence.
"""

from __future__ import annotations

import struct
from functools import lru_cache

SAMPLES_PER_FRAME = 1152  # MPEG-1 Layer III
# MPEG-1 Layer III tables (ISO/IEC 11172-3, 2.4.2.3): bitrate index → kbit/s, sample-rate index → Hz.
BITRATES_KBPS = (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320)
SAMPLE_RATES = (44100, 48000, 32000)
MONO = 0b11  # channel mode "single channel": 17 bytes of side information per frame
SIDE_INFO_MONO = 17
HEADER_BYTES = 4


def frame_header(*, bitrate_kbps: int, sample_rate: int, padding: bool) -> bytes:
    """The 4-byte header: sync word, MPEG-1, Layer III, no CRC, the rate indexes, mono, not emphasised."""
    word = (
        (0x7FF << 21)  # 11-bit sync word
        | (0b11 << 19)  # MPEG version 1
        | (0b01 << 17)  # Layer III
        | (1 << 16)  # protection bit set: no CRC follows
        | (BITRATES_KBPS.index(bitrate_kbps) << 12)
        | (SAMPLE_RATES.index(sample_rate) << 10)
        | (int(padding) << 9)
        | (MONO << 6)
    )
    return word.to_bytes(4, "big")


def frame_length(*, bitrate_kbps: int, sample_rate: int, padding: bool) -> int:
    """Bytes in one frame, header included (144 * bitrate / sample rate, plus the padding byte)."""
    return 144 * bitrate_kbps * 1000 // sample_rate + int(padding)


def frame_count(seconds: float, sample_rate: int) -> int:
    return max(1, round(seconds * sample_rate / SAMPLES_PER_FRAME))


@lru_cache(maxsize=16)
def mp3_bytes(*, seconds: float, bitrate_kbps: int = 192, sample_rate: int = 44100) -> bytes:
    """`seconds` of silence at the given rates (defaults: ElevenLabs' `mp3_44100_192`), mono."""
    out = bytearray()
    # The padding byte keeps the average frame at exactly 144 * bitrate / rate bytes (ISO 11172-3
    # 2.4.3.1): add it whenever the fractional part carried so far reaches a whole byte.
    per_frame = 144 * bitrate_kbps * 1000
    carried = 0
    for _ in range(frame_count(seconds, sample_rate)):
        carried += per_frame % sample_rate
        padding = carried >= sample_rate
        if padding:
            carried -= sample_rate
        length = frame_length(bitrate_kbps=bitrate_kbps, sample_rate=sample_rate, padding=padding)
        out += frame_header(bitrate_kbps=bitrate_kbps, sample_rate=sample_rate, padding=padding)
        out += bytes(length - HEADER_BYTES)  # zero side information and main data: silence
    return bytes(out)


def parse_frames(data: bytes) -> list[tuple[int, int, int]]:
    """(bitrate kbit/s, sample rate, length) of each frame, following the chain of frame lengths from the
    first byte to the last; ValueError where a frame does not start with a valid MPEG-1 Layer III header."""
    frames: list[tuple[int, int, int]] = []
    offset = 0
    while offset < len(data):
        if len(data) - offset < HEADER_BYTES:
            raise ValueError(f"a truncated frame header at byte {offset}")
        word = int.from_bytes(data[offset : offset + HEADER_BYTES], "big")
        if word >> 21 != 0x7FF or (word >> 19) & 0b11 != 0b11 or (word >> 17) & 0b11 != 0b01:
            raise ValueError(f"no MPEG-1 Layer III sync at byte {offset}")
        bitrate_index, rate_index = (word >> 12) & 0xF, (word >> 10) & 0b11
        if not 0 < bitrate_index < len(BITRATES_KBPS) or rate_index >= len(SAMPLE_RATES):
            raise ValueError(f"a reserved bitrate or sample rate at byte {offset}")
        bitrate, rate = BITRATES_KBPS[bitrate_index], SAMPLE_RATES[rate_index]
        length = frame_length(bitrate_kbps=bitrate, sample_rate=rate, padding=bool((word >> 9) & 1))
        if offset + length > len(data):
            raise ValueError(f"the frame at byte {offset} runs past the end")
        frames.append((bitrate, rate, length))
        offset += length
    return frames


def duration_seconds(data: bytes) -> float:
    """The length of an MP3 made of constant-rate frames, from its frame chain."""
    frames = parse_frames(data)
    return sum(SAMPLES_PER_FRAME / rate for _bitrate, rate, _length in frames)


# --- Ogg Opus -----------------------------------------------------------------------------------------------
OPUS_RATE = 48_000  # Ogg Opus granule positions always count 48 kHz samples (RFC 7845 4)
OPUS_FRAME = 960  # 20 ms
OPUS_PRE_SKIP = 312
# TOC byte: configuration 31 (CELT-only, fullband, 20 ms), mono, code 0 (one frame); nothing follows, so the
# frame is empty.
OPUS_SILENT_PACKET = bytes([31 << 3])
OGG_SERIAL = 0x636F6D66  # any fixed stream serial number
PACKETS_PER_PAGE = 50  # one second a page


def _ogg_crc(data: bytes) -> int:
    """Ogg's CRC-32: polynomial 0x04C11DB7, not reflected, zero start, no final xor (RFC 3533 6)."""
    crc = 0
    for byte in data:
        crc ^= byte << 24
        for _ in range(8):
            crc = ((crc << 1) ^ 0x04C11DB7) if crc & 0x80000000 else crc << 1
            crc &= 0xFFFFFFFF
    return crc


def _ogg_page(packets: list[bytes], *, sequence: int, granule: int, flags: int) -> bytes:
    """One page holding whole packets, each shorter than 255 bytes (so one lacing value each)."""
    lacing = bytes(len(packet) for packet in packets)
    header = (
        b"OggS"
        + bytes([0, flags])
        + struct.pack("<qII", granule, OGG_SERIAL, sequence)
        + b"\0\0\0\0"
        + bytes([len(lacing)])
        + lacing
    )
    page = header + b"".join(packets)
    return page[:22] + struct.pack("<I", _ogg_crc(page)) + page[26:]


@lru_cache(maxsize=16)
def ogg_opus_bytes(*, seconds: float) -> bytes:
    """`seconds` of mono Ogg Opus silence."""
    head = b"OpusHead" + struct.pack("<BBHIhB", 1, 1, OPUS_PRE_SKIP, OPUS_RATE, 0, 0)
    vendor = b"comfyweb sandbox"
    tags = b"OpusTags" + struct.pack("<I", len(vendor)) + vendor + struct.pack("<I", 0)
    pages = [
        _ogg_page([head], sequence=0, granule=0, flags=0x02),  # beginning of stream
        _ogg_page([tags], sequence=1, granule=0, flags=0),
    ]
    total = max(1, round(seconds * OPUS_RATE / OPUS_FRAME))
    done = 0
    while done < total:
        count = min(PACKETS_PER_PAGE, total - done)
        done += count
        flags = 0x04 if done == total else 0  # end of stream
        granule = OPUS_PRE_SKIP + done * OPUS_FRAME
        pages.append(
            _ogg_page([OPUS_SILENT_PACKET] * count, sequence=len(pages), granule=granule, flags=flags)
        )
    return b"".join(pages)


def parse_ogg_pages(data: bytes) -> list[tuple[int, int, list[bytes]]]:
    """(flags, granule position, packets) of each page, each page's CRC checked; ValueError if garbled."""
    pages: list[tuple[int, int, list[bytes]]] = []
    offset = 0
    while offset < len(data):
        if data[offset : offset + 4] != b"OggS" or len(data) - offset < 27:
            raise ValueError(f"no Ogg capture pattern at byte {offset}")
        flags = data[offset + 5]
        granule, _serial, _sequence, crc = struct.unpack("<qIII", data[offset + 6 : offset + 26])
        lacing = data[offset + 27 : offset + 27 + data[offset + 26]]
        start = offset + 27 + len(lacing)
        end = start + sum(lacing)
        page = data[offset:end]
        if _ogg_crc(page[:22] + b"\0\0\0\0" + page[26:]) != crc:
            raise ValueError(f"a bad page CRC at byte {offset}")
        packets, cursor = [], start
        for size in lacing:
            packets.append(data[cursor : cursor + size])
            cursor += size
        pages.append((flags, granule, packets))
        offset = end
    return pages
