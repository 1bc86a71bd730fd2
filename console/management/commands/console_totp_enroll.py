"""`manage.py console_totp_enroll EMAIL`: give a staff member a TOTP authenticator for the console.

Prints the otpauth:// URL (and the base32 secret) once, to be added to an authenticator app. Run it again
with --replace to retire the old device (a lost phone).
"""

from __future__ import annotations

import base64
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import User
from accounts.services.audit import audit_record


class Command(BaseCommand):
    help = "Create a confirmed TOTP device for a staff member and print its otpauth:// URL once."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("email")
        parser.add_argument("--replace", action="store_true", help="Delete the staff member's old devices.")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(email__iexact=options["email"].strip()).first()
        if user is None or not user.is_staff or not user.is_active:
            raise CommandError("No active staff member with that e-mail.")
        with transaction.atomic():
            existing = TOTPDevice.objects.filter(user=user)
            if existing.exists() and not options["replace"]:
                raise CommandError("This staff member already has an authenticator; pass --replace.")
            existing.delete()
            device = TOTPDevice.objects.create(user=user, name="console", confirmed=True)
            audit_record(action="console.otp_enroll", subject=user, target=f"otp_device:{device.pk}")
        secret = base64.b32encode(device.bin_key).decode().rstrip("=")
        self.stdout.write(f"{device.config_url}\nsecret (base32): {secret}\n")
