"""Refunds and disputes (quality.md P5).

Stripe's charge and dispute events are recorded per PaymentIntent in `ChargeState`, whatever order they
arrive in, and then the state is *applied*: the amount to claw back is a target computed from the state
(everything if a dispute was lost, else the cumulative refund), and only the difference to what was
already clawed back is booked. A dispute that is open freezes the wallet (no new holds). Because the
target depends only on the state, every delivery order ends in the same ledger (S-04).
"""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils import timezone

from billing.models import AccountStatus, LedgerAccount
from billing.money import cents_to_micros
from billing.payments.models import AutoTopUp, ChargeState, DisputeStatus, Purchase, PurchaseStatus
from billing.payments.services.balance_watch import balance_watch_refresh, payments_after_balance_change

logger = logging.getLogger(__name__)


def _state_locked(payment_intent_id: str) -> ChargeState:
    ChargeState.objects.get_or_create(payment_intent_id=payment_intent_id)
    return ChargeState.objects.select_for_update().get(payment_intent_id=payment_intent_id)


@transaction.atomic
def charge_refund_record(
    *, payment_intent_id: str, charge_id: str, amount_refunded_cents: int
) -> ChargeState:
    """`charge.refunded`: `amount_refunded` is cumulative, so keep the highest value ever seen."""
    state = _state_locked(payment_intent_id)
    state.charge_id = state.charge_id or charge_id
    state.refunded_micros_seen = max(state.refunded_micros_seen, cents_to_micros(amount_refunded_cents))
    state.updated_at = timezone.now()
    state.save()
    charge_state_apply(state=state)
    return state


@transaction.atomic
def charge_dispute_record(
    *, payment_intent_id: str, charge_id: str, dispute_id: str, closed_status: str | None
) -> ChargeState:
    """`charge.dispute.created` (closed_status None) or `charge.dispute.closed` (Stripe's dispute status:
    `lost`, `won`, `warning_closed`, …). A closed dispute never re-opens, whatever arrives later."""
    state = _state_locked(payment_intent_id)
    state.charge_id = state.charge_id or charge_id
    state.dispute_id = state.dispute_id or dispute_id
    if closed_status is None:
        if state.dispute_status == DisputeStatus.NONE:
            state.dispute_status = DisputeStatus.OPEN
    elif closed_status == "lost":
        state.dispute_status = DisputeStatus.LOST
    elif state.dispute_status != DisputeStatus.LOST:
        # won, warning_closed: the money stays with us.
        state.dispute_status = DisputeStatus.WON
    state.updated_at = timezone.now()
    state.save()
    charge_state_apply(state=state)
    return state


def charge_state_lock_for_fulfilment(*, payment_intent_id: str | None) -> ChargeState | None:
    """Called at fulfilment *before* crediting: create-or-lock the payment's state row.

    Without it, a refund event recording a new state row while the fulfilment is still uncommitted would
    see the purchase unpaid and skip, and the fulfilment would not see the uncommitted row: a lost refund.
    With it, whichever comes second waits on the row and then sees the other's committed work.
    """
    return _state_locked(payment_intent_id) if payment_intent_id else None


def charge_state_apply_for_purchase(*, purchase: Purchase, state: ChargeState | None) -> None:
    """Called at fulfilment, after crediting: apply refunds/disputes recorded before it was paid."""
    if state is not None:
        charge_state_apply(state=state, purchase=purchase)


def charge_state_apply(*, state: ChargeState, purchase: Purchase | None = None) -> None:
    """Bring the ledger in line with the state. The caller holds the state's row lock."""
    from billing.selectors import wallet_get_for_user
    from billing.services import credits_clawback

    if purchase is None:
        purchase = Purchase.objects.filter(
            payment_intent_id=state.payment_intent_id, status=PurchaseStatus.PAID
        ).first()
    if purchase is None or purchase.status != PurchaseStatus.PAID:
        return  # applied when the purchase is fulfilled
    wallet = wallet_get_for_user(user=purchase.user)
    if state.dispute_status == DisputeStatus.LOST:
        target = purchase.amount_micros
    else:
        target = min(state.refunded_micros_seen, purchase.amount_micros)
    if target > state.clawed_back_micros:
        credits_clawback(
            wallet=wallet,
            payment_reference=purchase.payment_reference,
            amount_micros=target - state.clawed_back_micros,
            key=f"clawback:{state.payment_intent_id}:{target}",
        )
        state.clawed_back_micros = target
        # The low-balance e-mail, on commit. No immediate auto top-up: charging the card again the moment
        # its payment was refunded or disputed would undo the refund or repeat the disputed charge.
        payments_after_balance_change(user=purchase.user, allow_auto_topup=False)
        _auto_topup_suspend(
            user_id=purchase.user_id, reason="a payment on your account was refunded or disputed"
        )
    _freeze_or_unfreeze(state=state, wallet=wallet, user_id=purchase.user_id)
    state.updated_at = timezone.now()
    state.save()


def _freeze_or_unfreeze(*, state: ChargeState, wallet: LedgerAccount, user_id: int) -> None:
    from billing.services import wallet_freeze, wallet_unfreeze

    wants_freeze = state.dispute_status == DisputeStatus.OPEN
    if wants_freeze == state.wallet_frozen:
        return
    # Serialise every freeze decision of one user on the wallet row: two disputes closing at once must
    # not each see the other still open and both leave the wallet frozen.
    status = (
        LedgerAccount.objects.select_for_update().filter(pk=wallet.pk).values_list("status", flat=True).get()
    )
    if wants_freeze:
        _auto_topup_suspend(user_id=user_id, reason="a payment on your account is disputed")
        if status == AccountStatus.CLOSED:
            return  # nothing can be reserved on a closed wallet anyway
        wallet_freeze(
            wallet=wallet,
            reason=f"Stripe dispute {state.dispute_id} is open",
            key=f"dispute-freeze:{state.payment_intent_id}",
        )
        state.wallet_frozen = True
        return
    state.wallet_frozen = False
    others_open = (
        ChargeState.objects.filter(
            wallet_frozen=True,
            payment_intent_id__in=Purchase.objects.filter(user_id=user_id).values("payment_intent_id"),
        )
        .exclude(pk=state.pk)
        .exists()
    )
    if not others_open and status != AccountStatus.CLOSED:
        wallet_unfreeze(
            wallet=wallet,
            reason=f"Stripe dispute {state.dispute_id} closed ({state.dispute_status})",
            key=f"dispute-unfreeze:{state.payment_intent_id}",
        )


def _auto_topup_suspend(*, user_id: int, reason: str) -> None:
    """Turn auto top-up off after a refund or dispute, and say so by e-mail.

    The periodic balance sweep would otherwise charge the saved card again within minutes, undoing the
    refund or repeating the disputed charge. Turning it back on is the user's decision.
    """
    from billing.payments.tasks import send_payment_email

    switched = AutoTopUp.objects.filter(user_id=user_id, enabled=True).update(
        enabled=False, disabled_reason=f"Turned off because {reason}."[:500], updated_at=timezone.now()
    )
    if switched:
        balance_watch_refresh(user_id=user_id)
        transaction.on_commit(lambda: send_payment_email.delay("auto_topup_disabled", user_id, None))
