"""The Stripe webhook: verify, store, apply once (quality.md P1, P2, B-14).

The event row is inserted inside the same transaction as its effect. A duplicate delivery hits the unique
event id and changes nothing; a delivery whose effect fails rolls back, is recorded as `failed` in a
separate transaction and answered with 500, so Stripe retries it and the retry takes over the failed row.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import stripe
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from billing.payments.gateway import MalformedObjectError, outcome_from_session, uuid_text
from billing.payments.models import PurchaseStatus, StripeEvent, StripeEventStatus
from billing.payments.services.adjustments import charge_dispute_record, charge_refund_record
from billing.payments.services.balance_watch import auto_topup_payment_failed
from billing.payments.services.purchases import (
    FulfilmentRejectedError,
    checkout_fulfil,
    payment_intent_fulfil,
    purchase_mark_closed,
)
from comfyweb.errors import ApiError
from comfyweb.jsonio import load_json_object

logger = logging.getLogger(__name__)


MAX_CENTS = 10**12  # far above any real charge; keeps converted micros inside a bigint


def _bad_signature(message: str) -> ApiError:
    return ApiError(400, "invalid_signature", message)


def webhook_event_verify(*, payload: bytes, signature: str | None) -> dict[str, Any]:
    """Check the `Stripe-Signature` (HMAC over `t.payload`, `t` within the tolerance) and parse the event.
    Anything unsigned, stale, unparseable or not an event is a 400 and nothing is written."""
    secret = settings.STRIPE_WEBHOOK_SECRET
    if not secret:
        raise _bad_signature("Stripe webhooks are not configured on this platform (STRIPE_WEBHOOK_SECRET).")
    if not signature:
        raise _bad_signature("The Stripe-Signature header is missing.")
    try:
        payload.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _bad_signature("The webhook body is not valid UTF-8.") from exc
    try:
        stripe.Webhook.construct_event(
            payload, signature, secret, tolerance=settings.STRIPE_WEBHOOK_TOLERANCE_SECONDS
        )
    except stripe.SignatureVerificationError as exc:
        raise _bad_signature("The Stripe-Signature does not match this body, or it is too old.") from exc
    except (ValueError, TypeError, AttributeError, KeyError, RecursionError) as exc:
        # Validly signed, but stripe-python cannot build an event from it (not JSON, not an object, nested
        # past the parser's recursion limit). A 400, never a 500 that Stripe would retry for days; logged,
        # since a signed body only comes from someone holding the webhook secret.
        logger.warning(
            "Rejected a validly signed Stripe webhook that is not an event (%s, %d bytes)",
            type(exc).__name__,
            len(payload),
        )
        raise ApiError(400, "invalid_event", "The webhook body is not a Stripe event.") from exc
    if b"\\u0000" in payload:
        # PostgreSQL's jsonb cannot store NUL; no real Stripe event carries one.
        raise ApiError(400, "invalid_event", "The webhook body contains a NUL character.")
    event = load_json_object(payload)
    data = event.get("data")
    if (
        not isinstance(event.get("id"), str)
        or not event["id"]
        or len(event["id"]) > 255
        or not isinstance(event.get("type"), str)
        or not 0 < len(event["type"]) <= 100
        or not isinstance(data, dict)
        or not isinstance(data.get("object"), dict)
    ):
        raise ApiError(400, "invalid_event", "The webhook body is not a Stripe event.")
    return event


def _str(obj: dict[str, Any], field: str) -> str:
    value = obj.get(field)
    if isinstance(value, dict):
        value = value.get("id")
    if not isinstance(value, str) or not value or len(value) > 255:
        raise FulfilmentRejectedError(f"The event's object has no usable {field!r}.")
    return value


def _on_session_paid(obj: dict[str, Any]) -> None:
    if obj.get("payment_status") != "paid":
        return
    try:
        outcome = outcome_from_session(obj)
    except MalformedObjectError as exc:
        raise FulfilmentRejectedError(str(exc)) from exc
    checkout_fulfil(outcome=outcome)


def _on_session_failed(obj: dict[str, Any]) -> None:
    purchase_mark_closed(
        session_id=_str(obj, "id"), status=PurchaseStatus.FAILED, reason="async payment failed"
    )


def _on_session_expired(obj: dict[str, Any]) -> None:
    purchase_mark_closed(session_id=_str(obj, "id"), status=PurchaseStatus.EXPIRED, reason="session expired")


def _on_charge_refunded(obj: dict[str, Any]) -> None:
    refunded = obj.get("amount_refunded")
    if type(refunded) is not int or not 0 <= refunded <= MAX_CENTS:
        raise FulfilmentRejectedError("charge.refunded without a usable amount_refunded.")
    charge_refund_record(
        payment_intent_id=_str(obj, "payment_intent"),
        charge_id=_str(obj, "id"),
        amount_refunded_cents=refunded,
    )


def _on_dispute_created(obj: dict[str, Any]) -> None:
    charge_dispute_record(
        payment_intent_id=_str(obj, "payment_intent"),
        charge_id=_str(obj, "charge"),
        dispute_id=_str(obj, "id"),
        closed_status=None,
    )


def _on_dispute_closed(obj: dict[str, Any]) -> None:
    charge_dispute_record(
        payment_intent_id=_str(obj, "payment_intent"),
        charge_id=_str(obj, "charge"),
        dispute_id=_str(obj, "id"),
        closed_status=_str(obj, "status"),
    )


def _auto_topup_purchase_id(obj: dict[str, Any]) -> str | None:
    metadata = obj.get("metadata") if isinstance(obj.get("metadata"), dict) else {}
    assert isinstance(metadata, dict)
    if metadata.get("kind") != "auto_topup":
        return None  # Checkout payments are fulfilled from their session events
    return uuid_text(metadata.get("purchase_id"))


def _on_intent_succeeded(obj: dict[str, Any]) -> None:
    purchase_id = _auto_topup_purchase_id(obj)
    if purchase_id:
        payment_intent_fulfil(
            purchase_public_id=purchase_id,
            payment_intent_id=_str(obj, "id"),
            amount_cents=obj.get("amount_received"),
        )


def _on_intent_failed(obj: dict[str, Any]) -> None:
    purchase_id = _auto_topup_purchase_id(obj)
    if purchase_id:
        error = obj.get("last_payment_error") if isinstance(obj.get("last_payment_error"), dict) else {}
        assert isinstance(error, dict)
        auto_topup_payment_failed(
            purchase_public_id=purchase_id, reason=str(error.get("message") or "declined")
        )


# The allow-list: any other (validly signed) type is stored as ignored and answered 200 (B-14).
HANDLERS: dict[str, Callable[[dict[str, Any]], None]] = {
    "checkout.session.completed": _on_session_paid,
    "checkout.session.async_payment_succeeded": _on_session_paid,
    "checkout.session.async_payment_failed": _on_session_failed,
    "checkout.session.expired": _on_session_expired,
    "charge.refunded": _on_charge_refunded,
    "charge.dispute.created": _on_dispute_created,
    "charge.dispute.closed": _on_dispute_closed,
    "payment_intent.succeeded": _on_intent_succeeded,
    "payment_intent.payment_failed": _on_intent_failed,
}


def _claim(event: dict[str, Any]) -> StripeEvent | None:
    """Insert the event row (inside the caller's transaction); None when it was already handled."""
    try:
        with transaction.atomic():
            return StripeEvent.objects.create(
                event_id=event["id"],
                type=event["type"],
                livemode=bool(event.get("livemode")),
                payload=event,
                status=StripeEventStatus.PROCESSED,
            )
    except IntegrityError:
        row = StripeEvent.objects.select_for_update().get(event_id=event["id"])
        if row.status != StripeEventStatus.FAILED:
            return None
        row.attempts += 1
        return row


def _record_outside(event: dict[str, Any], *, status: StripeEventStatus, error: str) -> None:
    """Keep a delivery we could not apply (failed: retryable) or will not apply (ignored)."""
    fields = {"type": event["type"], "livemode": bool(event.get("livemode")), "payload": event}
    try:
        with transaction.atomic():
            StripeEvent.objects.create(event_id=event["id"], status=status, error=error[:5000], **fields)
    except IntegrityError:
        StripeEvent.objects.filter(event_id=event["id"], status=StripeEventStatus.FAILED).update(
            status=status, error=error[:5000]
        )


def webhook_event_process(*, event: dict[str, Any]) -> str:
    """Apply a verified event once. Returns what happened: processed, duplicate, ignored or rejected.
    Raises (→ 500, Stripe retries) when the effect failed; the event is then stored as `failed`."""
    livemode = bool(event.get("livemode"))
    if livemode != settings.STRIPE_LIVEMODE:
        logger.error(
            "ALERT Stripe event %s has livemode=%s but STRIPE_LIVEMODE=%s: nothing credited",
            event["id"],
            livemode,
            settings.STRIPE_LIVEMODE,
        )
        _record_outside(
            event, status=StripeEventStatus.IGNORED, error="livemode does not match STRIPE_LIVEMODE"
        )
        return "ignored"
    handler = HANDLERS.get(event["type"])
    if handler is None:
        _record_outside(event, status=StripeEventStatus.IGNORED, error="")
        return "ignored"
    try:
        with transaction.atomic():
            row = _claim(event)
            if row is None:
                return "duplicate"
            handler(event["data"]["object"])
            row.status, row.error, row.processed_at = StripeEventStatus.PROCESSED, "", timezone.now()
            row.save()
    except FulfilmentRejectedError as exc:
        logger.error(  # noqa: TRY400 (an expected refusal: the alert text is the point, not a traceback)
            "ALERT Stripe event %s (%s) not applied: %s", event["id"], event["type"], exc
        )
        _record_outside(event, status=StripeEventStatus.IGNORED, error=str(exc))
        return "rejected"
    except Exception as exc:
        logger.exception("Stripe event %s (%s) failed; Stripe will retry", event["id"], event["type"])
        _record_outside(event, status=StripeEventStatus.FAILED, error=f"{type(exc).__name__}: {exc}")
        raise
    return "processed"
