"""The engine's database side (services): admit (reserve + usage row), open a vendor job, settle once.

Each function is one short transaction and is called with no upstream request in flight (style.md habit 4).
"""

from __future__ import annotations

import logging
import secrets
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from accounts.models import User
from billing.errors import HoldAlreadyResolved, HoldNotFound, InsufficientCredits, LedgerError
from billing.models import Hold, HoldStatus, LedgerAccount
from billing.money import format_credits
from billing.payments.services import payments_after_balance_change
from billing.services import credits_reserve, customer_event_record, hold_capture, hold_release
from comfyweb import sql
from comfyweb.auth import Principal
from comfyweb.errors import ApiError
from comfyweb.sql import insert_row
from nodes.engine.pricing import Quote, charge_for_vendor_cost, price_table_for_version, with_markup
from nodes.engine.types import Observation, Outcome, SettledCostFn
from nodes.models import TERMINAL_USAGE, JobState, ProxyJob, UnsettledCall, UsageRecord, UsageStatus

logger = logging.getLogger(__name__)

_OUTCOME_STATUS: dict[Outcome, UsageStatus] = {
    "success": UsageStatus.SUCCEEDED,
    "failure": UsageStatus.FAILED,
    "moderated": UsageStatus.MODERATED,
}


@dataclass(frozen=True)
class UsageRef:
    """What settling needs to know about a usage row, so the settle does not read it again."""

    usage_id: int
    public_id: uuid.UUID
    hold_id: int
    quoted_micros: int
    user_id: int
    vendor: str
    model: str
    comfy_job_id: str
    api_key_prefix: str
    route: str = ""
    has_job: bool = False

    @staticmethod
    def of(usage: UsageRecord) -> UsageRef:
        return UsageRef(
            usage.pk,
            usage.public_id,
            usage.hold_id,
            usage.quoted_micros,
            usage.user_id,
            usage.vendor,
            usage.model,
            usage.comfy_job_id,
            usage.api_key_prefix,
            usage.route,
            has_job=usage.status == UsageStatus.SUBMITTED,
        )


@dataclass(frozen=True)
class Settled:
    status: UsageStatus
    charged_micros: int
    unsettled: bool = False  # nothing was left to settle: recorded as an UnsettledCall for reconciliation


@dataclass(frozen=True)
class Admission:
    usage_id: int
    usage_public_id: uuid.UUID
    hold_micros: int
    ref: UsageRef


@dataclass(frozen=True)
class CallFacts:
    vendor: str
    route: str
    model: str
    comfy_job_id: str
    usage_source: str
    core_version: str
    comfy_env: str


def usage_admit(
    *, principal: Principal, facts: CallFacts, quote: Quote, markup_bps: int, ttl: timedelta
) -> Admission:
    """Reserve the quote and write the usage row in one transaction; 402/409 before anything is forwarded."""
    public_id = uuid.uuid4()
    wallet = LedgerAccount(user_id=principal.user.pk)  # found by its owner inside the reservation statement
    api_key = principal.api_key
    try:
        # No savepoint: the caller's transaction (with the Idempotency-Key claim) rolls back as a whole.
        with transaction.atomic(savepoint=False):
            hold = credits_reserve(
                wallet=wallet,
                amount_micros=quote.total_micros,
                expires_at=timezone.now() + ttl,
                key=f"proxy:{public_id}",
                memo=f"{facts.vendor} {facts.route}",
                isolated=False,
            )
            usage = UsageRecord(
                public_id=public_id,
                user=principal.user,
                api_key=api_key,
                api_key_prefix=api_key.prefix if api_key else "",
                credential=principal.credential,
                vendor=facts.vendor,
                route=facts.route,
                model=facts.model[:120],
                comfy_job_id=facts.comfy_job_id,
                usage_source=facts.usage_source,
                core_version=facts.core_version,
                comfy_env=facts.comfy_env,
                hold=hold,
                price_version_id=quote.version_id,
                quoted_micros=quote.total_micros,
                markup_bps=markup_bps,
                line_items=[{"key": item.key, "quantity": item.quantity} for item in quote.items],
            )
            insert_row(usage)  # plain SQL: the ORM's compile step cost more than the insert
    except InsufficientCredits as exc:
        raise ApiError(
            402,
            "insufficient_credits",
            f"Not enough credits: this request needs up to {format_credits(quote.total_micros)} credits. "
            "Top up to continue.",
        ) from exc
    except LedgerError as exc:
        raise exc.to_api_error() from exc
    ref = UsageRef(
        usage.pk,
        public_id,
        hold.pk,
        quote.total_micros,
        principal.user.pk,
        facts.vendor,
        usage.model,
        facts.comfy_job_id,
        usage.api_key_prefix,
        facts.route,
    )
    return Admission(usage.pk, public_id, quote.total_micros, ref)


def _event(ref: UsageRef, *, status: UsageStatus, charged: int, api_name: str) -> None:
    # No idempotency key needed: only the settle that resolved the hold gets here, once per call.
    customer_event_record(
        user=User(pk=ref.user_id),  # the service needs only the id; no extra read of the user row
        event_type="api_usage_completed",
        params={
            "api_name": api_name,
            "model": ref.model,
            "charge_micro_usd": charged,
            "job_id": ref.comfy_job_id,
            "api_key_prefix": ref.api_key_prefix,
            "status": status.value,
        },
    )


OPEN_USAGE = (UsageStatus.PENDING, UsageStatus.SUBMITTED)
# Once per call, so plain SQL (comfyweb.sql); only an open row settles, so a second settle changes nothing.
# NULL keeps what the row has (a poll settling a job knows less than the submit did).
_SETTLE_USAGE_SQL = f"""
UPDATE {UsageRecord._meta.db_table} SET status = %(status)s, charged_micros = %(charged)s,
    completed_at = %(now)s, vendor_cost_micros = COALESCE(%(cost)s, vendor_cost_micros),
    upstream_status = COALESCE(%(upstream)s, upstream_status),
    upstream_ms = COALESCE(%(upstream_ms)s, upstream_ms), total_ms = COALESCE(%(total_ms)s, total_ms),
    message = CASE WHEN %(message)s = '' THEN message ELSE %(message)s END,
    upstream_may_bill = upstream_may_bill OR %(may_bill)s
WHERE id = %(usage)s AND status IN ('{UsageStatus.PENDING.value}', '{UsageStatus.SUBMITTED.value}')
"""  # noqa: S608 - table and status names, no input
_SETTLE_USAGE_TYPES = {
    "status": "text",
    "charged": "bigint",
    "now": "timestamptz",
    "cost": "bigint",
    "upstream": "integer",
    "upstream_ms": "integer",
    "total_ms": "integer",
    "message": "text",
    "may_bill": "boolean",
    "usage": "bigint",
}


def usage_settle(
    *,
    ref: UsageRef,
    status: UsageStatus,
    charge_micros: int = 0,
    vendor_cost_micros: int | None = None,
    upstream_status: int | None = None,
    message: str = "",
    may_bill: bool = False,
    upstream_ms: int | None = None,
    total_ms: int | None = None,
    api_name: str = "",
) -> Settled:
    """Resolve the call's hold exactly once (capture on success, release otherwise) and record it.

    The hold's own exactly-once resolution (one conditional UPDATE in the ledger) is the gate: a
    concurrent second settle (a poll racing the sweeper) finds it resolved and reports the first outcome.
    """
    with transaction.atomic(savepoint=False):  # part of the caller's settling transaction, if any
        hold = Hold(pk=ref.hold_id, amount_micros=ref.quoted_micros)
        charged = 0
        try:
            if status == UsageStatus.SUCCEEDED:
                charged = min(charge_micros, ref.quoted_micros)
                hold_capture(hold=hold, amount_micros=charged)
            else:
                hold_release(hold=hold, reason=f"{status}: {message}"[:200])
        except HoldAlreadyResolved as exc:
            if exc.reason == "already_captured":  # another settle of this call won (a poll vs the sweeper)
                return usage_outcome(ref=ref, status=status, charge=charged, upstream=upstream_status)
            if exc.reason == "expired":
                # Past its TTL before the outcome arrived: not charged; the cost is absorbed.
                status, charged, may_bill = UsageStatus.EXPIRED, 0, True
            else:
                # Released: by another settle of this call (its usage row is then closed already, and the
                # update below finds nothing), or from outside while the call ran (an account deletion):
                # not charged; a success becomes "the vendor may bill us".
                may_bill = may_bill or status == UsageStatus.SUCCEEDED
                status = UsageStatus.UNKNOWN if status == UsageStatus.SUCCEEDED else status
                charged = 0
                message = message or "the hold was released before the call settled"
        except HoldNotFound:  # lost with its usage row (see UnsettledCall)
            return _unsettled(ref, status=status, charge=charged, upstream=upstream_status, why="no hold")
        now = timezone.now()
        params = {
            "status": status.value,
            "charged": charged,
            "now": connection.ops.adapt_datetimefield_value(now),
            "cost": vendor_cost_micros,
            "upstream": upstream_status,
            "upstream_ms": upstream_ms,
            "total_ms": total_ms,
            "message": message[:500],
            "may_bill": may_bill,
            "usage": ref.usage_id,
        }
        with connection.cursor() as cursor:
            sql.execute_prepared(cursor, _SETTLE_USAGE_SQL, params, _SETTLE_USAGE_TYPES)
            settled = cursor.rowcount == 1
        if not settled:
            return usage_outcome(ref=ref, status=status, charge=charged, upstream=upstream_status)
        if ref.has_job:
            ProxyJob.objects.filter(usage_id=ref.usage_id, state=JobState.OPEN).update(
                state=JobState.SETTLED, settled_at=now
            )
        _event(ref, status=status, charged=charged, api_name=api_name or ref.vendor)
        if charged and hold.balance_watch_due:
            # The capture left the wallet below a threshold the user watches: the low-balance e-mail and
            # auto top-up react at once, not at the next sweep. Queued on commit: one enqueue, never a
            # Stripe round trip. Every other capture skips it (the wallet row said so, no extra query).
            payments_after_balance_change(user=User(pk=ref.user_id))
    return Settled(status, charged)


def usage_outcome(*, ref: UsageRef, status: UsageStatus, charge: int, upstream: int | None) -> Settled:
    """The outcome an earlier settle recorded; or, if the usage row is gone, an UnsettledCall."""
    found = UsageRecord.objects.filter(pk=ref.usage_id).values_list("status", "charged_micros").first()
    if found is None:
        return _unsettled(ref, status=status, charge=charge, upstream=upstream, why="no usage row")
    return Settled(UsageStatus(found[0]), found[1])


def _unsettled(ref: UsageRef, *, status: UsageStatus, charge: int, upstream: int | None, why: str) -> Settled:
    """Nothing is left to settle (a database crash lost the reservation after the vendor was called):
    the user is not charged, and the call is recorded for reconciliation with the vendor's invoice."""
    logger.error("ALERT unsettled /proxy call %s (%s): %s", ref.public_id, ref.vendor, why)
    UnsettledCall.objects.create(
        usage_public_id=ref.public_id,
        user_id=ref.user_id,
        vendor=ref.vendor,
        route=ref.route[:160],
        upstream_status=upstream,
        outcome=status.value,
        charge_micros=charge,
        reason=why,
    )
    return Settled(status, 0, unsettled=True)


def outcome_status(outcome: Outcome) -> UsageStatus:
    return _OUTCOME_STATUS.get(outcome, UsageStatus.FAILED)


def job_open(
    *,
    admission: Admission,
    facts: CallFacts,
    submit_path: str,
    vendor_job_id: str,
    result_ref: str = "",
    context: dict[str, str],
    vendor_cost_micros: int | None,
    upstream_status: int,
    upstream_ms: int,
    with_token: bool,
) -> ProxyJob:
    """The vendor accepted a job: keep the hold open, tied to the vendor's job id."""
    with transaction.atomic(savepoint=False):  # part of the caller's settling transaction, if any
        UsageRecord.objects.filter(pk=admission.usage_id, status=UsageStatus.PENDING).update(
            status=UsageStatus.SUBMITTED,
            vendor_cost_micros=vendor_cost_micros,
            upstream_status=upstream_status,
            upstream_ms=upstream_ms,
        )
        job = ProxyJob(
            usage_id=admission.usage_id,
            user_id=admission.ref.user_id,
            vendor=facts.vendor,
            route=facts.route,
            submit_path=submit_path[:300],
            vendor_job_id=vendor_job_id[:600],
            result_ref=result_ref[:200],
            context=context,
            poll_token=secrets.token_urlsafe(32) if with_token else None,
        )
        try:
            with transaction.atomic():
                job.save()
        except IntegrityError:
            # The vendor reused a job id: keep the first mapping; this call is tracked by its usage row.
            logger.warning("Duplicate vendor job id %s/%s", facts.vendor, vendor_job_id[:40])
            job = ProxyJob.objects.get(vendor=facts.vendor, vendor_job_id=vendor_job_id[:600])
    return job


def job_for_user(*, user: Any, vendor: str, vendor_job_id: str) -> ProxyJob | None:
    """Owner-scoped: another user's job id is simply not found (404)."""
    return (
        ProxyJob.objects.select_related("usage")
        .filter(user=user, vendor=vendor, vendor_job_id=vendor_job_id)
        .first()
    )


def job_for_token(*, token: str) -> ProxyJob | None:
    return ProxyJob.objects.select_related("usage").filter(poll_token=token).first()


def job_for_result(*, user: Any, vendor: str, result_ref: str) -> ProxyJob | None:
    return ProxyJob.objects.filter(user=user, vendor=vendor, result_ref=result_ref).first()


def job_observe(*, job_id: int, vendor_status: str, result_ref: str = "") -> None:
    updates: dict[str, Any] = {"last_polled_at": timezone.now(), "last_status": vendor_status[:64]}
    if result_ref:
        updates["result_ref"] = result_ref[:200]
    ProxyJob.objects.filter(pk=job_id).update(**updates)


@dataclass(frozen=True)
class Quoted:
    """What a call was admitted with: its price table version, markup and maximum (the hold)."""

    vendor: str
    version_id: int
    markup_bps: int
    quoted_micros: int

    @staticmethod
    def of_quote(vendor: str, quote: Quote) -> Quoted:
        return Quoted(vendor, quote.version_id, quote.markup_bps, quote.total_micros)

    @staticmethod
    def of_usage(usage: UsageRecord) -> Quoted:
        return Quoted(usage.vendor, usage.price_version_id, usage.markup_bps, usage.quoted_micros)


@dataclass(frozen=True)
class Charge:
    micros: int  # what a success is charged: at most the quote
    vendor_cost_micros: int | None  # the vendor's list cost, when one of the costs could be priced


def call_charge(quoted: Quoted, *costs: Any) -> Charge:
    """The one charge rule: the quote, or less where the vendor reported (or a job delivered) a cost.

    Each cost is what a vendor function returned (`Route.cost` at the submit or sync reply,
    `Poll.settled_cost` at a job's end): list micro-USD or line items, priced by the table and markup the
    call was quoted with. None (not reported, or garbled) leaves the quote. The user never pays more than
    the quote; a listed cost above it is the platform's loss, and alerts (the price table is too low).
    """
    charge, listed_last = quoted.quoted_micros, None
    table = None
    for cost in costs:
        if cost is None:
            continue
        table = table or price_table_for_version(version_id=quoted.version_id, markup_bps=quoted.markup_bps)
        priced, listed = charge_for_vendor_cost(
            vendor=quoted.vendor, cost=cost, table=table, quote=quoted.quoted_micros
        )
        if listed is None:
            logger.warning("Charging %s at its quote: the cost %r is unpriced", quoted.vendor, cost)
            continue
        if with_markup(listed, quoted.markup_bps) > quoted.quoted_micros:
            logger.warning(
                "ALERT proxy cost above quote: %s vendor cost %d µ$ (+markup) > quote %d µ$",
                quoted.vendor,
                listed,
                quoted.quoted_micros,
            )
        charge, listed_last = min(charge, priced), listed
    return Charge(charge, listed_last)


def job_settle(
    *,
    job: ProxyJob,
    outcome: Outcome,
    api_name: str,
    reply: Any = None,
    settled_cost: SettledCostFn | None = None,
) -> Settled | None:
    """A terminal observation captures (success) or releases (failure, moderation); pending keeps the hold.

    A success is charged by `call_charge` over the cost the submit reported and the cost of what was
    delivered (when the poll route can tell it from the `reply`).
    """
    usage = UsageRecord.objects.filter(pk=job.usage_id).first()
    if usage is None:
        return None
    if outcome == "pending" or usage.status in TERMINAL_USAGE:
        return Settled(UsageStatus(usage.status), usage.charged_micros)
    delivered = settled_cost(reply, job.context) if outcome == "success" and settled_cost else None
    if outcome == "success" and settled_cost is not None and delivered is None:
        logger.warning(
            "Settling %s job %s at its quote: no delivered cost", job.vendor, job.vendor_job_id[:40]
        )
    charge = call_charge(Quoted.of_usage(usage), usage.vendor_cost_micros, delivered)
    return usage_settle(
        ref=UsageRef.of(usage),
        status=outcome_status(outcome),
        charge_micros=charge.micros if outcome == "success" else 0,
        vendor_cost_micros=charge.vendor_cost_micros if delivered is not None else None,
        message="" if outcome == "success" else f"vendor reported {outcome}",
        api_name=api_name,
    )


def job_record_observation(
    *, job: ProxyJob, seen: Observation, api_name: str, settled_cost: SettledCostFn | None
) -> Settled | None:
    """The one database step of a poll, the user's or the sweeper's: what the vendor said, and the settle
    on a terminal status, in one transaction."""
    with transaction.atomic():
        job_observe(job_id=job.pk, vendor_status=seen.vendor_status, result_ref=seen.result_ref)
        return job_settle(
            job=job, outcome=seen.outcome, api_name=api_name, reply=seen.data, settled_cost=settled_cost
        )


def usage_reconcile_expired() -> int:
    """Calls whose hold expired (or was released elsewhere) before an outcome: not charged, absorbed."""
    stale = UsageRecord.objects.filter(status__in=OPEN_USAGE).exclude(hold__status=HoldStatus.OPEN)
    count = 0
    for usage in stale[:500]:
        usage_settle(
            ref=UsageRef.of(usage), status=UsageStatus.EXPIRED, may_bill=True, message="hold expired"
        )
        count += 1
    return count
