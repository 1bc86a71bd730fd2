"""The one-command local run: migrate, seed the demo account, run the periodic sweepers in-process and
serve HTTP + websockets with uvicorn on http://127.0.0.1:8000 (or the --port / `make run PORT=…` given).

The listening socket is bound first, so that a port already in use is said plainly (with the way to pick
another) before anything claims to be running, and so that the address really bound (`--port 0` picks a
free one) is the one links, e-mails, polling URLs and the /keys hint use: PUBLIC_BASE_URL follows it
unless the environment sets it. Sandbox vendors are called in-process (nodes.engine.forward), so they
never depend on that address at all.
"""

from __future__ import annotations

import errno
import os
import socket
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser


def bind(host: str, port: int) -> socket.socket:
    """A listening TCP socket on host:port, or CommandError saying what to do instead."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise CommandError(
                f"Port {port} on {host} is already in use (another comfyweb or another server?). "
                f"Pick another port: make run PORT={port + 1}  (or: manage.py serve --port {port + 1}; "
                "--port 0 picks a free one)."
            ) from exc
        raise CommandError(f"Cannot listen on {host}:{port}: {exc.strerror or exc}.") from exc
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def base_url_of(sock: socket.socket) -> str:
    """The address a browser on this machine uses (a wildcard bind is reached through loopback)."""
    host, port = sock.getsockname()[:2]
    host = {"0.0.0.0": "127.0.0.1", "::": "::1"}.get(host, host)  # noqa: S104 - naming it, not binding it
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}"


def follow_bound_address(url: str) -> None:
    """PUBLIC_BASE_URL (and the CSRF origin derived from it) = where this server really listens, unless
    the environment chose them."""
    if os.environ.get("PUBLIC_BASE_URL"):
        return
    previous = settings.PUBLIC_BASE_URL
    settings.PUBLIC_BASE_URL = url
    if not os.environ.get("CSRF_TRUSTED_ORIGINS"):
        settings.CSRF_TRUSTED_ORIGINS = [url] + [o for o in settings.CSRF_TRUSTED_ORIGINS if o != previous]
    # The hosted-ComfyUI origin is the same server under another loopback name (settings: localhost).
    canvas = url.replace("://127.0.0.1", "://localhost", 1)
    if settings.CANVAS_BASE_URL and not os.environ.get("CANVAS_BASE_URL") and canvas != url:
        settings.CANVAS_BASE_URL = canvas


class Command(BaseCommand):
    help = "Migrate, seed the demo account and serve the platform (development only)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT") or 8000))
        parser.add_argument("--no-seed", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.PRODUCTION:
            raise CommandError("serve is the local run; production runs uvicorn/celery (docs/deploy.md).")
        import uvicorn

        from comfyweb.scheduler import start_in_process_scheduler

        sock = bind(options["host"], options["port"])
        url = base_url_of(sock)
        follow_bound_address(url)
        call_command("migrate", interactive=False, verbosity=0)
        if not options["no_seed"]:
            call_command("seed_demo")
        from canvas.services import sessions_reconcile

        sessions_reconcile()  # hosted sessions whose backends did not survive the restart end; orphans stop
        start_in_process_scheduler()
        self.stdout.write(self.style.SUCCESS(f"comfyweb is running at {url}  (Ctrl-C to stop)"))
        if settings.CANVAS_BASE_URL:
            self.stdout.write(f"hosted ComfyUI sessions are served at {settings.CANVAS_BASE_URL}")
        self.stdout.flush()
        config = uvicorn.Config(
            "comfyweb.asgi:application",
            log_level="info",
            lifespan="off",
            ws="websockets-sansio",
        )
        uvicorn.Server(config).run(sockets=[sock])
