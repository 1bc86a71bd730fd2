"""The deletion hook calls the privacy app's functions when that app is installed. `privacy` is built
in parallel on another branch, so modules with its announced interface stand in for it here."""

from __future__ import annotations

import sys
import types
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from accounts.models import AuditEvent
from console import adapters

pytestmark = pytest.mark.django_db


@dataclass
class FakeRequest:
    user_id: int
    on_hold: bool = False
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    def __str__(self) -> str:
        return "deletion requested, on hold" if self.on_hold else "deletion requested"


@pytest.fixture
def privacy(monkeypatch: pytest.MonkeyPatch, owner: Any) -> FakeRequest:
    request = FakeRequest(user_id=owner.pk)
    selectors = types.ModuleType("privacy.selectors")
    selectors.deletion_state_for_user = lambda user: request if user.pk == request.user_id else None  # type: ignore[attr-defined]
    deletion = types.ModuleType("privacy.services.deletion")

    def deletion_hold(*, request: FakeRequest, reason: str, staff: Any) -> None:
        request.calls.append(("hold", {"reason": reason, "staff": staff}))
        request.on_hold = True

    def deletion_release_hold(*, request: FakeRequest, staff: Any) -> None:
        request.calls.append(("release", {"staff": staff}))
        request.on_hold = False

    deletion.deletion_hold = deletion_hold  # type: ignore[attr-defined]
    deletion.deletion_release_hold = deletion_release_hold  # type: ignore[attr-defined]
    for name, module in {
        "privacy": types.ModuleType("privacy"),
        "privacy.selectors": selectors,
        "privacy.services": types.ModuleType("privacy.services"),
        "privacy.services.deletion": deletion,
    }.items():
        monkeypatch.setitem(sys.modules, name, module)
    return request


def test_it_shows_not_available_without_the_privacy_app(monkeypatch: pytest.MonkeyPatch, owner: Any) -> None:
    monkeypatch.setitem(sys.modules, "privacy.selectors", None)  # as if the app were not installed
    state = adapters.deletion_state(owner)
    assert (state.available, state.label) == (False, "deletion: not available")


def test_it_holds_and_releases_through_the_privacy_app(
    privacy: FakeRequest, owner: Any, console_admin: Any, admin_client_: Client
) -> None:
    page = admin_client_.get(f"/console/users/{owner.public_id}")
    assert b"deletion requested" in page.content
    assert b"Put on hold" in page.content
    reply = admin_client_.post(
        f"/console/users/{owner.public_id}/deletion/hold", {"reason": "legal hold, case 7"}
    )
    assert reply.status_code == 302
    assert privacy.calls == [("hold", {"reason": "legal hold, case 7", "staff": console_admin})]
    assert AuditEvent.objects.get(action="console.deletion_hold").reason == "legal hold, case 7"
    assert b"Release the hold" in admin_client_.get(f"/console/users/{owner.public_id}").content
    admin_client_.post(f"/console/users/{owner.public_id}/deletion/release", {"reason": "case closed"})
    assert privacy.calls[-1] == ("release", {"staff": console_admin})
    assert AuditEvent.objects.get(action="console.deletion_release").actor == console_admin


def test_it_says_so_when_there_is_no_request_to_hold(
    privacy: FakeRequest, outsider: Any, admin_client_: Client
) -> None:
    reply = admin_client_.post(f"/console/users/{outsider.public_id}/deletion/hold", {"reason": "x"})
    assert reply.status_code == 409
    assert b"no deletion request" in reply.content
    assert not AuditEvent.objects.filter(action="console.deletion_hold").exists()


def test_a_broken_privacy_app_fails_loudly_not_as_unavailable(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, owner: Any
) -> None:
    package = tmp_path / "privacy"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "selectors.py").write_text("import a_dependency_that_is_not_installed\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    try:
        with pytest.raises(ModuleNotFoundError, match="a_dependency_that_is_not_installed"):
            adapters.deletion_state(owner)
    finally:
        for name in ("privacy", "privacy.selectors"):
            sys.modules.pop(name, None)
