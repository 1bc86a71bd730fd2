"""Payments configuration: the replay-window system check and production's refusal to start without Stripe."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from billing.payments.checks import topup_range_check, webhook_tolerance_check

ROOT = Path(__file__).resolve().parents[3]


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


def _lint_environment() -> dict[str, str]:
    """The dummy production environment `make lint` uses, read from the Makefile so that a variable some
    other area makes required later is picked up here too."""
    makefile = (ROOT / "Makefile").read_text().replace("\\\n", " ")
    line = next(text for text in makefile.splitlines() if "COMFYWEB_ENV=production" in text)
    return dict(token.split("=", 1) for token in shlex.split(line) if re.fullmatch(r"[A-Z_]+=.*", token))


def _production_settings(**overrides: str) -> subprocess.CompletedProcess[str]:
    env = {"PATH": os.environ.get("PATH", ""), **_lint_environment(), **overrides}
    return subprocess.run(
        [sys.executable, "-c", "import comfyweb.settings"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )


@pytest.mark.parametrize("missing", ["STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET"])
def test_production_refuses_to_start_without_stripe_secrets(missing: str) -> None:
    result = _production_settings(**{missing: ""})
    assert result.returncode != 0
    assert "STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET must be set in production" in result.stderr


def test_production_accepts_both_stripe_secrets() -> None:
    # Other areas may add their own production requirements; this test is only about ours.
    result = _production_settings()
    assert "STRIPE_SECRET_KEY" not in result.stderr, result.stderr
