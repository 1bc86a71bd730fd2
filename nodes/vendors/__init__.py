"""The vendor registry: each module of this package is a declarative table (style.md habit 14).

Every `Vendor` a module declares at its top level (`VENDOR`, `VENDOR_V2`, …) is served: adding a vendor
means adding its module here and its simulator in `nodes.sandbox.vendors`, nothing else.
"""

from __future__ import annotations

import importlib
import pkgutil

from nodes.engine.types import Vendor
from nodes.vendors.common import Check

RouteChecks = dict[str, tuple[Check, ...]]


def _declared() -> tuple[tuple[Vendor, RouteChecks], ...]:
    """Each `VENDOR…` of each module, with its body checks: `CHECKS` for `VENDOR`, `CHECKS_V2` for
    `VENDOR_V2` (nodes/validation.py; none declared → the shared rules only)."""
    found: list[tuple[Vendor, RouteChecks]] = []
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if info.name == "common":
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        found.extend(
            (value, getattr(module, "CHECKS" + name.removeprefix("VENDOR"), {}))
            for name, value in vars(module).items()
            if name.startswith("VENDOR") and isinstance(value, Vendor)
        )
    return tuple(found)


_DECLARED = _declared()
_ALL: tuple[Vendor, ...] = tuple(vendor for vendor, _checks in _DECLARED)
# Each route's body checks (nodes/validation.py), by vendor name then route label.
CHECKS: dict[str, RouteChecks] = {vendor.name: checks for vendor, checks in _DECLARED}
VENDORS: dict[str, Vendor] = {vendor.name: vendor for vendor in _ALL}
# Settings names (VENDOR_<NAME>_…): luma_2 shares Luma's key.
VENDOR_SETTING_NAMES: tuple[str, ...] = tuple(sorted({vendor.settings_name.lower() for vendor in _ALL}))
