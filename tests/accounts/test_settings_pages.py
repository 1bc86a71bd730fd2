"""The dashboard (with panels from other apps) and the settings hub."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.test import Client, override_settings

from accounts import dashboard
from accounts.models import User

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("path", ["/dashboard", "/settings", "/settings/devices", "/settings/password"])
def test_it_sends_anonymous_visitors_to_sign_in(client: Client, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"] == f"/login?next={path}"


def test_the_dashboard_greets_and_links(client: Client, owner: User) -> None:
    client.force_login(owner)
    body = client.get("/dashboard").content.decode()
    assert "Welcome, Olive Owner" in body
    assert "e-mail verified" in body
    for link in ('href="/credits"', 'href="/keys"', 'href="/usage"'):
        assert link in body


def test_the_dashboard_includes_registered_panels(
    client: Client, owner: User, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "panel.html").write_text('<div class="card">Balance panel for {{ user.email }}</div>')
    monkeypatch.setattr(dashboard, "_PANELS", [])
    dashboard.dashboard_panel_register("panel.html")
    dashboard.dashboard_panel_register("panel.html")  # idempotent
    client.force_login(owner)
    from django.conf import settings

    templates = [{**settings.TEMPLATES[0], "DIRS": [*settings.TEMPLATES[0]["DIRS"], tmp_path]}]
    with override_settings(TEMPLATES=templates):
        body = client.get("/dashboard").content.decode()
    assert body.count("Balance panel for owner@example.com") == 1


def test_it_edits_the_profile_name(client: Client, owner: User) -> None:
    client.force_login(owner)
    response = client.post("/settings", {"name": "  Olive O. "}, follow=True)
    assert "Profile saved" in response.content.decode()
    owner.refresh_from_db()
    assert owner.name == "Olive O."


def test_it_refuses_an_oversized_name(client: Client, owner: User) -> None:
    client.force_login(owner)
    response = client.post("/settings", {"name": "x" * 151})
    assert response.status_code == 200
    owner.refresh_from_db()
    assert owner.name == "Olive Owner"


def test_the_settings_page_shows_only_my_account(client: Client, owner: User, outsider: User) -> None:
    client.force_login(outsider)
    body = client.get("/settings").content.decode()
    assert str(outsider.public_id) in body
    assert "owner@example.com" not in body
    assert "coming soon" not in body
    assert 'href="/settings/privacy#export"' in body
    assert 'href="/settings/privacy/delete"' in body
