"""`manage.py payments_reconcile [--days N]`: payments vs ledger; exits 1 on any difference."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from billing.payments.reconcile import payments_reconcile


class Command(BaseCommand):
    help = "Reconcile paid purchases, refunds and disputes against the ledger."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--days", type=int, default=30)

    def handle(self, *args: Any, **options: Any) -> None:
        report = payments_reconcile(since=timezone.now() - timedelta(days=options["days"]))
        for problem in report.problems:
            self.stderr.write(problem)
        self.stdout.write(f"purchases checked: {report.purchases_checked}, diff: {report.diff}")
        if report.diff:
            raise CommandError(f"{report.diff} payment(s) do not match the ledger.")
