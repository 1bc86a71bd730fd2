"""Hyper3D Rodin (Deemos): submit `rodin` (multipart) → POST `status` {subscription_key} until every job is
Done → POST `download` {task_uuid} for the file list. Rodin reports no cost: a task settles on its quote."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from comfyweb.errors import ApiError
from nodes.engine.types import Call, LineItem, Outcome, Poll, Route, Vendor
from nodes.vendors.common import MULTIPART_CAP, Check, choice, dig, each, text, text_id

BADGE = "ComfyUI 0.30.0 price badge, nodes_rodin.py (2026-12-08)"
# The first-generation tiers' badges are a flat $0.40 each.
LEGACY = {"Regular": 400_000, "Detail": 400_000, "Smooth": 400_000, "Sketch": 400_000, "Gen-2": 400_000}
# Gen-2.5: the badge's 0.5 credit (1 for Extreme-High) x $1.50 a credit.
GEN25 = {
    "Gen-2.5-Extreme-Low": 750_000,
    "Gen-2.5-Low": 750_000,
    "Gen-2.5-Medium": 750_000,
    "Gen-2.5-High": 750_000,
    "Gen-2.5-Extreme-High": 1_500_000,
}
TIERS = {**LEGACY, **GEN25}
ADDONS = {"HighPack": 800_000}  # the badge's 1 credit x $0.80 for the HighPack addon
MAX_IMAGES = 5
PROMPT_MAX = 2500  # the Gen-2.5 text node's limit
# Rodin tasks take minutes (Extreme-High longer); + the client's 40-minute poll window.
TASK_TTL = timedelta(hours=1, minutes=40)
FAILED = "Failed"
DONE = "Done"


def _repeated(call: Call, name: str) -> tuple[str, ...]:
    """A multipart field sent once per list item (Gen-2.5's `addons`)."""
    return tuple(call.body.fields.get(name, ()))


def generate_price(call: Call) -> list[LineItem]:
    tier = choice(call, "tier", default="Regular", allowed=TIERS)
    images = sum(1 for name in call.body.files if name == "images")
    if images > MAX_IMAGES:
        raise ApiError(400, "invalid_request", f"Rodin takes at most {MAX_IMAGES} images.")
    if images == 0 and (tier in LEGACY or not call.body.value("prompt")):
        raise ApiError(400, "invalid_request", "images are required (or, for Gen-2.5, a prompt).")
    items = each(tier)
    for addon in _repeated(call, "addons"):
        if addon not in ADDONS:
            raise ApiError(422, "price_unavailable", f"This request cannot be priced: addon {addon[:40]!r}.")
        items += each(f"addon/{addon}")
    return items


def tier_model(call: Call) -> str:
    tier = call.body.value("tier") if call.body.format != "none" else None
    return tier if isinstance(tier, str) and tier in TIERS else ""


def subscription(data: Any) -> str | None:
    return text_id(dig(data, "jobs", "subscription_key"))


def task_uuid(data: Any) -> str | None:
    return text_id(dig(data, "uuid"))


def download_task(call: Call) -> str:
    task = text_id(call.body.value("task_uuid"))
    if task is None or len(task) > 200:
        raise ApiError(400, "invalid_request", "task_uuid must be the uuid the submit reply gave.")
    return task


def poll_job(call: Call) -> str:
    key = text_id(call.body.value("subscription_key"))
    if key is None or len(key) > 600:
        raise ApiError(400, "invalid_request", "subscription_key must be the one the submit reply gave.")
    return key


def _statuses(data: Any) -> list[Any]:
    jobs = dig(data, "jobs")
    return [job.get("status") for job in jobs if isinstance(job, dict)] if isinstance(jobs, list) else []


def status(data: Any, http_status: int) -> Outcome:
    """Done once every job is Done; one Failed job fails the task (the node gives up then too)."""
    statuses = _statuses(data)
    if FAILED in statuses:
        return "failure"
    if statuses and all(word == DONE for word in statuses):
        return "success"
    return "pending"


def status_word(data: Any) -> str:
    return ",".join(sorted({str(word) for word in _statuses(data)}))


VENDOR = Vendor(
    name="rodin",
    title="Hyper3D Rodin",
    live_base="https://hyperhuman.deemos.com",  # developer.hyper3d.ai (Authorization: Bearer), 2026-12-08
    sandbox_base="/rodin",
    key_header="Authorization",
    key_prefix="Bearer ",
    routes=(
        Route(
            "POST",
            "api/v2/rodin",
            "/api/v2/rodin",
            "submit",
            body="multipart",
            price=generate_price,
            model=tier_model,
            job_id=subscription,
            result_ref=task_uuid,
            poll_route="status",
            max_bytes=MULTIPART_CAP,
            ttl=TASK_TTL,
        ),
        Route(
            "POST",
            "api/v2/status",
            "/api/v2/status",
            "poll",
            name="status",
            status=status,
            poll=Poll(
                job_ref=poll_job,
                body=lambda job: {"subscription_key": job},
                status_word=status_word,
            ),
            max_bytes=64 * 1024,
            timeout_seconds=60,
        ),
        # Free (Rodin charges nothing for it): the file list of one of the caller's own tasks, found by the
        # task `uuid` its submit reply gave (kept as the job's result_ref); another uuid is 404.
        Route(
            "POST",
            "api/v2/download",
            "/api/v2/download",
            "download",
            poll=Poll(job_ref=download_task),
            max_bytes=64 * 1024,
            timeout_seconds=60,
        ),
    ),
    prices={
        **{tier: ("generation", micros, BADGE) for tier, micros in TIERS.items()},
        **{f"addon/{name}": ("addon", micros, BADGE) for name, micros in ADDONS.items()},
    },
    model_names={
        "Regular": "Rodin Regular",
        "Detail": "Rodin Detail",
        "Smooth": "Rodin Smooth",
        "Sketch": "Rodin Sketch",
        "Gen-2": "Rodin Gen-2",
        "Gen-2.5-Extreme-Low": "Rodin Gen-2.5 Extreme-Low",
        "Gen-2.5-Low": "Rodin Gen-2.5 Low",
        "Gen-2.5-Medium": "Rodin Gen-2.5 Medium",
        "Gen-2.5-High": "Rodin Gen-2.5 High",
        "Gen-2.5-Extreme-High": "Rodin Gen-2.5 Extreme-High",
        "HighPack": "HighPack",
    },
)

# Validated before reserving (nodes/validation.py): the fields the Rodin nodes send.
CHECKS: dict[str, tuple[Check, ...]] = {
    "POST api/v2/rodin": (
        Check("tier", "text", required=True, max_length=32),
        text("prompt", required=False, max_length=PROMPT_MAX),
        Check("seed", "int", low=0, high=65535),
        Check("quality_override", "int", low=1, high=2_000_000),
    ),
    "POST api/v2/status": (text("subscription_key", max_length=600),),
    "POST api/v2/download": (text("task_uuid", max_length=600),),
}
