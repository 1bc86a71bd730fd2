"""Recraft (sync): `created`, `credits` and `data[{image_id, url}]` or `image{…}` (§6.7)."""

from __future__ import annotations

import time
import uuid
from typing import Any

from nodes.sandbox.jobs import Outcome
from nodes.sandbox.vendors.base import Call, Reply, Route, Vendor

NAME = "recraft"
# Recraft API units per output image (reported in `credits`, the engine settles against them).
RASTER_UNITS = 40
VECTOR_UNITS = 80
# Models priced differently from V3 (Recraft units per image, from the ComfyUI V4 node price badges).
MODEL_UNITS = {
    "recraftv4_pro": 250,
    "recraftv4_1": 35,
    "recraftv4_1_utility": 35,
    "recraftv4_1_pro": 210,
    "recraftv4_1_utility_pro": 210,
    "recraftv4_1_flash": 7,
    "recraftv4_styles": 35,
    "recraftv4_styles_pro": 100,
    "recraftv4_1_pro_vector": 300,
    "recraftv4_1_utility_pro_vector": 300,
    "recraftv4_styles_vector": 50,
    "recraftv4_styles_pro_vector": 120,
}
PROCESS_UNITS = {"vectorize": 10, "removeBackground": 10, "crispUpscale": 4, "creativeUpscale": 250}
REQUIRED_FILES = {"imageToImage": ("image",), "inpaint": ("image", "mask"), "replaceBackground": ("image",)}


def error(status: int, code: str, message: str) -> dict[str, Any]:
    return {"code": code, "message": message}


def _moderated() -> Reply:
    return Reply(status=400, body=error(400, "prompt_moderation", "The prompt was rejected by moderation."))


def _is_vector(call: Call) -> bool:
    model = call.request.model
    return "vector" in call.request.text("style") or model.endswith(("svg", "_vector"))


def _units(call: Call, vector: bool) -> int:
    model = call.request.model
    if model == "recraftv4_pro" and vector:
        return 300
    return MODEL_UNITS.get(model, VECTOR_UNITS if vector else RASTER_UNITS)


def _missing_files(call: Call, names: tuple[str, ...]) -> Reply | None:
    missing = [name for name in names if name not in call.request.file_fields]
    if not missing:
        return None
    return Reply(status=400, body=error(400, "invalid_request", f"Missing file(s): {', '.join(missing)}."))


def generate(call: Call) -> Reply:
    """Generation and the multi-output process routes answer `data[]`."""
    operation = call.args.get("operation", "")
    if missing := _missing_files(call, REQUIRED_FILES.get(operation, ())):
        return missing
    if call.markers.outcome is Outcome.MODERATED:
        return _moderated()
    vector = _is_vector(call)
    job = call.new_job(media="svg" if vector else "image")
    data = [{"image_id": str(uuid.uuid4()), "url": file.url()} for file in job.outputs()]
    units = _units(call, vector) * len(data)
    return Reply(body={"created": int(time.time()), "credits": units, "data": data})


def process(call: Call) -> Reply:
    """Single-image process routes answer `image{image_id, url}`."""
    if missing := _missing_files(call, ("image",)):
        return missing
    if call.markers.outcome is Outcome.MODERATED:
        return _moderated()
    operation = call.args["operation"]
    job = call.new_job(media="svg" if operation == "vectorize" else "image", count=1)
    image = {"image_id": str(uuid.uuid4()), "url": job.outputs()[0].url()}
    return Reply(body={"created": int(time.time()), "credits": PROCESS_UNITS[operation], "image": image})


def styles(call: Call) -> Reply:
    return Reply(body={"id": str(uuid.uuid4())})


VENDOR = Vendor(
    name=NAME,
    key_header="Authorization",
    key_prefix="Bearer ",
    error=error,
    routes=(
        Route("POST", r"v1/images/generations", "sync", generate),
        Route("POST", r"v1/images/(?P<operation>imageToImage|inpaint|replaceBackground)", "sync", generate),
        Route(
            "POST",
            r"v1/images/(?P<operation>vectorize|removeBackground|crispUpscale|creativeUpscale)",
            "sync",
            process,
        ),
        Route("POST", r"v1/styles", "sync", styles),
    ),
)
