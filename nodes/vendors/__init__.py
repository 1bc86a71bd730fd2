"""The vendor registry: each module is a declarative table (style.md habit 14)."""

from __future__ import annotations

from nodes.engine.types import Vendor
from nodes.vendors import bfl, ideogram, kling, luma, minimax, openai, pika, pixverse, recraft, stability, veo
from nodes.vendors.common import Check

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
# Each route's body checks (nodes/validation.py), by vendor name then route label.
CHECKS: dict[str, dict[str, tuple[Check, ...]]] = {
    "bfl": bfl.CHECKS,
    "kling": kling.CHECKS,
    "luma": luma.CHECKS,
    "luma_2": luma.CHECKS_V2,
    "minimax": minimax.CHECKS,
    "pixverse": pixverse.CHECKS,
    "recraft": recraft.CHECKS,
    "stability": stability.CHECKS,
    "veo": veo.CHECKS,
    "ideogram": ideogram.CHECKS,
    "openai": openai.CHECKS,
    "pika": pika.CHECKS,
}
VENDORS: dict[str, Vendor] = {vendor.name: vendor for vendor in _ALL}
# Settings names (VENDOR_<NAME>_…): luma_2 shares Luma's key.
VENDOR_SETTING_NAMES: tuple[str, ...] = tuple(sorted({vendor.settings_name.lower() for vendor in _ALL}))
