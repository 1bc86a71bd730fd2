"""Every `/proxy` path ComfyUI 0.30.0's API nodes call is routed (issues 11 §2 and 12).

`proxy-paths.tsv` lists the module and path template of every call in that release's source. Each path is
compared segment by segment with the platform's route templates (a `{placeholder}` on either side matches
any one segment). A module the platform serves (tests/nodes/badge_catalog.py) must have every one of its
paths routed, except the ones listed below, which shrink as routes land; the figure counts all modules.
"""

from __future__ import annotations

from collections.abc import Callable

from nodes.vendors import VENDORS
from tests.billing.support import figure
from tests.nodes.badge_catalog import SERVED_MODULES
from tests.nodes.comfyui_data import comfyui_file

# Strings in the node source that look like paths but are only prefixes the code builds calls on.
PATH_PREFIXES: dict[str, str] = {
    # Not a call: nodes_heygen.py's `_LOOKS_PATH` prefix; the node calls only `…/looks/{id}`, which is routed.
    "/proxy/heygen/v3/avatars/looks": "a path prefix, never called as such",
    # Not a call: nodes_runway.py's `PATH_GET_TASK_STATUS` prefix; polls call `…/tasks/{id}`, which is routed.
    "/proxy/runway/tasks": "a path prefix, never called as such",
    # Not a call: nodes_minimax.py's `HAILUO_03_QUERY_ENDPOINT` prefix; polls add `/{task_id}` (routed).
    "/proxy/minimax/v2/query/video_generation": "a path prefix, never called as such",
    # Not a call: nodes_gemini.py's `GEMINI_BASE_ENDPOINT` prefix; the nodes call `…/gemini/{model}`, routed.
    "/proxy/vertexai/gemini": "a path prefix, never called as such",
}


def _segments(template: str) -> list[str]:
    return ["*" if part.startswith("{") else part for part in template.split("/")]


def _fits(called: list[str], routed: list[str]) -> bool:
    return len(called) == len(routed) and all(
        a == b or "*" in (a, b) for a, b in zip(called, routed, strict=True)
    )


def routed(path: str) -> bool:
    """Whether some route of the vendor the path names has the path's shape."""
    vendor_name, _, rest = path.removeprefix("/proxy/").partition("/")
    vendor = VENDORS.get(vendor_name)
    if vendor is None:
        return False
    return any(_fits(_segments(rest), _segments(route.path)) for route in vendor.routes)


def _calls() -> list[tuple[str, str]]:
    lines = comfyui_file("proxy-paths.tsv", "COMFYUI_PROXY_PATHS").read_text().splitlines()
    return [(module.removeprefix("nodes_"), path) for module, path in (line.split("\t") for line in lines)]


def test_every_path_the_nodes_call_is_routed(record_property: Callable[[str, object], None]) -> None:
    calls = _calls()
    served = [path for _module, path in calls if routed(path)]
    prefixes = [path for _module, path in calls if path in PATH_PREFIXES]
    missing = sorted(
        f"{module}: {path}" for module, path in calls if not routed(path) and path not in PATH_PREFIXES
    )
    # FIGURE PROXY-PATHS routed=… prefixes=… unrouted=… of=… (issue 12: unrouted = 0, every module served).
    figure(
        record_property,
        "PROXY-PATHS",
        routed=len(served),
        prefixes=len(prefixes),
        unrouted=len(missing),
        of=len(calls),
    )
    assert not missing, "paths the nodes call with no route:\n" + "\n".join(missing)
    stale = sorted(path for path in PATH_PREFIXES if routed(path))
    assert not stale, "routed now; drop from PATH_PREFIXES:\n" + "\n".join(stale)
    unserved = sorted({module for module, _path in calls} - SERVED_MODULES.keys())
    assert not unserved, f"modules no vendor serves: {unserved}"


def test_the_shape_comparison_matches_placeholders_and_nothing_else() -> None:
    assert routed("/proxy/kling/{KLING_API_VERSION}/videos/text2video")
    assert routed("/proxy/veo/{model}/generate")
    assert not routed("/proxy/kling/v1/videos/text2video/extra/segment")
    assert not routed("/proxy/no-such-vendor/v1/generate")
