"""The sandbox's vendors: one declarative module each, all run by the one engine in `nodes.sandbox.views`.

The /proxy engine in sandbox mode sends `sandbox_key(vendor)` exactly where and how it would send the live
key (`KEY_HEADERS[vendor]` = header name, value prefix).
"""

from __future__ import annotations

from nodes.sandbox.vendors import (
    bfl,
    ideogram,
    kling,
    luma,
    minimax,
    openai,
    pika,
    pixverse,
    recraft,
    stability,
    veo,
)
from nodes.sandbox.vendors.base import Vendor

VENDORS: dict[str, Vendor] = {
    module.VENDOR.name: module.VENDOR
    for module in (bfl, kling, luma, minimax, pixverse, recraft, stability, veo, ideogram, openai, pika)
}
KEY_HEADERS: dict[str, tuple[str, str]] = {
    name: (vendor.key_header, vendor.key_prefix) for name, vendor in VENDORS.items()
}


def sandbox_key(vendor: str) -> str:
    """The fixed key the sandbox accepts for `vendor` (it guards nothing; it makes key handling testable)."""
    return f"sandbox-{vendor}"
