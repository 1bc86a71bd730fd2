"""Privacy reads: an account's deletion state (the support console shows it), its uploads and exports."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from django.core.files.storage import default_storage
from django.db.models import QuerySet
from django.http import Http404

from accounts.models import User
from billing.payments.models import ChargeState, DisputeStatus, Purchase
from nodes.storage import STORAGE_PREFIX
from privacy.models import OPEN_DELETION, DataExport, DeletionRequest, DeletionStatus


@dataclass(frozen=True)
class DeletionState:
    """Where an account stands with deletion. `request` is the open request, else the latest one."""

    request: DeletionRequest | None
    status: str  # "none" or a DeletionStatus value
    status_label: str
    step: str
    steps_done: int
    steps_total: int
    due_at: datetime | None
    on_hold: bool
    hold_reason: str
    held_by_id: int | None
    open_disputes: int  # a deletion is refused while any is open

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_DELETION


def deletion_request_open_for_user(*, user: User) -> DeletionRequest | None:
    return DeletionRequest.objects.filter(user=user, status__in=OPEN_DELETION).first()


def deletion_state_for_user(user: User) -> DeletionState:
    """The account's deletion state: the open request, else the most recent one, else "none"."""
    from privacy.services.pipeline import STEP_NAMES

    request = deletion_request_open_for_user(user=user) or (
        DeletionRequest.objects.filter(user=user).order_by("-requested_at", "-id").first()
    )
    disputes = open_disputes_count(user=user)
    if request is None:
        return DeletionState(
            request=None,
            status="none",
            status_label="No deletion requested",
            step="",
            steps_done=0,
            steps_total=len(STEP_NAMES),
            due_at=None,
            on_hold=False,
            hold_reason="",
            held_by_id=None,
            open_disputes=disputes,
        )
    done = STEP_NAMES.index(request.step) + 1 if request.step in STEP_NAMES else 0
    return DeletionState(
        request=request,
        status=request.status,
        status_label=DeletionStatus(request.status).label,
        step=request.step,
        steps_done=done,
        steps_total=len(STEP_NAMES),
        due_at=request.due_at,
        on_hold=request.status == DeletionStatus.ON_HOLD,
        hold_reason=request.hold_reason,
        held_by_id=request.held_by_id,
        open_disputes=disputes,
    )


def open_disputes_count(*, user: User) -> int:
    """Payment disputes still open on the user's payments (Stripe told us through the webhook)."""
    intents = Purchase.objects.filter(user=user, payment_intent_id__isnull=False).values("payment_intent_id")
    return ChargeState.objects.filter(
        payment_intent_id__in=intents, dispute_status=DisputeStatus.OPEN
    ).count()


def uploads_prefix(*, user: User) -> str:
    return f"{STORAGE_PREFIX}/{user.public_id.hex}"


def uploads_for_user(*, user: User) -> list[str]:
    """Storage paths of every file the user uploaded through /customers/storage (they are not in the DB)."""
    return _walk(uploads_prefix(user=user))


def _walk(directory: str) -> list[str]:
    try:
        folders, files = default_storage.listdir(directory)
    except FileNotFoundError:
        return []
    found = [f"{directory}/{name}" for name in sorted(files)]
    for folder in sorted(folders):
        found.extend(_walk(f"{directory}/{folder}"))
    return found


def exports_for_user(*, user: User) -> QuerySet[DataExport]:
    return DataExport.objects.filter(user=user).order_by("-created_at", "-id")


def export_get_for_user(*, user: User, export_public_id: UUID | str) -> DataExport:
    """The owner-scoped getter: someone else's (or a malformed) id is a 404."""
    try:
        return DataExport.objects.get(user=user, public_id=export_public_id)
    except (DataExport.DoesNotExist, ValueError) as exc:
        raise Http404("No such export.") from exc
