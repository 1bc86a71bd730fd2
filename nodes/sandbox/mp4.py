"""A real, decodable MP4 made in pure Python: H.264 Baseline with I_PCM macroblocks in an ISO-BMFF file.

I_PCM macroblocks carry raw YUV samples, so the encoder is just bit-exact headers plus pixels — no
transform, no entropy coder — and every standard decoder plays the result. Each frame is an IDR picture,
so the file needs no sync-sample table. The picture is the same palette gradient as the PNGs, sliding.
"""

from __future__ import annotations

import struct
from functools import lru_cache

from nodes.sandbox.media import gradient_line

WIDTH = 112  # multiples of 16: whole macroblocks, no cropping
HEIGHT = 64
FPS = 8
TIMESCALE = 1000
SHIFT_PER_FRAME = 4
PROFILE_BASELINE = 66
CONSTRAINTS = 0xC0  # constraint_set0 and constraint_set1: plain Baseline
LEVEL = 30
MB_TYPE_I_PCM = 25


class _BitWriter:
    def __init__(self) -> None:
        self.out = bytearray()
        self._acc = 0
        self._bits = 0

    def u(self, count: int, value: int) -> None:
        self._acc = (self._acc << count) | value
        self._bits += count
        while self._bits >= 8:
            self._bits -= 8
            self.out.append((self._acc >> self._bits) & 0xFF)
        self._acc &= (1 << self._bits) - 1

    def ue(self, value: int) -> None:
        code = value + 1
        self.u(code.bit_length() - 1, 0)
        self.u(code.bit_length(), code)

    def se(self, value: int) -> None:
        self.ue(2 * value - 1 if value > 0 else -2 * value)

    def align_zero(self) -> None:
        if self._bits:
            self.u(8 - self._bits, 0)

    def raw(self, data: bytes) -> None:
        self.out += data

    def trailing(self) -> bytes:
        self.u(1, 1)
        self.align_zero()
        return bytes(self.out)


def _nal(header: int, rbsp: bytes) -> bytes:
    """Wrap an RBSP into a NAL unit, inserting emulation-prevention bytes (00 00 0x → 00 00 03 0x)."""
    out = bytearray([header])
    zeros = 0
    for byte in rbsp:
        if zeros == 2 and byte <= 3:
            out.append(3)
            zeros = 0
        out.append(byte)
        zeros = zeros + 1 if byte == 0 else 0
    return bytes(out)


def _sps() -> bytes:
    bits = _BitWriter()
    bits.u(8, PROFILE_BASELINE)
    bits.u(8, CONSTRAINTS)
    bits.u(8, LEVEL)
    bits.ue(0)  # seq_parameter_set_id
    bits.ue(0)  # log2_max_frame_num_minus4
    bits.ue(2)  # pic_order_cnt_type 2: output order = decoding order
    bits.ue(1)  # max_num_ref_frames
    bits.u(1, 0)  # gaps_in_frame_num_value_allowed_flag
    bits.ue(WIDTH // 16 - 1)
    bits.ue(HEIGHT // 16 - 1)
    bits.u(1, 1)  # frame_mbs_only_flag
    bits.u(1, 1)  # direct_8x8_inference_flag
    bits.u(1, 0)  # frame_cropping_flag
    bits.u(1, 0)  # vui_parameters_present_flag
    return _nal(0x67, bits.trailing())


def _pps() -> bytes:
    bits = _BitWriter()
    bits.ue(0)  # pic_parameter_set_id
    bits.ue(0)  # seq_parameter_set_id
    bits.u(1, 0)  # entropy_coding_mode_flag: CAVLC
    bits.u(1, 0)  # bottom_field_pic_order_in_frame_present_flag
    bits.ue(0)  # num_slice_groups_minus1
    bits.ue(0)  # num_ref_idx_l0_default_active_minus1
    bits.ue(0)  # num_ref_idx_l1_default_active_minus1
    bits.u(1, 0)  # weighted_pred_flag
    bits.u(2, 0)  # weighted_bipred_idc
    bits.se(0)  # pic_init_qp_minus26
    bits.se(0)  # pic_init_qs_minus26
    bits.se(0)  # chroma_qp_index_offset
    bits.u(1, 1)  # deblocking_filter_control_present_flag
    bits.u(1, 0)  # constrained_intra_pred_flag
    bits.u(1, 0)  # redundant_pic_cnt_present_flag
    return _nal(0x68, bits.trailing())


def _yuv(pixel: tuple[int, int, int]) -> tuple[int, int, int]:
    """BT.601 limited range; never 0, so PCM samples cannot look like a start code."""
    r, g, b = pixel
    y = 16 + (65.481 * r + 128.553 * g + 24.966 * b) / 255
    cb = 128 + (-37.797 * r - 74.203 * g + 112.0 * b) / 255
    cr = 128 + (112.0 * r - 93.786 * g - 18.214 * b) / 255
    return round(y), round(cb), round(cr)


def _idr_slice(planes: tuple[bytes, bytes, bytes], offset: int, idr_pic_id: int) -> bytes:
    luma, blue, red = planes
    bits = _BitWriter()
    bits.ue(0)  # first_mb_in_slice
    bits.ue(7)  # slice_type: I (all slices of the picture)
    bits.ue(0)  # pic_parameter_set_id
    bits.u(4, 0)  # frame_num (log2_max_frame_num = 4)
    bits.ue(idr_pic_id)
    bits.u(1, 0)  # no_output_of_prior_pics_flag
    bits.u(1, 0)  # long_term_reference_flag
    bits.se(0)  # slice_qp_delta
    bits.ue(1)  # disable_deblocking_filter_idc
    for mb_y in range(HEIGHT // 16):
        for mb_x in range(WIDTH // 16):
            bits.ue(MB_TYPE_I_PCM)
            bits.align_zero()
            # Pixel (x, y) shows gradient entry x + y + offset; chroma is sampled at even positions.
            for row in range(16):
                start = mb_x * 16 + mb_y * 16 + row + offset
                bits.raw(luma[start : start + 16])
            for plane in (blue, red):
                for row in range(8):
                    start = mb_x * 16 + mb_y * 16 + 2 * row + offset
                    bits.raw(plane[start : start + 16 : 2])
    return _nal(0x65, bits.trailing())


def _box(kind: bytes, *parts: bytes) -> bytes:
    payload = b"".join(parts)
    return struct.pack(">I", 8 + len(payload)) + kind + payload


def _full_box(kind: bytes, version: int, flags: int, *parts: bytes) -> bytes:
    return _box(kind, struct.pack(">I", (version << 24) | flags), *parts)


_MATRIX = struct.pack(">9i", 0x00010000, 0, 0, 0, 0x00010000, 0, 0, 0, 0x40000000)


def _sample_entry(sps: bytes, pps: bytes) -> bytes:
    avcc = _box(
        b"avcC",
        bytes([1, sps[1], sps[2], sps[3], 0xFF, 0xE1]),
        struct.pack(">H", len(sps)),
        sps,
        b"\x01",
        struct.pack(">H", len(pps)),
        pps,
    )
    compressor = b"\x0bcomfyweb-pcm".ljust(32, b"\x00")
    return _box(
        b"avc1",
        b"\x00" * 6 + struct.pack(">H", 1),  # reserved, data_reference_index
        b"\x00" * 16,  # pre_defined / reserved
        struct.pack(">HHIIIH", WIDTH, HEIGHT, 0x00480000, 0x00480000, 0, 1),
        compressor,
        struct.pack(">Hh", 0x0018, -1),
        avcc,
    )


def _moov(samples: list[bytes], sps: bytes, pps: bytes, data_offset: int) -> bytes:
    delta = TIMESCALE // FPS
    duration = delta * len(samples)
    stbl = _box(
        b"stbl",
        _full_box(b"stsd", 0, 0, struct.pack(">I", 1), _sample_entry(sps, pps)),
        _full_box(b"stts", 0, 0, struct.pack(">III", 1, len(samples), delta)),
        _full_box(b"stsc", 0, 0, struct.pack(">IIII", 1, 1, len(samples), 1)),
        _full_box(b"stsz", 0, 0, struct.pack(f">II{len(samples)}I", 0, len(samples), *map(len, samples))),
        _full_box(b"stco", 0, 0, struct.pack(">II", 1, data_offset)),
    )
    minf = _box(
        b"minf",
        _full_box(b"vmhd", 0, 1, b"\x00" * 8),
        _box(b"dinf", _full_box(b"dref", 0, 0, struct.pack(">I", 1), _full_box(b"url ", 0, 1))),
        stbl,
    )
    mdia = _box(
        b"mdia",
        _full_box(b"mdhd", 0, 0, struct.pack(">IIIIHH", 0, 0, TIMESCALE, duration, 0x55C4, 0)),
        _full_box(b"hdlr", 0, 0, struct.pack(">I", 0), b"vide", b"\x00" * 12, b"VideoHandler\x00"),
        minf,
    )
    tkhd = _full_box(
        b"tkhd",
        0,
        3,  # enabled, in movie
        struct.pack(">IIIII", 0, 0, 1, 0, duration),
        b"\x00" * 8 + struct.pack(">hhhH", 0, 0, 0, 0),
        _MATRIX,
        struct.pack(">II", WIDTH << 16, HEIGHT << 16),
    )
    mvhd = _full_box(
        b"mvhd",
        0,
        0,
        struct.pack(">IIIIiH", 0, 0, TIMESCALE, duration, 0x00010000, 0x0100),
        b"\x00" * 10,
        _MATRIX,
        b"\x00" * 24,
        struct.pack(">I", 2),
    )
    return _box(b"moov", mvhd, _box(b"trak", tkhd, mdia))


@lru_cache(maxsize=16)
def mp4_bytes(*, seed: int, seconds: int = 2) -> bytes:
    """A `seconds`-long 112x64 clip at 8 fps, `moov` before `mdat` (fast start)."""
    frames = FPS * max(1, seconds)
    line = [_yuv(pixel) for pixel in gradient_line(seed, WIDTH + HEIGHT + frames * SHIFT_PER_FRAME)]
    planes = (bytes(p[0] for p in line), bytes(p[1] for p in line), bytes(p[2] for p in line))
    sps, pps = _sps(), _pps()
    samples = []
    for index in range(frames):
        nal = _idr_slice(planes, index * SHIFT_PER_FRAME, index % 2)
        samples.append(struct.pack(">I", len(nal)) + nal)
    ftyp = _box(b"ftyp", b"isom", struct.pack(">I", 512), b"isomiso2avc1mp41")
    mdat_payload = b"".join(samples)
    provisional = _moov(samples, sps, pps, 0)
    offset = len(ftyp) + len(provisional) + 8
    return ftyp + _moov(samples, sps, pps, offset) + _box(b"mdat", mdat_payload)
