"""`manage.py grant_credits EMAIL --usd AMOUNT --reason TEXT [--ticket T] [--key K]`, as the system actor."""

from __future__ import annotations

import uuid
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.models import User
from billing.errors import LedgerError
from billing.models import GrantStatus
from billing.money import format_usd, usd_to_micros
from billing.selectors import wallet_get_for_user
from billing.services import credits_grant


class Command(BaseCommand):
    help = "Grant credits to a user through the ledger service (system actor)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("email")
        parser.add_argument("--usd", required=True, help="Amount in USD, e.g. 20 or 12.50")
        parser.add_argument("--reason", required=True)
        parser.add_argument("--ticket", default="manage.py grant_credits")
        parser.add_argument("--key", default="", help="Idempotency key (default: a new one per run)")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(email__iexact=options["email"].strip()).first()
        if user is None:
            raise CommandError(f"No user with the e-mail {options['email']!r}.")
        try:
            amount = usd_to_micros(options["usd"])
            grant = credits_grant(
                wallet=wallet_get_for_user(user=user),
                amount_micros=amount,
                actor=None,
                reason=options["reason"],
                ticket=options["ticket"],
                key=options["key"] or f"cli-{uuid.uuid4()}",
            )
        except (ValueError, LedgerError) as exc:
            raise CommandError(str(exc)) from exc
        if grant.status == GrantStatus.PENDING:
            self.stdout.write(f"Grant {grant.pk} of {format_usd(amount)} awaits a staff approval (admin).")
        else:
            self.stdout.write(f"Granted {format_usd(amount)} to {user.email} (grant {grant.pk}).")
