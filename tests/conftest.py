"""Shared fixtures: the personas (owner, teammate, outsider, staff) and the PostgreSQL gate."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from django.db import connection


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """`pg` tests need PostgreSQL: skipped locally on SQLite, but in CI a skipped pg test fails the run."""
    from django.conf import settings

    on_pg = settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
    if on_pg:
        return
    if os.environ.get("CI") and any(item.get_closest_marker("pg") for item in items):
        raise pytest.UsageError("CI must run the pg tests on PostgreSQL: set DATABASE_URL.")
    skip = pytest.mark.skip(reason="needs PostgreSQL (set DATABASE_URL=postgres://…)")
    for item in items:
        if item.get_closest_marker("pg"):
            item.add_marker(skip)


def make_user(email: str, *, password: str = "correct horse battery staple", **extra: Any) -> Any:
    from django.utils import timezone

    from accounts.models import User

    extra.setdefault("email_verified_at", timezone.now())
    return User.objects.create_user(email=email, password=password, **extra)


@pytest.fixture
def owner(db: None) -> Any:
    return make_user("owner@example.com", name="Olive Owner")


@pytest.fixture
def teammate(db: None) -> Any:
    return make_user("teammate@example.com", name="Tom Teammate")


@pytest.fixture
def outsider(db: None) -> Any:
    return make_user("outsider@example.com", name="Oscar Outsider")


@pytest.fixture
def staff(db: None) -> Any:
    return make_user("staff@example.com", name="Stella Staff", is_staff=True)


@pytest.fixture
def db_vendor(db: None) -> str:
    return connection.vendor


# Figures (quality.md): every `record_property` of a passing test is written as a `FIGURE` line to the
# summary file (var/test-figures.txt, or $TEST_FIGURES_FILE), so each run keeps its numbers and not only
# pass or fail, without dozens of lines on screen (works across xdist workers: reports reach the controller).
_FIGURES: list[tuple[str, str, object]] = []


def figures_file() -> Path:
    default = Path(__file__).resolve().parents[1] / "var" / "test-figures.txt"
    return Path(os.environ.get("TEST_FIGURES_FILE") or default)


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.when == "call" and report.passed:
        _FIGURES.extend((report.nodeid, str(name), value) for name, value in report.user_properties)


def figure_lines(figures: list[tuple[str, str, object]]) -> list[str]:
    ordered = sorted(figures, key=lambda figure: (figure[1], figure[0]))
    return [f"FIGURE {name}={value}  ({nodeid})" for nodeid, name, value in ordered]


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not _FIGURES or hasattr(terminalreporter.config, "workerinput"):
        return
    path = figures_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(figure_lines(_FIGURES)) + "\n")
    shown = os.path.relpath(path) if path.is_relative_to(Path.cwd()) else str(path)
    terminalreporter.write_line(f"{len(_FIGURES)} figures (quality.md) written to {shown}")


def staff_login(client: Any, user: Any) -> Any:
    """Sign staff in as /admin/ and /console/ require: a password session plus a confirmed TOTP code."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    client.force_login(user)
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="test", confirmed=True)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client
