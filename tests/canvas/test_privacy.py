"""privacy/ sees hosted sessions: the export lists them, the deletion ends them and deletes the files."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from canvas.models import CanvasSession, EndReason, SessionStatus
from canvas.spawners.local import user_dirs
from privacy.hooks import hosted_sessions_end_all, hosted_sessions_for_export
from tests.canvas.conftest import start_ready

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_export_lists_only_the_users_sessions(canvas_local: Path, owner: Any, outsider: Any) -> None:
    mine = start_ready(owner)
    start_ready(outsider)
    exported = hosted_sessions_for_export(user=owner)
    assert [s["id"] for s in exported] == [str(mine.public_id)]
    assert exported[0]["url"] is None  # no ticket, no address in an archive


def test_the_deletion_ends_sessions_and_deletes_files_once(
    canvas_local: Path, owner: Any, outsider: Any
) -> None:
    mine, theirs = start_ready(owner), start_ready(outsider)
    (user_dirs(owner.pk)["input_dir"] / "face.png").write_bytes(b"x")
    assert hosted_sessions_end_all(user=owner) == 1
    mine = CanvasSession.objects.get(pk=mine.pk)
    assert (mine.status, mine.end_reason) == (SessionStatus.ENDED, EndReason.ACCOUNT)
    assert not user_dirs(owner.pk)["input_dir"].exists()
    assert hosted_sessions_end_all(user=owner) == 0  # idempotent
    assert CanvasSession.objects.get(pk=theirs.pk).status == SessionStatus.READY
    assert user_dirs(outsider.pk)["user_dir"].exists()
