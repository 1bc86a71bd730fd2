"""The canvas as privacy/ sees it (privacy.hooks): a user's sessions in their export, and the deletion
pipeline's step that ends their sessions and deletes their persistent ComfyUI files."""

from __future__ import annotations

import shutil
from typing import Any

from accounts.models import User
from canvas.models import CanvasSession


class CanvasSessions:
    def sessions_for_export(self, *, user: User) -> list[dict[str, Any]]:
        from canvas.payloads import session_payload

        sessions = CanvasSession.objects.filter(user=user).order_by("created_at", "pk")
        return [{**session_payload(session), "url": None} for session in sessions]

    def end_all(self, *, user: User) -> int:
        """Idempotent: a second run finds no live session and no directory."""
        from canvas.services import sessions_end_for_account
        from canvas.spawners.local import user_root

        ended = sessions_end_for_account(user=user)
        shutil.rmtree(user_root(user.pk), ignore_errors=True)
        return ended


PROVIDER = CanvasSessions()
