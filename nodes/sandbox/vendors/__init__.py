"""The sandbox's vendors: one declarative module each, all run by the one engine in `nodes.sandbox.views`.

The /proxy engine in sandbox mode sends `sandbox_key(vendor)` exactly where and how it would send the live
key (`KEY_HEADERS[vendor]` = header name, value prefix).
"""

from __future__ import annotations

import importlib
import pkgutil

from nodes.sandbox.vendors.base import Vendor


def _declared() -> dict[str, Vendor]:
    """Every module of this package but `base` declares one `VENDOR`."""
    found: dict[str, Vendor] = {}
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if info.name != "base":
            vendor = importlib.import_module(f"{__name__}.{info.name}").VENDOR
            found[vendor.name] = vendor
    return found


VENDORS: dict[str, Vendor] = _declared()
KEY_HEADERS: dict[str, tuple[str, str]] = {
    name: (vendor.key_header, vendor.key_prefix) for name, vendor in VENDORS.items()
}


def sandbox_key(vendor: str) -> str:
    """The fixed key the sandbox accepts for `vendor` (it guards nothing; it makes key handling testable)."""
    return f"sandbox-{vendor}"
