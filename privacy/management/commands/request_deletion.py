"""`manage.py request_deletion EMAIL [--now]`: a deletion request received by e-mail.

Without --now the request waits out the grace period like one made in Settings (the user gets the
confirmation e-mail with the cancel link); with --now it runs at once.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.models import User
from privacy.models import DeletionSource, DeletionStatus
from privacy.services.deletion import DeletionError, deletion_request_create
from privacy.services.pipeline import deletion_run_now


class Command(BaseCommand):
    help = "Request the deletion of an account (after the grace period, or at once with --now)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("email")
        parser.add_argument("--now", action="store_true", help="Skip the grace period and run the pipeline.")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(email__iexact=options["email"].strip()).first()
        if user is None:
            raise CommandError("No account has that e-mail address.")
        try:
            request = deletion_request_create(user=user, source=DeletionSource.OPERATOR)
        except DeletionError as exc:
            raise CommandError(exc.message) from exc
        if not options["now"]:
            self.stdout.write(
                f"Deletion {request.public_id} scheduled for {request.due_at:%Y-%m-%d %H:%M} UTC."
            )
            return
        request = deletion_run_now(request=request)
        if request.status == DeletionStatus.COMPLETED:
            self.stdout.write(f"Deletion {request.public_id} completed.")
        else:
            self.stdout.write(
                f"Deletion {request.public_id} is {request.get_status_display().lower()} after step "
                f"{request.step or '-'}: {request.last_error or 'it continues on the next run'}."
            )
