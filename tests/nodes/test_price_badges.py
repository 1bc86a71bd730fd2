"""Price = badge, for every ComfyUI 0.30.0 API node (issue 11 §1).

For every node in `object_info.json` with a `price_badge`, the badge (JSONata, as the frontend evaluates it)
is evaluated over a grid of its widget values; the request the node sends for those values
(tests/nodes/badge_requests.py and tests/nodes/badges/) is priced by the platform's one quote function
(`nodes.quotes.quote_call`, list prices, no markup); the two maxima must agree, or the node is in
DIFFERENCES with the reason. Nodes of vendors the platform does not serve are counted as not served.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Iterator, Mapping
from functools import cache
from typing import Any

import jsonata

from comfyweb.errors import ApiError
from nodes.engine.pricing import PriceTable
from nodes.quotes import PricedCall, quote_call
from nodes.vendors import VENDORS
from tests.billing.support import figure
from tests.nodes.badge_catalog import DIFFERENCES, NODES, SERVED_MODULES
from tests.nodes.badge_requests import NodeRefuses, Req
from tests.nodes.comfyui_data import comfyui_file

MAX_POINTS = 400  # grid points per node (the largest grid, Kling 3.0 storyboards, is sampled evenly)
GROUP_COUNTS = (0, 1, 3)


def _object_info() -> dict[str, Any]:
    # ComfyUI 0.30.0's `/object_info`: every node's inputs and its badge.
    loaded: dict[str, Any] = json.loads(comfyui_file("object_info.json", "COMFYUI_OBJECT_INFO").read_text())
    return loaded


@cache
def _table() -> PriceTable:
    prices = {
        (vendor.name, key): micros
        for vendor in VENDORS.values()
        for key, (_u, micros, _s) in vendor.prices.items()
    }
    return PriceTable(0, 0, prices)


# --- Widgets ------------------------------------------------------------------------------------------------
def _inputs(spec: Mapping[str, Any]) -> dict[str, Any]:
    return {**spec.get("required", {}), **spec.get("optional", {})}


def _values(spec: list[Any]) -> tuple[Any, ...]:
    """The grid of one widget: every option, or an INT/FLOAT's min, default and max."""
    kind, options = spec[0], spec[1] if len(spec) > 1 else {}
    if isinstance(kind, list):
        return tuple(kind)
    if kind == "COMBO":
        return tuple(options.get("options", ()))
    if kind == "BOOLEAN":
        return (False, True)
    if kind in ("INT", "FLOAT"):
        picks = [options.get("min"), options.get("default"), options.get("max")]
        return tuple(dict.fromkeys(v for v in picks if v is not None))
    return (options.get("default", ""),)


def _default(spec: list[Any]) -> Any:
    kind, options = spec[0], spec[1] if len(spec) > 1 else {}
    if "default" in options:
        return options["default"]
    values = _values(spec) if kind != "COMFY_DYNAMICCOMBO_V3" else [o["key"] for o in options["options"]]
    return values[0] if values else None


def _widget_grid(node: Mapping[str, Any], wanted: list[str]) -> Iterator[dict[str, Any]]:
    """Every combination of the badge's widgets (dynamic-combo children follow their parent's option)."""
    top = _inputs(node["input"])
    parents = [name for name in top if top[name][0] == "COMFY_DYNAMICCOMBO_V3"]
    needed_parents = {name.split(".")[0] for name in wanted if "." in name} | {
        n for n in wanted if n in parents
    }
    plain = [name for name in wanted if "." not in name and name not in parents]
    base = {name: _default(spec) for name, spec in top.items() if spec[0] != "COMFY_DYNAMICCOMBO_V3"}
    parent_choices: list[list[dict[str, Any]]] = []
    for parent in parents:
        options = top[parent][1]["options"]
        chosen = (
            options
            if parent in needed_parents
            else [next(o for o in options if o["key"] == _default(top[parent]))]
        )
        expanded: list[dict[str, Any]] = []
        for option in chosen:
            children = _inputs(option.get("inputs", {}))
            fixed = {f"{parent}.{c}": _default(spec) for c, spec in children.items()}
            varied = [c for c in children if f"{parent}.{c}" in wanted]
            expanded.extend(
                {
                    parent: option["key"],
                    **fixed,
                    **{f"{parent}.{c}": v for c, v in zip(varied, combo, strict=True)},
                }
                for combo in itertools.product(*(_values(children[c]) for c in varied))
            )
        parent_choices.append(expanded)
    for combo in itertools.product(*(_values(top[name]) for name in plain), *parent_choices):
        values = dict(base)
        values.update(zip(plain, combo[: len(plain)], strict=True))
        for chosen_parent in combo[len(plain) :]:
            values.update(chosen_parent)
        yield values


def _grid(
    node: Mapping[str, Any], badge: Mapping[str, Any], extra: Mapping[str, tuple[Any, ...]]
) -> list[tuple[dict[str, Any], dict[str, Any], dict[str, Any]]]:
    depends = badge["depends_on"]
    wanted = [w["name"] for w in depends["widgets"]]
    connected = depends.get("inputs", [])
    groups = depends.get("input_groups", [])
    points = [
        (
            {**widgets, **dict(zip(extra, extra_combo, strict=True))},
            dict(zip(connected, flags, strict=True)),
            dict(zip(groups, counts, strict=True)),
        )
        for widgets in _widget_grid(node, wanted)
        for extra_combo in itertools.product(*extra.values())
        for flags in itertools.product((False, True), repeat=len(connected))
        for counts in itertools.product(GROUP_COUNTS, repeat=len(groups))
    ]
    if len(points) > MAX_POINTS:
        step = len(points) / MAX_POINTS
        points = [points[int(i * step)] for i in range(MAX_POINTS)]
    return points


# --- Badge --------------------------------------------------------------------------------------------------
@cache
def _expression(expr: str) -> jsonata.Jsonata:
    return jsonata.Jsonata(expr)


def badge_result(
    badge: Mapping[str, Any],
    widgets: Mapping[str, Any],
    connected: Mapping[str, bool],
    groups: Mapping[str, int],
) -> dict[str, Any]:
    """What the badge's expression gives the frontend for these widget values and inputs."""
    # The frontend hands COMBO values to badges in lower case (Ideogram's badge tests "quality" against the
    # option "QUALITY", Kling's looks "1K" up as "1k"); numbers and booleans as they are.
    context = {
        "widgets": {
            name: value.lower() if isinstance(value, str) else value for name, value in widgets.items()
        },
        "inputs": {name: {"connected": flag} for name, flag in connected.items()},
        "inputGroups": dict(groups),
    }
    result: dict[str, Any] = _expression(badge["expr"]).evaluate(context)
    return result


def badge_micros(
    badge: Mapping[str, Any],
    widgets: Mapping[str, Any],
    connected: Mapping[str, bool],
    groups: Mapping[str, int],
) -> tuple[int | None, str]:
    """The badge's maximum in micro-USD (None for a text badge) and its suffix ("/second", …)."""
    result = badge_result(badge, widgets, connected, groups)
    suffix = (result.get("format") or {}).get("suffix", "")
    kind = result["type"]
    if kind == "usd":
        usd = result["usd"]
    elif kind == "range_usd":
        usd = result["max_usd"]
    elif kind == "list_usd":
        usd = max(result["usd"])
    else:
        return None, suffix
    return round(float(usd) * 1_000_000), suffix


def token_rates(result: Mapping[str, Any]) -> tuple[int, ...] | None:
    """A text model's badge is its (input, output) rate per 1K tokens, not a maximum: those rates in µ$."""
    suffix = (result.get("format") or {}).get("suffix", "")
    if result.get("type") != "list_usd" or suffix.strip() != "per 1K tokens":
        return None
    return tuple(round(float(usd) * 1_000_000) for usd in result["usd"])


def platform_rates(priced: PricedCall) -> tuple[int, ...]:
    """The platform's (input, output) list price per 1K tokens for the model a request names."""
    # Rows end in "input_1k_tokens" (nodes/vendors/tokens.py) or BytePlus's older "input/1k-tokens".
    rates = {key.replace("/1k-tokens", "_1k_tokens"): micros for key, micros in priced.unit_micros.items()}
    return tuple(
        next((micros for key, micros in rates.items() if key.endswith(f"{side}_1k_tokens")), -1)
        for side in ("input", "output")
    )


# --- The comparison -----------------------------------------------------------------------------------------
def _compare(node_id: str, node: Mapping[str, Any]) -> tuple[str, str]:
    """("agree" | "differ" | "unserved-route", first mismatch)."""
    badge = node["price_badge"]
    mapping = NODES.get(node_id)
    if mapping is None:
        return "unmapped", "no request mapping"
    compared = 0
    for widgets, connected, groups in _grid(node, badge, mapping.extra_widgets):
        try:
            requests = mapping.build(widgets, {**connected, **groups})
        except NodeRefuses:
            continue
        rates = token_rates(badge_result(badge, widgets, connected, groups))
        if rates is not None:
            outcome, detail = _compare_rates(requests, rates)
            if outcome != "agree":
                return outcome, f"{widgets_of(widgets, badge)}: {detail}"
            compared += 1
            continue
        expected, suffix = badge_micros(badge, widgets, connected, groups)
        if expected is None:
            return "differ", "the badge shows no amount"
        if suffix.strip() in ("/second", "/s"):
            expected *= mapping.seconds
        try:
            platform = sum(
                quote_call(
                    method=r.method, path=r.path, body=r.body, files=list(r.files), table=_table()
                ).max_micros
                for r in requests
            )
        except ApiError as exc:
            if exc.status == 404:
                return "unserved-route", f"{requests[0].path}: not routed"
            return "differ", f"{widgets_of(widgets, badge)}: platform refuses ({exc.status} {exc.message})"
        compared += 1
        if platform != expected:
            return (
                "differ",
                f"{widgets_of(widgets, badge)} {connected} {groups}: badge {expected}, we {platform} µ$",
            )
    if not compared:
        return "differ", "no grid point the node accepts"
    return "agree", ""


def _compare_rates(requests: list[Req], rates: tuple[int, ...]) -> tuple[str, str]:
    """A token-priced node agrees when every request it sends is priced at the badge's per-1K rates."""
    for r in requests:
        try:
            priced = quote_call(
                method=r.method, path=r.path, body=r.body, files=list(r.files), table=_table()
            )
        except ApiError as exc:
            if exc.status == 404:
                return "unserved-route", f"{r.path}: not routed"
            return "differ", f"platform refuses ({exc.status} {exc.message})"
        if platform_rates(priced) != rates:
            return "differ", f"badge {rates} per 1K tokens, we {platform_rates(priced)} µ$"
    return "agree", ""


def widgets_of(widgets: Mapping[str, Any], badge: Mapping[str, Any]) -> dict[str, Any]:
    return {w["name"]: widgets.get(w["name"]) for w in badge["depends_on"]["widgets"]}


def test_every_badge_agrees_with_the_platform_or_is_a_documented_difference(
    record_property: Callable[[str, object], None],
) -> None:
    info = _object_info()
    counts = {"compared": 0, "agreeing": 0, "documented": 0, "not_served": 0}
    undocumented: list[str] = []
    stale: list[str] = []
    for node_id, node in sorted(info.items()):
        if not node.get("price_badge"):
            continue
        module = node["python_module"].rsplit("nodes_", 1)[-1]
        if module not in SERVED_MODULES:
            counts["not_served"] += 1
            continue
        outcome, detail = _compare(node_id, node)
        counts["compared"] += 1
        if outcome == "agree":
            counts["agreeing"] += 1
            if node_id in DIFFERENCES:
                stale.append(f"{node_id}: agrees now; drop it from DIFFERENCES")
        elif node_id in DIFFERENCES:
            counts["documented"] += 1
        else:
            undocumented.append(f"{node_id} ({outcome}): {detail}")
    # FIGURE PRICE-BADGES compared=… agreeing=… documented=… not_served=… (issue 11 §1).
    figure(record_property, "PRICE-BADGES", **counts, undocumented=len(undocumented))
    assert not undocumented, "undocumented differences:\n" + "\n".join(undocumented)
    assert not stale, "\n".join(stale)
    assert counts["compared"] == counts["agreeing"] + counts["documented"]


def test_every_documented_difference_names_a_node_of_a_served_vendor_and_a_reason() -> None:
    info = _object_info()
    for node_id, reason in DIFFERENCES.items():
        assert node_id in info, node_id
        assert info[node_id].get("price_badge"), node_id
        assert info[node_id]["python_module"].rsplit("nodes_", 1)[-1] in SERVED_MODULES, node_id
        assert len(reason) > 30, node_id


def test_the_badge_evaluator_reads_widgets_inputs_and_groups() -> None:
    """The harness itself: a known badge at known values (Flux.2 [pro] 2 MP with references)."""
    info = _object_info()
    badge = info["Flux2ProImageNode"]["price_badge"]
    assert badge_micros(badge, {"width": 2048, "height": 1024}, {"images": False}, {}) == (45_000, "")
    assert badge_micros(badge, {"width": 2048, "height": 1024}, {"images": True}, {}) == (165_000, "")


def test_a_text_models_badge_is_compared_as_its_per_1k_token_rates() -> None:
    """The harness itself: Claude Opus 5's badge is $0.00715 / $0.03575 per 1K tokens, not a maximum."""
    badge = _object_info()["ClaudeNode"]["price_badge"]
    assert token_rates(badge_result(badge, {"model": "Opus 5"}, {}, {})) == (7_150, 35_750)
    assert token_rates(badge_result(_object_info()["Flux2ProImageNode"]["price_badge"], {}, {}, {})) is None
