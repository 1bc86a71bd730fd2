"""Money in and back out by payment: purchases, support grants (with a second approver above the
threshold) and clawbacks for refunds and disputes (quality.md L8)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from accounts.models import User
from billing.errors import GrantNotPermitted, InvalidLedgerRequest
from billing.models import Grant, GrantStatus, HouseAccount, LedgerAccount, LedgerTransaction
from billing.models import TransactionCode as Code
from billing.money import micros_to_cents_floor
from billing.services._common import (
    ACCOUNT_TABLE,
    book,
    busy_means_retry,
    check_replay,
    request_hash,
    require_key,
    require_positive,
    wallet_post,
)
from billing.services.events import event_insert
from comfyweb.sql import insert_or_conflict

_FUNDING = {"stripe": HouseAccount.STRIPE_FUNDING, "sandbox": HouseAccount.SANDBOX_FUNDING}


def _credit_added(wallet: LedgerAccount, txn: LedgerTransaction, amount_micros: int) -> None:
    if wallet.user_id is None:
        return
    event_insert(
        user_id=wallet.user_id,
        event_type="credit_added",
        params={"amount": micros_to_cents_floor(amount_micros), "transaction_id": txn.pk, "kind": txn.code},
        key=f"credit_added:{txn.code}:{txn.pk}",
    )


@busy_means_retry
def credits_purchase(
    *,
    wallet: LedgerAccount,
    amount_micros: int,
    payment_reference: str,
    source: Literal["stripe", "sandbox"],
    key: str,
) -> LedgerTransaction:
    """Credit a paid amount once per key (the Checkout Session or PaymentIntent id)."""
    require_positive(amount_micros)
    require_key(key)
    if source not in _FUNDING or not payment_reference:
        raise InvalidLedgerRequest("A purchase needs a payment reference and a source (stripe or sandbox).")
    fingerprint = request_hash("purchase", wallet.pk, amount_micros, payment_reference, source)
    txn = LedgerTransaction(
        code=Code.PURCHASE,
        key=key,
        request_hash=fingerprint,
        wallet_id=wallet.pk,
        payment_reference=payment_reference[:200],
        source=source,
        memo=f"{source} payment",
    )
    with transaction.atomic():
        if not insert_or_conflict(txn):
            existing = LedgerTransaction.objects.get(code=Code.PURCHASE, key=key)
            check_replay(existing.request_hash, fingerprint)
            return existing
        leg = wallet_post(wallet_id=wallet.pk, delta_micros=amount_micros)
        book(txn.pk, txn.created_at, wallet_leg=leg, house_legs=[(_FUNDING[source], -amount_micros)])
        _credit_added(wallet, txn, amount_micros)
    return txn


def _check_staff(user: User | None, role: str) -> None:
    if user is not None and not (user.is_staff and user.is_active):
        raise GrantNotPermitted(f"Only active staff can {role} a grant.")


@busy_means_retry
def credits_grant(
    *,
    wallet: LedgerAccount,
    amount_micros: int,
    actor: User | None,
    reason: str,
    ticket: str,
    key: str,
    approver: User | None = None,
) -> Grant:
    """Grant credits with who, why and which ticket. `actor=None` is the system (a management command).

    Above settings.GRANT_APPROVAL_THRESHOLD_MICROS the grant waits for a second, different staff member
    (pass `approver`, or call `credits_grant_approve` later) and returns with status "pending".
    """
    require_positive(amount_micros)
    require_key(key)
    reason, ticket = reason.strip(), ticket.strip()
    if not reason or not ticket:
        raise InvalidLedgerRequest("A grant needs a reason and a ticket.")
    _check_staff(actor, "make")
    fingerprint = request_hash("grant", wallet.pk, amount_micros, reason, ticket, actor.pk if actor else None)
    grant = Grant(
        wallet_id=wallet.pk,
        key=key,
        request_hash=fingerprint,
        amount_micros=amount_micros,
        actor=actor,
        reason=reason[:500],
        ticket=ticket[:100],
        status=GrantStatus.PENDING,
    )
    with transaction.atomic():
        if not insert_or_conflict(grant):
            existing = Grant.objects.get(key=key)
            check_replay(existing.request_hash, fingerprint)
            return existing
        if amount_micros <= settings.GRANT_APPROVAL_THRESHOLD_MICROS:
            _grant_complete(grant, approver=None)
        elif approver is not None:
            _check_approver(grant, approver)
            _grant_complete(grant, approver=approver)
    return grant


def _check_approver(grant: Grant, approver: User) -> None:
    _check_staff(approver, "approve")
    if approver.pk == grant.actor_id:
        raise GrantNotPermitted("A grant above the threshold needs a second, different staff member.")


def _grant_complete(grant: Grant, *, approver: User | None) -> None:
    txn = LedgerTransaction(
        code=Code.GRANT,
        key=grant.key,
        request_hash=grant.request_hash,
        wallet_id=grant.wallet_id,
        memo=f"{grant.reason} (ticket {grant.ticket})"[:500],
    )
    txn.save(force_insert=True)
    leg = wallet_post(wallet_id=grant.wallet_id, delta_micros=grant.amount_micros)
    book(
        txn.pk,
        txn.created_at,
        wallet_leg=leg,
        house_legs=[(HouseAccount.SUPPORT_GRANTS, -grant.amount_micros)],
    )
    grant.status, grant.transaction, grant.approver = GrantStatus.COMPLETED, txn, approver
    grant.approved_at = timezone.now() if approver else None
    grant.save(update_fields=["status", "transaction", "approver", "approved_at"])
    _credit_added(grant.wallet, txn, grant.amount_micros)


@busy_means_retry
def credits_grant_approve(*, grant: Grant, approver: User) -> Grant:
    """Complete a pending grant; approving a completed grant again changes nothing."""
    with transaction.atomic():
        locked = Grant.objects.select_for_update(of=("self",)).select_related("wallet").get(pk=grant.pk)
        if locked.status == GrantStatus.COMPLETED:
            return locked
        _check_approver(locked, approver)
        _grant_complete(locked, approver=approver)
    return locked


@dataclass(frozen=True)
class ClawbackResult:
    transaction: LedgerTransaction
    clawed_micros: int  # taken from the wallet's available credits
    loss_micros: int  # already spent or held: booked to chargeback_loss


@busy_means_retry
def credits_clawback(
    *, wallet: LedgerAccount, payment_reference: str, amount_micros: int, key: str
) -> ClawbackResult:
    """Take back a refunded or disputed payment: up to the available credits, the rest is our loss.

    The wallet never goes below zero and open holds are left alone (they were made in good faith).
    """
    require_positive(amount_micros)
    require_key(key)
    if not payment_reference:
        raise InvalidLedgerRequest("A clawback needs the payment reference it reverses.")
    fingerprint = request_hash("clawback", wallet.pk, payment_reference, amount_micros)
    txn = LedgerTransaction(
        code=Code.CLAWBACK,
        key=key,
        request_hash=fingerprint,
        wallet_id=wallet.pk,
        payment_reference=payment_reference[:200],
        memo="refund or dispute",
    )
    with transaction.atomic():
        if not insert_or_conflict(txn):
            existing = LedgerTransaction.objects.get(code=Code.CLAWBACK, key=key)
            check_replay(existing.request_hash, fingerprint)
            return _clawback_result(existing)
        available = _lock_available(wallet.pk)
        taken = min(amount_micros, max(available, 0))
        leg = wallet_post(wallet_id=wallet.pk, delta_micros=-taken, allow_closed=True) if taken else None
        book(
            txn.pk,
            txn.created_at,
            wallet_leg=leg,
            house_legs=[
                (_funding_of(payment_reference), amount_micros),
                (HouseAccount.CHARGEBACK_LOSS, -(amount_micros - taken)),
            ],
        )
    return ClawbackResult(txn, taken, amount_micros - taken)


def _lock_available(wallet_id: int) -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT balance_micros - held_micros FROM {ACCOUNT_TABLE} WHERE id = %s"  # noqa: S608
            # FOR NO KEY UPDATE, like the UPDATE that follows: it does not block the foreign-key checks
            # of concurrent hold inserts. SQLite has no row locks; BEGIN IMMEDIATE serialises writers.
            + (" FOR NO KEY UPDATE" if connection.vendor == "postgresql" else ""),
            [wallet_id],
        )
        row = cursor.fetchone()
    if row is None:
        raise InvalidLedgerRequest("No such wallet.")
    return int(row[0])


def _funding_of(payment_reference: str) -> HouseAccount:
    """Reverse into the funding account the original purchase came from (sandbox stays sandbox)."""
    source = (
        LedgerTransaction.objects.filter(code=Code.PURCHASE, payment_reference=payment_reference)
        .values_list("source", flat=True)
        .first()
    )
    return HouseAccount.SANDBOX_FUNDING if source == "sandbox" else HouseAccount.STRIPE_FUNDING


def _clawback_result(txn: LedgerTransaction) -> ClawbackResult:
    wallet_leg = txn.entries.filter(account_id=txn.wallet_id).values_list("amount_micros", flat=True).first()
    taken = -(wallet_leg or 0)
    total = (
        txn.entries.filter(account__code__in=[HouseAccount.STRIPE_FUNDING, HouseAccount.SANDBOX_FUNDING])
        .values_list("amount_micros", flat=True)
        .first()
    ) or 0
    return ClawbackResult(txn, taken, total - taken)
