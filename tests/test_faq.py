from __future__ import annotations

import pytest
from django.test import Client


@pytest.mark.django_db
def test_it_states_the_credit_policies(client: Client) -> None:
    response = client.get("/faq")
    assert response.status_code == 200
    text = response.content.decode()
    for policy in (
        "never goes below zero",
        "do not expire",
        "cannot be transferred",
        "costs nothing",
        "211 credits",
    ):
        assert policy in text
