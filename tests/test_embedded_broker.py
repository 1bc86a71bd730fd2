"""The embedded run's broker: no "kombu … No hostname was supplied" warning (issue 14, item 21)."""

from __future__ import annotations

import logging

import pytest
from kombu import Connection

from comfyweb import settings as project_settings


def test_the_embedded_broker_names_its_host(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="kombu"):
        Connection(project_settings.EMBEDDED_BROKER_URL).info()
    assert "No hostname was supplied" not in caplog.text


def test_the_bare_memory_url_would_warn(caplog: pytest.LogCaptureFixture) -> None:
    """The check above can fail: kombu does warn about the URL the embedded run used to have."""
    with caplog.at_level(logging.WARNING, logger="kombu"):
        Connection("memory://").info()
    assert "No hostname was supplied" in caplog.text


def test_it_is_the_default_without_redis() -> None:
    if project_settings.REDIS_URL:
        pytest.skip("REDIS_URL is set: the broker is Redis")
    assert project_settings.CELERY_BROKER_URL == project_settings.EMBEDDED_BROKER_URL
