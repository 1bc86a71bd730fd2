"""Meshy 3D: text, image and multi-image to 3D, refine, retexture, rigging and animation, each a task
(submit → `{"result": id}`, poll GET `…/{id}`); the v1/v2 task routes report no cost, so a task settles on
its quote."""

from __future__ import annotations

from typing import Any

from nodes.engine.types import Call, LineItem, ModelFn, Poll, PriceFn, Route, Vendor
from nodes.vendors.common import (
    JSON_CAP,
    VIDEO_TTL,
    Check,
    choice,
    dig,
    each,
    fixed,
    flag,
    named,
    param,
    status_of,
    text,
    text_id,
)

BADGE = "ComfyUI 0.30.0 price badge, nodes_meshy.py (2026-12-08)"
# Meshy bills in credits; the badges are credits at $0.04 each (a 20-credit preview is the $0.80 badge).
CREDIT_MICROS = 40_000
CREDITS = {
    "text-to-3d/preview": 20,
    "text-to-3d/refine": 10,
    "image-to-3d/textured": 30,
    "image-to-3d/untextured": 20,
    "multi-image-to-3d/textured": 15,
    "multi-image-to-3d/untextured": 5,
    "retexture": 10,
    "rigging": 5,
    "animation": 3,
}
PROMPT_MAX = 600  # characters: Meshy's limit for prompt, texture_prompt and text_style_prompt
TASK_ID_MAX = 200


def text_to_3d_price(call: Call) -> list[LineItem]:
    # One path serves both stages; the body's `mode` says which (the preview is the dearer one).
    mode = choice(call, "mode", default="preview", allowed=("preview", "refine"))
    return each(f"text-to-3d/{mode}")


def _textured(prefix: str) -> PriceFn:
    def price(call: Call) -> list[LineItem]:
        # Meshy textures unless told not to: a missing flag is priced as textured.
        textured = flag(call, "should_texture", default=True)
        return each(f"{prefix}/{'textured' if textured else 'untextured'}")

    return price


def _ai_model(call: Call) -> str:
    model = call.body.value("ai_model")
    return model if isinstance(model, str) and model else "latest"


def task_id(data: Any) -> str | None:
    return text_id(dig(data, "result"))


TASK_STATUS = status_of("status", success={"SUCCEEDED"}, failure={"FAILED", "CANCELED"})


def _status_word(data: Any) -> str:
    return str(dig(data, "status") or "")


def _task(version: str, kind: str, price: PriceFn, model: ModelFn) -> tuple[Route, Route]:
    """A submit route and the GET route that polls its tasks (each kind has its own)."""
    path = f"openapi/{version}/{kind}"
    submit = Route(
        "POST",
        path,
        f"/{path}",
        "submit",
        price=price,
        model=model,
        job_id=task_id,
        poll_route=kind,
        max_bytes=JSON_CAP,
        ttl=VIDEO_TTL,  # Meshy asks clients to allow up to an hour per task; + the 40-minute window
    )
    poll = Route(
        "GET",
        f"{path}/{{id:id}}",
        f"/{path}/{{job}}",
        "poll",
        name=kind,
        body="none",
        status=TASK_STATUS,
        poll=Poll(job_ref=param("id"), status_word=_status_word),
        timeout_seconds=60,
    )
    return submit, poll


VENDOR = Vendor(
    name="meshy",
    title="Meshy",
    live_base="https://api.meshy.ai",  # docs.meshy.ai/en/api/text-to-3d (2026-12-08)
    sandbox_base="/meshy",
    key_header="Authorization",
    key_prefix="Bearer ",
    routes=(
        *_task("v2", "text-to-3d", text_to_3d_price, _ai_model),
        *_task("v1", "image-to-3d", _textured("image-to-3d"), _ai_model),
        *_task("v1", "multi-image-to-3d", _textured("multi-image-to-3d"), _ai_model),
        *_task("v1", "retexture", fixed("retexture"), _ai_model),
        *_task("v1", "rigging", fixed("rigging"), named("rigging")),
        *_task("v1", "animations", fixed("animation"), named("animation")),
    ),
    prices={key: ("task", count * CREDIT_MICROS, BADGE) for key, count in CREDITS.items()},
    model_names={
        "latest": "Meshy (latest model)",
        "rigging": "Meshy auto-rigging",
        "animation": "Meshy animation",
        "text-to-3d": "Meshy text to 3D",
        "image-to-3d": "Meshy image to 3D",
        "multi-image-to-3d": "Meshy multi-image to 3D",
        "retexture": "Meshy retexture",
    },
)

_TEXTURE_PROMPT = text("texture_prompt", required=False, max_length=PROMPT_MAX)
_IMAGE_TASK = (
    Check("should_texture", "bool"),
    Check("target_polycount", "int", low=100, high=300_000),
    _TEXTURE_PROMPT,
)

# Validated before reserving (nodes/validation.py): the fields and limits the nodes apply.
CHECKS: dict[str, tuple[Check, ...]] = {
    "POST openapi/v2/text-to-3d": (
        text("mode", required=False, max_length=16),
        text("prompt", required=False, max_length=PROMPT_MAX),
        text("preview_task_id", required=False, max_length=TASK_ID_MAX),
        Check("target_polycount", "int", low=100, high=300_000),
        _TEXTURE_PROMPT,
    ),
    "POST openapi/v1/image-to-3d": (text("image_url", max_length=100_000), *_IMAGE_TASK),
    "POST openapi/v1/multi-image-to-3d": (
        Check("image_urls", "list", required=True, max_length=4),
        *_IMAGE_TASK,
    ),
    "POST openapi/v1/retexture": (
        text("input_task_id", max_length=TASK_ID_MAX),
        text("text_style_prompt", required=False, max_length=PROMPT_MAX),
    ),
    "POST openapi/v1/rigging": (
        text("input_task_id", max_length=TASK_ID_MAX),
        Check("height_meters", "number", low=0.1, high=15.0),
    ),
    "POST openapi/v1/animations": (
        text("rig_task_id", max_length=TASK_ID_MAX),
        Check("action_id", "int", required=True, low=0, high=696),
    ),
}
