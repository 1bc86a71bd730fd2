"""Every SQL statement any thread runs (the /proxy engine's steps run on its own pool of threads, where
Django's per-connection CaptureQueriesContext does not see them)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db.backends import utils


@contextmanager
def all_sql() -> Iterator[list[str]]:
    seen: list[str] = []
    lock = threading.Lock()
    original = utils.CursorWrapper._execute_with_wrappers

    def recording(self: Any, sql: str, params: Any, many: bool, executor: Any) -> Any:
        with lock:
            seen.append(sql)
        return original(self, sql, params, many, executor)

    utils.CursorWrapper._execute_with_wrappers = recording  # type: ignore[method-assign]
    try:
        yield seen
    finally:
        utils.CursorWrapper._execute_with_wrappers = original  # type: ignore[method-assign]


def counted(statements: list[str]) -> list[str]:
    """The statements a call really runs: a PREPARE happens once per pooled connection, not per call."""
    return [s for s in statements if not s.lstrip().upper().startswith("PREPARE")]
