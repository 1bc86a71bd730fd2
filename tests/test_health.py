from __future__ import annotations

import pytest
from django.test import Client


@pytest.mark.django_db
def test_it_answers_health_without_auth(client: Client) -> None:
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_it_reports_ready_when_the_database_answers(client: Client) -> None:
    response = client.get("/ready")
    assert response.status_code == 200
    assert response.json()["status"] == "ready"


@pytest.mark.django_db
def test_it_answers_unknown_api_paths_in_the_error_shape(client: Client) -> None:
    response = client.get("/customers/nope")
    assert response.status_code == 404
    body = response.json()
    assert body["error"]["type"] == "not_found"
    assert body["message"] == body["error"]["message"]
    assert body["code"] == "NOT_FOUND"
