"""`manage.py export_user_data EMAIL --out FILE`: the Settings → Privacy export, for an operator."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.models import User
from accounts.services.audit import audit_record
from privacy.services.export import export_archive_write


class Command(BaseCommand):
    help = "Write one user's data export (the same ZIP as Settings → Privacy) to a file."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("email")
        parser.add_argument("--out", required=True, help="Path of the ZIP file to write.")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(email__iexact=options["email"].strip()).first()
        if user is None:
            raise CommandError("No account has that e-mail address.")
        out = Path(options["out"])
        if out.is_dir():
            raise CommandError(f"{out} is a directory; give the path of the ZIP file to write.")
        with out.open("wb") as handle:
            export_archive_write(user=user, out=handle)
        audit_record(action="export.operator", subject=user, target=f"user:{user.public_id}")
        self.stdout.write(f"Wrote {out} ({out.stat().st_size} bytes).")
