"""Issue 14 item 8: every page a signed-in user gets is sent with `Cache-Control: no-store`.

The walk takes every URL pattern of the site without path parameters (so a page added later is walked
too), plus the pages that need one, and fetches each as a signed-in user.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from tests.conftest import staff_login

# Pages with path parameters, filled in with something that resolves.
PARAMETRISED = ["/verify-email/x", "/password-reset/x/y", "/billing/sandbox/checkout/x"]
# Not pages of the signed-in site (the sandbox vendor API and the lean /proxy URLconf have no session).
SKIP_PREFIXES = ("/sandbox/", "/proxy/", "/storage/", "/static/", "/media/")


def _plain_paths(patterns: list[Any], prefix: str = "") -> list[str]:
    paths: list[str] = []
    for entry in patterns:
        route = str(entry.pattern)
        if isinstance(entry, URLResolver):
            if "<" not in route and "(" not in route:
                paths += _plain_paths(entry.url_patterns, prefix + route.lstrip("^").rstrip("$"))
        elif isinstance(entry, URLPattern) and "<" not in route and "(" not in route:
            paths.append("/" + prefix + route.lstrip("^").rstrip("$").replace("\\", ""))
    return paths


def signed_in_pages() -> list[str]:
    from comfyweb.errors import is_api_path

    # The JSON APIs take header credentials only (never the session): they are not pages.
    paths = {
        p
        for p in _plain_paths(get_resolver().url_patterns)
        if not p.startswith(SKIP_PREFIXES) and not is_api_path(p)
    }
    paths.discard("/logout")  # walked last, on its own
    return sorted(paths | set(PARAMETRISED))


def test_the_walk_covers_the_pages_issue_14_names() -> None:
    pages = signed_in_pages()
    for page in ("/usage", "/usage.csv", "/dashboard", "/credits", "/keys", "/settings", "/pricing"):
        assert page in pages
    assert len(pages) >= 20


@pytest.mark.parametrize("path", signed_in_pages())
def test_every_signed_in_page_is_no_store(owner: Any, path: str) -> None:
    client = Client()
    client.force_login(owner)
    response = client.get(path)
    assert response.status_code < 500, path
    assert "no-store" in response.get("Cache-Control", ""), (path, response.status_code)


def test_the_staff_console_is_no_store(staff: Any) -> None:
    staff.is_superuser = True
    staff.save()
    client = Client()
    staff_login(client, staff)
    for path in ("/admin/", "/admin/accounts/user/"):
        response = client.get(path)
        assert response.status_code == 200
        assert "no-store" in response["Cache-Control"]


def test_pages_for_anonymous_visitors_stay_cacheable_by_choice(db: None) -> None:
    """The header is about the signed-in user's data: the public pricing page is not forced no-store."""
    response = Client().get("/pricing")
    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")
