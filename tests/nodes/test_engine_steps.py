"""General engine capabilities some vendors need, on a stand-in vendor table over a stub upstream.

- `Poll.lookup`: a poll path that is also a plain lookup forwards ids of no job of the caller's as free calls.
- `kind="step"`: a free follow-up call (PATCH) on one of the caller's jobs, forwarded only while it is open.
- A route template that ends with "/" (Topaz `POST video/`).
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import httpx
import pytest

from nodes.engine.types import Poll, Route
from nodes.models import UsageRecord
from nodes.vendors import VENDORS
from nodes.vendors.common import dig, fixed, param, status_of, text_id
from tests.nodes.conftest import StubUpstream
from tests.nodes.proxy_support import ComfyClient, available_micros

VENDOR = "minimax"  # a stand-in: its seeded price rows are reused, its routes replaced


def _routes(*, lookup: bool) -> tuple[Route, ...]:
    return (
        Route(
            "POST",
            "jobs/",
            "/jobs/",
            "submit",
            price=fixed("video/T2V-01"),
            job_id=lambda data: text_id(dig(data, "id")),
            poll_route="poll",
        ),
        Route(
            "GET",
            "jobs/{id:id}",
            "/jobs/{job}",
            "poll",
            name="poll",
            body="none",
            status=status_of("status", success={"done"}, failure={"failed"}),
            poll=Poll(job_ref=param("id"), lookup=lookup),
        ),
        Route("PATCH", "jobs/{id:id}/accept", "/jobs/{id}/accept", "step", poll=Poll(job_ref=param("id"))),
    )


@pytest.fixture
def stand_in(monkeypatch: pytest.MonkeyPatch) -> Any:
    def use(**options: Any) -> None:
        monkeypatch.setitem(VENDORS, VENDOR, dataclasses.replace(VENDORS[VENDOR], routes=_routes(**options)))

    return use


def _reply(request: httpx.Request) -> httpx.Response:
    if request.method == "PATCH":
        return httpx.Response(200, json={"urls": ["https://upload.example/part1"]})
    if request.method == "POST":
        return httpx.Response(200, json={"id": "job-1", "status": "queued"})
    return httpx.Response(
        200, json={"id": request.url.path.rsplit("/", 1)[-1], "status": "done", "name": "x"}
    )


@pytest.mark.django_db
@pytest.mark.parametrize("lookup", [True, False])
def test_a_lookup_poll_forwards_an_unknown_id_free_and_still_settles_a_job(
    proxy_stub_comfy: ComfyClient, proxy_stub: StubUpstream, owner: Any, stand_in: Any, lookup: bool
) -> None:
    stand_in(lookup=lookup)
    proxy_stub.handler = _reply
    before = available_micros(owner)
    other = proxy_stub_comfy.get(f"/proxy/{VENDOR}/jobs/someone-elses-look")
    if lookup:
        assert other.status_code == 200
        assert json.loads(other.content)["id"] == "someone-elses-look"
        assert UsageRecord.objects.count() == 0
    else:
        assert other.status_code == 404
        assert len(proxy_stub.calls) == 0
    submitted = proxy_stub_comfy.post_json(f"/proxy/{VENDOR}/jobs/", {"prompt": "p"})
    assert submitted.status_code == 200
    polled = proxy_stub_comfy.get(f"/proxy/{VENDOR}/jobs/job-1")
    assert polled.status_code == 200
    usage = UsageRecord.objects.get()
    assert usage.charged_micros == usage.quoted_micros > 0
    assert before - available_micros(owner) == usage.charged_micros


def _patch(comfy: ComfyClient, path: str) -> Any:
    return comfy.client.patch(path, data=b"", content_type="application/json", headers=comfy._headers())


@pytest.mark.django_db
def test_a_step_reaches_the_vendor_only_for_an_open_job_of_the_caller(
    proxy_stub_comfy: ComfyClient, proxy_stub: StubUpstream, stand_in: Any
) -> None:
    stand_in(lookup=False)
    proxy_stub.handler = _reply
    assert _patch(proxy_stub_comfy, f"/proxy/{VENDOR}/jobs/job-1/accept").status_code == 404
    assert proxy_stub.calls == []
    assert proxy_stub_comfy.post_json(f"/proxy/{VENDOR}/jobs/", {"prompt": "p"}).status_code == 200
    accepted = _patch(proxy_stub_comfy, f"/proxy/{VENDOR}/jobs/job-1/accept")
    assert accepted.status_code == 200, accepted.content[:300]
    assert json.loads(accepted.content)["urls"] == ["https://upload.example/part1"]
    assert proxy_stub.calls[-1].method == "PATCH"
    assert proxy_stub.calls[-1].url.path.endswith("/jobs/job-1/accept")
    assert proxy_stub_comfy.get(f"/proxy/{VENDOR}/jobs/job-1").status_code == 200  # done: settled
    sent = len(proxy_stub.calls)
    closed = _patch(proxy_stub_comfy, f"/proxy/{VENDOR}/jobs/job-1/accept")
    assert closed.status_code == 409
    assert len(proxy_stub.calls) == sent


@pytest.mark.django_db
def test_only_templates_that_end_with_a_slash_match_a_trailing_slash(
    proxy_stub_comfy: ComfyClient, proxy_stub: StubUpstream, stand_in: Any
) -> None:
    stand_in(lookup=False)
    proxy_stub.handler = _reply
    assert proxy_stub_comfy.post_json(f"/proxy/{VENDOR}/jobs", {"prompt": "p"}).status_code == 404
    assert proxy_stub_comfy.get(f"/proxy/{VENDOR}/jobs/job-1/").status_code == 404
    assert proxy_stub_comfy.post_json(f"/proxy/{VENDOR}/", {"prompt": "p"}).status_code == 404
    assert proxy_stub.calls == []
