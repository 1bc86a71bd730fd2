"""Console fixtures: the four personas of the permission matrix (anonymous, user, support, admin), each
signed in for real (password session + a TOTP code posted to /console/verify), and a subject user with
usage from real /proxy calls against the sandbox vendors."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from console import roles
from tests.conftest import make_user
from tests.nodes.conftest import fund_user, proxy_comfy, proxy_key, proxy_prices, proxy_upstream

__all__ = ["fund_user", "proxy_comfy", "proxy_key", "proxy_prices", "proxy_upstream"]


def totp_now(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):0{device.digits}d}"


def make_staff(email: str, group: str | None) -> Any:
    user = make_user(email, is_staff=True)
    if group:
        user.groups.add(Group.objects.get(name=group))
    TOTPDevice.objects.create(user=user, name="console", confirmed=True)
    return user


def console_client(user: Any | None) -> Client:
    """A browser session: signed in with the password backend, and (staff) past the TOTP step."""
    client = Client()
    if user is None:
        return client
    client.force_login(user)
    device = TOTPDevice.objects.filter(user=user).first()
    if device is not None:
        reply = client.post("/console/verify", {"token": totp_now(device), "next": "/console/"})
        assert reply.status_code == 302, reply.content
    return client


@pytest.fixture
def support(db: None) -> Any:
    return make_staff("support@example.com", roles.SUPPORT_GROUP)


@pytest.fixture
def console_admin(db: None) -> Any:
    return make_staff("admin@example.com", roles.ADMIN_GROUP)


@pytest.fixture
def second_admin(db: None) -> Any:
    return make_staff("admin2@example.com", roles.ADMIN_GROUP)


@pytest.fixture
def support_client(support: Any) -> Client:
    return console_client(support)


@pytest.fixture
def admin_client_(console_admin: Any) -> Client:
    return console_client(console_admin)


@pytest.fixture
def second_admin_client(second_admin: Any) -> Client:
    return console_client(second_admin)


def paid_sandbox_purchase(user: Any, amount_micros: int = 10_000_000) -> Any:
    """A purchase paid through the sandbox gateway's own fulfilment path (as its TEST MODE page does)."""
    from billing.payments.gateway import SandboxGateway
    from billing.payments.services.purchases import checkout_fulfil, checkout_start

    purchase = checkout_start(user=user, amount_micros=amount_micros, base_url="http://testserver")
    checkout_fulfil(outcome=SandboxGateway().outcome(purchase=purchase, paid=True))
    purchase.refresh_from_db()
    return purchase


def dalle_call(comfy: Any, n: int = 2) -> Any:
    """One real metered call through /proxy to the sandbox OpenAI: returns its usage row."""
    from nodes.models import UsageRecord

    reply = comfy.post_json(
        "/proxy/openai/images/generations", {"prompt": "a cat", "model": "dall-e-2", "n": n}
    )
    assert reply.status_code == 200, reply.content
    return UsageRecord.objects.filter(comfy_job_id=comfy.job_id).latest("id")


@pytest.fixture
def world(owner: Any, proxy_comfy: Any, settings: Any) -> dict[str, Any]:
    """The subject (owner, $100 funded) with a charged call, a paid purchase, a key and a pending grant."""
    from accounts.models import ApiKey
    from billing.selectors import wallet_get_for_user
    from billing.services import credits_grant

    settings.STRIPE_SECRET_KEY = ""  # the sandbox gateway
    usage = dalle_call(proxy_comfy)
    requester = make_staff("requester@example.com", roles.ADMIN_GROUP)
    pending = credits_grant(
        wallet=wallet_get_for_user(user=owner),
        amount_micros=settings.GRANT_APPROVAL_THRESHOLD_MICROS + 1_000_000,
        actor=requester,
        reason="outage compensation",
        ticket="T-1",
        key="pending-grant",
    )
    return {
        "user": owner,
        "usage": usage,
        "purchase": paid_sandbox_purchase(owner),
        "key": ApiKey.objects.get(user=owner),
        "pending": pending,
        "comfy": proxy_comfy,
    }
