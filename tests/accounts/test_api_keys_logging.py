"""API keys and platform tokens never reach a log line (quality.md §6 item 8)."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from django.test import Client

from accounts.log_filters import SecretScrubFilter
from accounts.models import Device
from accounts.services.api_keys import api_key_create
from accounts.tokens import token_issue


def _format(message: str, *args: Any) -> str:
    record = logging.LogRecord("x", logging.ERROR, __file__, 1, message, args, None)
    SecretScrubFilter().filter(record)
    return record.getMessage()


@pytest.mark.django_db
def test_it_redacts_keys_and_tokens_in_messages_and_arguments(owner: Any) -> None:
    _, plaintext = api_key_create(user=owner, name="k")
    token = token_issue(user=owner, device=Device.objects.create(user=owner, session_key="d" * 32))
    line = _format("headers %s and %r", {"X-API-KEY": plaintext}, f"Bearer {token}")
    assert plaintext not in line
    assert plaintext[20:] not in line
    assert token[12:] not in line
    assert "comfyui-" in line  # the prefix stays, so the line still says what it was
    assert _format("nothing secret here: %d", 5) == "nothing secret here: 5"


def test_it_is_installed_on_the_console_handler() -> None:
    handler = next(h for h in logging.getLogger().handlers if isinstance(h, logging.StreamHandler))
    assert any(isinstance(f, SecretScrubFilter) for f in handler.filters)


@pytest.mark.django_db
def test_it_keeps_keys_out_of_error_logs_of_failed_requests(owner: Any, caplog: Any) -> None:
    _, plaintext = api_key_create(user=owner, name="k")
    with caplog.at_level(logging.WARNING):
        Client().get("/customers/no-such-route", headers={"X-API-KEY": plaintext})
        Client().get("/customers/me", headers={"X-API-KEY": plaintext + "x"})
    assert plaintext not in caplog.text
