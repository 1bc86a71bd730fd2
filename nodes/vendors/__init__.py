"""The vendor registry: each module of this package is a declarative table (style.md habit 14).

Every `Vendor` a module declares at its top level (`VENDOR`, `VENDOR_V2`, …) is served: adding a vendor
means adding its module here and its simulator in `nodes.sandbox.vendors`, nothing else.
"""

from __future__ import annotations

import importlib
import pkgutil

from nodes.engine.types import Vendor


def _declared() -> tuple[Vendor, ...]:
    found: list[Vendor] = []
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if info.name == "common":
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        found.extend(
            value
            for name, value in vars(module).items()
            if name.startswith("VENDOR") and isinstance(value, Vendor)
        )
    return tuple(found)


_ALL: tuple[Vendor, ...] = _declared()
VENDORS: dict[str, Vendor] = {vendor.name: vendor for vendor in _ALL}
# Settings names (VENDOR_<NAME>_…): luma_2 shares Luma's key.
VENDOR_SETTING_NAMES: tuple[str, ...] = tuple(sorted({vendor.settings_name.lower() for vendor in _ALL}))
