"""The one-command local run: migrate, seed the demo account, run the periodic sweepers in-process and
serve HTTP + websockets with uvicorn on http://127.0.0.1:8000."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser


class Command(BaseCommand):
    help = "Migrate, seed the demo account and serve the platform (development only)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--no-seed", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.PRODUCTION:
            raise CommandError("serve is the local run; production runs uvicorn/celery (docs/deploy.md).")
        import uvicorn

        from comfyweb.scheduler import start_in_process_scheduler

        call_command("migrate", interactive=False, verbosity=0)
        if not options["no_seed"]:
            call_command("seed_demo")
        from canvas.services import sessions_reconcile

        sessions_reconcile()  # hosted sessions whose backends did not survive the restart end; orphans stop
        start_in_process_scheduler()
        url = f"http://{options['host']}:{options['port']}"
        self.stdout.write(self.style.SUCCESS(f"comfyweb is running at {url}  (Ctrl-C to stop)"))
        if settings.CANVAS_BASE_URL:
            self.stdout.write(f"hosted ComfyUI sessions are served at {settings.CANVAS_BASE_URL}")
        uvicorn.run(
            "comfyweb.asgi:application",
            host=options["host"],
            port=options["port"],
            log_level="info",
            lifespan="off",
            ws="websockets-sansio",
        )
