"""sync.so (Sync Labs) lip sync: POST v2/generate → GET v2/generate/{id}, charged per second delivered."""

from __future__ import annotations

from typing import Any

from nodes.engine.types import Call, LineItem, Poll, Route, Vendor
from nodes.vendors.common import (
    JSON_CAP,
    VIDEO_TTL,
    Check,
    choice,
    delivered_seconds,
    dig,
    each,
    param,
    status_of,
    text,
    text_id,
)

BADGE = (
    "ComfyUI 0.30.0 price badge, nodes_sync_so.py (2026-12-07): $0.19019/s; sync.so lists sync-3 at "
    "$0.107-0.133/s at 25 fps (sync.so/docs/product/billing, 2026)"
)
PER_SECOND = {"sync-3": 190_190}
# ComfyUI refuses audio and video over 600 s (validate_audio_duration / upload max_duration), and every
# sync_mode makes the output at most as long as the longer input: the hold is 600 s, the charge the
# `outputDuration` the finished generation reports.
MAX_SECONDS = 600


def price(call: Call) -> list[LineItem]:
    model = choice(call, "model", default="sync-3", allowed=PER_SECOND)
    return each(f"{model}/second", MAX_SECONDS)


def job_id(data: Any) -> str | None:
    return text_id(dig(data, "id"))


VENDOR = Vendor(
    name="synclabs",
    title="sync.so",
    live_base="https://api.sync.so",
    sandbox_base="/synclabs",
    key_header="x-api-key",
    routes=(
        Route(
            "POST",
            "v2/generate",
            "/v2/generate",
            "submit",
            price=price,
            job_id=job_id,
            poll_route="poll",
            max_bytes=JSON_CAP,
            ttl=VIDEO_TTL,
        ),
        Route(
            "GET",
            "v2/generate/{id:id}",
            "/v2/generate/{job}",
            "poll",
            name="poll",
            body="none",
            # sync.so's words: PENDING → PROCESSING → COMPLETED | FAILED | REJECTED (the node's model).
            status=status_of("status", success={"COMPLETED"}, failure={"FAILED"}, moderated={"REJECTED"}),
            poll=Poll(job_ref=param("id"), settled_cost=delivered_seconds("outputDuration")),
            timeout_seconds=60,
        ),
    ),
    prices={f"{model}/second": ("second", micros, BADGE) for model, micros in PER_SECOND.items()},
    model_names={"sync-3": "sync-3"},
)

# Validated before reserving (nodes/validation.py).
CHECKS: dict[str, tuple[Check, ...]] = {
    "POST v2/generate": (
        Check("input", "list", required=True, max_length=2),
        text("input.0.url", max_length=100_000),
        text("input.1.url", max_length=100_000),
        text("options.i2v_prompt", required=False, max_length=2000),
    ),
}
