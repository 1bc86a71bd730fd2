"""Meshy: every task type is POST `openapi/v{1,2}/<kind>` → `{"result": id}` and GET `…/<kind>/{id}` →
the task object (`status` PENDING → IN_PROGRESS → SUCCEEDED | FAILED, `progress` 0-100). Model tasks carry
`model_urls` (GLB, FBX, OBJ, USDZ) and a PNG `thumbnail_url`; rigging and animation tasks carry their
files in `result`. The markers are read from the prompts and the ids and URLs the body names."""

from __future__ import annotations

from typing import Any

from nodes.sandbox.files import OutputFile
from nodes.sandbox.jobs import Job, Phase, job_duration_ms, job_from_token, markers_in, prompt_seed
from nodes.sandbox.vendors.base import Call, Reply, Route, Vendor

NAME = "meshy"
STATUS = {
    Phase.QUEUED: "PENDING",
    Phase.PROCESSING: "IN_PROGRESS",
    Phase.SUCCEEDED: "SUCCEEDED",
    Phase.FAILED: "FAILED",
    Phase.MODERATED: "FAILED",
}
FAILURES = {
    Phase.FAILED: "Generation failed (sandbox [fail] marker).",
    Phase.MODERATED: "The input was moderated (sandbox [moderated] marker).",
}
# Body fields whose text carries the markers, and which must be present, per task kind.
MARKED = (
    "prompt",
    "texture_prompt",
    "text_style_prompt",
    "image_url",
    "image_urls.0",
    "preview_task_id",
    "input_task_id",
    "rig_task_id",
)
REQUIRED = {
    "image-to-3d": ("image_url",),
    "multi-image-to-3d": ("image_urls.0",),
    "retexture": ("input_task_id",),
    "rigging": ("input_task_id",),
    "animations": ("rig_task_id",),
}


def error(status: int, code: str, message: str) -> dict[str, Any]:
    return {"message": message}


def _submit(call: Call, kind: str) -> Reply:
    request = call.request
    marked = " ".join(request.text(name) for name in MARKED)
    markers = markers_in(marked)
    if markers.http500:
        return Reply(status=500, body=error(500, "internal", "Internal server error (sandbox [http500])."))
    required = REQUIRED.get(kind, ())
    if kind == "text-to-3d":
        refine = request.text("mode") == "refine"
        required = ("preview_task_id",) if refine else ("prompt",)
    missing = [name.split(".")[0] for name in required if not request.text(name)]
    if missing:
        return Reply(status=400, body=error(400, "invalid", f"Missing {', '.join(missing)}."))
    job: Job = call.new_job(
        media="image",
        count=1,
        outcome=markers.outcome,
        duration_ms=job_duration_ms(markers),
        seed=prompt_seed(marked),
        extra={"kind": kind},
    )
    return Reply(body={"result": job.token()})


def _files(job: Job, kind: str) -> dict[str, Any]:
    def url(ext: str) -> str:
        return OutputFile(ext=ext, seed=job.seed).url()

    if kind == "rigging":
        return {"result": {"rigged_character_glb_url": url("glb"), "rigged_character_fbx_url": url("fbx")}}
    if kind == "animations":
        return {"result": {"animation_glb_url": url("glb"), "animation_fbx_url": url("fbx")}}
    return {
        "model_urls": {"glb": url("glb"), "fbx": url("fbx"), "obj": url("obj"), "usdz": ""},
        "thumbnail_url": url("png"),
        "texture_urls": [{"base_color": url("png")}],
    }


def _task(call: Call, kind: str) -> Reply:
    token = call.args["id"]
    job = job_from_token(token, vendor=NAME)
    if job is None or job.extra.get("kind") != kind:
        return Reply(status=404, body=error(404, "not_found", "Task not found."))
    phase = job.phase()
    body: dict[str, Any] = {
        "id": token,
        "type": kind,
        "status": STATUS[phase],
        "progress": int(job.progress() * 100),
        "created_at": job.created_ms,
        "task_error": None,
    }
    if kind not in {"rigging", "animations"}:
        body.update(model_urls={}, thumbnail_url="")
    if phase is Phase.SUCCEEDED:
        body.update(_files(job, kind))
    elif phase in FAILURES:
        body["task_error"] = {"message": FAILURES[phase]}
    return Reply(body=body)


def _routes(version: str, kind: str) -> tuple[Route, Route]:
    path = f"openapi/{version}/{kind}"
    return (
        Route("POST", path, "submit", lambda call: _submit(call, kind)),
        Route("GET", path + r"/(?P<id>[^/]+)", "poll", lambda call: _task(call, kind)),
    )


VENDOR = Vendor(
    name=NAME,
    key_header="Authorization",
    key_prefix="Bearer ",
    error=error,
    routes=(
        *_routes("v2", "text-to-3d"),
        *_routes("v1", "image-to-3d"),
        *_routes("v1", "multi-image-to-3d"),
        *_routes("v1", "retexture"),
        *_routes("v1", "rigging"),
        *_routes("v1", "animations"),
    ),
)
