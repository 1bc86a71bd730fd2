"""Tencent Hunyuan 3D at Comfy.org's proxy paths: POST `hunyuan/<action>` → `{"Response": {JobId,
RequestId}}`; POST `hunyuan/<action>/query {JobId}` → `{"Response": {Status, ErrorCode, ErrorMessage,
ResultFile3Ds[{Type, Url, PreviewImageUrl}], RequestId}}` with Status WAIT → RUN → DONE | FAIL.

Like Tencent Cloud, a request error is HTTP 200 with `Response.Error {Code, Message}` (an unknown job is
`ResourceNotFound`); a missing key is 401 here so key handling stays testable. Markers are read from the
prompt and the URLs of the source image or model.
"""

from __future__ import annotations

import uuid
from typing import Any

from nodes.sandbox.files import OutputFile
from nodes.sandbox.jobs import Job, Phase, job_duration_ms, job_from_token, markers_in, prompt_seed
from nodes.sandbox.vendors.base import Call, Reply, Route, Vendor

NAME = "tencent"
STATUS = {
    Phase.QUEUED: "WAIT",
    Phase.PROCESSING: "RUN",
    Phase.SUCCEEDED: "DONE",
    Phase.FAILED: "FAIL",
    Phase.MODERATED: "FAIL",
}
FAILURES = {
    Phase.FAILED: ("FailedOperation.InnerError", "Generation failed (sandbox [fail] marker)."),
    Phase.MODERATED: ("ResourceUnavailable.ContentModeration", "Moderated (sandbox [moderated] marker)."),
}
MARKED = ("Prompt", "ImageUrl", "File.Url", "File3D.Url")
# What each action requires, and the files a finished job lists (Type → extension).
REQUIRED = {
    "3d-pro": (),
    "3d-uv": ("File.Url",),
    "3d-part": ("File.Url",),
    "3d-texture-edit": ("File3D.Url", "Prompt"),
    "3d-smart-topology": ("File3D.Url",),
}
FILES = {
    "3d-pro": (("GLB", "glb"), ("OBJ", "zip")),  # Tencent zips a Pro job's OBJ with its textures
    "3d-uv": (("OBJ", "obj"), ("FBX", "fbx"), ("UV_IMAGE", "png")),
    "3d-part": (("FBX", "fbx"),),
    "3d-texture-edit": (("GLB", "glb"), ("OBJ", "obj"), ("TEXTURE_IMAGE", "png")),
    "3d-smart-topology": (("OBJ", "obj"),),
}


def _response(body: dict[str, Any]) -> dict[str, Any]:
    return {"Response": {**body, "RequestId": str(uuid.uuid4())}}


def error(status: int, code: str, message: str) -> dict[str, Any]:
    return _response({"Error": {"Code": code, "Message": message}})


def _submit(call: Call, kind: str) -> Reply:
    request = call.request
    marked = " ".join(request.text(name) for name in MARKED)
    markers = markers_in(marked)
    if markers.http500:
        return Reply(status=500, body=error(500, "InternalError", "Internal error (sandbox [http500])."))
    required = REQUIRED[kind] or (() if request.text("ImageUrl") else ("Prompt",))
    missing = [name for name in required if not request.text(name)]
    if missing:
        return Reply(body=error(400, "InvalidParameter", f"Missing {', '.join(missing)}."))
    job: Job = call.new_job(
        media="image",
        count=1,
        outcome=markers.outcome,
        duration_ms=job_duration_ms(markers),
        seed=prompt_seed(marked),
        extra={"kind": kind},
    )
    return Reply(body=_response({"JobId": job.token()}))


def _query(call: Call, kind: str) -> Reply:
    token = call.request.text("JobId")
    job = job_from_token(token, vendor=NAME) if token else None
    if job is None or job.extra.get("kind") != kind:
        return Reply(body=error(400, "ResourceNotFound.JobNotExist", "The job does not exist."))
    phase = job.phase()
    body: dict[str, Any] = {"Status": STATUS[phase], "ErrorCode": "", "ErrorMessage": "", "ResultFile3Ds": []}
    if phase is Phase.SUCCEEDED:
        preview = OutputFile(ext="png", seed=job.seed).url()
        body["ResultFile3Ds"] = [
            {"Type": kind_name, "Url": OutputFile(ext=ext, seed=job.seed).url(), "PreviewImageUrl": preview}
            for kind_name, ext in FILES[kind]
        ]
    elif phase in FAILURES:
        body["ErrorCode"], body["ErrorMessage"] = FAILURES[phase]
    return Reply(body=_response(body))


def _routes(kind: str) -> tuple[Route, Route]:
    path = f"hunyuan/{kind}"
    return (
        Route("POST", path, "submit", lambda call: _submit(call, kind)),
        Route("POST", path + "/query", "poll", lambda call: _query(call, kind)),
    )


VENDOR = Vendor(
    name=NAME,
    key_header="Authorization",
    key_prefix="",
    error=error,
    routes=tuple(route for kind in REQUIRED for route in _routes(kind)),
)
