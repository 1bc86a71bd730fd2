"""The `local` spawner: one real process per session from the command template, readiness on
/api/system_stats, reaped on end, reconciled after a restart (no orphan)."""

from __future__ import annotations

import os
import signal
from pathlib import Path
from typing import Any

import httpx
import pytest

from canvas.models import CanvasSession, EndReason, SessionStatus
from canvas.services import (
    queue_position,
    reap_orphans,
    session_create,
    session_end,
    session_wait_ready,
    sessions_sweep,
)
from canvas.spawners.local import MARK_VARIABLE, _marked_processes, user_dirs
from tests.canvas.conftest import process_alive, process_gone_soon, start_ready
from tests.conftest import make_user

pytestmark = pytest.mark.django_db(transaction=True)


def test_it_starts_one_process_with_the_templates_flags(canvas_local: Path, owner: Any) -> None:
    session = start_ready(owner)
    assert session.pid
    assert session.port
    assert session.backend_url == f"http://127.0.0.1:{session.port}"
    stats = httpx.get(session.backend_url + "/api/system_stats").json()
    argv = stats["system"]["argv"]
    dirs = user_dirs(owner.pk)
    assert argv[argv.index("--port") + 1] == str(session.port)
    assert argv[argv.index("--user-directory") + 1] == str(dirs["user_dir"])
    assert argv[argv.index("--input-directory") + 1] == str(dirs["input_dir"])
    assert argv[argv.index("--output-directory") + 1] == str(dirs["output_dir"])
    assert argv[argv.index("--comfy-api-base") + 1] == "http://127.0.0.1:8000"
    assert str(session.public_id) in argv[argv.index("--temp-directory") + 1]
    environ = Path(f"/proc/{session.pid}/environ").read_bytes().split(b"\0")
    assert any(
        v.startswith(f"{MARK_VARIABLE}=".encode()) and str(session.public_id).encode() in v for v in environ
    )


def test_it_adds_the_extra_flags(canvas_local: Path, owner: Any, settings: Any) -> None:
    settings.CANVAS_COMFYUI_EXTRA_ARGS = "--cpu"
    session = start_ready(owner)
    assert "--cpu" in httpx.get(session.backend_url + "/api/system_stats").json()["system"]["argv"]


def test_it_reaps_the_process_on_end(canvas_local: Path, owner: Any) -> None:
    session = start_ready(owner)
    assert process_alive(session.pid)
    assert session_end(session=session, reason=EndReason.USER) is True
    assert process_gone_soon(session.pid)
    session.refresh_from_db()
    assert session.status == SessionStatus.ENDED
    assert session.end_reason == EndReason.USER
    assert session_end(session=session, reason=EndReason.USER) is False  # once


def test_it_keeps_the_users_files_across_sessions(canvas_local: Path, owner: Any) -> None:
    first = start_ready(owner)
    marker = user_dirs(owner.pk)["user_dir"] / "workflows.json"
    marker.write_text("{}")
    session_end(session=first, reason=EndReason.USER)
    second = start_ready(owner)
    assert second.pk != first.pk
    assert marker.read_text() == "{}"


def test_it_fails_a_backend_that_never_becomes_ready(canvas_local: Path, owner: Any, settings: Any) -> None:
    settings.CANVAS_COMFYUI_EXTRA_ARGS = "--never-ready"
    settings.CANVAS_START_TIMEOUT_SECONDS = 5
    session, _ = session_create(user=owner)
    pid = CanvasSession.objects.get(pk=session.pk).pid
    session = session_wait_ready(session=session, timeout=15)
    assert session.status == SessionStatus.FAILED
    assert session.end_reason == EndReason.START_TIMEOUT
    assert process_gone_soon(pid)


def test_it_fails_a_command_with_an_unknown_placeholder(
    canvas_local: Path, owner: Any, settings: Any
) -> None:
    settings.CANVAS_COMFYUI_COMMAND = "python main.py --port {port} --gpu {gpu}"
    session, _ = session_create(user=owner)
    assert session.status == SessionStatus.FAILED
    assert session.end_reason == EndReason.START_FAILED
    assert "gpu" in session.end_detail


def test_it_ends_a_session_whose_backend_was_killed(canvas_local: Path, owner: Any) -> None:
    session = start_ready(owner)
    os.killpg(session.pid, signal.SIGKILL)
    assert process_gone_soon(session.pid)
    result = sessions_sweep()
    session.refresh_from_db()
    assert result.lost == 1
    assert session.status == SessionStatus.FAILED
    assert session.end_reason == EndReason.BACKEND_LOST


def test_it_reaps_an_orphan_after_a_restart(canvas_local: Path, owner: Any) -> None:
    """A platform that died between ending a session and stopping its process leaves the process behind;
    the start-up reconcile finds it by its marker and stops it."""
    session = start_ready(owner)
    # What a crash leaves: the row says ended, the process still runs.
    CanvasSession.objects.filter(pk=session.pk).update(
        status=SessionStatus.ENDED, ended_at=session.created_at, end_reason=EndReason.OPERATOR
    )
    assert session.pid in _marked_processes()
    assert reap_orphans() == 1
    assert process_gone_soon(session.pid)


def test_it_adopts_live_processes_after_a_restart(canvas_local: Path, owner: Any) -> None:
    """A restart of the platform alone must not kill sessions whose backends still run."""
    from canvas.spawners import local

    session = start_ready(owner)
    local._CHILDREN.clear()  # a new platform process knows none of its predecessor's children
    result = sessions_sweep()
    session.refresh_from_db()
    assert (result.lost, result.orphans) == (0, 0)
    assert session.status == SessionStatus.READY
    assert process_alive(session.pid)


def test_it_queues_past_capacity_and_starts_when_a_slot_frees(canvas_local: Path, settings: Any) -> None:
    settings.CANVAS_LOCAL_MAX_SESSIONS = 1
    first_user, second_user = make_user("a@example.com"), make_user("b@example.com")
    first = start_ready(first_user)
    second, _ = session_create(user=second_user)
    assert second.status == SessionStatus.QUEUED
    assert queue_position(second) == 1
    session_end(session=first, reason=EndReason.USER)
    second = session_wait_ready(session=second, timeout=20)
    assert second.status == SessionStatus.READY
