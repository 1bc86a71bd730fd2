"""Console actions. Each takes the staff member, the subject and a required reason, does the work through
the owning app's service, and writes one audit row (`console.*`) in the same transaction as its effect.

Network calls (the refund) run with no transaction open; the refund's audit row is written once the
provider accepted it. Refusals raise `ConsoleActionError` and write nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction

from accounts.models import ApiKey, AuditEvent, User
from accounts.services.api_keys import api_key_revoke
from accounts.services.audit import audit_record
from accounts.services.devices import devices_revoke_others
from billing.errors import LedgerError
from billing.models import AccountStatus, Grant, GrantStatus, LedgerAccount, WalletStatusChange
from billing.money import cents_to_micros, format_usd, micros_to_cents_floor
from billing.payments.gateway import PaymentGatewayError, gateway_get
from billing.payments.models import ChargeState, Gateway, Purchase, PurchaseStatus
from billing.payments.services import charge_refund_record
from billing.selectors import wallet_get_for_user
from billing.services import credits_grant, credits_grant_approve, wallet_freeze, wallet_unfreeze
from console import adapters

REASON_MAX = 500


class ConsoleActionError(Exception):
    """An action refused: bad input or a rule (the message is shown to the staff member)."""

    def __init__(self, message: str, *, status: int = 400) -> None:
        super().__init__(message)
        self.message, self.status = message, status


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ConsoleActionError("A reason is required.")
    if len(reason) > REASON_MAX:
        raise ConsoleActionError(f"The reason is at most {REASON_MAX} characters.")
    return reason


def _ledger(exc: LedgerError) -> ConsoleActionError:
    return ConsoleActionError(exc.message, status=exc.status if exc.status < 500 else 409)


# --- grants ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class GrantOutcome:
    grant: Grant
    pending: bool


def console_grant(
    *, staff: User, subject: User, amount_micros: int, reason: str, ticket: str, key: str, ip: str | None
) -> GrantOutcome:
    """Grant credits; above GRANT_APPROVAL_THRESHOLD_MICROS the grant waits for a second staff member."""
    reason, ticket = _reason(reason), (ticket or "").strip()
    if subject.pk == staff.pk:
        raise ConsoleActionError("You cannot grant credits to your own account.", status=403)
    if not ticket:
        raise ConsoleActionError("A ticket reference is required.")
    if amount_micros <= 0:
        raise ConsoleActionError("The amount must be positive.")
    try:
        with transaction.atomic():
            # A resubmitted form replays its grant (the ledger checks it is the same request): no second row.
            replay = Grant.objects.filter(key=f"console:{key}").exists()
            grant = credits_grant(
                wallet=wallet_get_for_user(user=subject),
                amount_micros=amount_micros,
                actor=staff,
                reason=reason,
                ticket=ticket,
                key=f"console:{key}",
            )
            pending = grant.status == GrantStatus.PENDING
            if replay:
                return GrantOutcome(grant, pending)
            audit_record(
                action="console.grant_request" if pending else "console.grant",
                actor=staff,
                subject=subject,
                reason=reason,
                target=f"grant:{grant.pk}",
                new={"amount_micros": amount_micros, "ticket": ticket, "status": grant.status},
                ip_address=ip,
            )
    except LedgerError as exc:
        raise _ledger(exc) from exc
    return GrantOutcome(grant, pending)


def console_grant_approve(*, staff: User, grant: Grant, reason: str, ip: str | None) -> Grant:
    """The second approver completes a pending grant: never the staff member who asked for it."""
    reason = _reason(reason)
    if grant.actor_id == staff.pk:
        raise ConsoleActionError("You cannot approve your own grant: another staff member must.", status=403)
    if grant.wallet.user_id == staff.pk:
        raise ConsoleActionError("You cannot approve a grant to your own account.", status=403)
    if grant.status != GrantStatus.PENDING:
        raise ConsoleActionError("This grant is not awaiting approval.", status=409)
    try:
        with transaction.atomic():
            approved = credits_grant_approve(grant=grant, approver=staff)
            audit_record(
                action="console.grant_approve",
                actor=staff,
                subject=approved.wallet.user,
                reason=reason,
                target=f"grant:{grant.pk}",
                old={"status": GrantStatus.PENDING.value, "requested_by": grant.actor_id},
                new={"status": approved.status, "amount_micros": approved.amount_micros},
                ip_address=ip,
            )
    except LedgerError as exc:
        raise _ledger(exc) from exc
    return approved


# --- refunds ---------------------------------------------------------------------------------------------


def console_refund(
    *, staff: User, purchase: Purchase, amount_micros: int, reason: str, key: str, ip: str | None
) -> str:
    """Refund (part of) a paid purchase through its gateway. Stripe's `charge.refunded` webhook books the
    clawback; the sandbox has no webhook, so its refund is recorded here the way that webhook would."""
    reason = _reason(reason)
    target = f"purchase:{purchase.public_id}"
    # The audit row is the console's record of a refund: a resubmitted form finds it and does nothing.
    done = AuditEvent.objects.filter(action="console.refund", target=target, new__request_key=key).first()
    if done is not None:
        return str(done.new["refund_id"])
    if purchase.status != PurchaseStatus.PAID or not purchase.payment_intent_id:
        raise ConsoleActionError("Only a paid purchase can be refunded.", status=409)
    charge = ChargeState.objects.filter(payment_intent_id=purchase.payment_intent_id).first()
    already = charge.refunded_micros_seen if charge else 0
    cents = micros_to_cents_floor(amount_micros)
    if cents <= 0 or cents_to_micros(cents) != amount_micros:
        raise ConsoleActionError("Refund a positive amount in whole cents.")
    if amount_micros > purchase.amount_micros - already:
        remaining = format_usd(purchase.amount_micros - already)
        raise ConsoleActionError(f"At most {remaining} of this purchase is left to refund.", status=409)
    gateway = gateway_get()
    if gateway.name != purchase.gateway:
        raise ConsoleActionError(f"This purchase was paid through {purchase.gateway}, not {gateway.name}.")
    try:
        refund_id = gateway.refund(payment_intent_id=purchase.payment_intent_id, amount_cents=cents, key=key)
    except PaymentGatewayError as exc:
        raise ConsoleActionError(f"The payment provider refused the refund: {exc}", status=502) from exc
    with transaction.atomic():
        if purchase.gateway == Gateway.SANDBOX:
            charge_refund_record(
                payment_intent_id=purchase.payment_intent_id,
                charge_id=refund_id,
                amount_refunded_cents=micros_to_cents_floor(already + amount_micros),
            )
        audit_record(
            action="console.refund",
            actor=staff,
            subject=purchase.user,
            reason=reason,
            target=target,
            old={"refunded_micros": already},
            new={
                "refund_micros": amount_micros,
                "refund_id": refund_id,
                "gateway": purchase.gateway,
                "request_key": key,  # the form's idempotency key (not a secret)
            },
            ip_address=ip,
        )
    return refund_id


# --- wallet, keys, devices -------------------------------------------------------------------------------


def console_wallet_set_frozen(
    *, staff: User, subject: User, frozen: bool, reason: str, key: str, ip: str | None
) -> LedgerAccount:
    reason = _reason(reason)
    wallet = wallet_get_for_user(user=subject)
    change = wallet_freeze if frozen else wallet_unfreeze
    try:
        with transaction.atomic():
            before = LedgerAccount.objects.select_for_update().get(pk=wallet.pk).status
            replay = WalletStatusChange.objects.filter(key=f"console:{key}").exists()
            after = change(wallet=wallet, reason=reason, key=f"console:{key}", actor=staff)
            if replay:
                return after
            audit_record(
                action="console.wallet_freeze" if frozen else "console.wallet_unfreeze",
                actor=staff,
                subject=subject,
                reason=reason,
                target=f"wallet:{wallet.pk}",
                old={"status": before},
                new={"status": after.status},
                ip_address=ip,
            )
    except LedgerError as exc:
        raise _ledger(exc) from exc
    return after


def console_key_revoke(
    *, staff: User, subject: User, key_public_id: Any, reason: str, ip: str | None
) -> ApiKey:
    reason = _reason(reason)
    if not ApiKey.objects.filter(user=subject, public_id=key_public_id).exists():
        raise ConsoleActionError("No such key for this user.", status=404)
    with transaction.atomic():
        api_key = ApiKey.objects.select_for_update().get(user=subject, public_id=key_public_id)
        was_revoked = api_key.revoked_at is not None
        api_key = api_key_revoke(user=subject, key_public_id=key_public_id)
        audit_record(
            action="console.key_revoke",
            actor=staff,
            subject=subject,
            reason=reason,
            target=f"api_key:{api_key.public_id}",
            old={"revoked": was_revoked, "prefix": api_key.prefix},
            new={"revoked": True},
            ip_address=ip,
        )
    return api_key


def console_devices_sign_out(*, staff: User, subject: User, reason: str, ip: str | None) -> int:
    """Sign the user out of every browser (their sessions are deleted, not only marked)."""
    reason = _reason(reason)
    with transaction.atomic():
        count = devices_revoke_others(user=subject, keep_session_key=None)
        audit_record(
            action="console.devices_sign_out",
            actor=staff,
            subject=subject,
            reason=reason,
            target=f"user:{subject.public_id}",
            new={"devices_signed_out": count},
            ip_address=ip,
        )
    return count


# --- hooks: hosted sessions and deletion requests --------------------------------------------------------


def _unavailable(exc: adapters.HookRefused) -> ConsoleActionError:
    return ConsoleActionError(str(exc), status=409)


def console_hosted_session_end(
    *, staff: User, subject: User, session_id: str, reason: str, ip: str | None
) -> None:
    reason = _reason(reason)
    try:
        with transaction.atomic():
            adapters.hosted_session_end(user=subject, session_id=session_id, reason=reason, staff=staff)
            audit_record(
                action="console.session_end",
                actor=staff,
                subject=subject,
                reason=reason,
                target=f"hosted_session:{session_id}"[:120],
                ip_address=ip,
            )
    except adapters.HookRefused as exc:
        raise _unavailable(exc) from exc


def console_deletion_hold(*, staff: User, subject: User, hold: bool, reason: str, ip: str | None) -> None:
    """Put the user's deletion request on a (legal) hold, or release it, through the privacy app. The
    privacy app writes its own `deletion.hold` / `deletion.hold_released` row (the state change); the
    console's row keeps who asked from the console and why (a release reason too)."""
    reason = _reason(reason)
    try:
        with transaction.atomic():
            if hold:
                adapters.deletion_hold(user=subject, reason=reason, staff=staff)
            else:
                adapters.deletion_release(user=subject, staff=staff)
            audit_record(
                action="console.deletion_hold" if hold else "console.deletion_release",
                actor=staff,
                subject=subject,
                reason=reason,
                target=f"user:{subject.public_id}",
                ip_address=ip,
            )
    except adapters.HookRefused as exc:
        raise _unavailable(exc) from exc


def grant_threshold_micros() -> int:
    return int(settings.GRANT_APPROVAL_THRESHOLD_MICROS)


def wallet_is_frozen(wallet: LedgerAccount | None) -> bool:
    return wallet is not None and wallet.status == AccountStatus.FROZEN
