"""Payments configuration: the replay-window system check and production's refusal to start without Stripe."""

from __future__ import annotations

from typing import Any

import pytest

from billing.payments.checks import topup_range_check, webhook_tolerance_check
from tests.production import production_import


@pytest.mark.parametrize("tolerance", [0, None, -1, "300", 300.0, True])
def test_it_fails_the_system_check_for_a_tolerance_that_is_not_a_positive_int(
    settings: Any, tolerance: Any
) -> None:
    settings.STRIPE_WEBHOOK_TOLERANCE_SECONDS = tolerance
    assert [e.id for e in webhook_tolerance_check()] == ["payments.E001"]


def test_it_passes_the_system_check_with_300(settings: Any) -> None:
    assert settings.STRIPE_WEBHOOK_TOLERANCE_SECONDS == 300
    assert webhook_tolerance_check() == []
    assert topup_range_check() == []


@pytest.mark.parametrize("missing", ["STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET"])
def test_production_refuses_to_start_without_stripe_secrets(missing: str) -> None:
    result = production_import(**{missing: ""})
    assert result.returncode != 0
    assert "STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET must be set in production" in result.stderr


def test_production_accepts_both_stripe_secrets() -> None:
    # Other areas may add their own production requirements; this test is only about ours.
    result = production_import()
    assert "STRIPE_SECRET_KEY" not in result.stderr, result.stderr
