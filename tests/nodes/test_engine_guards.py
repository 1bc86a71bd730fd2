"""The engine's guards outside a single call: the database mode production is tuned for, the supported
Django range of the lean ASGI path, and big JSON bodies kept off the event loop."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

import pytest

from tests.production import production_import, production_settings


def test_production_runs_a_database_pool_by_default(tmp_path: Path) -> None:
    found = production_settings(["DATABASES"], data_dir=tmp_path)
    assert found["DATABASES"]["default"]["OPTIONS"]["pool"]["max_size"] == 20


def test_production_refuses_no_pool_unless_an_external_pooler_takes_over(tmp_path: Path) -> None:
    refused = production_import(DATABASE_POOL_MAX_SIZE="0", COMFYWEB_DATA_DIR=str(tmp_path))
    assert refused.returncode != 0
    assert "DATABASE_POOL_MAX_SIZE=0 in production needs an external pooler" in refused.stderr
    behind_pgbouncer = production_import(
        DATABASE_POOL_MAX_SIZE="0", DATABASE_PREPARED_STATEMENTS="0", COMFYWEB_DATA_DIR=str(tmp_path)
    )
    assert behind_pgbouncer.returncode == 0, behind_pgbouncer.stderr


def test_the_system_check_refuses_a_django_the_lean_path_was_not_checked_against(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import django

    from nodes.checks import check_django_supported

    assert check_django_supported(None) == []
    monkeypatch.setattr(django, "VERSION", (6, 1, 0, "final", 0))
    [error] = check_django_supported(None)
    assert error.id == "nodes.E010"


@pytest.mark.django_db
def test_a_json_body_over_a_megabyte_is_parsed_off_the_event_loop(monkeypatch: pytest.MonkeyPatch) -> None:
    from asgiref.sync import async_to_sync
    from django.test import RequestFactory

    from nodes.engine import bodies
    from nodes.vendors import VENDORS

    route = VENDORS["openai"].routes[0]
    seen: list[str] = []
    parse = bodies.parse

    def recording(request: Any, route: Any) -> Any:
        seen.append(threading.current_thread().name)
        return parse(request, route)

    monkeypatch.setattr(bodies, "parse", recording)
    big = json.dumps({"prompt": "x" * (bodies.OFF_LOOP_BYTES + 10)}).encode()
    small = json.dumps({"prompt": "x"}).encode()
    for raw in (small, big):
        request = RequestFactory().post(
            "/proxy/openai/images/generations", raw, content_type="application/json"
        )
        body = async_to_sync(bodies.aparse)(request, route)
        assert body.json is not None
    loop_thread, worker_thread = seen
    assert worker_thread != loop_thread
