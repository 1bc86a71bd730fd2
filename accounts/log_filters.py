"""Keeps API keys and platform tokens out of every log line (quality.md §6 item 8)."""

from __future__ import annotations

import logging
import re

# A whole key, or a platform token (prefix + signed payload), wherever it appears in a message.
_SECRET_RE = re.compile(r"comfyui-[A-Za-z0-9]{64}|cwt_[A-Za-z0-9_\-:.]{16,}")


def scrub_secrets(text: str) -> str:
    return _SECRET_RE.sub(lambda match: match.group(0)[:12] + "…[redacted]", text)


class SecretScrubFilter(logging.Filter):
    """Rewrites the record in place; never drops it."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        scrubbed = scrub_secrets(message)
        if scrubbed != message:
            record.msg, record.args = scrubbed, ()
        if record.exc_text:
            record.exc_text = scrub_secrets(record.exc_text)
        return True
