"""Fixtures for the export and deletion tests: an account that has something of everything."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.test import Client
from django.utils import timezone

from accounts.models import User
from accounts.services.api_keys import api_key_create
from accounts.services.audit import audit_record
from billing.models import LedgerAccount
from billing.payments.models import (
    AutoTopUp,
    Gateway,
    Purchase,
    PurchaseStatus,
    StripeCustomer,
    StripeEvent,
    StripeEventStatus,
)
from billing.selectors import wallet_get_for_user
from billing.services import credits_purchase, credits_reserve, hold_capture
from nodes.models import PriceVersion, UsageRecord, UsageStatus
from nodes.storage import STORAGE_PREFIX

PASSWORD = "correct horse battery staple"
FUNDED = 20_000_000  # $20
CHARGED = 1_500_000  # one captured call: $1.50


@pytest.fixture(autouse=True)
def _privacy_settings(settings: Any, tmp_path: Any) -> Iterator[None]:
    """Uploads and exports in a fresh folder; background jobs in-process, whatever broker is configured."""
    from comfyweb.celery import app

    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.DELETION_GRACE_HOURS = 72
    settings.DELETION_HOLDS_WAIT_SECONDS = 0
    settings.STRIPE_SECRET_KEY = ""
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = eager


@dataclass
class Account:
    user: User
    keys: list[str]
    browser: Client  # signed in: a device with an IP address and a user agent
    wallet: LedgerAccount
    upload_path: str
    usage: UsageRecord
    purchase: Purchase

    @property
    def email(self) -> str:
        return "owner@example.com"


def _purchase(user: User, amount: int) -> Purchase:
    hex_id = uuid.uuid4().hex
    purchase = Purchase.objects.create(
        user=user,
        gateway=Gateway.STRIPE,
        amount_micros=amount,
        status=PurchaseStatus.PAID,
        paid_at=timezone.now(),
        checkout_session_id=f"cs_test_{hex_id}",
        payment_intent_id=f"pi_test_{hex_id}",
    )
    credits_purchase(
        wallet=wallet_get_for_user(user=user),
        amount_micros=amount,
        payment_reference=purchase.payment_reference,
        source="stripe",
        key=purchase.checkout_session_id or "",
    )
    # The webhook log keeps Stripe's payload, which names the customer.
    StripeEvent.objects.create(
        event_id=f"evt_{hex_id[:24]}",
        type="checkout.session.completed",
        payload={
            "data": {
                "object": {
                    "id": purchase.checkout_session_id,
                    "payment_intent": purchase.payment_intent_id,
                    "customer_details": {"email": user.email, "name": user.name},
                    "customer_email": user.email,
                }
            }
        },
        status=StripeEventStatus.PROCESSED,
    )
    return purchase


def _usage(user: User, wallet: LedgerAccount, key_prefix: str) -> UsageRecord:
    hold = credits_reserve(
        wallet=wallet, amount_micros=2_000_000, expires_at=timezone.now() + timedelta(hours=1), key="u-1"
    )
    hold_capture(hold=hold, amount_micros=CHARGED)
    version = PriceVersion.objects.create(label="test prices")
    return UsageRecord.objects.create(
        user=user,
        credential="api_key",
        api_key_prefix=key_prefix,
        vendor="openai",
        route="POST images/generations",
        model="dall-e-2",
        comfy_job_id="prompt-123",
        hold=hold,
        price_version=version,
        quoted_micros=2_000_000,
        charged_micros=CHARGED,
        status=UsageStatus.SUCCEEDED,
    )


@pytest.fixture
def account(owner: User, staff: User) -> Account:
    wallet = wallet_get_for_user(user=owner)
    purchase = _purchase(owner, FUNDED)
    keys = [api_key_create(user=owner, name=f"key {i}")[1] for i in range(2)]
    browser = Client(REMOTE_ADDR="203.0.113.7", HTTP_USER_AGENT="Mozilla/5.0 (X11; Linux) Firefox/140.0")
    browser.post("/login", {"email": owner.email, "password": "wrong password!"})  # a throttle record
    assert browser.post("/login", {"email": owner.email, "password": PASSWORD}).status_code == 302
    browser.get("/settings")  # the device middleware records the browser
    usage = _usage(owner, wallet, keys[0][8:20])
    path = f"{STORAGE_PREFIX}/{owner.public_id.hex}/{uuid.uuid4().hex}/input.png"
    default_storage.save(path, ContentFile(b"\x89PNG fake image bytes"))
    StripeCustomer.objects.create(user=owner, stripe_customer_id="cus_test_owner")
    AutoTopUp.objects.create(
        user=owner,
        enabled=True,
        threshold_micros=1_000_000,
        amount_micros=10_000_000,
        monthly_cap_micros=50_000_000,
    )
    audit_record(
        action="grant.approve",
        actor=staff,
        subject=owner,
        reason="ticket from owner@example.com",
        ip_address="203.0.113.7",
    )
    LogEntry.objects.create(
        user_id=staff.pk,
        content_type=ContentType.objects.get_for_model(User),
        object_id=str(owner.pk),
        object_repr=str(owner),
        action_flag=CHANGE,
        change_message="Changed name.",
    )
    return Account(owner, keys, browser, wallet, path, usage, purchase)
