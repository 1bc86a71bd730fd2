"""`manage.py ledger_check`: recompute every wallet from its entries and holds; non-zero exit on drift."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from billing.audit import ledger_drifts


class Command(BaseCommand):
    help = "Recompute every balance and held amount from the ledger; exit non-zero on any drift."

    def handle(self, *args: Any, **options: Any) -> None:
        drifts = ledger_drifts()
        if drifts:
            for drift in drifts:
                self.stderr.write(str(drift))
            raise CommandError(f"Ledger drift found on {len(drifts)} check(s).")
        self.stdout.write("Ledger OK: every balance and hold total matches its entries.")
