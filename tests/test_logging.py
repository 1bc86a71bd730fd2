"""What the platform's logs leave out: httpx's one INFO line per request, which carries full URLs (vendor
query credentials, signed poll and download tokens) for every vendor call and canvas request."""

from __future__ import annotations

import logging


def test_httpx_request_lines_are_not_logged() -> None:
    for name in ("httpx", "httpcore"):
        assert not logging.getLogger(name).isEnabledFor(logging.INFO), name
    assert logging.getLogger("httpx").isEnabledFor(logging.WARNING)
