"""The credit ledger: accounts (user wallets and house accounts), append-only double-entry transactions,
two-phase holds, support grants, wallet status changes and the customer event feed.

Amounts are integer micro-USD (`*_micros`). The database enforces what must never be false: a user wallet
never goes below zero, not even counting its holds (CheckConstraints); entries and transactions are never
updated or deleted, and every transaction sums to zero (PostgreSQL triggers); every money-moving operation
has a key that is unique in the database.
"""

from __future__ import annotations

from typing import Any

import pgtrigger
from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone


class AccountKind(models.TextChoices):
    USER = "user", "User wallet"
    HOUSE = "house", "House account"


class AccountStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    FROZEN = "frozen", "Frozen"
    CLOSED = "closed", "Closed"


class HouseAccount(models.TextChoices):
    """The platform's own accounts. They may go negative (funding sources are negative by nature)."""

    STRIPE_FUNDING = "stripe_funding", "Stripe funding"
    SANDBOX_FUNDING = "sandbox_funding", "Sandbox funding (test mode)"
    USAGE_REVENUE = "usage_revenue", "Usage revenue"
    SUPPORT_GRANTS = "support_grants", "Support grants"
    CHARGEBACK_LOSS = "chargeback_loss", "Chargeback loss"
    FORFEITED = "forfeited", "Forfeited credits"


class LedgerAccount(models.Model):
    """A user's wallet (kind=user, one per user) or a house account (kind=house, one per code).

    `balance_micros`, `held_micros` and `version` are a cache of the entries and the open holds, kept
    in step in the same transaction and checked by `manage.py ledger_check`. House accounts are booked
    without touching their row (a hot house row would serialise every capture, quality.md L-09): their
    balance is the sum of their entries, and their cached columns stay 0.
    """

    kind = models.CharField(max_length=8, choices=AccountKind.choices)
    code = models.CharField(max_length=32, choices=HouseAccount.choices, null=True, blank=True, unique=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,  # accounts are closed, never deleted (quality.md L4)
        null=True,
        blank=True,
        related_name="wallet",
    )
    status = models.CharField(max_length=8, choices=AccountStatus.choices, default=AccountStatus.ACTIVE)
    balance_micros = models.BigIntegerField(default=0)
    held_micros = models.BigIntegerField(default=0)
    version = models.BigIntegerField(default=0)
    # The highest available balance something watches for (a low-balance e-mail, auto top-up), kept by
    # billing.payments. A capture that leaves available below it asks for the checks at once; others skip
    # them (a stale value only costs an extra check, or waits for the five-minute sweep).
    watch_below_micros = models.BigIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=[AccountKind.USER, AccountKind.HOUSE]), name="account_kind_valid"
            ),
            models.CheckConstraint(condition=Q(watch_below_micros__gte=0), name="account_watch_not_negative"),
            models.CheckConstraint(
                condition=Q(status__in=[s.value for s in AccountStatus]), name="account_status_valid"
            ),
            models.CheckConstraint(
                condition=(Q(kind=AccountKind.USER, user__isnull=False, code__isnull=True))
                | Q(kind=AccountKind.HOUSE, user__isnull=True, code__isnull=False),
                name="account_owner_matches_kind",
            ),
            # L2: available = balance - held never below zero on a user wallet.
            models.CheckConstraint(
                condition=Q(kind=AccountKind.HOUSE)
                | Q(balance_micros__gte=0, held_micros__gte=0, held_micros__lte=F("balance_micros")),
                name="wallet_available_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(kind=AccountKind.USER) | Q(held_micros=0, balance_micros=0, version=0),
                name="house_account_row_untouched",
            ),
        ]
        triggers = [
            pgtrigger.Protect(name="account_protect_delete", operation=pgtrigger.Delete),
        ]

    def __str__(self) -> str:
        return self.code or f"wallet:{self.user_id}"

    @property
    def available_micros(self) -> int:
        return self.balance_micros - self.held_micros


# The name the other workstreams use for a user's account (interfaces.md).
Wallet = LedgerAccount


class TransactionCode(models.TextChoices):
    """Why money moved (L8): in only by purchase or grant; out only by capture, clawback or forfeit."""

    PURCHASE = "purchase", "Purchase"
    GRANT = "grant", "Support grant"
    CAPTURE = "capture", "Usage"
    CLAWBACK = "clawback", "Clawback"
    FORFEIT = "forfeit", "Forfeit"


class LedgerTransaction(models.Model):
    """One balanced movement of money. Append-only: corrections are new transactions."""

    code = models.CharField(max_length=16, choices=TransactionCode.choices)
    # Unique per code: the Stripe Checkout Session / event id, the grant key, the hold id, … (L5).
    key = models.CharField(max_length=200)
    request_hash = models.CharField(max_length=64)
    wallet = models.ForeignKey(LedgerAccount, on_delete=models.PROTECT, related_name="transactions")
    payment_reference = models.CharField(max_length=200, blank=True)
    source = models.CharField(max_length=16, blank=True)
    hold = models.OneToOneField(
        "Hold", on_delete=models.PROTECT, null=True, blank=True, related_name="capture_transaction"
    )
    memo = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["code", "key"], name="ledger_txn_code_key_unique"),
            models.CheckConstraint(
                condition=Q(code__in=[c.value for c in TransactionCode]), name="ledger_txn_code_valid"
            ),
            # Provenance (L8): each code carries what it must.
            models.CheckConstraint(
                condition=~Q(code__in=[TransactionCode.PURCHASE, TransactionCode.CLAWBACK])
                | ~Q(payment_reference=""),
                name="ledger_txn_payment_has_reference",
            ),
            models.CheckConstraint(
                condition=~Q(code=TransactionCode.CAPTURE) | Q(hold__isnull=False),
                name="ledger_txn_capture_has_hold",
            ),
        ]
        indexes = [models.Index(fields=["wallet", "created_at", "id"], name="ledger_txn_wallet_time_idx")]
        triggers = [
            pgtrigger.Protect(name="ledger_txn_append_only", operation=pgtrigger.Update | pgtrigger.Delete),
        ]

    def __str__(self) -> str:
        return f"{self.code}:{self.key}"


_ZERO_SUM_FUNC = """
IF (SELECT COALESCE(SUM(amount_micros), 0) FROM {meta.db_table}
    WHERE transaction_id = NEW.transaction_id) <> 0 THEN
    RAISE EXCEPTION 'ledger transaction % does not sum to zero', NEW.transaction_id
        USING ERRCODE = 'check_violation';
END IF;
RETURN NULL;
"""


class LedgerEntry(models.Model):
    """One leg of a transaction: `amount_micros` > 0 credits the account, < 0 debits it.

    For a user wallet the leg also records the balance before and after and the wallet's version (L3),
    so the history can be audited row by row. House legs leave them empty (see LedgerAccount).
    """

    transaction = models.ForeignKey(LedgerTransaction, on_delete=models.PROTECT, related_name="entries")
    account = models.ForeignKey(LedgerAccount, on_delete=models.PROTECT, related_name="entries")
    amount_micros = models.BigIntegerField()
    balance_before_micros = models.BigIntegerField(null=True, blank=True)
    balance_after_micros = models.BigIntegerField(null=True, blank=True)
    account_version = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name_plural = "ledger entries"
        constraints = [
            models.CheckConstraint(condition=~Q(amount_micros=0), name="ledger_entry_amount_nonzero"),
            models.CheckConstraint(
                condition=Q(balance_before_micros__isnull=True, account_version__isnull=True)
                | Q(balance_after_micros=F("balance_before_micros") + F("amount_micros")),
                name="ledger_entry_balance_chain",
            ),
            models.UniqueConstraint(
                fields=["account", "account_version"],
                condition=Q(account_version__isnull=False),
                name="ledger_entry_account_version_unique",
            ),
        ]
        indexes = [models.Index(fields=["account", "created_at", "id"], name="ledger_entry_account_time_idx")]
        triggers = [
            pgtrigger.Protect(name="ledger_entry_append_only", operation=pgtrigger.Update | pgtrigger.Delete),
            # L1 at commit time: a transaction whose legs do not sum to zero cannot be committed.
            pgtrigger.Trigger(
                name="ledger_entry_zero_sum",
                when=pgtrigger.After,
                operation=pgtrigger.Insert,
                timing=pgtrigger.Deferred,
                func=pgtrigger.Func(_ZERO_SUM_FUNC),  # type: ignore[no-untyped-call]
            ),
        ]

    def __str__(self) -> str:
        return f"{self.account_id}:{self.amount_micros:+d}"


class HoldStatus(models.TextChoices):
    OPEN = "open", "Open"
    CAPTURED = "captured", "Captured"
    RELEASED = "released", "Released"
    EXPIRED = "expired", "Expired"


class Hold(models.Model):
    """A two-phase reservation on a wallet. It resolves exactly once: captured, released or expired."""

    wallet = models.ForeignKey(LedgerAccount, on_delete=models.PROTECT, related_name="holds")
    key = models.CharField(max_length=200, unique=True)
    request_hash = models.CharField(max_length=64)
    amount_micros = models.BigIntegerField()
    captured_micros = models.BigIntegerField(default=0)
    status = models.CharField(max_length=8, choices=HoldStatus.choices, default=HoldStatus.OPEN)
    memo = models.CharField(max_length=500, blank=True)
    expires_at = models.DateTimeField()
    created_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolution_reason = models.CharField(max_length=200, blank=True)

    # Not a column: set by hold_capture when the capture left the wallet's available balance below its
    # `watch_below_micros` (the caller then runs the low-balance and auto top-up checks).
    balance_watch_due: bool = False

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(amount_micros__gt=0), name="hold_amount_positive"),
            models.CheckConstraint(
                condition=Q(captured_micros__gte=0, captured_micros__lte=F("amount_micros")),
                name="hold_captured_within_reserved",
            ),
            models.CheckConstraint(
                condition=Q(status__in=[s.value for s in HoldStatus]), name="hold_status_valid"
            ),
            # Open ⇔ unresolved; only a capture takes money.
            models.CheckConstraint(
                condition=Q(status=HoldStatus.OPEN, resolved_at__isnull=True, captured_micros=0)
                | (~Q(status=HoldStatus.OPEN) & Q(resolved_at__isnull=False)),
                name="hold_resolved_once",
            ),
            models.CheckConstraint(
                condition=Q(status=HoldStatus.CAPTURED) | Q(captured_micros=0),
                name="hold_only_capture_takes",
            ),
        ]
        indexes = [
            models.Index(
                fields=["expires_at", "id"], condition=Q(status="open"), name="hold_open_expiry_idx"
            ),
            models.Index(fields=["wallet", "status"], name="hold_wallet_status_idx"),
        ]

    def __str__(self) -> str:
        return f"hold:{self.pk}:{self.status}"


class GrantStatus(models.TextChoices):
    PENDING = "pending", "Awaiting approval"
    COMPLETED = "completed", "Completed"


class Grant(models.Model):
    """A support grant: who, why, which ticket; above the threshold a second staff member approves."""

    wallet = models.ForeignKey(LedgerAccount, on_delete=models.PROTECT, related_name="grants")
    key = models.CharField(max_length=200, unique=True)
    request_hash = models.CharField(max_length=64)
    amount_micros = models.BigIntegerField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,  # null: the system (a management command or the demo seed)
        blank=True,
        related_name="grants_made",
    )
    approver = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="grants_approved",
    )
    reason = models.CharField(max_length=500)
    ticket = models.CharField(max_length=100)
    status = models.CharField(max_length=12, choices=GrantStatus.choices)
    transaction = models.OneToOneField(
        LedgerTransaction, on_delete=models.PROTECT, null=True, blank=True, related_name="grant"
    )
    created_at = models.DateTimeField(default=timezone.now)
    approved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(amount_micros__gt=0), name="grant_amount_positive"),
            models.CheckConstraint(condition=~Q(reason="") & ~Q(ticket=""), name="grant_reason_ticket"),
            models.CheckConstraint(
                condition=Q(status=GrantStatus.PENDING, transaction__isnull=True)
                | Q(status=GrantStatus.COMPLETED, transaction__isnull=False),
                name="grant_completed_has_transaction",
            ),
            models.CheckConstraint(
                condition=Q(approver__isnull=True) | Q(actor__isnull=True) | ~Q(approver=F("actor")),
                name="grant_approver_differs",
            ),
        ]

    def __str__(self) -> str:
        return f"grant:{self.pk}:{self.status}"


class WalletAction(models.TextChoices):
    FREEZE = "freeze", "Freeze"
    UNFREEZE = "unfreeze", "Unfreeze"
    CLOSE = "close", "Close"


class WalletStatusChange(models.Model):
    """The audit row (and idempotency key) of every freeze, unfreeze and close."""

    wallet = models.ForeignKey(LedgerAccount, on_delete=models.PROTECT, related_name="status_changes")
    key = models.CharField(max_length=200, unique=True)
    action = models.CharField(max_length=8, choices=WalletAction.choices)
    reason = models.CharField(max_length=500)
    status_before = models.CharField(max_length=8, choices=AccountStatus.choices)
    status_after = models.CharField(max_length=8, choices=AccountStatus.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,  # null: the system (a dispute, an erasure pipeline)
        blank=True,
        related_name="wallet_status_changes",
    )
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.action}:{self.wallet_id}"


class CustomerEvent(models.Model):
    """The feed behind `GET /customers/events`: account_created, credit_added, api_usage_completed."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="customer_events"
    )
    event_type = models.CharField(max_length=64)
    params: models.JSONField[dict[str, Any], dict[str, Any]] = models.JSONField(default=dict)
    key = models.CharField(max_length=200, null=True, blank=True, unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["user", "-created_at", "-id"], name="customer_event_user_time_idx")]

    def __str__(self) -> str:
        return f"{self.event_type}:{self.user_id}"
