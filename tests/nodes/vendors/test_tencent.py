"""Tencent Hunyuan 3D (nodes_hunyuan3d.py), replayed through /proxy in sandbox mode, and signed live.

Every node submits a job (POST `hunyuan/<action>`) → `Response.JobId`, then polls POST
`hunyuan/<action>/query {JobId}` (`Response.Status`: WAIT, RUN; DONE, FAIL) and downloads the files of
`ResultFile3Ds` it needs by `Type`. Tencent reports no cost: a job settles on its quote (credits at $0.02,
as the badges price them). Live calls are Tencent Cloud API 3.0 actions signed with TC3-HMAC-SHA256.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import struct
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest

from nodes.engine import forward
from nodes.models import UsageStatus
from nodes.vendors import VENDORS
from nodes.vendors.tencent import canonical_post, sign_request, tc3_signature
from tests.nodes.loopback import MockVendor, mock_vendor
from tests.nodes.proxy_support import ComfyClient, available_micros
from tests.nodes.vendors.replay import assert_charged, assert_png, download

BASE = "/proxy/tencent/hunyuan"
DONE = {"DONE", "FAIL"}
URL = "https://example.com/storage/upload"


@dataclass(frozen=True)
class Job:
    id: str  # the node
    kind: str  # hunyuan/<kind>
    body: dict[str, Any]
    charge: int  # micro-USD
    files: tuple[str, ...]  # the ResultFile3Ds types the node downloads


def _pro(generate: str, pbr: bool | None, faces: int = 500_000, **source: Any) -> dict[str, Any]:
    return {
        "Model": "3.0",
        **source,
        "EnablePBR": pbr,
        "FaceCount": faces,
        "GenerateType": generate,
        "PolygonType": "triangle" if generate == "LowPoly" else None,
    }


VIEWS = [{"ViewType": "left", "ViewImageUrl": URL + ".webp"}]
JOBS = [
    Job("TencentTextToModelNode", "3d-pro", _pro("Normal", False, Prompt="a chair"), 500_000, ("glb", "obj")),
    Job(
        "TencentTextToModelNode-lowpoly-pbr-faces",
        "3d-pro",
        _pro("LowPoly", True, 40_000, Prompt="a chair"),
        (30 + 10 + 10) * 20_000,
        ("glb", "obj"),
    ),
    Job(
        "TencentImageToModelNode",
        "3d-pro",
        _pro("Geometry", None, ImageUrl=URL + ".webp", MultiViewImages=VIEWS),
        (15 + 10) * 20_000,
        ("glb", "obj"),
    ),
    Job(
        "TencentModelTo3DUVNode",
        "3d-uv",
        {"File": {"Type": "GLB", "Url": URL + ".glb"}},
        200_000,
        ("obj", "fbx", "uv_image"),
    ),
    Job(
        "Tencent3DTextureEditNode",
        "3d-texture-edit",
        {"File3D": {"Type": "FBX", "Url": URL + ".fbx"}, "Prompt": "rusty", "EnablePBR": True},
        600_000,
        ("glb", "obj", "texture_image"),
    ),
    Job(
        "Tencent3DPartNode",
        "3d-part",
        {"File": {"Type": "FBX", "Url": URL + ".fbx"}, "EnableStagedGeneration": True},
        600_000,
        ("fbx",),
    ),
    Job(
        "TencentSmartTopologyNode",
        "3d-smart-topology",
        {"File3D": {"Type": "GLB", "Url": URL + ".glb"}, "PolygonType": "triangle", "FaceLevel": "medium"},
        1_000_000,
        ("obj",),
    ),
]


def _poll(comfy: ComfyClient, kind: str, job: str) -> dict[str, Any]:
    """POST the query as the node's poll_op does, until a terminal status."""
    for _ in range(20):
        reply = comfy.post_json(f"{BASE}/{kind}/query", {"JobId": job})
        assert reply.status_code == 200, reply.content[:300]
        response: dict[str, Any] = reply.json()["Response"]
        if response.get("Status") in DONE:
            return response
    raise AssertionError("the job never reached a terminal status")


def _check_file(kind: str, data: bytes) -> None:
    if kind == "glb":
        assert struct.unpack_from("<4sII", data) == (b"glTF", 2, len(data))
    elif kind == "obj" and data.startswith(
        b"PK"
    ):  # a Pro job's OBJ: a ZIP with its texture, as the node reads it
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            assert sorted(archive.namelist()) == ["model.obj", "model.png"]
            _check_file("obj", archive.read("model.obj"))
            assert_png(archive.read("model.png"))
    elif kind == "obj":
        assert data.count(b"\nf ") == 12
    elif kind == "fbx":
        assert data.startswith(b"; FBX 7.4.0 project file")
    else:
        assert_png(data)


@pytest.mark.django_db
@pytest.mark.parametrize("job", JOBS, ids=[job.id for job in JOBS])
def test_each_node_runs_to_its_charge(proxy_comfy: ComfyClient, owner: Any, job: Job) -> None:
    before = available_micros(owner)
    reply = proxy_comfy.post_json(f"{BASE}/{job.kind}", job.body)
    assert reply.status_code == 200, reply.content[:300]
    final = _poll(proxy_comfy, job.kind, reply.json()["Response"]["JobId"])
    assert final["Status"] == "DONE"
    usage = assert_charged(owner, before, job.charge, status=UsageStatus.SUCCEEDED)
    assert usage.quoted_micros == job.charge
    files = {item["Type"].lower(): item["Url"] for item in final["ResultFile3Ds"]}
    for kind in job.files:
        _check_file(kind, download(proxy_comfy, files[kind]))


@pytest.mark.django_db
@pytest.mark.parametrize("job", [JOBS[0], JOBS[3]], ids=["pro", "uv"])
def test_a_failed_job_charges_nothing(proxy_comfy: ComfyClient, owner: Any, job: Job) -> None:
    before = available_micros(owner)
    body = (
        {**job.body, "Prompt": "[fail] x"}
        if "Prompt" in job.body
        else {"File": {"Type": "GLB", "Url": URL + "[fail].glb"}}
    )
    created = proxy_comfy.post_json(f"{BASE}/{job.kind}", body).json()
    final = _poll(proxy_comfy, job.kind, created["Response"]["JobId"])
    assert final["Status"] == "FAIL"
    assert final["ErrorCode"]
    assert_charged(owner, before, 0, status=UsageStatus.FAILED)


@pytest.mark.django_db
def test_a_refused_submit_charges_nothing(proxy_comfy: ComfyClient, owner: Any) -> None:
    """Tencent refuses with HTTP 200 and `Response.Error`: no JobId, so nothing is held."""
    before = available_micros(owner)
    reply = proxy_comfy.post_json(f"{BASE}/3d-texture-edit", {"File3D": {"Type": "FBX", "Url": "u"}})
    assert reply.json()["Response"]["Error"]["Code"] == "InvalidParameter"
    assert available_micros(owner) == before


@pytest.mark.django_db
def test_a_job_queried_on_another_action_is_not_found(proxy_comfy: ComfyClient) -> None:
    job = proxy_comfy.post_json(f"{BASE}/3d-part", JOBS[5].body).json()["Response"]["JobId"]
    assert proxy_comfy.post_json(f"{BASE}/3d-uv/query", {"JobId": job}).status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("kind", "body"),
    [
        ("3d-pro", {**JOBS[0].body, "Prompt": "x" * 1025}),
        ("3d-pro", {**JOBS[0].body, "GenerateType": "Sketch"}),
        ("3d-pro", {**JOBS[0].body, "FaceCount": 2_000_000}),
        ("3d-pro", {**JOBS[2].body, "MultiViewImages": VIEWS * 4}),
        ("3d-uv", {"File": {"Type": "GLB"}}),
        ("3d-smart-topology", {"PolygonType": "triangle"}),
    ],
)
def test_bad_input_is_refused_before_anything_is_reserved(
    proxy_comfy: ComfyClient, owner: Any, kind: str, body: dict[str, Any]
) -> None:
    before = available_micros(owner)
    reply = proxy_comfy.post_json(f"{BASE}/{kind}", body)
    assert reply.status_code in (400, 422), reply.content[:300]
    assert available_micros(owner) == before


# --- TC3-HMAC-SHA256 ----------------------------------------------------------------------------------------
def test_the_signature_matches_tencent_clouds_published_example() -> None:
    """cloud.tencent.com/document/api/213/30654 (signature v3): DescribeInstances at 1551113065."""
    payload = b'{"Limit": 1, "Filters": [{"Values": ["\\u672a\\u547d\\u540d"], "Name": "instance-name"}]}'
    canonical = canonical_post(
        host="cvm.tencentcloudapi.com",
        content_type="application/json; charset=utf-8",
        headers={},
        payload=payload,
    )
    assert canonical.endswith(
        "\ncontent-type;host\n35e9c5b0e3ae67532d3c9f17ead6c90222632e5b1ff7f6e89887f1398934f064"
    )
    assert hashlib.sha256(canonical.encode()).hexdigest() == (
        "5ffe6a04c0664d6b969fab9a13bdab201d63ee709638e2749d62a09ca18d7031"
    )
    scope, signature = tc3_signature(
        secret_key="Gu5t9xGARNpq86cd98joQYCN3EXAMPLE",
        service="cvm",
        timestamp=1551113065,
        canonical_request=canonical,
    )
    assert scope == "2019-02-25/cvm/tc3_request"
    assert signature == "72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168"


def test_every_live_call_is_a_signed_action_at_the_root() -> None:
    routes = {route.path: route for route in VENDORS["tencent"].routes}
    url, headers = sign_request(
        "AKIDexample:secret",
        routes["hunyuan/3d-pro/query"],
        "https://h.example/hunyuan/3d-pro/query",
        b"{}",
        now=0,
    )
    assert url == "https://h.example/"
    assert headers["x-tc-action"] == "QueryHunyuanTo3DProJob"
    assert headers["x-tc-version"] == "2023-09-01"
    assert headers["authorization"].startswith(
        "TC3-HMAC-SHA256 Credential=AKIDexample/1970-01-01/hunyuan/tc3_request, "
        "SignedHeaders=content-type;host;x-tc-action, Signature="
    )


@pytest.fixture
def live(settings: Any) -> Iterator[MockVendor]:
    forward.use_transport(None)  # real sockets
    with mock_vendor() as vendor:
        settings.VENDOR_SETTINGS = {
            "tencent": {"mode": "live", "api_key": "AKIDlive:sk-live", "base_url": vendor.base}
        }
        yield vendor
    forward.use_transport(None)


def _expected_signature(seen: Any) -> str:
    """An independent TC3 computation from what the mock vendor received."""
    headers = seen.headers
    host, action, stamp = headers["host"], headers["x-tc-action"], int(headers["x-tc-timestamp"])
    canonical = (
        f"POST\n/\n\ncontent-type:{headers['content-type']}\nhost:{host}\nx-tc-action:{action.lower()}\n\n"
        f"content-type;host;x-tc-action\n{hashlib.sha256(seen.body).hexdigest()}"
    )
    date = datetime.fromtimestamp(stamp, UTC).strftime("%Y-%m-%d")
    digest = hashlib.sha256(canonical.encode()).hexdigest()
    to_sign = f"TC3-HMAC-SHA256\n{stamp}\n{date}/hunyuan/tc3_request\n{digest}"
    key = b"TC3sk-live"
    for part in (date, "hunyuan", "tc3_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()


@pytest.mark.django_db
def test_live_calls_are_signed_and_never_carry_the_secret(
    proxy_comfy: ComfyClient, owner: Any, live: MockVendor
) -> None:
    live.reply = lambda seen: (
        (200, {"Response": {"JobId": "1357237233311637504", "RequestId": "r"}})
        if seen.headers["x-tc-action"].startswith("Submit")
        else (200, {"Response": {"Status": "DONE", "ResultFile3Ds": [], "RequestId": "r2"}})
    )
    before = available_micros(owner)
    submit = proxy_comfy.post_json(f"{BASE}/3d-smart-topology", JOBS[6].body)
    assert submit.status_code == 200, submit.content[:300]
    done = proxy_comfy.post_json(f"{BASE}/3d-smart-topology/query", {"JobId": "1357237233311637504"})
    assert done.json()["Response"]["Status"] == "DONE"
    assert before - available_micros(owner) == 1_000_000
    for seen, action in zip(
        live.seen, ("Submit3DSmartTopologyJob", "Describe3DSmartTopologyJob"), strict=True
    ):
        assert (seen.method, seen.path, seen.headers["x-tc-action"]) == ("POST", "/", action)
        assert seen.headers["authorization"].endswith("Signature=" + _expected_signature(seen))
        assert "sk-live" not in json.dumps(seen.headers)
    assert json.loads(live.seen[1].body) == {"JobId": "1357237233311637504"}


@pytest.mark.django_db
def test_a_key_that_is_not_a_pair_sends_nothing_and_charges_nothing(
    proxy_comfy: ComfyClient, owner: Any, live: MockVendor, settings: Any
) -> None:
    settings.VENDOR_SETTINGS = {"tencent": {"mode": "live", "api_key": "AKIDonly", "base_url": live.base}}
    before = available_micros(owner)
    reply = proxy_comfy.post_json(f"{BASE}/3d-smart-topology", JOBS[6].body)
    assert reply.status_code >= 500
    assert live.seen == []
    assert available_micros(owner) == before
