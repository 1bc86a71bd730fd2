"""The permission matrix: anonymous, user, support, admin x every console page and action."""

from __future__ import annotations

from typing import Any

import pytest

from accounts.models import AuditEvent
from tests.conftest import make_user
from tests.console.conftest import console_client

PAGES = {
    # name: (method, url, form, roles allowed)
    "search": ("get", "/console/?q=owner%40example.com", {}, {"support", "admin"}),
    "user": ("get", "/console/users/{user}", {}, {"support", "admin"}),
    "explain": ("get", "/console/usage/{usage}", {}, {"support", "admin"}),
    "explain_text": ("get", "/console/usage/{usage}/summary.txt", {}, {"support", "admin"}),
    "grants": ("get", "/console/grants", {}, {"support", "admin"}),
    "audit": ("get", "/console/audit", {}, {"admin"}),
    "audit_csv": ("get", "/console/audit.csv", {}, {"admin"}),
    "grant": ("post", "/console/users/{user}/grant", {"usd": "5", "ticket": "T-9"}, {"support", "admin"}),
    "grant_approve": ("post", "/console/grants/{pending}/approve", {}, {"admin"}),
    "refund": ("post", "/console/purchases/{purchase}/refund", {"usd": "1.00"}, {"admin"}),
    "freeze": ("post", "/console/users/{user}/freeze", {}, {"admin"}),
    "unfreeze": ("post", "/console/users/{user}/unfreeze", {}, {"admin"}),
    "key_revoke": ("post", "/console/users/{user}/keys/{key}/revoke", {}, {"admin"}),
    "devices_sign_out": ("post", "/console/users/{user}/devices/sign-out", {}, {"admin"}),
    "session_end": ("post", "/console/users/{user}/sessions/hs_123/end", {}, {"admin"}),
    "deletion_hold": ("post", "/console/users/{user}/deletion/hold", {}, {"admin"}),
    "deletion_release": ("post", "/console/users/{user}/deletion/release", {}, {"admin"}),
}
PERSONAS = ("anonymous", "user", "support", "admin")
# Refused by the app behind them (409), for those allowed to ask: hosted sessions are not installed yet,
# and the subject's deletion request is scheduled, not on hold, so there is no hold to release.
UNAVAILABLE = {"session_end", "deletion_release"}


def _url(template: str, world: dict[str, Any]) -> str:
    return template.format(
        user=world["user"].public_id,
        usage=world["usage"].public_id,
        pending=world["pending"].pk,
        purchase=world["purchase"].public_id,
        key=world["key"].public_id,
    )


def _persona(name: str, support: Any, console_admin: Any) -> Any:
    if name == "anonymous":
        return None
    if name == "user":
        return make_user("plain@example.com")
    return support if name == "support" else console_admin


@pytest.fixture
def matrix_world(world: dict[str, Any]) -> dict[str, Any]:
    """The world, plus a scheduled deletion request so that a hold has something to hold."""
    from privacy.services.deletion import deletion_request_create

    return {**world, "deletion": deletion_request_create(user=world["user"])}


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("page", sorted(PAGES))
def test_it_lets_each_role_do_only_what_it_may(
    page: str, persona: str, matrix_world: dict[str, Any], support: Any, console_admin: Any
) -> None:
    world = matrix_world
    method, template, form, allowed = PAGES[page]
    client = console_client(_persona(persona, support, console_admin))
    url = _url(template, world)
    audit_before = (
        AuditEvent.objects.filter(action__startswith="console.")
        .exclude(action__startswith="console.otp")
        .count()
    )
    data = {**form, "reason": "matrix check"} if method == "post" else None
    reply = client.post(url, data) if method == "post" else client.get(url)
    audit_after = (
        AuditEvent.objects.filter(action__startswith="console.")
        .exclude(action__startswith="console.otp")
        .count()
    )

    if persona == "anonymous":
        assert reply.status_code == 302
        assert reply["Location"].startswith("/login?next=/console/")
    elif persona not in allowed:
        assert reply.status_code == 403
    elif page in UNAVAILABLE:
        assert reply.status_code == 409
    elif method == "get":
        assert reply.status_code == 200
    else:
        assert reply.status_code == 302
        assert reply["Location"] == f"/console/users/{world['user'].public_id}"
    # Refused requests write nothing; every action done writes exactly one audit row.
    done = persona in allowed and method == "post" and page not in UNAVAILABLE
    assert audit_after - audit_before == (1 if done else 0)


def test_it_keeps_staff_without_a_console_role_out(world: dict[str, Any]) -> None:
    from tests.console.conftest import make_staff

    client = console_client(make_staff("norole@example.com", None))
    assert client.get("/console/").status_code == 403
    assert client.get(f"/console/users/{world['user'].public_id}").status_code == 403


def test_it_refuses_get_on_actions(world: dict[str, Any], console_admin: Any) -> None:
    client = console_client(console_admin)
    assert client.get(f"/console/users/{world['user'].public_id}/freeze").status_code == 405
