"""Login throttling keyed on the account (quality.md A5, A-02) and the password-reset way out."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.test import Client

from accounts.models import User
from tests.accounts.helpers import (
    PASSWORD,
    figure,
    link_path,
    login,
    private_cache,  # noqa: F401 - a fixture, used by name
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_cache")]

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def count_password_checks(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts how many attempts actually reached the password check (an "accepted attempt")."""
    calls = [0]
    original = User.check_password

    def counting(self: User, raw_password: str | None) -> bool:
        calls[0] += 1
        return original(self, raw_password)

    monkeypatch.setattr(User, "check_password", counting)
    return calls


def test_it_limits_stuffing_from_rotating_ips_and_the_owner_can_reset(
    client: Client, owner: User, monkeypatch: pytest.MonkeyPatch, record_property: Any
) -> None:
    checks = count_password_checks(monkeypatch)
    statuses = []
    with time_machine.travel(START, tick=False) as clock:
        for attempt in range(150):  # 150 guesses spread over one hour, from 50 addresses
            clock.shift(timedelta(seconds=24))
            ip = f"203.0.113.{attempt % 50 + 1}"
            statuses.append(login(client, owner.email, f"guess-{attempt}", REMOTE_ADDR=ip).status_code)
        figure(
            record_property, "A-02", attempts=150, accepted=checks[0], locked_responses=statuses.count(429)
        )
        assert checks[0] <= 10  # the configured limit (quality.md: ≤ 100/h, target ≤ 40/h)
        # The 10th failure is checked, then answered with the lockout page; every later one is refused.
        assert statuses.count(429) == 141

        # The owner, with the right password, is held back too (the lock is on the account)…
        assert login(client, owner.email, REMOTE_ADDR="198.51.100.7").status_code == 429
        # …but a password reset still works and lifts the lock.
        client.post("/password-reset", {"email": owner.email}, REMOTE_ADDR="198.51.100.7")
        path = link_path(mail.outbox[-1], r"^/password-reset/")
        form_page = client.get(path, follow=True)
        assert form_page.status_code == 200
        client.post(
            form_page.redirect_chain[-1][0],
            {"new_password1": "a brand new passphrase", "new_password2": "a brand new passphrase"},
        )
        response = login(client, owner.email, "a brand new passphrase", REMOTE_ADDR="198.51.100.7")
        assert response.status_code == 302
        assert response["Location"] == "/dashboard"


def test_it_counts_case_variants_against_one_account(client: Client, owner: User) -> None:
    variants = ["owner@example.com", "OWNER@example.com", "Owner@Example.Com", " owner@EXAMPLE.com "]
    for attempt in range(10):
        login(client, variants[attempt % len(variants)], "wrong", REMOTE_ADDR=f"192.0.2.{attempt + 1}")
    assert login(client, "oWnEr@example.com", PASSWORD).status_code == 429


def test_it_shows_a_friendly_lockout_page(client: Client, owner: User) -> None:
    for _ in range(10):
        login(client, owner.email, "wrong")
    response = login(client, owner.email, "wrong")
    assert response.status_code == 429
    assert response["Retry-After"] == "900"
    body = response.content.decode()
    assert "15 minutes" in body
    assert 'href="/password-reset"' in body


def test_it_lets_the_owner_in_after_the_cool_off(client: Client, owner: User) -> None:
    with time_machine.travel(START, tick=False) as clock:
        for _ in range(10):
            login(client, owner.email, "wrong")
        assert login(client, owner.email).status_code == 429
        clock.shift(timedelta(minutes=16))
        assert login(client, owner.email).status_code == 302


def test_it_does_not_lock_other_accounts(client: Client, owner: User, teammate: User) -> None:
    for _ in range(11):
        login(client, owner.email, "wrong")
    assert login(client, teammate.email).status_code == 302
