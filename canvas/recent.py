"""The ready sessions this process's canvas proxy forwarded to in the last second, by (session, owner).

A canvas page load is a burst of requests; without this each would wait for a database thread before its
first byte. An end in this process drops the entry at once (`forget`, from `session_end`); one in another
process (the sweep) is seen within RECENT_SECONDS, by which time its backend is being stopped anyway.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from canvas.models import CanvasSession

RECENT_SECONDS = 1.0
_MAX = 4096
_recent: dict[tuple[str, int], tuple[float, CanvasSession]] = {}


def get(session_public_id: str, user_id: int) -> CanvasSession | None:
    found = _recent.get((session_public_id, user_id))
    if found is None or time.monotonic() - found[0] >= RECENT_SECONDS:
        return None
    return found[1]


def put(session_public_id: str, user_id: int, session: CanvasSession | None) -> None:
    """Remember a ready session; None forgets the pair."""
    if session is None:
        _recent.pop((session_public_id, user_id), None)
        return
    if len(_recent) >= _MAX:
        _recent.clear()
    _recent[(session_public_id, user_id)] = (time.monotonic(), session)


def forget(session_public_id: str) -> None:
    for key in [key for key in _recent if key[0] == session_public_id]:
        _recent.pop(key, None)
