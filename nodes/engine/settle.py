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
from billing.errors import HoldAlreadyResolved, InsufficientCredits, LedgerError
from billing.models import Hold, HoldStatus, LedgerAccount
from billing.money import format_credits
from billing.payments.services import payments_after_balance_change
from billing.services import credits_reserve, customer_event_record, hold_capture, hold_release
from comfyweb import sql
from comfyweb.auth import Principal
from comfyweb.errors import ApiError
from comfyweb.sql import insert_row
from nodes.engine.pricing import Quote, charge_for_vendor_cost, price_table_for_version, with_markup
from nodes.engine.types import Outcome, SettledCostFn
from nodes.models import TERMINAL_USAGE, JobState, ProxyJob, UsageRecord, UsageStatus

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
            has_job=usage.status == UsageStatus.SUBMITTED,
        )


@dataclass(frozen=True)
class Settled:
    status: UsageStatus
    charged_micros: int


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
            if exc.reason != "expired":
                return usage_outcome(usage_id=ref.usage_id)
            # Past its TTL before the outcome arrived: not charged; the cost is absorbed.
            status, charged, may_bill = UsageStatus.EXPIRED, 0, True
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
            return usage_outcome(usage_id=ref.usage_id)
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


def usage_outcome(*, usage_id: int) -> Settled:
    status, charged = UsageRecord.objects.filter(pk=usage_id).values_list("status", "charged_micros").get()
    return Settled(UsageStatus(status), charged)


def outcome_status(outcome: Outcome) -> UsageStatus:
    return _OUTCOME_STATUS.get(outcome, UsageStatus.FAILED)


def job_open(
    *,
    admission: Admission,
    facts: CallFacts,
    submit_path: str,
    vendor_job_id: str,
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


def charge_for(
    vendor: str, cost: Any, *, version_id: int, markup_bps: int, quoted_micros: int
) -> tuple[int, int | None]:
    """(charge, vendor list cost) for a success, priced by the table the call was quoted with."""
    table = price_table_for_version(version_id=version_id, markup_bps=markup_bps)
    charge, listed = charge_for_vendor_cost(vendor=vendor, cost=cost, table=table, quote=quoted_micros)
    if listed is not None and with_markup(listed, markup_bps) > quoted_micros:
        # The user is charged at most the quote; the difference is ours. The price table is too low.
        logger.warning(
            "ALERT proxy cost above quote: %s vendor cost %d µ$ (+markup) > quote %d µ$",
            vendor,
            listed,
            quoted_micros,
        )
    return charge, listed


def quote_charge_for(vendor: str, quote: Quote, cost: Any) -> tuple[int, int | None]:
    """`charge_for` with the table, markup and total of the quote the call was admitted with."""
    return charge_for(
        vendor,
        cost,
        version_id=quote.version_id,
        markup_bps=quote.markup_bps,
        quoted_micros=quote.total_micros,
    )


def usage_charge_for(vendor: str, usage: UsageRecord, cost: Any) -> tuple[int, int | None]:
    return charge_for(
        vendor,
        cost,
        version_id=usage.price_version_id,
        markup_bps=usage.markup_bps,
        quoted_micros=usage.quoted_micros,
    )


def _job_delivered_charge(job: ProxyJob, usage: UsageRecord, delivered: Any) -> tuple[int, int | None]:
    """(charge, vendor list cost) for what a job delivered; the quote when the poll reply did not say."""
    if delivered is None:
        logger.warning(
            "Settling %s job %s at its quote: no delivered cost", job.vendor, job.vendor_job_id[:40]
        )
        return usage.quoted_micros, None
    charge, listed = usage_charge_for(job.vendor, usage, delivered)
    if listed is None:
        logger.warning(
            "Settling %s job %s at its quote: %r is unpriced", job.vendor, job.vendor_job_id[:40], delivered
        )
    return charge, listed


def job_settle(
    *,
    job: ProxyJob,
    outcome: Outcome,
    api_name: str,
    reply: Any = None,
    settled_cost: SettledCostFn | None = None,
) -> Settled | None:
    """A terminal poll captures (success) or releases (failure, moderation); pending leaves the hold.

    A success is charged the quote, or less: the submit's reported cost, and the cost of what was
    delivered when the poll route can tell it from the `reply` (`settled_cost`), each priced by the quote's
    table and markup.
    """
    usage = UsageRecord.objects.filter(pk=job.usage_id).first()
    if usage is None:
        return None
    if outcome == "pending" or usage.status in TERMINAL_USAGE:
        return Settled(UsageStatus(usage.status), usage.charged_micros)
    charge = usage.quoted_micros
    if usage.vendor_cost_micros is not None:
        charge = min(charge, usage_charge_for(job.vendor, usage, usage.vendor_cost_micros)[0])
    delivered_micros = None
    if outcome == "success" and settled_cost is not None:
        delivered, delivered_micros = _job_delivered_charge(job, usage, settled_cost(reply, job.context))
        charge = min(charge, delivered)
    return usage_settle(
        ref=UsageRef.of(usage),
        status=outcome_status(outcome),
        charge_micros=charge if outcome == "success" else 0,
        vendor_cost_micros=delivered_micros,
        message="" if outcome == "success" else f"vendor reported {outcome}",
        api_name=api_name,
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
