"""Shared fixtures: the personas (owner, teammate, outsider, staff) and the PostgreSQL gate."""

from __future__ import annotations

import os
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


# Figures (quality.md): every `record_property` of a passing test is printed in the run's summary as a
# `FIGURE` line, so CI logs carry the numbers and not only pass or fail (works across xdist workers).
_FIGURES: list[tuple[str, str, object]] = []


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.when == "call" and report.passed:
        _FIGURES.extend((report.nodeid, str(name), value) for name, value in report.user_properties)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not _FIGURES:
        return
    terminalreporter.section("figures")
    for nodeid, name, value in sorted(_FIGURES, key=lambda figure: (figure[1], figure[0])):
        terminalreporter.write_line(f"FIGURE {name}={value}  ({nodeid})")
