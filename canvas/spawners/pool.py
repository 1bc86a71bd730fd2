"""The `pool` spawner: operator-registered ComfyUI servers, one session at a time each.

A released backend is cleaned through ComfyUI's own API (queue cleared, history deleted). Its files
(inputs, outputs, user workflows) are NOT separated per user by ComfyUI: give each pool backend
per-session storage (docs/canvas.md) — or use the `local` spawner, which does.
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING

import httpx
from django.db import IntegrityError, transaction
from django.utils import timezone

from canvas.spawners import Launched, SpawnError, backend_is_ready

if TYPE_CHECKING:
    from canvas.models import CanvasSession


class PoolSpawner:
    name = "pool"

    def assign(self, session: CanvasSession) -> bool:
        from canvas.models import RUNNING_STATUSES, CanvasBackend, CanvasSession, SessionStatus

        busy = CanvasSession.objects.filter(status__in=RUNNING_STATUSES, backend__isnull=False).values(
            "backend"
        )
        free = CanvasBackend.objects.filter(enabled=True, healthy=True).exclude(pk__in=busy).order_by("pk")
        for backend in free:
            try:
                with (
                    transaction.atomic()
                ):  # a savepoint: a taken slot must not poison the caller's transaction
                    updated = CanvasSession.objects.filter(pk=session.pk, status=SessionStatus.QUEUED).update(
                        status=SessionStatus.STARTING,
                        backend=backend,
                        backend_url=backend.url.rstrip("/"),
                        started_at=timezone.now(),
                        price_per_minute_micros=backend.price_per_minute_micros,
                    )
            except IntegrityError:  # taken by a concurrent assignment (canvas_backend_one_session)
                continue
            return updated == 1
        return False

    def launch(self, session: CanvasSession) -> Launched:
        if not session.backend_url:
            raise SpawnError("No backend was assigned.")
        return Launched(backend_url=session.backend_url)

    def is_alive(self, session: CanvasSession) -> bool:
        return bool(session.backend_url) and backend_is_ready(session.backend_url)

    def stop(self, session: CanvasSession) -> None:
        if not session.backend_url:
            return
        base = session.backend_url
        with contextlib.suppress(httpx.HTTPError):
            httpx.post(base + "/api/interrupt", timeout=5)
            httpx.post(base + "/api/queue", json={"clear": True}, timeout=5)
            httpx.post(base + "/api/history", json={"clear": True}, timeout=5)

    def reap_orphans(self, live_session_ids: set[str]) -> int:
        return 0  # pool servers are the operator's: nothing to reap

    def health_check(self) -> int:
        """Probe every enabled backend no session is using (a used one is probed by `is_alive`): an
        unhealthy one is skipped by `assign` until a probe passes again."""
        from canvas.models import RUNNING_STATUSES, CanvasBackend, CanvasSession

        busy = CanvasSession.objects.filter(status__in=RUNNING_STATUSES, backend__isnull=False).values(
            "backend"
        )
        checked = 0
        for backend in CanvasBackend.objects.filter(enabled=True).exclude(pk__in=busy):
            healthy = backend_is_ready(backend.url.rstrip("/"))
            CanvasBackend.objects.filter(pk=backend.pk).update(
                healthy=healthy, last_checked_at=timezone.now()
            )
            checked += 1
        return checked

    def backend_lost(self, session: CanvasSession) -> None:
        """The session's backend stopped answering: take it out of rotation until a probe passes."""
        from canvas.models import CanvasBackend

        if session.backend_id is not None:
            CanvasBackend.objects.filter(pk=session.backend_id).update(
                healthy=False, last_checked_at=timezone.now()
            )
