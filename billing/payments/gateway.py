"""The payment gateway behind one interface, so views and services never branch on Stripe vs sandbox.

`StripeGateway` talks to the Stripe API (every POST carries an idempotency key derived from our own
operation id, so the library's retries and our own re-runs never create a second object — quality.md P6).
`SandboxGateway` is the embedded default when no Stripe key is configured: its checkout is a local TEST MODE
page that drives the same fulfilment code. It refuses to exist under production settings.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from typing import Any, Protocol, cast

import stripe
from django.conf import settings
from django.core import signing
from django.core.exceptions import ImproperlyConfigured

from billing.money import micros_to_cents_floor
from billing.payments.models import Gateway, Purchase, PurchaseStatus
from comfyweb.errors import ApiError

logger = logging.getLogger(__name__)

SANDBOX_TOKEN_SALT = "payments.sandbox-checkout"  # noqa: S105 (a signing salt, not a secret)
STRIPE_TIMEOUT_SECONDS = 20


class PaymentGatewayError(Exception):
    """The payment provider refused or could not be reached; nothing was created on our side."""

    def to_api_error(self) -> ApiError:
        return ApiError(
            502,
            "payment_provider_error",
            "The payment provider could not be reached or refused the request; nothing was charged. "
            "Please try again in a moment.",
        )


@dataclass(frozen=True)
class CheckoutSession:
    session_id: str
    url: str


@dataclass(frozen=True)
class CheckoutOutcome:
    """A Checkout Session as the gateway reports it (from a signed webhook or a server-side retrieve)."""

    session_id: str
    status: str  # open | complete | expired
    payment_status: str  # paid | unpaid | no_payment_required
    amount_total_cents: int | None
    currency: str
    payment_intent_id: str | None
    # Only used to find our record; never trusted for the amount (quality.md P4).
    purchase_public_id: str | None
    livemode: bool
    # The sum of the expanded line items (a server-side retrieve), or None when they were not expanded.
    line_items_total_cents: int | None = None


@dataclass(frozen=True)
class OffSessionCharge:
    payment_intent_id: str | None
    status: str  # succeeded | processing | requires_action | failed
    error: str = ""


class PaymentGateway(Protocol):
    name: str

    def create_customer(self, *, user: Any) -> str: ...

    def delete_customer(self, *, customer_id: str) -> None: ...

    def create_checkout(
        self, *, purchase: Purchase, customer_id: str, base_url: str, credits_label: str
    ) -> CheckoutSession: ...

    def retrieve_checkout(self, *, session_id: str) -> CheckoutOutcome: ...

    def create_portal(self, *, customer_id: str, return_url: str) -> str: ...

    def charge_off_session(self, *, purchase: Purchase, customer_id: str) -> OffSessionCharge: ...

    def list_undelivered_events(self, *, created_after: int, types: list[str]) -> list[dict[str, Any]]: ...


class MalformedObjectError(ValueError):
    """A (validly signed or retrieved) Stripe object lacks a field we need, or has the wrong type."""


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and 0 < len(value) <= 255 else None


def uuid_text(value: object) -> str | None:
    """Our purchase id from metadata, only if it is a well-formed UUID (else it cannot be ours)."""
    text = _text(value)
    try:
        return str(uuid.UUID(text)) if text else None
    except ValueError:
        return None


def _line_items_total(line_items: object) -> int | None:
    if not isinstance(line_items, dict) or not isinstance(line_items.get("data"), list):
        return None
    amounts = [item.get("amount_total") if isinstance(item, dict) else None for item in line_items["data"]]
    if not all(type(amount) is int for amount in amounts):
        return -1  # present but unreadable: never matches a real amount
    return sum(amounts)  # type: ignore[arg-type]


def outcome_from_session(session: dict[str, Any]) -> CheckoutOutcome:
    """Read a Checkout Session (a dict from a webhook payload or a retrieve), checking every type."""
    session_id = _text(session.get("id"))
    if session_id is None:
        raise MalformedObjectError("The Checkout Session has no id.")
    payment_intent = session.get("payment_intent")
    if isinstance(payment_intent, dict):
        payment_intent = payment_intent.get("id")
    metadata = session.get("metadata")
    metadata = metadata if isinstance(metadata, dict) else {}
    amount_total = session.get("amount_total")
    return CheckoutOutcome(
        line_items_total_cents=_line_items_total(session.get("line_items")),
        session_id=session_id,
        status=_text(session.get("status")) or "",
        payment_status=_text(session.get("payment_status")) or "",
        amount_total_cents=amount_total if type(amount_total) is int else None,
        currency=(_text(session.get("currency")) or "").lower(),
        payment_intent_id=_text(payment_intent),
        purchase_public_id=uuid_text(metadata.get("purchase_id")),
        livemode=session.get("livemode") is True,
    )


class StripeGateway:
    name: str = Gateway.STRIPE.value

    def __init__(self, *, api_key: str, api_base: str, http_client: Any = None) -> None:
        self._client = stripe.StripeClient(
            api_key,
            base_addresses={"api": api_base},
            max_network_retries=2,
            http_client=http_client or stripe.RequestsClient(timeout=STRIPE_TIMEOUT_SECONDS),
        )

    def _call(self, what: str, fn: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except stripe.StripeError as exc:
            # An idempotency error means a retry carried different parameters: a bug, never a second charge.
            logger.warning("Stripe %s failed: %s", what, exc)
            raise PaymentGatewayError(str(exc)) from exc

    def create_customer(self, *, user: Any) -> str:
        customer = self._call(
            "customer create",
            self._client.v1.customers.create,
            params={"email": user.email, "name": user.name, "metadata": {"user_id": str(user.public_id)}},
            options={"idempotency_key": f"customer:{user.public_id}"},
        )
        return str(customer.id)

    def delete_customer(self, *, customer_id: str) -> None:
        """Delete the customer at Stripe (account erasure); one that is already gone counts as done."""
        try:
            self._client.v1.customers.delete(customer_id)
        except stripe.InvalidRequestError as exc:
            if exc.http_status == 404:
                return
            logger.warning("Stripe customer delete failed: %s", exc)
            raise PaymentGatewayError(str(exc)) from exc
        except stripe.StripeError as exc:
            logger.warning("Stripe customer delete failed: %s", exc)
            raise PaymentGatewayError(str(exc)) from exc

    def create_checkout(
        self, *, purchase: Purchase, customer_id: str, base_url: str, credits_label: str
    ) -> CheckoutSession:
        metadata = {"purchase_id": str(purchase.public_id)}
        params = {
            "mode": "payment",
            "customer": customer_id,
            "client_reference_id": str(purchase.public_id),
            "line_items": [
                {
                    "quantity": 1,
                    "price_data": {
                        "currency": "usd",
                        "unit_amount": micros_to_cents_floor(purchase.amount_micros),
                        "product_data": {
                            "name": f"{settings.SITE_NAME} credits",
                            "description": f"{credits_label} credits",
                        },
                    },
                }
            ],
            "metadata": metadata,
            # The card is saved for auto top-up (off-session PaymentIntents); the refund and dispute
            # events carry the PaymentIntent, which is how a charge finds its purchase.
            "payment_intent_data": {"metadata": metadata, "setup_future_usage": "off_session"},
            "success_url": f"{base_url}/credits/return?session_id={{CHECKOUT_SESSION_ID}}",
            "cancel_url": f"{base_url}/credits",
        }
        session = self._call(
            "checkout create",
            self._client.v1.checkout.sessions.create,
            params=params,
            options={"idempotency_key": f"checkout:{purchase.public_id}"},
        )
        return CheckoutSession(session_id=str(session.id), url=str(session.url))

    def retrieve_checkout(self, *, session_id: str) -> CheckoutOutcome:
        session = self._call(
            "checkout retrieve",
            self._client.v1.checkout.sessions.retrieve,
            session_id,
            params={"expand": ["line_items"]},
        )
        return outcome_from_session(session.to_dict())

    def create_portal(self, *, customer_id: str, return_url: str) -> str:
        portal = self._call(
            "portal create",
            self._client.v1.billing_portal.sessions.create,
            params={"customer": customer_id, "return_url": return_url},
        )
        return str(portal.url)

    def list_undelivered_events(self, *, created_after: int, types: list[str]) -> list[dict[str, Any]]:
        """Events Stripe failed to deliver to us (List Events, `delivery_success=false`): the recovery
        path for an outage of our webhook endpoint (quality.md S-09)."""
        page = self._call(
            "event list",
            self._client.v1.events.list,
            params={
                "delivery_success": False,
                "created": {"gte": created_after},
                "types": types,
                "limit": 100,
            },
        )
        try:
            return [event.to_dict() for event in page.auto_paging_iter()]
        except stripe.StripeError as exc:
            raise PaymentGatewayError(str(exc)) from exc

    def charge_off_session(self, *, purchase: Purchase, customer_id: str) -> OffSessionCharge:
        methods = self._call(
            "payment method list",
            self._client.v1.payment_methods.list,
            params={"customer": customer_id, "type": "card", "limit": 1},
        )
        if not methods.data:
            return OffSessionCharge(payment_intent_id=None, status="failed", error="No saved card.")
        metadata = {"purchase_id": str(purchase.public_id), "kind": "auto_topup"}
        params = {
            "amount": micros_to_cents_floor(purchase.amount_micros),
            "currency": "usd",
            "customer": customer_id,
            "payment_method": methods.data[0].id,
            "off_session": True,
            "confirm": True,
            "metadata": metadata,
        }
        try:
            intent = self._client.v1.payment_intents.create(
                params=cast(Any, params), options={"idempotency_key": f"autotopup:{purchase.public_id}"}
            )
        except stripe.CardError as exc:
            error_intent = getattr(exc.error, "payment_intent", None) if exc.error else None
            intent_id = getattr(error_intent, "id", None)
            return OffSessionCharge(
                payment_intent_id=str(intent_id) if intent_id else None,
                status="failed",
                error=str(exc.user_message or "The card was declined."),
            )
        except stripe.StripeError as exc:
            raise PaymentGatewayError(str(exc)) from exc
        status = str(intent.status)
        return OffSessionCharge(
            payment_intent_id=str(intent.id),
            status=status if status in {"succeeded", "processing"} else "requires_action",
        )


class SandboxGateway:
    """Test mode: no money moves. The checkout page is ours, at /billing/sandbox/checkout/<token>."""

    name: str = Gateway.SANDBOX.value

    def __init__(self) -> None:
        if settings.PRODUCTION:
            raise ImproperlyConfigured("The sandbox payment gateway is refused under production settings.")

    def create_customer(self, *, user: Any) -> str:
        return f"cus_sandbox_{user.public_id.hex}"

    def delete_customer(self, *, customer_id: str) -> None:
        return None  # the sandbox keeps no customers

    def create_checkout(
        self, *, purchase: Purchase, customer_id: str, base_url: str, credits_label: str
    ) -> CheckoutSession:
        token = signing.dumps(str(purchase.public_id), salt=SANDBOX_TOKEN_SALT)
        return CheckoutSession(
            session_id=f"cs_sandbox_{purchase.public_id.hex}",
            url=f"{base_url}/billing/sandbox/checkout/{token}",
        )

    def retrieve_checkout(self, *, session_id: str) -> CheckoutOutcome:
        purchase = Purchase.objects.filter(checkout_session_id=session_id).first()
        if purchase is None:
            raise PaymentGatewayError(f"No sandbox checkout {session_id}.")
        return self.outcome(purchase=purchase, paid=purchase.status == PurchaseStatus.PAID)

    def outcome(self, *, purchase: Purchase, paid: bool) -> CheckoutOutcome:
        """What the sandbox page reports after "Pay (test)" or "Decline (test)"."""
        return CheckoutOutcome(
            session_id=purchase.checkout_session_id or f"cs_sandbox_{purchase.public_id.hex}",
            status="complete" if paid else "open",
            payment_status="paid" if paid else "unpaid",
            amount_total_cents=micros_to_cents_floor(purchase.amount_micros),
            currency="usd",
            payment_intent_id=f"pi_sandbox_{purchase.public_id.hex}",
            purchase_public_id=str(purchase.public_id),
            livemode=False,
        )

    def create_portal(self, *, customer_id: str, return_url: str) -> str:
        return return_url

    def charge_off_session(self, *, purchase: Purchase, customer_id: str) -> OffSessionCharge:
        return OffSessionCharge(payment_intent_id=f"pi_sandbox_{purchase.public_id.hex}", status="succeeded")

    def list_undelivered_events(self, *, created_after: int, types: list[str]) -> list[dict[str, Any]]:
        return []  # the sandbox has no webhooks to miss


def sandbox_token_read(token: str) -> str | None:
    """The purchase public id a sandbox checkout token was signed for, or None if tampered."""
    try:
        return str(signing.loads(token, salt=SANDBOX_TOKEN_SALT, max_age=24 * 3600))
    except signing.BadSignature:
        return None


def gateway_get() -> PaymentGateway:
    """Stripe when a secret key is configured, else the sandbox (never in production: settings refuse)."""
    if settings.STRIPE_SECRET_KEY:
        return StripeGateway(api_key=settings.STRIPE_SECRET_KEY, api_base=settings.STRIPE_API_BASE)
    return SandboxGateway()
