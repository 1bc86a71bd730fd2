"""Recraft (sync): JSON generation and multipart image operations; the reply's `credits` is settled on."""

from __future__ import annotations

from typing import Any

from nodes.engine.types import Call, LineItem, Outcome, Route, Vendor
from nodes.vendors.common import (
    JSON_CAP,
    MULTIPART_CAP,
    SYNC_TTL,
    Check,
    choice,
    dig,
    each,
    file,
    fixed,
    integer,
    named,
    size,
    text,
    text_id,
)

BADGE = "ComfyUI price badge (comfy_api_nodes/nodes_recraft.py, 2026)"
V4_BADGE = f"{BADGE}, RecraftV4TextToImageNode / RecraftV4TextToVectorNode"
V2_SOURCE = (
    "estimate: Recraft V2 is no longer offered by the ComfyUI nodes and no current public figure was found; "
    "kept at $0.022 raster / $0.044 vector, the last published Recraft V2 API price"
)
FLASH_SOURCE = (
    "Recraft API price list (recraft.ai/docs/api-reference/pricing, as on vercel.com/ai-gateway/models/"
    "recraft-v4.1-flash, 2026): $0.007 per image, raster only; not offered by ComfyUI 0.30.0's nodes"
)
CREDIT_SOURCE = "Recraft reply `credits` in API units ($1 per 1,000 units, recraft.ai/docs pricing)"
VECTOR_STYLES = ("vector_illustration", "icon", "logo_raster")
# Per output image, µ$. `{model}/raster` also serves the models whose name carries the output type.
GENERATE = {
    "recraftv3/raster": (40_000, f"{BADGE}: $0.04 x n (RecraftTextToImageNode)"),
    "recraftv3/vector": (80_000, f"{BADGE}: $0.08 x n (RecraftTextToVectorNode)"),
    "recraftv2/raster": (22_000, V2_SOURCE),
    "recraftv2/vector": (44_000, V2_SOURCE),
    "recraftv4/raster": (40_000, f"{V4_BADGE}: $0.04 x n"),
    "recraftv4/vector": (80_000, f"{V4_BADGE}: $0.08 x n (recraftv4 with a vector style)"),
    "recraftv4_pro/raster": (250_000, f"{V4_BADGE}: $0.25 x n"),
    "recraftv4_pro/vector": (300_000, f"{V4_BADGE}: $0.30 x n (recraftv4_pro with a vector style)"),
    "recraftv4_1/raster": (35_000, f"{V4_BADGE}: $0.035 x n"),
    "recraftv4_1_utility/raster": (35_000, f"{V4_BADGE}: $0.035 x n"),
    "recraftv4_1_pro/raster": (210_000, f"{V4_BADGE}: $0.21 x n"),
    "recraftv4_1_utility_pro/raster": (210_000, f"{V4_BADGE}: $0.21 x n"),
    "recraftv4_1_flash/raster": (7_000, FLASH_SOURCE),
    "recraftv4_styles/raster": (35_000, f"{V4_BADGE}: $0.035 x n"),
    "recraftv4_styles_pro/raster": (100_000, f"{V4_BADGE}: $0.10 x n"),
    "recraftv4_1_vector/vector": (80_000, f"{V4_BADGE}: $0.08 x n"),
    "recraftv4_1_utility_vector/vector": (80_000, f"{V4_BADGE}: $0.08 x n"),
    "recraftv4_1_pro_vector/vector": (300_000, f"{V4_BADGE}: $0.30 x n"),
    "recraftv4_1_utility_pro_vector/vector": (300_000, f"{V4_BADGE}: $0.30 x n"),
    "recraftv4_styles_vector/vector": (50_000, f"{V4_BADGE}: $0.05 x n"),
    "recraftv4_styles_pro_vector/vector": (120_000, f"{V4_BADGE}: $0.12 x n"),
}
# Models that take a `style` to choose raster or vector; the others name their output type.
STYLED = ("recraftv3", "recraftv2", "recraftv4", "recraftv4_pro")
MODELS = tuple(dict.fromkeys(key.split("/")[0] for key in GENERATE))
OPERATIONS = {
    "imageToImage": (40_000, f"{BADGE}: $0.04 x n (RecraftImageToImageNode)"),
    "inpaint": (40_000, f"{BADGE}: $0.04 x n (RecraftImageInpaintingNode)"),
    # The badge shows a flat $0.04 although the node sends `n`; Recraft bills per output image, so the
    # quote (the most a call may cost) stays per image and the reply's `credits` settles the real figure.
    "replaceBackground": (40_000, f"{BADGE}: $0.04 per image (RecraftReplaceBackgroundNode)"),
    "vectorize": (10_000, f"{BADGE}: $0.01 (RecraftVectorizeImageNode)"),
    "removeBackground": (10_000, f"{BADGE}: $0.01 (RecraftRemoveBackgroundNode)"),
    "crispUpscale": (4_000, f"{BADGE}: $0.004 (RecraftCrispUpscaleNode)"),
    "creativeUpscale": (250_000, f"{BADGE}: $0.25 (RecraftCreativeUpscaleNode)"),
}
PER_N = {"imageToImage", "inpaint", "replaceBackground"}
STYLE_REFERENCES = (5_000, f"{V4_BADGE}: +$0.005 per call that creates a style from style references")


def generate_price(call: Call) -> list[LineItem]:
    model = choice(call, "model", default="recraftv3", allowed=MODELS)
    style = call.body.value("style")
    if model in STYLED:
        kind = "vector" if isinstance(style, str) and style in VECTOR_STYLES else "raster"
    else:
        kind = "vector" if model.endswith("_vector") else "raster"
    items = each(f"generate/{model}/{kind}", integer(call, "n", default=1, low=1, high=6))
    references = call.body.value("style_reference_urls")
    if isinstance(references, list) and references:
        items.append(LineItem("generate/style_references", 1))
    return items


def operation_price(call: Call) -> list[LineItem]:
    operation = call.params["op"]
    count = integer(call, "n", default=1, low=1, high=6) if operation in PER_N else 1
    return each(f"images/{operation}", count)


def reported_credits(data: Any, call: Call) -> list[LineItem] | None:
    value = dig(data, "credits")
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        return None
    return each("credit", value)


def delivered(data: Any, status: int) -> Any:
    has_image = bool(dig(data, "data", 0, "url") or dig(data, "image", "url"))
    return "success" if has_image else "failure"


def style_created(data: Any, status: int) -> Outcome:
    return "success" if text_id(dig(data, "id")) else "failure"


def _model(call: Call) -> str:
    return str(call.body.value("model") or "recraftv3")


VENDOR = Vendor(
    name="recraft",
    title="Recraft",
    live_base="https://external.api.recraft.ai/v1",
    sandbox_base="/recraft/v1",
    key_header="Authorization",
    key_prefix="Bearer ",
    routes=(
        Route(
            "POST",
            "image_generation",
            "/images/generations",
            "sync",
            price=generate_price,
            model=_model,
            status=delivered,
            cost=reported_credits,
            max_bytes=JSON_CAP,
            ttl=SYNC_TTL,
            timeout_seconds=300,
        ),
        Route(
            "POST",
            f"images/{{op={'|'.join(OPERATIONS)}}}",
            "/images/{op}",
            "sync",
            body="multipart",
            price=operation_price,
            model=lambda call: f"recraft/{call.params['op']}",
            status=delivered,
            cost=reported_credits,
            max_bytes=MULTIPART_CAP,
            ttl=SYNC_TTL,
            timeout_seconds=300,
        ),
        # Recraft charges for a custom style (the 0.30.0 badge of RecraftCreateStyleNode: $0.04 per style).
        Route(
            "POST",
            "styles",
            "/styles",
            "sync",
            body="multipart",
            price=fixed("styles/create"),
            model=named("recraft/styles"),
            status=style_created,
            max_bytes=MULTIPART_CAP,
            ttl=SYNC_TTL,
            timeout_seconds=120,
        ),
    ),
    prices={
        **{f"generate/{key}": ("image", micros, source) for key, (micros, source) in GENERATE.items()},
        "generate/style_references": ("call", *STYLE_REFERENCES),
        **{f"images/{op}": ("image", micros, source) for op, (micros, source) in OPERATIONS.items()},
        "styles/create": ("style", 40_000, f"{BADGE}: $0.04 per style (RecraftCreateStyleNode)"),
        "credit": ("API unit", 1_000, CREDIT_SOURCE),
    },
)

# Validated before reserving (nodes/validation.py): prompts, the output size, the source image (and mask).
CHECKS: dict[str, tuple[Check, ...]] = {
    "POST image_generation": (text("prompt"), size("size", side_max=4096)),
    "POST images/{op}": (
        file("image"),
        text("prompt", op=("imageToImage", "inpaint", "replaceBackground")),
        file("mask", op=("inpaint",)),
    ),
    "POST styles": (text("style", max_length=100), file("file1")),
}
