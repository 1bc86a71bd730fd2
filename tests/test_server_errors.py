"""Unexpected errors: API paths answer 500 in the one error shape (never a traceback or an HTML page),
whether the middleware catches the exception or Django's handler500 answers; other paths get the page."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client, RequestFactory

from comfyweb.handlers import server_error
from tests.billing.payments.helpers import api_key_for


def _boom(**kwargs: Any) -> None:
    raise RuntimeError("unexpected")


def _assert_internal_error(response: Any) -> None:
    assert response.status_code == 500
    body = json.loads(response.content)
    assert body["error"] == {"type": "internal_error", "message": body["message"]}
    assert "nothing was charged" in body["message"]
    assert body["code"] == "INTERNAL_ERROR"


@pytest.mark.django_db
def test_it_answers_an_unexpected_error_in_an_api_view_in_the_one_shape(
    owner: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("billing.payments.api.customer_balance_body", _boom)
    client = Client(raise_request_exception=False)
    response = client.get("/customers/balance", HTTP_X_API_KEY=api_key_for(owner))
    _assert_internal_error(response)
    assert b"Traceback" not in response.content


def test_handler500_answers_json_on_api_paths_and_the_page_elsewhere() -> None:
    _assert_internal_error(server_error(RequestFactory().get("/customers/balance")))
    page = server_error(RequestFactory().get("/credits"))
    assert page.status_code == 500
    assert page["Content-Type"].startswith("text/html")
