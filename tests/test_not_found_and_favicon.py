"""A friendly 404 even in development, and a favicon at the address browsers ask for (issue 14, item 21)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("debug", [True, False])
def test_an_unknown_page_gets_the_sites_404(settings: Any, debug: bool) -> None:
    settings.DEBUG = debug
    response = Client().get("/no-such-page")
    assert response.status_code == 404
    html = response.content.decode()
    assert 'data-testid="not-found"' in html
    assert "<code>/no-such-page</code>" in html
    assert "URLconf" not in html  # not Django's technical page


def test_a_view_raising_http404_gets_it_too(settings: Any, owner: Any) -> None:
    settings.DEBUG = True
    client = Client()
    client.force_login(owner)
    html = client.get("/credits/receipts/00000000-0000-0000-0000-000000000000").content.decode()
    assert 'data-testid="not-found"' in html
    assert "Go to your dashboard" in html


def test_api_paths_keep_their_json_404(settings: Any) -> None:
    settings.DEBUG = True
    response = Client().get("/customers/nothing-here")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")


def test_a_missing_slash_still_redirects(settings: Any) -> None:
    settings.DEBUG = True
    assert Client().get("/admin")["Location"] == "/admin/"


def test_the_favicon_is_where_browsers_look(settings: Any) -> None:
    response = Client().get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"].endswith("img/favicon.ico")
    assert 'rel="icon" href="/static/img/favicon.ico"' in Client().get("/").content.decode()
