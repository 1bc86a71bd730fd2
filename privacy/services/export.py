"""Data export: one ZIP with a JSON document of everything the platform holds about the user, CSVs of the
ledger and usage, and the uploaded files themselves (GDPR Art. 15 and 20; quality.md D2).

`export_archive_write` builds the archive (the background job and `manage.py export_user_data` both use
it); `export_request_create` and `export_build` are the Settings → Privacy flow around it.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import tempfile
import zipfile
from collections.abc import Callable, Iterable
from datetime import timedelta
from typing import IO, Any

from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accounts.emails import base_url, send_templated
from accounts.models import ApiKey, Device, User
from accounts.services.audit import audit_events_for_user, audit_record
from billing.models import CustomerEvent, Grant, LedgerEntry
from billing.payments.models import ChargeState, Purchase
from billing.selectors import wallet_balance, wallet_get_for_user
from comfyweb.errors import ApiError
from nodes.models import UsageRecord
from privacy.hooks import hosted_sessions_for_export
from privacy.models import DataExport, ExportStatus
from privacy.selectors import uploads_for_user, uploads_prefix

logger = logging.getLogger(__name__)

FORMAT_VERSION = 1
EXPORT_PREFIX = "exports"
Progress = Callable[[int, str], None]

_LEDGER_COLUMNS = [
    "created_at",
    "transaction_id",
    "kind",
    "amount_micros",
    "balance_after_micros",
    "payment_reference",
    "memo",
]
_USAGE_COLUMNS = [
    "created_at",
    "id",
    "vendor",
    "route",
    "model",
    "status",
    "comfy_job_id",
    "api_key_prefix",
    "quoted_micros",
    "charged_micros",
    "completed_at",
]


def _profile(user: User) -> dict[str, Any]:
    return {
        "customer_id": user.public_id,
        "email": user.email,
        "name": user.name,
        "date_joined": user.date_joined,
        "email_verified_at": user.email_verified_at,
        "customer_created_at": user.customer_created_at,
    }


def _devices(user: User) -> list[dict[str, Any]]:
    return [
        {
            "id": d.public_id,
            "user_agent": d.user_agent,
            "ip_address": d.ip_address,
            "created_at": d.created_at,
            "last_seen_at": d.last_seen_at,
            "revoked_at": d.revoked_at,
        }
        for d in Device.objects.filter(user=user).order_by("created_at", "id")
    ]


def _api_keys(user: User) -> list[dict[str, Any]]:
    """Metadata only: the digest stays behind (the plaintext was never stored)."""
    return [
        {
            "id": k.public_id,
            "name": k.name,
            "description": k.description,
            "shown_as": f"comfyui-{k.prefix}…",
            "created_at": k.created_at,
            "last_used_at": k.last_used_at,
            "expires_at": k.expires_at,
            "revoked_at": k.revoked_at,
        }
        for k in ApiKey.objects.filter(user=user).order_by("created_at", "id")
    ]


def _ledger(user: User) -> list[dict[str, Any]]:
    wallet = wallet_get_for_user(user=user)
    entries = LedgerEntry.objects.filter(account=wallet).select_related("transaction").order_by("id")
    return [
        {
            "created_at": e.created_at,
            "transaction_id": e.transaction_id,
            "kind": e.transaction.code,
            "amount_micros": e.amount_micros,
            "balance_after_micros": e.balance_after_micros,
            "payment_reference": e.transaction.payment_reference,
            "memo": e.transaction.memo,
        }
        for e in entries
    ]


def _purchases(user: User) -> list[dict[str, Any]]:
    return [
        {
            "id": p.public_id,
            "kind": p.kind,
            "gateway": p.gateway,
            "amount_micros": p.amount_micros,
            "status": p.status,
            "checkout_session_id": p.checkout_session_id,
            "payment_intent_id": p.payment_intent_id,
            "created_at": p.created_at,
            "paid_at": p.paid_at,
        }
        for p in Purchase.objects.filter(user=user).order_by("created_at", "id")
    ]


def _refunds_and_disputes(user: User) -> list[dict[str, Any]]:
    intents = Purchase.objects.filter(user=user, payment_intent_id__isnull=False).values("payment_intent_id")
    return [
        {
            "payment_intent_id": c.payment_intent_id,
            "refunded_micros": c.refunded_micros_seen,
            "dispute_status": c.dispute_status,
            "clawed_back_micros": c.clawed_back_micros,
            "updated_at": c.updated_at,
        }
        for c in ChargeState.objects.filter(payment_intent_id__in=intents).order_by("id")
    ]


def _grants(user: User) -> list[dict[str, Any]]:
    wallet = wallet_get_for_user(user=user)
    return [
        {"amount_micros": g.amount_micros, "reason": g.reason, "status": g.status, "created_at": g.created_at}
        for g in Grant.objects.filter(wallet=wallet).order_by("created_at", "id")
    ]


def _usage(user: User) -> list[dict[str, Any]]:
    return [
        {
            "created_at": u.created_at,
            "id": u.public_id,
            "vendor": u.vendor,
            "route": u.route,
            "model": u.model,
            "status": u.status,
            "comfy_job_id": u.comfy_job_id,
            "api_key_prefix": u.api_key_prefix,
            "quoted_micros": u.quoted_micros,
            "charged_micros": u.charged_micros,
            "completed_at": u.completed_at,
        }
        for u in UsageRecord.objects.filter(user=user).order_by("created_at", "id").iterator(chunk_size=2000)
    ]


def _events(user: User) -> dict[str, list[dict[str, Any]]]:
    customer = [
        {"type": e.event_type, "params": e.params, "created_at": e.created_at}
        for e in CustomerEvent.objects.filter(user=user).order_by("created_at", "id")
    ]
    audit = [
        {
            "action": a.action,
            "by": "you" if a.actor_id == user.pk else ("staff" if a.actor_id else "system"),
            "reason": a.reason,
            "target": a.target,
            "created_at": a.created_at,
        }
        for a in audit_events_for_user(subject=user).order_by("created_at", "id")
    ]
    return {"account_events": customer, "audit_trail": audit}


def _csv(rows: Iterable[dict[str, Any]], columns: list[str]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, extrasaction="ignore")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: ("" if v is None else v) for k, v in row.items()})
    return out.getvalue()


def _no_progress(percent: int, stage: str) -> None:
    return None


def export_archive_write(*, user: User, out: IO[bytes], progress: Progress | None = None) -> None:
    """Write the user's archive to `out` (a binary file object)."""
    report = progress or _no_progress
    report(5, "profile and keys")
    balance = wallet_balance(wallet=wallet_get_for_user(user=user))
    document: dict[str, Any] = {
        "format_version": FORMAT_VERSION,
        "generated_at": timezone.now(),
        "site": settings.SITE_NAME,
        "profile": _profile(user),
        "devices": _devices(user),
        "api_keys": _api_keys(user),
        "wallet": {
            "balance_micros": balance.balance_micros,
            "held_micros": balance.held_micros,
            "status": balance.status,
        },
    }
    report(20, "ledger")
    document["ledger_entries"] = _ledger(user)
    report(35, "purchases")
    document["purchases"] = _purchases(user)
    document["refunds_and_disputes"] = _refunds_and_disputes(user)
    document["grants"] = _grants(user)
    report(50, "usage")
    document["usage"] = _usage(user)
    report(65, "events")
    document.update(_events(user))
    document["hosted_sessions"] = hosted_sessions_for_export(user=user)
    uploads = uploads_for_user(user=user)
    prefix = uploads_prefix(user=user) + "/"
    document["uploads"] = [
        {"file": "uploads/" + path.removeprefix(prefix), "size_bytes": default_storage.size(path)}
        for path in uploads
    ]
    report(75, "writing the archive")
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "data.json", json.dumps(document, cls=DjangoJSONEncoder, indent=2, ensure_ascii=False)
        )
        archive.writestr("ledger.csv", _csv(document["ledger_entries"], _LEDGER_COLUMNS))
        archive.writestr("usage.csv", _csv(document["usage"], _USAGE_COLUMNS))
        report(85, "uploaded files")
        for path, listed in zip(uploads, document["uploads"], strict=True):
            with default_storage.open(path, "rb") as source, archive.open(listed["file"], "w") as target:
                while chunk := source.read(1024 * 1024):
                    target.write(chunk)
    report(100, "done")


def export_request_create(*, user: User, ip_address: str | None = None) -> DataExport:
    """Queue an export (one at a time; at most EXPORTS_PER_DAY a day). The job runs after commit."""
    in_flight = DataExport.objects.filter(user=user, status__in=[ExportStatus.QUEUED, ExportStatus.RUNNING])
    existing = in_flight.first()
    if existing is not None:
        return existing
    since = timezone.now() - timedelta(days=1)
    if DataExport.objects.filter(user=user, created_at__gte=since).count() >= settings.EXPORTS_PER_DAY:
        raise ApiError(
            429,
            "rate_limited",
            f"You can export your data {settings.EXPORTS_PER_DAY} times a day; please try again tomorrow.",
        )
    with transaction.atomic():
        export = DataExport.objects.create(user=user)
        audit_record(
            action="export.requested",
            actor=user,
            subject=user,
            target=f"export:{export.public_id}",
            ip_address=ip_address,
        )
        export_id = export.pk
        transaction.on_commit(lambda: _enqueue(export_id), robust=True)
    return export


def _enqueue(export_id: int) -> None:
    from privacy.tasks import build_export

    build_export.delay(export_id)


def _progress(export: DataExport) -> Progress:
    def report(percent: int, stage: str) -> None:
        DataExport.objects.filter(pk=export.pk).update(progress=percent, stage=stage[:64])

    return report


def export_build(*, export: DataExport) -> DataExport:
    """The background job: build the archive, store it, e-mail the owner. Running it twice builds once."""
    claimed = DataExport.objects.filter(pk=export.pk, status=ExportStatus.QUEUED).update(
        status=ExportStatus.RUNNING, stage="starting"
    )
    if not claimed:
        return DataExport.objects.get(pk=export.pk)
    user = User.objects.get(pk=export.user_id)
    path = f"{EXPORT_PREFIX}/{user.public_id.hex}/{export.public_id.hex}.zip"
    try:
        with tempfile.TemporaryFile() as spool:
            export_archive_write(user=user, out=spool, progress=_progress(export))
            spool.seek(0)
            saved = default_storage.save(path, File(spool))
            size = default_storage.size(saved)
    except Exception as exc:
        logger.error("Export %s failed: %s", export.public_id, type(exc).__name__)  # noqa: TRY400
        DataExport.objects.filter(pk=export.pk).update(
            status=ExportStatus.FAILED, error="The export could not be built; please try again."
        )
        raise
    if not User.objects.filter(pk=user.pk, is_active=True).exists():
        # The account was deleted while the archive was being built: it must not outlive it.
        default_storage.delete(saved)
        DataExport.objects.filter(pk=export.pk).update(
            status=ExportStatus.FAILED, error="The account was deleted."
        )
        return DataExport.objects.get(pk=export.pk)
    now = timezone.now()
    with transaction.atomic():
        DataExport.objects.filter(pk=export.pk).update(
            status=ExportStatus.READY,
            progress=100,
            stage="ready",
            file_path=saved,
            size_bytes=size,
            finished_at=now,
            expires_at=now + timedelta(hours=settings.EXPORT_LINK_TTL_HOURS),
        )
        audit_record(
            action="export.ready", subject=user, target=f"export:{export.public_id}", new={"size_bytes": size}
        )
        _ready_email_on_commit(user=user, export=export)
    return DataExport.objects.get(pk=export.pk)


def _ready_email_on_commit(*, user: User, export: DataExport) -> None:
    context = {
        "link": base_url() + reverse("privacy:export_download", args=[export.public_id]),
        "page": base_url() + reverse("privacy:privacy"),
        "valid_hours": settings.EXPORT_LINK_TTL_HOURS,
    }
    address = user.email
    transaction.on_commit(
        lambda: send_templated(to=address, template="privacy/export_ready", context=context)
    )


def exports_purge_expired(*, now: Any = None) -> int:
    """Delete the archives whose link expired (they hold personal data; the owner can export again)."""
    now = now or timezone.now()
    purged = 0
    for export in DataExport.objects.filter(status=ExportStatus.READY, expires_at__lte=now):
        if export.file_path:
            default_storage.delete(export.file_path)
        DataExport.objects.filter(pk=export.pk).update(status=ExportStatus.EXPIRED, file_path="")
        purged += 1
    return purged
