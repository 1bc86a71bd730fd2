"""Google Veo on Vertex AI: `:predictLongRunning` → POST `:fetchPredictOperation` (§6.9)."""

from __future__ import annotations

from typing import Any

from nodes.sandbox.jobs import Phase, job_from_token
from nodes.sandbox.vendors.base import Call, Reply, Route, Vendor

NAME = "veo"
MODEL_PATH = (
    r"v1/projects/(?P<project>[^/]+)/locations/(?P<location>[^/]+)/publishers/google/models/(?P<model>[^/:]+)"
)
GOOGLE_STATUS = {400: "INVALID_ARGUMENT", 401: "UNAUTHENTICATED", 404: "NOT_FOUND", 500: "INTERNAL"}
RESPONSE_TYPE = "type.googleapis.com/cloud.ai.large_models.vision.GenerateVideoResponse"
MAX_SAMPLES = 4


def error(status: int, code: str, message: str) -> dict[str, Any]:
    return {"error": {"code": status, "message": message, "status": GOOGLE_STATUS.get(status, "UNKNOWN")}}


def _model_name(call: Call) -> str:
    args = call.args
    return f"projects/{args['project']}/locations/{args['location']}/publishers/google/models/{args['model']}"


def predict(call: Call) -> Reply:
    job = call.new_job(count=min(MAX_SAMPLES, call.request.count), extra={"model": call.args["model"]})
    return Reply(body={"name": f"{_model_name(call)}/operations/{job.token()}"})


def fetch(call: Call) -> Reply:
    name = call.request.text("operationName")
    prefix = f"{_model_name(call)}/operations/"
    job = job_from_token(name.removeprefix(prefix), vendor=NAME) if name.startswith(prefix) else None
    if job is None or job.extra.get("model") != call.args["model"]:
        return Reply(status=404, body=error(404, "not_found", "Operation not found."))
    phase = job.phase()
    if phase in {Phase.QUEUED, Phase.PROCESSING}:
        return Reply(body={"name": name, "done": False})
    if phase is Phase.FAILED:
        message = "Video generation failed (sandbox [fail] marker)."
        return Reply(body={"name": name, "done": True, "error": {"code": 13, "message": message}})
    response: dict[str, Any] = {"@type": RESPONSE_TYPE, "raiMediaFilteredCount": 0, "videos": []}
    if phase is Phase.MODERATED:
        response |= {
            "raiMediaFilteredCount": job.count,
            "raiMediaFilteredReasons": ["The prompt was blocked (sandbox [moderated] marker)."],
        }
    else:
        response["videos"] = [
            {"bytesBase64Encoded": video.b64(), "mimeType": "video/mp4"} for video in job.outputs()
        ]
    return Reply(body={"name": name, "done": True, "response": response})


VENDOR = Vendor(
    name=NAME,
    key_header="Authorization",
    key_prefix="Bearer ",
    error=error,
    routes=(
        Route("POST", rf"{MODEL_PATH}:predictLongRunning", "submit", predict, media="video"),
        Route("POST", rf"{MODEL_PATH}:fetchPredictOperation", "poll", fetch, media="video"),
    ),
)
