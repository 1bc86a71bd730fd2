"""Tripo3D: every node posts one `task` (its `type` says which) and polls `task/{task_id}`; Tripo reports
`consumed_credit` on the finished task, which settles the call (1 credit = $0.01, as the nodes read it)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from comfyweb.errors import ApiError
from nodes.engine.types import Call, LineItem, Outcome, Poll, Route, Vendor
from nodes.vendors.common import JSON_CAP, Check, choice, dig, each, flag, param, text, text_id

BADGE = "ComfyUI 0.30.0 price badge, nodes_tripo.py (2026-12-08)"
CREDIT_MICROS = 10_000  # the badges and the nodes' price extractor: credits x $0.01
V14 = "v1.4-20240625"
VERSIONS = ("v3.1-20260211", "v3.0-20250812", "v2.5-20250123", "v2.0-20240919", V14)
P1 = "P1-20260311"
GENERATIONS = ("text_to_model", "image_to_model", "multiview_to_model")
# Credits of a generation with no extras: (untextured, textured); v1.4 is flat at the textured figure.
GENERATION = {"text_to_model": (10, 20), "image_to_model": (20, 30), "multiview_to_model": (20, 30)}
# What the badges add on top: quad topology, detailed texture, detailed geometry (v3 models only).
ADDONS = {"quad": 5, "detailed-texture": 10, "detailed-geometry": 20}
# Tripo P1 (model_version P1-…): geometry only, textured, textured with detailed texture.
P1_CREDITS = {
    "text_to_model": {"geometry": 30, "textured": 40, "detailed": 50},
    "image_to_model": {"geometry": 40, "textured": 50, "detailed": 60},
    "multiview_to_model": {"geometry": 40, "textured": 50, "detailed": 60},
}
# Post-processing of an earlier task.
FLAT = {"refine_model": 30, "animate_rig": 25, "animate_retarget": 10}
TEXTURE = {"standard": 10, "detailed": 20}
CONVERT = {"basic": 5, "advanced": 10}
TASK_TYPES = (*GENERATIONS, "texture_model", *FLAT, "convert_model")
# The task an earlier task id names, per type (refine names its draft).
SOURCE_FIELD = {
    "texture_model": "original_model_task_id",
    "refine_model": "draft_model_task_id",
    "animate_rig": "original_model_task_id",
    "animate_retarget": "original_model_task_id",
    "convert_model": "original_model_task_id",
}
QUALITIES = ("standard", "detailed")
# Tripo tasks take minutes (refine ~4); + the client's 40-minute poll window.
TASK_TTL = timedelta(hours=1, minutes=40)
FAILED = {"failed", "cancelled", "unknown", "expired"}


def _require(call: Call, name: str, kind: str) -> None:
    value = call.body.value(name)
    if value is None or value in ("", []):
        raise ApiError(400, "invalid_request", f"{name} is required for a {kind} task.")


def _version(call: Call) -> str:
    """The model version; none sent is priced as a v3 model (the dearest: detailed geometry costs extra)."""
    return choice(call, "model_version", default=VERSIONS[0], allowed=(*VERSIONS, P1))


def _quality(call: Call, name: str) -> str:
    return choice(call, name, default="standard", allowed=QUALITIES)


def _textured(call: Call, *, default: bool) -> bool:
    return flag(call, "texture", default=default) or flag(call, "pbr", default=default)


def _generation(call: Call, kind: str) -> list[LineItem]:
    version = _version(call)
    if version == P1:
        # P1 leaves texture off unless asked (the P1 nodes always send both flags).
        if not _textured(call, default=False):
            return each(f"p1/{kind}/geometry")
        return each(
            f"p1/{kind}/" + ("detailed" if _quality(call, "texture_quality") == "detailed" else "textured")
        )
    if version == V14:
        return each(f"{kind}/v1.4")
    items = each(f"{kind}/" + ("textured" if _textured(call, default=True) else "untextured"))
    if flag(call, "quad", default=False):
        items += each("addon/quad")
    if _quality(call, "texture_quality") == "detailed":
        items += each("addon/detailed-texture")
    if _quality(call, "geometry_quality") == "detailed" and version.startswith("v3."):
        items += each("addon/detailed-geometry")
    return items


def _number(call: Call, name: str) -> float | None:
    value = call.body.value(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ApiError(400, "invalid_request", f"{name} must be a number.")
    return float(value)


def _differs(call: Call, name: str, default: float) -> bool:
    value = _number(call, name)
    return value is not None and value != default


def _convert(call: Call) -> list[LineItem]:
    """The badge's "advanced" conversion: any reshaping option away from its default."""
    texture_format = call.body.value("texture_format")
    advanced = (
        any(flag(call, name, default=False) for name in ("quad", "flatten_bottom", "pivot_to_center_bottom"))
        or _differs(call, "face_limit", -1)
        or _differs(call, "texture_size", 4096)
        or _differs(call, "flatten_bottom_threshold", 0)
        or _differs(call, "scale_factor", 1)
        or (isinstance(texture_format, str) and texture_format.upper() != "JPEG")
    )
    return each("convert_model/" + ("advanced" if advanced else "basic"))


def task_price(call: Call) -> list[LineItem]:
    kind = choice(call, "type", default="", allowed=TASK_TYPES)
    if kind == "text_to_model":
        _require(call, "prompt", kind)
    elif kind == "image_to_model":
        _require(call, "file", kind)
    elif kind == "multiview_to_model":
        _require(call, "files", kind)
    else:
        _require(call, SOURCE_FIELD[kind], kind)
    if kind in GENERATIONS:
        return _generation(call, kind)
    if kind == "texture_model":
        return each("texture_model/" + _quality(call, "texture_quality"))
    if kind == "convert_model":
        _require(call, "format", kind)
        return _convert(call)
    return each(kind)


def task_model(call: Call) -> str:
    """Usage rows name the model version of a generation, else the kind of post-processing."""
    kind = call.body.value("type")
    version = call.body.value("model_version")
    if kind in GENERATIONS:
        return str(version) if isinstance(version, str) and version else VERSIONS[0]
    return str(kind) if isinstance(kind, str) else ""


def task_id(data: Any) -> str | None:
    return text_id(dig(data, "data", "task_id"))


def task_status(data: Any, http_status: int) -> Outcome:
    status = dig(data, "data", "status")
    if status == "success":
        return "success"
    if status == "banned":
        return "moderated"
    if status in FAILED:
        return "failure"
    return "pending"


def consumed(data: Any, context: Mapping[str, str]) -> int | None:
    """Tripo's `consumed_credit` in micro-USD; none (or 0, which the nodes also read as "not reported")
    charges the quote."""
    reported = dig(data, "data", "consumed_credit")
    if isinstance(reported, bool) or not isinstance(reported, int) or reported <= 0:
        return None
    return reported * CREDIT_MICROS


def _credits(rows: Mapping[str, int]) -> dict[str, tuple[str, int, str]]:
    return {key: ("task", amount * CREDIT_MICROS, BADGE) for key, amount in rows.items()}


VENDOR = Vendor(
    name="tripo",
    title="Tripo3D",
    live_base="https://api.tripo3d.ai",  # platform.tripo3d.ai/docs: /v2/openapi, Authorization: Bearer tsk_…
    sandbox_base="/tripo",
    key_header="Authorization",
    key_prefix="Bearer ",
    routes=(
        Route(
            "POST",
            "v2/openapi/task",
            "/v2/openapi/task",
            "submit",
            price=task_price,
            model=task_model,
            job_id=task_id,
            poll_route="task",
            max_bytes=JSON_CAP,
            ttl=TASK_TTL,
        ),
        # Comfy.org's own import endpoint (it fetches `url` and starts an `import_model` task at Tripo);
        # Tripo's API has no such path, so live it answers only where Tripo adds one. Free, like the badge:
        # forwarded as an upload; the task id it answers is remembered for this caller's poll below.
        Route(
            "POST",
            "v2/openapi/import",
            "/v2/openapi/import",
            "upload",
            lookup_ref=task_id,
            max_bytes=64 * 1024,
            timeout_seconds=120,
        ),
        Route(
            "GET",
            "v2/openapi/task/{task_id:id}",
            "/v2/openapi/task/{job}",
            "poll",
            name="task",
            body="none",
            status=task_status,
            # An id that names none of the caller's tasks is a free lookup only if their own import
            # answered it (Route.lookup_ref); another id is 404.
            poll=Poll(job_ref=param("task_id"), settled_cost=consumed, lookup=True, lookup_owned=True),
            timeout_seconds=60,
        ),
    ),
    prices={
        **_credits({f"{kind}/untextured": low for kind, (low, _) in GENERATION.items()}),
        **_credits({f"{kind}/textured": high for kind, (_, high) in GENERATION.items()}),
        **_credits({f"{kind}/v1.4": high for kind, (_, high) in GENERATION.items()}),
        **_credits({f"addon/{name}": amount for name, amount in ADDONS.items()}),
        **_credits(
            {f"p1/{kind}/{tier}": c for kind, tiers in P1_CREDITS.items() for tier, c in tiers.items()}
        ),
        **_credits(FLAT),
        **_credits({f"texture_model/{quality}": amount for quality, amount in TEXTURE.items()}),
        **_credits({f"convert_model/{tier}": amount for tier, amount in CONVERT.items()}),
    },
    model_names={
        "v3.1-20260211": "Tripo v3.1",
        "v3.0-20250812": "Tripo v3.0",
        "v2.5-20250123": "Tripo v2.5",
        "v2.0-20240919": "Tripo v2.0",
        V14: "Tripo v1.4",
        "v1.4": "Tripo v1.4",
        P1: "Tripo P1",
        "p1": "Tripo P1",
        "text_to_model": "Text to model",
        "image_to_model": "Image to model",
        "multiview_to_model": "Multiview to model",
        "texture_model": "Texture model",
        "refine_model": "Refine draft model",
        "animate_rig": "Rig model",
        "animate_retarget": "Retarget animation",
        "convert_model": "Convert model",
        "import_model": "Import model",
    },
)

# Validated before reserving (nodes/validation.py): the limits Tripo's request models declare.
CHECKS: dict[str, tuple[Check, ...]] = {
    "POST v2/openapi/task": (
        Check("type", "text", required=True, max_length=64),
        text("prompt", required=False, max_length=1024),
        text("negative_prompt", required=False, max_length=1024),
        Check("file", "object"),
        Check("files", "list", max_length=4),
        Check("face_limit", "int", low=-1, high=2_000_000),
        text("texture_prompt.text", required=False, max_length=1024),
        Check("part_names", "list", max_length=500),
    ),
    "POST v2/openapi/import": (
        text("url", max_length=4096),
        Check("format", "text", required=True, max_length=8),
    ),
}
