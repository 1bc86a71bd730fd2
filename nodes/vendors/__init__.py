"""The vendor registry: each module is a declarative table (style.md habit 14)."""

from __future__ import annotations

from nodes.engine.types import Vendor
from nodes.vendors import bfl, ideogram, kling, luma, minimax, openai, pika, pixverse, recraft, stability, veo

_ALL: tuple[Vendor, ...] = (
    bfl.VENDOR,
    kling.VENDOR,
    luma.VENDOR,
    luma.VENDOR_V2,
    minimax.VENDOR,
    pixverse.VENDOR,
    recraft.VENDOR,
    stability.VENDOR,
    veo.VENDOR,
    ideogram.VENDOR,
    openai.VENDOR,
    pika.VENDOR,
)
VENDORS: dict[str, Vendor] = {vendor.name: vendor for vendor in _ALL}
# Settings names (VENDOR_<NAME>_…): luma_2 shares Luma's key.
VENDOR_SETTING_NAMES: tuple[str, ...] = tuple(sorted({vendor.settings_name.lower() for vendor in _ALL}))
