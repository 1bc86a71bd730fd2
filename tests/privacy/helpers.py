"""Shared steps of the privacy tests."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from accounts.models import User
from privacy.models import DeletionRequest, DeletionSource
from privacy.services.deletion import deletion_request_create
from privacy.services.pipeline import deletion_run


def request_due(user: User) -> DeletionRequest:
    """A deletion request whose grace period is already over."""
    request = deletion_request_create(user=user, source=DeletionSource.OPERATOR)
    DeletionRequest.objects.filter(pk=request.pk).update(due_at=timezone.now() - timedelta(seconds=1))
    request.refresh_from_db()
    return request


def run(request: DeletionRequest) -> DeletionRequest:
    return deletion_run(request=DeletionRequest.objects.get(pk=request.pk))
