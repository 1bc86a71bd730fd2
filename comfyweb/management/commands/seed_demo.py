"""Create (or reuse) the demo account of the one-command local run and print how to sign in."""

from __future__ import annotations

import secrets
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

DEMO_EMAIL = "demo@comfyweb.local"


class Command(BaseCommand):
    help = "Create the demo account for local runs (never in production)."

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.PRODUCTION:
            raise CommandError("seed_demo refuses to run under production settings.")
        from accounts.models import User

        password_file = settings.DATA_DIR / "demo_password"
        user = User.objects.filter(email=DEMO_EMAIL).first()
        if user is None or not password_file.exists():
            password = secrets.token_urlsafe(12)
            settings.DATA_DIR.mkdir(parents=True, exist_ok=True)
            password_file.write_text(password)
            if user is None:
                user = User.objects.create_user(
                    email=DEMO_EMAIL, password=password, name="Demo Artist", email_verified_at=timezone.now()
                )
            else:
                user.set_password(password)
                user.save(update_fields=["password"])
        password = password_file.read_text().strip()
        from comfyweb.seeding import seed_demo_extras

        seed_demo_extras(user)
        self.stdout.write(self.style.SUCCESS(f"Demo account: {DEMO_EMAIL}  password: {password}"))
