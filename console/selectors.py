"""Console reads: one user's whole picture, and the explanation of one charge. Staff read across users,
so every lookup here is by an id the console itself showed; nothing is written."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import Prefetch, QuerySet

from accounts.models import ApiKey, AuditEvent, Device, User
from accounts.services.audit import audit_events_for_user
from billing.models import (
    Grant,
    GrantStatus,
    Hold,
    HoldStatus,
    LedgerAccount,
    LedgerEntry,
    LedgerTransaction,
    WalletStatusChange,
)
from billing.money import format_credits, format_usd
from billing.payments.models import ChargeState, DisputeStatus, Purchase
from console import adapters
from nodes.engine.pricing import with_markup
from nodes.labels import price_key_label
from nodes.models import Price, ProxyJob, UnsettledCall, UsageRecord, UsageStatus

RECENT = 20


@dataclass(frozen=True)
class PurchaseRow:
    purchase: Purchase
    charge: ChargeState | None

    @property
    def refunded_micros(self) -> int:
        return self.charge.refunded_micros_seen if self.charge else 0

    @property
    def refundable_micros(self) -> int:
        return max(self.purchase.amount_micros - self.refunded_micros, 0)

    @property
    def dispute(self) -> str:
        if self.charge is None or self.charge.dispute_status == DisputeStatus.NONE:
            return ""
        return f"{self.charge.get_dispute_status_display()} ({self.charge.dispute_id})"


@dataclass
class UserOverview:
    user: User
    wallet: LedgerAccount | None
    open_holds: list[Hold]
    usage: list[UsageRecord]
    purchases: list[PurchaseRow]
    keys: list[ApiKey]
    devices: list[Device]
    grants: list[Grant]
    wallet_changes: list[WalletStatusChange]
    deletion: adapters.DeletionState
    hosted_sessions: list[Any] | None
    audit: list[AuditEvent]
    approval_threshold_micros: int = field(default_factory=lambda: settings.GRANT_APPROVAL_THRESHOLD_MICROS)

    @property
    def available_micros(self) -> int:
        return self.wallet.available_micros if self.wallet else 0


def user_get(*, public_id: Any) -> User | None:
    return User.objects.filter(public_id=public_id).first()


def _purchases(user: User) -> list[PurchaseRow]:
    purchases = list(Purchase.objects.filter(user=user).order_by("-created_at")[:RECENT])
    intents = [p.payment_intent_id for p in purchases if p.payment_intent_id]
    charges = {c.payment_intent_id: c for c in ChargeState.objects.filter(payment_intent_id__in=intents)}
    return [PurchaseRow(p, charges.get(p.payment_intent_id or "")) for p in purchases]


def user_overview(*, user: User) -> UserOverview:
    # Read only: a user without a wallet (never funded, never called) shows none rather than getting one.
    wallet = LedgerAccount.objects.filter(user=user).first()
    holds: QuerySet[Hold] = Hold.objects.none()
    grants: QuerySet[Grant] = Grant.objects.none()
    changes: QuerySet[WalletStatusChange] = WalletStatusChange.objects.none()
    if wallet is not None:
        holds = Hold.objects.filter(wallet=wallet, status=HoldStatus.OPEN).select_related("usage_record")
        grants = Grant.objects.filter(wallet=wallet).select_related("actor", "approver").order_by("-id")
        changes = WalletStatusChange.objects.filter(wallet=wallet).select_related("actor").order_by("-id")
    return UserOverview(
        user=user,
        wallet=wallet,
        open_holds=list(holds.order_by("expires_at", "id")),
        usage=list(
            UsageRecord.objects.filter(user=user)
            .select_related("api_key")
            .order_by("-created_at", "-id")[:RECENT]
        ),
        purchases=_purchases(user),
        keys=list(ApiKey.objects.filter(user=user).order_by("-created_at")),
        devices=list(Device.objects.filter(user=user).order_by("-last_seen_at")[:RECENT]),
        grants=list(grants[:RECENT]),
        wallet_changes=list(changes[:RECENT]),
        deletion=adapters.deletion_state(user),
        hosted_sessions=adapters.hosted_sessions(user),
        audit=list(audit_events_for_user(subject=user)[:50]),
    )


def pending_grants() -> QuerySet[Grant]:
    return (
        Grant.objects.filter(status=GrantStatus.PENDING)
        .select_related("wallet__user", "actor")
        .order_by("created_at", "id")
    )


# --- Explain this charge -------------------------------------------------------------------------------


@dataclass(frozen=True)
class PricedItem:
    price: Price
    quantity: int
    inferred: bool  # a row from before the usage kept its line items: this one reproduces the quote exactly

    @property
    def label(self) -> str:
        return price_key_label(self.price.key, self.price.unit)

    @property
    def list_micros(self) -> int:
        return self.price.unit_micros * self.quantity


@dataclass(frozen=True)
class UpstreamCall:
    what: str
    status: str
    started_at: Any
    finished_at: Any
    duration_ms: int | None
    detail: str


@dataclass
class ChargeExplanation:
    usage: UsageRecord
    prices: list[Price]
    priced: list[PricedItem]
    hold: Hold
    calls: list[UpstreamCall]
    cost_source: str
    cost_lines: list[str]
    transactions: list[LedgerTransaction]
    summary: str = ""


def _vendor_prices(usage: UsageRecord) -> list[Price]:
    rows = Price.objects.filter(version_id=usage.price_version_id, vendor=usage.vendor).order_by("key")
    prices = list(rows)
    if usage.model:
        # The model's own rows first: the quote was most likely made from one of them.
        prices.sort(key=lambda p: (usage.model.lower() not in p.key.lower(), p.key))
    return prices


def _priced_items(usage: UsageRecord, prices: list[Price]) -> list[PricedItem]:
    """The quote's own line items against its price version; for older rows, the rows that reproduce it."""
    if not usage.line_items:
        return _infer_items(usage, prices)
    keys = {str(item.get("key")) for item in usage.line_items if isinstance(item, dict)}
    by_key = {
        price.key: price
        for price in Price.objects.filter(
            version_id=usage.price_version_id, vendor=usage.vendor, key__in=keys
        )
    }
    return [
        PricedItem(by_key[str(item["key"])], int(item["quantity"]), inferred=False)
        for item in usage.line_items
        if isinstance(item, dict) and str(item.get("key")) in by_key
    ]


def _infer_items(usage: UsageRecord, prices: list[Price]) -> list[PricedItem]:
    """Single price rows that reproduce the quote exactly (quantity x unit, plus the call's markup)."""
    found = []
    for price in prices:
        unit = with_markup(price.unit_micros, usage.markup_bps)
        if price.unit_micros <= 0 or unit <= 0:
            continue
        quantity = max(round(usage.quoted_micros / unit), 1)
        if with_markup(price.unit_micros * quantity, usage.markup_bps) == usage.quoted_micros:
            found.append(PricedItem(price, quantity, inferred=True))
    # Several rows may reproduce it by chance: when the model's own rows are among them, keep only those.
    own = [item for item in found if usage.model and usage.model.lower() in item.price.key.lower()]
    return (own or found)[:3]


def _calls(usage: UsageRecord, job: ProxyJob | None) -> list[UpstreamCall]:
    submit = UpstreamCall(
        what=f"{usage.vendor} {usage.route}",
        status=str(usage.upstream_status) if usage.upstream_status is not None else "no answer recorded",
        started_at=usage.created_at,
        finished_at=None,
        duration_ms=usage.upstream_ms,
        detail=usage.message,
    )
    calls = [submit]
    if job is not None:
        calls.append(
            UpstreamCall(
                what=f"vendor job {job.vendor_job_id} (polls; the last one is recorded)",
                status=job.last_status or "not polled yet",
                started_at=job.created_at,
                finished_at=job.settled_at or job.last_polled_at,
                duration_ms=None,
                detail=f"job {job.get_state_display().lower()}",
            )
        )
    calls.extend(
        UpstreamCall(
            what=f"settle of {lost.vendor} {lost.route} (recorded as unsettled for reconciliation)",
            status=str(lost.upstream_status) if lost.upstream_status is not None else lost.outcome,
            started_at=lost.created_at,
            finished_at=lost.resolved_at,
            duration_ms=None,
            detail=lost.reason,
        )
        for lost in UnsettledCall.objects.filter(usage_public_id=usage.public_id).order_by("id")
    )
    return calls


def _cost(usage: UsageRecord) -> tuple[str, list[str]]:
    quoted = format_credits(usage.quoted_micros)
    if usage.status in (UsageStatus.PENDING, UsageStatus.SUBMITTED):
        return "pending", [f"Still running: {quoted} credits are held, nothing is charged yet."]
    if usage.status != UsageStatus.SUCCEEDED:
        lines = [
            f"{usage.get_status_display()}: nothing was charged; the hold of {quoted} credits was released."
        ]
        if usage.upstream_may_bill:
            lines.append(
                "The vendor may still bill the platform for it (absorbed, marked for reconciliation)."
            )
        return "none", lines
    if usage.vendor_cost_micros is None:
        return "quote", [f"The vendor did not report a cost: the quote of {quoted} credits was charged."]
    marked = with_markup(usage.vendor_cost_micros, usage.markup_bps)
    lines = [
        f"The vendor reported a list cost of {format_usd(usage.vendor_cost_micros)}.",
        f"With the markup of {usage.markup_bps / 100:.2f} % that is {format_credits(marked)} credits.",
    ]
    if marked >= usage.quoted_micros:
        lines.append(f"Capped at the quote of {quoted} credits (never more than was held).")
    return "vendor", lines


def charge_explain(*, usage: UsageRecord) -> ChargeExplanation:
    prices = _vendor_prices(usage)
    hold = usage.hold
    job = ProxyJob.objects.filter(usage=usage).first()
    entries = Prefetch("entries", queryset=LedgerEntry.objects.select_related("account").order_by("id"))
    transactions = list(LedgerTransaction.objects.filter(hold=hold).prefetch_related(entries))
    source, lines = _cost(usage)
    explanation = ChargeExplanation(
        usage=usage,
        prices=prices[:12],
        priced=_priced_items(usage, prices),
        hold=hold,
        calls=_calls(usage, job),
        cost_source=source,
        cost_lines=lines,
        transactions=transactions,
    )
    explanation.summary = charge_summary(explanation)
    return explanation


def usage_get(*, public_id: Any) -> UsageRecord | None:
    return (
        UsageRecord.objects.select_related("user", "api_key", "hold", "price_version")
        .filter(public_id=public_id)
        .first()
    )


def charge_summary(explanation: ChargeExplanation) -> str:
    """The plain text a user can be sent: what they called, what was held and charged, and why."""
    usage, hold = explanation.usage, explanation.hold
    key = f"API key comfyui-{usage.api_key_prefix}…" if usage.api_key_prefix else usage.credential
    lines = [
        f"Charge explanation for usage {usage.public_id}",
        "",
        f"When: {usage.created_at:%Y-%m-%d %H:%M:%S} UTC",
        f"What: {usage.vendor} {usage.route}" + (f", model {usage.model}" if usage.model else ""),
    ]
    if usage.comfy_job_id:
        lines.append(f"ComfyUI prompt: {usage.comfy_job_id}")
    lines += [
        f"Signed in with: {key}",
        f"Result: {usage.get_status_display()}",
        "",
        (
            f"Before the call was sent, {format_credits(usage.quoted_micros)} credits were reserved "
            f"(the price table '{usage.price_version.label}' in effect then)."
        ),
    ]
    if hold.status == HoldStatus.CAPTURED:
        lines.append(f"Charged: {format_credits(usage.charged_micros)} credits.")
        released = hold.amount_micros - hold.captured_micros
        if released > 0:
            lines.append(f"The rest of the reservation, {format_credits(released)} credits, was released.")
    elif hold.status == HoldStatus.OPEN:
        lines.append("The call is still running: nothing has been charged yet.")
    else:
        lines.append("Nothing was charged: the whole reservation was released.")
    lines += ["", *explanation.cost_lines]
    lines += ["", f"Questions? Reply to this message or write to {settings.SUPPORT_EMAIL}."]
    return "\n".join(lines)
