"""Every node request builder and every documented difference: the seed tables plus tests/nodes/badges/*."""

from __future__ import annotations

import importlib
import pkgutil

from tests.nodes import badges
from tests.nodes.badge_differences import DIFFERENCES as SEED_DIFFERENCES
from tests.nodes.badge_requests import NODES as SEED_NODES
from tests.nodes.badge_requests import SERVED_MODULES as SEED_MODULES
from tests.nodes.badge_requests import Node


def _gather() -> tuple[dict[str, str], dict[str, Node], dict[str, str]]:
    modules, nodes, differences = dict(SEED_MODULES), dict(SEED_NODES), dict(SEED_DIFFERENCES)
    for info in sorted(pkgutil.iter_modules(badges.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{badges.__name__}.{info.name}")
        for mine, theirs in ((modules, "MODULES"), (nodes, "NODES"), (differences, "DIFFERENCES")):
            declared = getattr(module, theirs, {})
            twice = mine.keys() & declared.keys()
            assert not twice, f"{info.name}.{theirs} declares {sorted(twice)} a second time"
            mine.update(declared)
    return modules, nodes, differences


SERVED_MODULES, NODES, DIFFERENCES = _gather()
