"""The deletion pipeline: one idempotent step at a time, resumable after a crash at any point.

Order (quality.md D1): first nobody can use the account any more (keys, tokens, devices, sessions), then
its hosted sessions end, its in-flight calls settle (or their holds are released), its files go, Stripe
forgets the customer, the remaining balance is forfeited with a ledger entry, and last the user row is
pseudonymised. The ledger, purchases and usage rows stay, pointing at the pseudonymised user.

`DeletionRequest.step` names the last step that completed. Each step's effect is idempotent, and its
audit row and the step marker commit together, so a crash before that commit repeats the step (harmlessly)
and a crash after it resumes with the next one. A step that cannot finish yet (calls still in flight)
raises StepPending: the periodic task runs the request again a minute later.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.emails import send_templated
from accounts.models import ApiKey, AuditEvent, Device, User
from accounts.services.audit import audit_record
from accounts.services.devices import devices_revoke_others
from billing.errors import HoldAlreadyResolved
from billing.models import AccountStatus, Grant, Hold, HoldStatus, WalletStatusChange
from billing.money import format_credits, format_usd
from billing.payments.gateway import gateway_get
from billing.payments.models import AutoTopUp, LowBalanceAlert, Purchase, StripeCustomer, StripeEvent
from billing.selectors import wallet_get_for_user
from billing.services import forfeit_balance, hold_release, wallet_freeze
from nodes.models import IdempotencyRecord, JobState, ProxyJob, UsageRecord, UsageStatus
from privacy.hooks import hosted_sessions_end_all
from privacy.models import DataExport, DeletionRequest, DeletionStatus
from privacy.selectors import open_disputes_count, uploads_for_user, uploads_prefix

logger = logging.getLogger(__name__)

LEASE = timedelta(minutes=10)
PSEUDONYM_DOMAIN = "deleted.invalid"  # RFC 2606: can never be a real mailbox
# Stripe payload fields that carry a person's contact details (checkout sessions, charges, customers).
_STRIPE_PERSONAL_KEYS = frozenset(
    {
        "email",
        "name",
        "phone",
        "address",
        "customer_email",
        "customer_details",
        "billing_details",
        "shipping",
        "shipping_details",
        "receipt_email",
    }
)


class StepPending(Exception):  # noqa: N818 (a state, not an error)
    """The step cannot finish yet; the request stays at the previous step and runs again later."""


Step = Callable[[DeletionRequest, User], dict[str, Any]]


def pseudonym_email(user: User) -> str:
    return f"deleted-{user.public_id.hex}@{PSEUDONYM_DOMAIN}"


# --- the steps ------------------------------------------------------------------------------------------


def revoke_access(request: DeletionRequest, user: User) -> dict[str, Any]:
    """Keys revoked, devices signed out (their sessions deleted), platform tokens dead, no sign-in."""
    now = timezone.now()
    keys = ApiKey.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=now)
    devices = devices_revoke_others(user=user, keep_session_key=None)
    # An unusable password changes the session auth hash: every other session and every bearer token
    # minted from one stops working too. is_active=False refuses sign-in and password reset.
    user.set_unusable_password()
    user.is_active = False
    user.save(update_fields=["password", "is_active"])
    return {"api_keys_revoked": keys, "devices_signed_out": devices}


def end_hosted_sessions(request: DeletionRequest, user: User) -> dict[str, Any]:
    return {"hosted_sessions_ended": hosted_sessions_end_all(user=user)}


def settle_holds(request: DeletionRequest, user: User) -> dict[str, Any]:
    """No new holds (the wallet is frozen); wait for in-flight calls to settle, then release what is left."""
    wallet = wallet_get_for_user(user=user)
    if wallet.status == AccountStatus.ACTIVE:
        wallet_freeze(wallet=wallet, reason="account deletion", key=f"deletion:{request.public_id}:freeze")
    now = timezone.now()
    open_holds = list(Hold.objects.filter(wallet=wallet, status=HoldStatus.OPEN).order_by("id"))
    if open_holds:
        wait_until = request.holds_wait_until
        if wait_until is None:
            wait_until = now + timedelta(seconds=settings.DELETION_HOLDS_WAIT_SECONDS)
            DeletionRequest.objects.filter(pk=request.pk).update(holds_wait_until=wait_until)
            request.holds_wait_until = wait_until
        if now < wait_until:
            raise StepPending(f"Waiting for {len(open_holds)} call(s) in flight to settle.")
    released = 0
    for hold in open_holds:
        try:
            hold_release(hold=hold, reason="account deleted")
            released += 1
        except HoldAlreadyResolved:
            continue  # it settled meanwhile: that resolution won
    _close_released_usage(wallet_id=wallet.pk)
    return {"holds_released": released}


def _close_released_usage(*, wallet_id: int) -> int:
    """Usage rows whose hold this deletion released while the vendor call was still in flight.

    When the call comes back, the engine finds its hold already released and leaves the row as it is; so
    the row is finished here: not charged, and marked as work the vendor may still bill us for. Runs on
    every pass of the step (idempotent), so a crash between a release and this update is made good.
    """
    now = timezone.now()
    stranded = UsageRecord.objects.filter(
        hold__wallet_id=wallet_id,
        hold__status=HoldStatus.RELEASED,
        status__in=[UsageStatus.PENDING, UsageStatus.SUBMITTED],
    )
    ids = list(stranded.values_list("pk", flat=True))
    if not ids:
        return 0
    ProxyJob.objects.filter(usage_id__in=ids, state=JobState.OPEN).update(
        state=JobState.SETTLED, settled_at=now
    )
    return UsageRecord.objects.filter(
        pk__in=ids, status__in=[UsageStatus.PENDING, UsageStatus.SUBMITTED]
    ).update(
        status=UsageStatus.UNKNOWN,
        charged_micros=0,
        upstream_may_bill=True,
        message="Not charged: the account was deleted while this call was in flight.",
        completed_at=now,
    )


def delete_uploads(request: DeletionRequest, user: User) -> dict[str, Any]:
    paths = uploads_for_user(user=user)
    for path in paths:
        default_storage.delete(path)
    _remove_empty_folders(uploads_prefix(user=user))
    return {"files_deleted": len(paths)}


def _remove_empty_folders(prefix: str) -> None:
    """A file-system storage keeps the emptied folders; remove them (other storages have no folders)."""
    try:
        root = default_storage.path(prefix)
    except NotImplementedError:
        return
    if not os.path.isdir(root):  # noqa: PTH112 (a storage path, a plain string)
        return
    for folder, _, _ in sorted(os.walk(root), key=lambda entry: -len(entry[0])):  # deepest first
        try:
            os.rmdir(folder)  # noqa: PTH106
        except OSError:
            continue  # not empty: something arrived meanwhile; the next run deletes it


def close_stripe_customer(request: DeletionRequest, user: User) -> dict[str, Any]:
    """Auto top-up and low-balance e-mails off; the Stripe customer (and its saved cards) deleted."""
    topups = AutoTopUp.objects.filter(user=user, enabled=True).update(
        enabled=False, disabled_reason="account deleted", updated_at=timezone.now()
    )
    LowBalanceAlert.objects.filter(user=user).update(enabled=False)
    customer = StripeCustomer.objects.filter(user=user).first()
    if customer is None:
        return {"auto_topup_disabled": bool(topups), "stripe_customer_deleted": False}
    if not customer.stripe_customer_id.startswith("cus_sandbox_"):
        gateway_get().delete_customer(customer_id=customer.stripe_customer_id)  # no transaction open
    customer.delete()
    return {"auto_topup_disabled": bool(topups), "stripe_customer_deleted": True}


def forfeit(request: DeletionRequest, user: User) -> dict[str, Any]:
    """Close the wallet; what is left goes to the `forfeited` house account with one recorded entry."""
    result = forfeit_balance(
        wallet=wallet_get_for_user(user=user), reason="account deleted", key=f"deletion:{request.public_id}"
    )
    DeletionRequest.objects.filter(pk=request.pk).update(forfeited_micros=result.forfeited_micros)
    return {"forfeited_micros": result.forfeited_micros, "wallet_status": result.wallet.status}


def pseudonymise(request: DeletionRequest, user: User) -> dict[str, Any]:
    """Replace the e-mail and name, drop IP addresses and user agents, scrub every copy of the address.

    The export archives (which hold the address) are deleted first, outside the transaction; the rest is
    one transaction, so a crash leaves either the original rows (the step runs again) or none.
    """
    exports = list(DataExport.objects.filter(user=user).exclude(file_path=""))
    for export in exports:
        default_storage.delete(export.file_path)
    address, alias = user.email, pseudonym_email(user)
    with transaction.atomic():
        scrubbed = _scrub_copies(user=user, address=address, alias=alias)
        DataExport.objects.filter(user=user).delete()
        Device.objects.filter(user=user).update(ip_address=None, user_agent="")
        AuditEvent.objects.filter(Q(subject=user) | Q(actor=user)).update(ip_address=None)
        IdempotencyRecord.objects.filter(user=user).delete()
        User.objects.filter(pk=user.pk).update(email=alias, name="", email_verified_at=None, is_active=False)
        if address != alias:  # a re-run after this commit finds the alias: the farewell went once
            _farewell_on_commit(address=address, request=request)
    user.email, user.name = alias, ""
    return {"exports_deleted": len(exports), "copies_scrubbed": scrubbed}


def _farewell_on_commit(*, address: str, request: DeletionRequest) -> None:
    """The last e-mail to the old address: what was deleted, forfeited and kept. Its address lives only in
    this closure; nothing of it is written anywhere once the step has committed."""
    forfeited = (
        DeletionRequest.objects.filter(pk=request.pk).values_list("forfeited_micros", flat=True).get() or 0
    )
    context = {
        "forfeited_micros": forfeited,
        "forfeited_credits": format_credits(forfeited),
        "forfeited_usd": format_usd(forfeited),
        "retention_years": settings.ACCOUNTING_RETENTION_YEARS,
    }
    transaction.on_commit(
        lambda: send_templated(to=address, template="privacy/deletion_completed", context=context)
    )


def _scrub_copies(*, user: User, address: str, alias: str) -> int:
    """Other places the address may have been written: Stripe payloads, free-text reasons, the admin's
    change log, the sign-in throttle's records."""
    count = _scrub_stripe_events(user=user, address=address)
    for model, fields in (
        (AuditEvent, ("reason",)),
        (Grant, ("reason", "ticket")),
        (WalletStatusChange, ("reason",)),
        (Purchase, ("failure_reason",)),
        (DeletionRequest, ("hold_reason",)),
    ):
        for field in fields:
            for row in model.objects.filter(**{f"{field}__icontains": address}):
                setattr(row, field, _replace(getattr(row, field), address, alias))
                row.save(update_fields=[field])
                count += 1
    user_type = ContentType.objects.get_for_model(User)
    for entry in LogEntry.objects.filter(
        content_type=user_type, object_id=str(user.pk)
    ) | LogEntry.objects.filter(object_repr__icontains=address):
        entry.object_repr = _replace(entry.object_repr, address, alias)
        entry.change_message = _replace(entry.change_message, address, alias)
        entry.save(update_fields=["object_repr", "change_message"])
        count += 1
    count += _scrub_axes(address)
    return count


def _replace(text: str, address: str, alias: str) -> str:
    lowered, needle = text.lower(), address.lower()
    out, start = [], 0
    while (found := lowered.find(needle, start)) >= 0:
        out.extend([text[start:found], alias])
        start = found + len(needle)
    return "".join([*out, text[start:]])


def _scrub_stripe_events(*, user: User, address: str) -> int:
    references = [
        ref
        for pair in Purchase.objects.filter(user=user).values_list("checkout_session_id", "payment_intent_id")
        for ref in pair
        if ref
    ]
    match = Q(payload__icontains=address)
    for ref in references:
        match |= Q(payload__icontains=ref)
    count = 0
    for event in StripeEvent.objects.filter(match).only("pk", "payload"):
        event.payload = _redact_json(event.payload, address)
        event.save(update_fields=["payload"])
        count += 1
    return count


def _redact_json(value: Any, address: str) -> Any:
    if isinstance(value, dict):
        return {k: None if k in _STRIPE_PERSONAL_KEYS else _redact_json(v, address) for k, v in value.items()}
    if isinstance(value, list):
        return [_redact_json(item, address) for item in value]
    if isinstance(value, str) and address.lower() in value.lower():
        return "[redacted]"
    return value


def _scrub_axes(address: str) -> int:
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog

    return sum(
        model.objects.filter(username__iexact=address).delete()[0]
        for model in (AccessAttempt, AccessLog, AccessFailureLog)
    )


STEPS: list[tuple[str, Step]] = [
    ("revoke_access", revoke_access),
    ("end_hosted_sessions", end_hosted_sessions),
    ("settle_holds", settle_holds),
    ("delete_uploads", delete_uploads),
    ("close_stripe_customer", close_stripe_customer),
    ("forfeit_balance", forfeit),
    ("pseudonymise", pseudonymise),
]
STEP_NAMES = [name for name, _ in STEPS]
_STEP_LABELS = {
    "revoke_access": "API keys, devices and sign-in revoked",
    "end_hosted_sessions": "Hosted sessions ended",
    "settle_holds": "Calls in flight settled",
    "delete_uploads": "Uploaded files deleted",
    "close_stripe_customer": "Auto top-up off, Stripe customer deleted",
    "forfeit_balance": "Balance forfeited",
    "pseudonymise": "Personal data pseudonymised",
}


def step_label(name: str) -> str:
    return _STEP_LABELS.get(name, name)


# --- the runner -----------------------------------------------------------------------------------------


def _claim(request: DeletionRequest, now: datetime) -> bool:
    """Take the request for one run: due (or already running), not on hold, not leased by another run."""
    due = Q(status=DeletionStatus.SCHEDULED, due_at__lte=now) | Q(status=DeletionStatus.RUNNING)
    free = Q(lease_until__isnull=True) | Q(lease_until__lt=now)
    return (
        DeletionRequest.objects.filter(due & free, pk=request.pk).update(
            status=DeletionStatus.RUNNING,
            started_at=Coalesce(F("started_at"), now),
            lease_until=now + LEASE,
            attempts=F("attempts") + 1,
        )
        == 1
    )


def _record_step(request: DeletionRequest, user: User, name: str, details: dict[str, Any]) -> None:
    """The step's audit row and its marker, in one transaction (what makes a step count as done)."""
    with transaction.atomic():
        audit_record(
            action=f"deletion.step.{name}",
            subject=user,
            target=f"deletion:{request.public_id}",
            new=details,
        )
        DeletionRequest.objects.filter(pk=request.pk).update(step=name, last_error="")
    request.step = name


def _complete(request: DeletionRequest, user: User) -> None:
    with transaction.atomic():
        done = DeletionRequest.objects.filter(pk=request.pk, status=DeletionStatus.RUNNING).update(
            status=DeletionStatus.COMPLETED, completed_at=timezone.now(), lease_until=None
        )
        if done:
            audit_record(
                action="deletion.completed",
                subject=user,
                target=f"deletion:{request.public_id}",
                new={"forfeited_micros": request.forfeited_micros or 0},
            )


def _note(request: DeletionRequest, message: str) -> None:
    DeletionRequest.objects.filter(pk=request.pk).update(last_error=message[:500], lease_until=None)


def _remaining(step: str) -> list[tuple[str, Step]]:
    return STEPS[STEP_NAMES.index(step) + 1 :] if step else STEPS


def deletion_run(*, request: DeletionRequest, now: datetime | None = None) -> DeletionRequest:
    """Run the request's pipeline from where it stands, as far as it can go now. Safe to call any time:
    a request that is not due, on hold, finished, or being run elsewhere is left alone."""
    now = now or timezone.now()
    if (
        request.step == ""
        and request.status == DeletionStatus.SCHEDULED
        and open_disputes_count(user=request.user)
    ):
        _note(request, "Waiting: a payment dispute is open on this account.")
        return _fresh(request)
    if not _claim(request, now):
        return _fresh(request)
    request = _fresh(request)
    user = User.objects.get(pk=request.user_id)
    try:
        for name, step in _remaining(request.step):
            status = DeletionRequest.objects.filter(pk=request.pk).values_list("status", flat=True).get()
            if status != DeletionStatus.RUNNING:  # put on hold meanwhile
                return _fresh(request)
            try:
                details = step(request, user)
            except StepPending as pending:
                _note(request, str(pending))
                return _fresh(request)
            _record_step(request, user, name, details)
        _complete(request, user)
    except Exception as exc:
        # Only the type and the step go to the log and the row: a message might quote personal data.
        logger.error(  # noqa: TRY400 (no traceback: its messages might quote personal data)
            "Deletion %s failed after step %r: %s", request.public_id, request.step or "-", type(exc).__name__
        )
        _note(request, f"{type(exc).__name__} after step {request.step or '-'}; retried on the next run.")
        raise
    DeletionRequest.objects.filter(pk=request.pk).update(lease_until=None)
    return _fresh(request)


def deletion_run_now(*, request: DeletionRequest) -> DeletionRequest:
    """Skip what is left of the grace period (an operator's `--now`, or /admin/'s "Delete now") and run."""
    DeletionRequest.objects.filter(pk=request.pk, status=DeletionStatus.SCHEDULED).update(
        due_at=timezone.now()
    )
    return deletion_run(request=_fresh(request))


def _fresh(request: DeletionRequest) -> DeletionRequest:
    return DeletionRequest.objects.select_related("user").get(pk=request.pk)


def deletions_run_due(*, now: datetime | None = None) -> int:
    """The periodic task: run every request whose grace period is over, and every unfinished run."""
    now = now or timezone.now()
    due = DeletionRequest.objects.filter(
        Q(status=DeletionStatus.SCHEDULED, due_at__lte=now) | Q(status=DeletionStatus.RUNNING)
    ).order_by("due_at", "id")
    ran = 0
    for request in due:
        try:
            deletion_run(request=request, now=now)
        except Exception:  # noqa: BLE001, S112 - logged by deletion_run; the others must still run
            continue
        ran += 1
    return ran
