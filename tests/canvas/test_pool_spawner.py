"""The `pool` spawner: registered backends, one session at a time each, cleaned through ComfyUI's API."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from canvas.models import CanvasBackend, EndReason, SessionStatus
from canvas.services import queue_position, session_create, session_end, session_wait_ready, sessions_sweep
from tests.canvas.conftest import FAKE
from tests.conftest import make_user
from tests.nodes.loopback import free_port

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def pool_backend(settings: Any, tmp_path: Path) -> Iterator[CanvasBackend]:
    settings.CANVAS_SPAWNER = "pool"
    port = free_port()
    dirs = [f"--{name}-directory={tmp_path / name}" for name in ("user", "input", "output", "temp")]
    process = subprocess.Popen([sys.executable, str(FAKE), f"--port={port}", *dirs])  # noqa: S603
    url = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            httpx.get(url + "/api/system_stats")
            break
        except httpx.HTTPError:
            time.sleep(0.05)
    yield CanvasBackend.objects.create(label="gpu-1", url=url, price_per_minute_micros=0)
    process.kill()
    process.wait()


def test_it_serves_one_session_per_backend_and_cleans_it_on_release(pool_backend: CanvasBackend) -> None:
    first_user, second_user = make_user("a@example.com"), make_user("b@example.com")
    first, _ = session_create(user=first_user)
    first = session_wait_ready(session=first, timeout=10)
    assert first.status == SessionStatus.READY
    assert first.backend_id == pool_backend.pk
    assert first.backend_url == pool_backend.url
    httpx.post(pool_backend.url + "/api/prompt", json={"prompt": {}})
    assert httpx.get(pool_backend.url + "/api/history").json() != {}
    second, _ = session_create(user=second_user)
    assert second.status == SessionStatus.QUEUED
    assert queue_position(second) == 1
    session_end(session=first, reason=EndReason.USER)
    assert httpx.get(pool_backend.url + "/api/history").json() == {}  # the next user sees nothing of it
    second = session_wait_ready(session=second, timeout=10)
    assert second.status == SessionStatus.READY
    assert second.backend_id == pool_backend.pk


def test_a_disabled_backend_is_not_assigned(pool_backend: CanvasBackend, owner: Any) -> None:
    CanvasBackend.objects.filter(pk=pool_backend.pk).update(enabled=False)
    session, _ = session_create(user=owner)
    assert session.status == SessionStatus.QUEUED


def test_an_unreachable_backend_ends_its_session(pool_backend: CanvasBackend, owner: Any) -> None:
    session = session_wait_ready(session=session_create(user=owner)[0], timeout=10)
    CanvasBackend.objects.filter(pk=pool_backend.pk).update(url="http://127.0.0.1:9")
    from canvas.models import CanvasSession

    CanvasSession.objects.filter(pk=session.pk).update(backend_url="http://127.0.0.1:9")
    assert sessions_sweep().lost == 1
    pool_backend.refresh_from_db()
    assert not pool_backend.healthy  # out of rotation until a probe passes


def test_the_sweep_probes_idle_backends_and_assigns_only_healthy_ones(
    pool_backend: CanvasBackend, owner: Any
) -> None:
    working_url = pool_backend.url
    CanvasBackend.objects.filter(pk=pool_backend.pk).update(url="http://127.0.0.1:9")
    assert sessions_sweep().checked == 1
    pool_backend.refresh_from_db()
    assert not pool_backend.healthy
    assert pool_backend.last_checked_at is not None
    session, _ = session_create(user=owner)
    assert session.status == SessionStatus.QUEUED  # the dead backend is not handed out
    CanvasBackend.objects.filter(pk=pool_backend.pk).update(url=working_url)
    sessions_sweep()  # the probe passes again, then the queue advances onto it
    pool_backend.refresh_from_db()
    assert pool_backend.healthy
    session = session_wait_ready(session=session, timeout=10)
    assert (session.status, session.backend_id) == (SessionStatus.READY, pool_backend.pk)


def test_a_lost_priced_session_releases_its_hold(pool_backend: CanvasBackend, owner: Any) -> None:
    from billing.models import Hold, HoldStatus, LedgerAccount
    from canvas.models import CanvasSession
    from tests.nodes.conftest import fund_user

    CanvasBackend.objects.filter(pk=pool_backend.pk).update(price_per_minute_micros=1_000_000)
    fund_user(owner, 5_000_000)
    session = session_wait_ready(session=session_create(user=owner)[0], timeout=10)
    assert LedgerAccount.objects.get(user=owner, kind="user").held_micros == 1_000_000
    CanvasSession.objects.filter(pk=session.pk).update(backend_url="http://127.0.0.1:9")
    assert sessions_sweep().lost == 1
    wallet = LedgerAccount.objects.get(user=owner, kind="user")
    assert (wallet.balance_micros, wallet.held_micros) == (5_000_000, 0)  # the started minute is not charged
    holds = Hold.objects.filter(key__startswith=f"canvas:{session.public_id}:")
    assert [h.status for h in holds] == [HoldStatus.RELEASED]
