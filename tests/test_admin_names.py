"""The admin names models in English (issue 14, item 21): "Ledger entries", not "Ledger entrys"."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.conftest import make_user, staff_login

pytestmark = pytest.mark.django_db


def test_the_admin_index_names_models_properly() -> None:
    admin = make_user("root@example.com", is_staff=True, is_superuser=True)
    client = Client()
    staff_login(client, admin)
    html = client.get("/admin/").content.decode()
    for name in ("Ledger entries", "API keys", "Stripe events", "Stripe customers", "Auto top-ups"):
        assert f">{name}<" in html
    for wrong in ("Ledger entrys", "Api keys", "Auto top ups"):
        assert wrong not in html
