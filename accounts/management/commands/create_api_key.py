"""Operator command: `manage.py create_api_key EMAIL [--name NAME] [--create-user]` prints a key once."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import User
from accounts.services.api_keys import api_key_create
from comfyweb.errors import ApiError


class Command(BaseCommand):
    help = "Create an API key for a user and print it (the only time it is shown)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("email")
        parser.add_argument("--name", default="Operator key", help="A label for the key.")
        parser.add_argument(
            "--create-user",
            action="store_true",
            help="Create a verified user with an unusable password if none has this e-mail address.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        user = self._user(options["email"].strip().lower(), create=options["create_user"])
        try:
            _api_key, plaintext = api_key_create(user=user, name=options["name"])
        except ApiError as exc:
            raise CommandError(exc.message) from exc
        self.stderr.write(f"Created key {options['name']!r} for {user.email}. It is not shown again:")
        self.stdout.write(plaintext)

    @staticmethod
    def _user(email: str, *, create: bool) -> User:
        user = User.objects.filter(email__iexact=email).first()
        if user is not None:
            return user
        if not create:
            raise CommandError(f"No user with the e-mail address {email}. Use --create-user to create one.")
        try:
            with transaction.atomic():
                # Unusable password: the operator hands out a key; the owner can set a password by reset.
                return User.objects.create_user(email=email, password=None, email_verified_at=timezone.now())
        except IntegrityError as exc:
            raise CommandError(f"Could not create {email}: {exc}") from exc
