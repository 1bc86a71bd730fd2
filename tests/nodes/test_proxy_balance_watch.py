"""A charge through /proxy runs the low-balance and auto top-up checks at once (not at the next sweep)."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail

from billing.payments.models import Purchase, PurchaseKind
from billing.payments.services import auto_topup_configure, low_balance_configure
from tests.nodes.proxy_support import ComfyClient

pytestmark = pytest.mark.django_db

RECRAFT = {"prompt": "a lighthouse", "model": "recraftv3", "size": "1024x1024", "n": 1}


def test_it_sends_the_low_balance_email_when_a_charge_crosses_the_threshold(
    proxy_comfy: ComfyClient, owner: Any, django_capture_on_commit_callbacks: Any
) -> None:
    # $100 funded: a threshold just under it is crossed by the first charge.
    low_balance_configure(user=owner, enabled=True, threshold_micros=99_999_999)
    with django_capture_on_commit_callbacks(execute=True):
        response = proxy_comfy.post_json("/proxy/recraft/image_generation", RECRAFT)
    assert response.status_code == 200, response.content
    assert [m for m in mail.outbox if "low" in m.subject.lower()]


def test_it_tops_up_right_after_the_charge_that_goes_below_the_threshold(
    proxy_comfy: ComfyClient, owner: Any, django_capture_on_commit_callbacks: Any
) -> None:
    auto_topup_configure(
        user=owner,
        enabled=True,
        threshold_micros=99_999_999,
        amount_micros=10_000_000,
        monthly_cap_micros=50_000_000,
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = proxy_comfy.post_json("/proxy/recraft/image_generation", RECRAFT)
    assert response.status_code == 200, response.content
    assert Purchase.objects.filter(user=owner, kind=PurchaseKind.AUTO_TOPUP).count() == 1


def test_it_runs_no_check_for_a_call_that_charged_nothing(
    proxy_comfy: ComfyClient, owner: Any, django_capture_on_commit_callbacks: Any
) -> None:
    low_balance_configure(user=owner, enabled=True, threshold_micros=100_000_001)  # already below: armed
    with django_capture_on_commit_callbacks(execute=True):
        response = proxy_comfy.post_json(
            "/proxy/recraft/image_generation", {**RECRAFT, "prompt": "a lighthouse [moderated]"}
        )
    assert response.status_code >= 400
    # Armed and already below its threshold: any check would have sent the e-mail.
    assert not [m for m in mail.outbox if "low" in m.subject.lower()]


def test_it_queues_no_check_for_a_charge_that_stays_above_every_threshold(
    proxy_comfy: ComfyClient, owner: Any, django_capture_on_commit_callbacks: Any
) -> None:
    low_balance_configure(user=owner, enabled=True, threshold_micros=1_000_000)  # $1 of the $100
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = proxy_comfy.post_json("/proxy/recraft/image_generation", RECRAFT)
    assert response.status_code == 200, response.content
    assert callbacks == []  # the capture read the wallet's watch level: nothing to queue


def test_it_watches_the_highest_enabled_threshold_and_forgets_a_disabled_one(owner: Any) -> None:
    from billing.selectors import wallet_get_for_user

    def watch() -> int:
        return wallet_get_for_user(user=owner).watch_below_micros

    low_balance_configure(user=owner, enabled=True, threshold_micros=2_000_000)
    auto_topup_configure(
        user=owner,
        enabled=True,
        threshold_micros=5_000_000,
        amount_micros=10_000_000,
        monthly_cap_micros=50_000_000,
    )
    assert watch() == 5_000_000
    auto_topup_configure(
        user=owner,
        enabled=False,
        threshold_micros=5_000_000,
        amount_micros=10_000_000,
        monthly_cap_micros=50_000_000,
    )
    assert watch() == 2_000_000
    low_balance_configure(user=owner, enabled=False, threshold_micros=2_000_000)
    assert watch() == 0
