"""Tripo3D: POST v2/openapi/task (any `type`) and Comfy.org's v2/openapi/import answer
`{code: 0, data: {task_id}}`; GET v2/openapi/task/{id} goes queued → running → success
(`output.pbr_model` or `output.model`, a GLB, or the FBX / OBJ a conversion asked for, plus a PNG
`rendered_image`, and `consumed_credit`) | failed | banned.

Markers are read from the prompt, the texture prompt, and the image or model URLs.
"""

from __future__ import annotations

from typing import Any

from nodes.sandbox.files import OutputFile
from nodes.sandbox.jobs import Job, Phase, job_from_token, markers_in
from nodes.sandbox.vendors.base import Call, Reply, Route, Vendor

NAME = "tripo"
STATUS = {
    Phase.QUEUED: "queued",
    Phase.PROCESSING: "running",
    Phase.SUCCEEDED: "success",
    Phase.FAILED: "failed",
    Phase.MODERATED: "banned",
}
# What the sandbox reports as `consumed_credit`: each task type's cheapest figure on the badges.
CREDITS = {
    "text_to_model": 10,
    "image_to_model": 20,
    "multiview_to_model": 20,
    "texture_model": 10,
    "refine_model": 30,
    "animate_rig": 25,
    "animate_retarget": 10,
    "convert_model": 5,
    "import_model": 0,
}
SOURCES = {
    "texture_model": "original_model_task_id",
    "refine_model": "draft_model_task_id",
    "animate_rig": "original_model_task_id",
    "animate_retarget": "original_model_task_id",
    "convert_model": "original_model_task_id",
}
PBR_TASKS = {"text_to_model", "image_to_model", "multiview_to_model", "texture_model"}
CONVERTED = {"FBX": "fbx", "OBJ": "obj"}  # other formats (GLTF, USDZ, STL, 3MF) are served as GLB here


def error(status: int, code: str, message: str) -> dict[str, Any]:
    return {"code": 2000 + status, "message": message, "suggestion": code}


def _bad(message: str) -> Reply:
    return Reply(status=400, body={"code": 2002, "message": message, "suggestion": "Check the parameters."})


def _marker_text(call: Call) -> str:
    files = call.request.body.get("files")
    urls = [f.get("url", "") for f in files if isinstance(f, dict)] if isinstance(files, list) else []
    found = [call.request.prompt, call.request.text("texture_prompt.text", "file.url", "url"), *urls]
    return " ".join(value for value in found if isinstance(value, str))


def _start(call: Call, kind: str, ext: str, pbr: bool) -> Reply:
    markers = markers_in(_marker_text(call))
    job = call.new_job(media="image", outcome=markers.outcome, extra={"type": kind, "ext": ext, "pbr": pbr})
    return Reply(body={"code": 0, "data": {"task_id": job.token()}})


def task(call: Call) -> Reply:
    body = call.request.body
    kind = body.get("type")
    if kind not in CREDITS or kind == "import_model":
        return _bad(f"Unsupported task type: {kind!r}.")
    source = SOURCES.get(kind)
    if source and not call.request.text(source):
        return _bad(f"{source} is required.")
    if kind == "text_to_model" and not call.request.prompt:
        return _bad("prompt is required.")
    if kind == "image_to_model" and not call.request.text("file.url", "file.file_token"):
        return _bad("file is required.")
    if kind == "multiview_to_model" and not (isinstance(body.get("files"), list) and len(body["files"]) == 4):
        return _bad("files must hold four entries: front, left, back, right.")
    ext = CONVERTED.get(str(body.get("format", "")).upper(), "glb") if kind == "convert_model" else "glb"
    # Generations and re-texturing deliver `pbr_model` unless PBR is off; other tasks deliver `model`.
    pbr = kind in PBR_TASKS and body.get("pbr") is not False
    return _start(call, kind, ext, pbr=pbr)


def import_model(call: Call) -> Reply:
    if not call.request.text("url") or call.request.text("format") not in {"glb", "fbx", "obj", "stl"}:
        return _bad("url and format (glb, fbx, obj or stl) are required.")
    return _start(call, "import_model", "glb", pbr=False)


def _output(job: Job) -> dict[str, Any]:
    model = OutputFile(ext=str(job.extra.get("ext", "glb")), seed=job.seed).url()
    preview = OutputFile(ext="png", seed=job.seed, width=job.width, height=job.height).url()
    key = "pbr_model" if job.extra.get("pbr") else "model"
    return {key: model, "rendered_image": preview}


def poll(call: Call) -> Reply:
    job = job_from_token(call.args["id"], vendor=NAME)
    if job is None:
        return Reply(
            status=404, body={"code": 2001, "message": "Task not found.", "suggestion": "Check task_id."}
        )
    phase = job.phase()
    kind = str(job.extra.get("type", ""))
    data: dict[str, Any] = {
        "task_id": call.args["id"],
        "type": kind,
        "status": STATUS[phase],
        "input": {},
        "output": {},
        "progress": int(job.progress() * 100),
        "create_time": job.created_ms // 1000,
    }
    if phase is Phase.SUCCEEDED:
        data["output"] = _output(job)
        data["consumed_credit"] = CREDITS.get(kind, 0)
    return Reply(body={"code": 0, "data": data})


VENDOR = Vendor(
    name=NAME,
    key_header="Authorization",
    key_prefix="Bearer ",
    error=error,
    routes=(
        Route("POST", r"v2/openapi/task", "submit", task),
        Route("POST", r"v2/openapi/import", "submit", import_model),
        Route("GET", r"v2/openapi/task/(?P<id>[^/]+)", "poll", poll),
    ),
)
