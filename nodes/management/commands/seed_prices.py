"""`manage.py seed_prices`: load the initial price table from the vendor modules (idempotent)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from nodes.services import prices_seed


class Command(BaseCommand):
    help = "Create the first price version from nodes/vendors/*.py defaults (no-op if one exists)."

    def handle(self, *args: Any, **options: Any) -> None:
        version = prices_seed()
        self.stdout.write(f"Price version in place: {version} ({version.prices.count()} rows).")
