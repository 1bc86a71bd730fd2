"""Tencent Cloud Hunyuan 3D (international): text/image to 3D (Pro), UV unfolding, texture edit, parts and
smart topology, each a job (submit → `Response.JobId`, then POST `…/query {JobId}` → `Response.Status`
WAIT / RUN / DONE / FAIL). Tencent reports no cost: a job settles on its quote.

Live calls go to Tencent Cloud API 3.0: every action is `POST /` with `X-TC-Action`, signed with
TC3-HMAC-SHA256 over the body, host and time (`Vendor.sign_request`); the key is `SecretId:SecretKey`.
The sandbox serves the same actions at Comfy.org's proxy paths (`/hunyuan/3d-pro`, …).
"""

from __future__ import annotations

import hashlib
import hmac
import time
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from comfyweb.errors import ApiError
from nodes.engine.types import Call, LineItem, Outcome, Poll, PriceFn, Route, Vendor
from nodes.vendors.common import (
    JSON_CAP,
    VIDEO_TTL,
    Check,
    choice,
    dig,
    each,
    fixed,
    flag,
    integer,
    named,
    text,
    text_id,
)

BADGE = "ComfyUI 0.30.0 price badge, nodes_hunyuan3d.py (2026-12-08)"
# The badges count Tencent's credits at $0.02 each (a Normal Pro job is 25 credits = $0.50).
CREDIT_MICROS = 20_000
PRO_BASE = {"Normal": 25, "LowPoly": 30, "Geometry": 15}
PRO_EXTRA = 10  # credits each for PBR, a face count other than the default, and extra views
PRO_OPTIONS = ("PBR", "face-count", "multiview")
PRO = "hunyuan-3d"  # the Pro job's price rows
DEFAULT_FACES = 500_000
FLAT = {"3d-uv": 10, "3d-texture-edit": 30, "3d-part": 30, "3d-smart-topology": 50}
PROMPT_MAX = 1024  # characters: the nodes' and Tencent's limit
URL_MAX = 100_000

# Tencent Cloud API 3.0, international site (tencentcloud.com/document/api/1284, 2026-12-08).
HOST = "hunyuan.intl.tencentcloudapi.com"
SERVICE = "hunyuan"
API_VERSION = "2023-09-01"
REGION = "ap-singapore"  # the 3D actions serve only ap-singapore and na-siliconvalley
ALGORITHM = "TC3-HMAC-SHA256"
SIGNED_HEADERS = "content-type;host;x-tc-action"
CONTENT_TYPE = "application/json"
# Proxy path → (submit action, query action). The texture-edit query name follows the UV one (Describe…),
# the only pair the public docs did not both show.
ACTIONS = {
    "3d-pro": ("SubmitHunyuanTo3DProJob", "QueryHunyuanTo3DProJob"),
    "3d-uv": ("SubmitHunyuanTo3DUVJob", "DescribeHunyuanTo3DUVJob"),
    "3d-texture-edit": ("SubmitHunyuanTo3DTextureEditJob", "DescribeHunyuanTo3DTextureEditJob"),
    "3d-part": ("SubmitHunyuan3DPartJob", "QueryHunyuan3DPartJob"),
    "3d-smart-topology": ("Submit3DSmartTopologyJob", "Describe3DSmartTopologyJob"),
}


# --- TC3-HMAC-SHA256 ----------------------------------------------------------------------------------------
def _hmac(key: bytes, message: str) -> bytes:
    return hmac.new(key, message.encode(), hashlib.sha256).digest()


def tc3_signature(
    *, secret_key: str, service: str, timestamp: int, canonical_request: str
) -> tuple[str, str]:
    """(credential scope, hex signature) of a canonical request, as Tencent Cloud's signature v3 defines."""
    date = datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d")  # the UTC date, never local
    scope = f"{date}/{service}/tc3_request"
    digest = hashlib.sha256(canonical_request.encode()).hexdigest()
    string_to_sign = f"{ALGORITHM}\n{timestamp}\n{scope}\n{digest}"
    signing = _hmac(_hmac(_hmac(("TC3" + secret_key).encode(), date), service), "tc3_request")
    return scope, hmac.new(signing, string_to_sign.encode(), hashlib.sha256).hexdigest()


def canonical_post(*, host: str, content_type: str, headers: dict[str, str], payload: bytes) -> str:
    """The canonical form of an API 3.0 POST: URI "/", no query, the signed headers (lower case, sorted)."""
    signed = {"content-type": content_type, "host": host, **headers}
    names = sorted(signed)
    lines = "".join(f"{name}:{signed[name].strip().lower()}\n" for name in names)
    return f"POST\n/\n\n{lines}\n{';'.join(names)}\n{hashlib.sha256(payload).hexdigest()}"


def _action(route: Route) -> str:
    kind = route.path.removeprefix("hunyuan/").removesuffix("/query")
    submit, query = ACTIONS[kind]
    return query if route.path.endswith("/query") else submit


def sign_request(
    key: str, route: Route, url: str, payload: bytes, *, now: int | None = None
) -> tuple[str, dict[str, str]]:
    """Every live call: `POST https://<host>/` with the action in `X-TC-Action`, signed by the key pair."""
    secret_id, _, secret_key = key.partition(":")
    if not secret_id or not secret_key:
        raise ValueError("the Tencent key must be SecretId:SecretKey")  # the engine sends nothing
    parts = urlsplit(url)
    host = parts.hostname or HOST
    action = _action(route)
    timestamp = int(time.time()) if now is None else now
    canonical = canonical_post(
        host=host, content_type=CONTENT_TYPE, headers={"x-tc-action": action}, payload=payload
    )
    scope, signature = tc3_signature(
        secret_key=secret_key, service=SERVICE, timestamp=timestamp, canonical_request=canonical
    )
    authorization = (
        f"{ALGORITHM} Credential={secret_id}/{scope}, SignedHeaders={SIGNED_HEADERS}, Signature={signature}"
    )
    headers = {
        "authorization": authorization,
        "content-type": CONTENT_TYPE,
        "host": host,
        "x-tc-action": action,
        "x-tc-timestamp": str(timestamp),
        "x-tc-version": API_VERSION,
        "x-tc-region": REGION,
    }
    return f"{parts.scheme}://{parts.netloc}/", headers


# --- Prices, ids, status ------------------------------------------------------------------------------------
def pro_price(call: Call) -> list[LineItem]:
    """The job's base by kind, plus each option the badge adds credits for."""
    kind = choice(call, "GenerateType", default="Normal", allowed=PRO_BASE)
    items = each(f"{PRO}/{kind}")
    if flag(call, "EnablePBR", default=False):
        items += each(f"{PRO}/PBR")
    faces = integer(call, "FaceCount", default=DEFAULT_FACES, low=3_000, high=1_500_000)
    if faces != DEFAULT_FACES:
        items += each(f"{PRO}/face-count")
    if call.body.value("MultiViewImages"):
        items += each(f"{PRO}/multiview")
    return items


def _pro_model(call: Call) -> str:
    model = call.body.value("Model")
    return f"hunyuan-3d-{model}" if model in {"3.0", "3.1"} else "hunyuan-3d"


def job_id(data: Any) -> str | None:
    return text_id(dig(data, "Response", "JobId"))


def poll_job(call: Call) -> str:
    job = text_id(call.body.value("JobId"))
    if job is None or len(job) > 600:
        raise ApiError(400, "invalid_request", "JobId must be the job id from the submit reply.")
    return job


def outcome(data: Any, http_status: int) -> Outcome:
    status = dig(data, "Response", "Status")
    if status == "DONE":
        return "success"
    if status == "FAIL":
        return "failure"
    return "pending"


def status_word(data: Any) -> str:
    return str(dig(data, "Response", "Status") or dig(data, "Response", "Error", "Code") or "")


def gone(data: Any) -> bool:
    """Tencent answers an unknown job with HTTP 200 and `Response.Error` (ResourceNotFound…)."""
    code = dig(data, "Response", "Error", "Code")
    return isinstance(code, str) and ("NotFound" in code or "NotExist" in code)


def error_message(data: Any) -> tuple[str, str]:
    error = dig(data, "Response", "Error")
    if isinstance(error, dict):
        return str(error.get("Message") or ""), str(error.get("Code") or "")
    return "", ""


def _job(kind: str, price: PriceFn, model: str | None = None) -> tuple[Route, Route]:
    """The submit route of one action and the POST route that queries its jobs."""
    path = f"hunyuan/{kind}"
    submit = Route(
        "POST",
        path,
        f"/{path}",
        "submit",
        price=price,
        model=named(model) if model else _pro_model,
        job_id=job_id,
        poll_route=kind,
        max_bytes=JSON_CAP,
        ttl=VIDEO_TTL,  # 3D jobs queue for minutes on a few concurrent slots; + the 40-minute window
    )
    query = Route(
        "POST",
        f"{path}/query",
        f"/{path}/query",
        "poll",
        name=kind,
        status=outcome,
        poll=Poll(job_ref=poll_job, body=lambda job: {"JobId": job}, status_word=status_word, gone=gone),
        max_bytes=64 * 1024,
        timeout_seconds=60,
    )
    return submit, query


VENDOR = Vendor(
    name="tencent",
    title="Tencent Hunyuan 3D",
    live_base=f"https://{HOST}",
    sandbox_base="/tencent",
    key_header="Authorization",
    sign_request=sign_request,
    error_message=error_message,
    routes=(
        *_job("3d-pro", pro_price),
        *(route for kind in FLAT for route in _job(kind, fixed(f"hunyuan-{kind}"), f"hunyuan-{kind}")),
    ),
    # One row per job kind and option, each the badge's credits at $0.02, so Pricing reads as a price list.
    prices={
        **{f"{PRO}/{kind}": ("job", count * CREDIT_MICROS, BADGE) for kind, count in PRO_BASE.items()},
        **{f"{PRO}/{option}": ("job", PRO_EXTRA * CREDIT_MICROS, BADGE) for option in PRO_OPTIONS},
        **{f"hunyuan-{kind}": ("job", count * CREDIT_MICROS, BADGE) for kind, count in FLAT.items()},
    },
    model_names={
        "hunyuan-3d": "Hunyuan3D Pro",
        "hunyuan-3d-3.0": "Hunyuan3D 3.0",
        "hunyuan-3d-3.1": "Hunyuan3D 3.1",
        "hunyuan-3d-uv": "Hunyuan3D UV unfolding",
        "hunyuan-3d-texture-edit": "Hunyuan3D texture edit",
        "hunyuan-3d-part": "Hunyuan3D parts",
        "hunyuan-3d-smart-topology": "Hunyuan3D smart topology",
    },
)

# Validated before reserving (nodes/validation.py): the fields and limits the nodes apply.
CHECKS: dict[str, tuple[Check, ...]] = {
    "POST hunyuan/3d-pro": (
        text("Model", required=False, max_length=8),
        text("Prompt", required=False, max_length=PROMPT_MAX),
        text("ImageUrl", required=False, max_length=URL_MAX),
        Check("MultiViewImages", "list", max_length=3),
        Check("EnablePBR", "bool"),
        Check("FaceCount", "int", low=3_000, high=1_500_000),
        text("PolygonType", required=False, max_length=32),
    ),
    "POST hunyuan/3d-uv": (text("File.Url", max_length=URL_MAX), text("File.Type", max_length=8)),
    "POST hunyuan/3d-part": (text("File.Url", max_length=URL_MAX), text("File.Type", max_length=8)),
    "POST hunyuan/3d-texture-edit": (
        text("File3D.Url", max_length=URL_MAX),
        text("File3D.Type", max_length=8),
        text("Prompt", required=False, max_length=PROMPT_MAX),
    ),
    "POST hunyuan/3d-smart-topology": (
        text("File3D.Url", max_length=URL_MAX),
        text("File3D.Type", max_length=8),
        text("PolygonType", required=False, max_length=32),
        text("FaceLevel", required=False, max_length=16),
    ),
    **{f"POST hunyuan/{kind}/query": (text("JobId", max_length=600),) for kind in ACTIONS},
}
