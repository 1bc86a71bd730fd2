"""Operators: list hosted sessions, end one (or all), and reconcile after a restart."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from canvas.models import LIVE_STATUSES, CanvasSession
from canvas.services import session_end_by_operator, sessions_reconcile


class Command(BaseCommand):
    help = "List hosted ComfyUI sessions; --end <id> or --end-all ends them; --reconcile sweeps now."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--all", action="store_true", help="also list ended sessions (last 50)")
        parser.add_argument("--end", metavar="SESSION_ID", help="end this session")
        parser.add_argument("--end-all", action="store_true", help="end every live session")
        parser.add_argument("--reconcile", action="store_true", help="run the sweep (idle, dead, orphans)")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["end"]:
            session = CanvasSession.objects.filter(public_id=options["end"]).first()
            if session is None:
                raise CommandError(f"No session {options['end']}.")
            ended = session_end_by_operator(session=session, actor=None, note="manage.py canvas_sessions")
            self.stdout.write(f"{session.public_id} {'ended' if ended else 'was already over'}")
            return
        if options["end_all"]:
            count = sum(
                session_end_by_operator(session=s, actor=None, note="manage.py canvas_sessions --end-all")
                for s in CanvasSession.objects.filter(status__in=LIVE_STATUSES)
            )
            self.stdout.write(f"ended {count} session(s)")
            return
        if options["reconcile"]:
            self.stdout.write(str(sessions_reconcile()))
            return
        sessions = CanvasSession.objects.select_related("user").order_by("-created_at")
        if not options["all"]:
            sessions = sessions.filter(status__in=LIVE_STATUSES)
        for s in sessions[:50]:
            where = s.backend_url or "-"
            self.stdout.write(f"{s.public_id}  {s.status:8}  {s.user.email}  {where}  pid={s.pid or '-'}")
