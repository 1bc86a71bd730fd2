"""Spawners start and stop one ComfyUI backend per session (JupyterHub's split: the spawner starts a
server, the proxy routes to it). Chosen by CANVAS_SPAWNER; both speak this interface.

A Kubernetes spawner (one pod per session, as Zero-to-JupyterHub does) fits the same four methods:
`assign` reserves capacity, `launch` creates the pod and returns its service URL, `is_alive` reads the
pod's phase, `stop` deletes it (docs/canvas.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

import httpx
from django.conf import settings

if TYPE_CHECKING:
    from canvas.models import CanvasSession


class SpawnError(Exception):
    """The backend could not be started; the message is shown to the operator, not the user."""


@dataclass(frozen=True)
class Launched:
    backend_url: str
    port: int | None = None
    pid: int | None = None


class Spawner(Protocol):
    name: str

    def assign(self, session: CanvasSession) -> bool:
        """Take capacity for a queued session (one conditional UPDATE to `starting`); False = none free."""

    def launch(self, session: CanvasSession) -> Launched:
        """Start (or claim) the backend; returns quickly, before it is ready. Raises SpawnError."""

    def is_alive(self, session: CanvasSession) -> bool:
        """Whether the session's backend still exists (a process, a reachable server)."""

    def stop(self, session: CanvasSession) -> None:
        """Stop and clean up the backend; idempotent, never raises for an already-gone backend."""

    def reap_orphans(self, live_session_ids: set[str]) -> int:
        """Stop backends that belong to no live session (after a crash or restart); how many."""

    def health_check(self) -> int:
        """Probe the idle backends this spawner hands out, so a dead one is never assigned; how many."""


READINESS_PATH = "/api/system_stats"


def backend_is_ready(backend_url: str, *, timeout: float = 2.0) -> bool:
    """ComfyUI answers /api/system_stats once its server loop runs (the readiness probe)."""
    try:
        response = httpx.get(backend_url + READINESS_PATH, timeout=timeout)
    except httpx.HTTPError:
        return False
    return response.status_code == 200


def get_spawner(name: str | None = None) -> Spawner:
    name = name or settings.CANVAS_SPAWNER
    if name == "local":
        from canvas.spawners.local import LocalSpawner

        return LocalSpawner()
    from canvas.spawners.pool import PoolSpawner

    return PoolSpawner()
