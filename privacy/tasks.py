"""Celery tasks: thin wrappers over the privacy services (eager in the embedded run and the tests)."""

from __future__ import annotations

from celery import shared_task

from privacy.models import DataExport, DeletionRequest
from privacy.services.export import export_build, exports_purge_expired
from privacy.services.pipeline import deletion_run, deletions_run_due


@shared_task(name="privacy.build_export", ignore_result=True)  # type: ignore[untyped-decorator]
def build_export(export_id: int) -> None:
    export = DataExport.objects.filter(pk=export_id).first()
    if export is not None:
        export_build(export=export)


@shared_task(name="privacy.run_deletion", ignore_result=True)  # type: ignore[untyped-decorator]
def run_deletion(request_id: int) -> None:
    request = DeletionRequest.objects.filter(pk=request_id).first()
    if request is not None:
        deletion_run(request=request)


@shared_task(name="privacy.run_due_deletions", ignore_result=True)  # type: ignore[untyped-decorator]
def run_due_deletions() -> int:
    """Every minute: deletions whose grace period is over, and unfinished runs (resumed where they stood)."""
    return deletions_run_due()


@shared_task(name="privacy.purge_expired_exports", ignore_result=True)  # type: ignore[untyped-decorator]
def purge_expired_exports() -> int:
    return exports_purge_expired()
