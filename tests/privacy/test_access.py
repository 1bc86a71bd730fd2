"""Who may open what: every privacy page needs sign-in; the admin lists are read-only."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from tests.conftest import make_user, staff_login
from tests.privacy.helpers import request_due

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/settings/privacy"),
        ("post", "/settings/privacy/export"),
        ("get", "/settings/privacy/delete"),
        ("post", "/settings/privacy/delete"),
        ("post", "/settings/privacy/delete/cancel"),
    ],
)
def test_the_pages_need_sign_in(method: str, path: str) -> None:
    reply = getattr(Client(), method)(path)
    assert reply.status_code == 302
    assert reply["Location"].startswith("/login")


def test_the_admin_lists_requests_but_changes_nothing(owner: Any) -> None:
    request = request_due(owner)
    admin = make_user("root@example.com", is_staff=True, is_superuser=True)
    client = Client()
    staff_login(client, admin)
    assert client.get("/admin/privacy/deletionrequest/").status_code == 200
    assert client.get("/admin/privacy/deletionrequest/add/").status_code == 403
    assert client.post(f"/admin/privacy/deletionrequest/{request.pk}/delete/").status_code == 403
    assert client.get("/admin/privacy/dataexport/").status_code == 200
