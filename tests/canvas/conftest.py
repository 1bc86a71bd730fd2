"""Fixtures for the hosted-canvas tests: the fake ComfyUI started by the real `local` spawner, and the whole
platform under uvicorn on loopback with its two origins (platform 127.0.0.1, canvas localhost)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.nodes.loopback import free_port

FAKE = Path(__file__).with_name("fake_comfyui.py")
FAKE_COMMAND = (
    f"{sys.executable} {FAKE} --listen 127.0.0.1 --port {{port}} --comfy-api-base {{api_base}} "
    "--user-directory {user_dir} --input-directory {input_dir} --output-directory {output_dir} "
    "--temp-directory {temp_dir}"
)


@pytest.fixture
def canvas_local(settings: Any, tmp_path: Path) -> Iterator[Path]:
    """The `local` spawner running tests/canvas/fake_comfyui.py; every live session ends afterwards and
    no process of this test survives it."""
    settings.CANVAS_SPAWNER = "local"
    settings.CANVAS_COMFYUI_COMMAND = FAKE_COMMAND
    settings.CANVAS_COMFYUI_EXTRA_ARGS = ""
    settings.CANVAS_DATA_DIR = tmp_path / "canvas"
    settings.CANVAS_START_TIMEOUT_SECONDS = 20
    settings.CANVAS_LOCAL_MAX_SESSIONS = 2
    yield settings.CANVAS_DATA_DIR
    from canvas.models import LIVE_STATUSES, CanvasSession, EndReason
    from canvas.services import reap_orphans, session_end

    for session in CanvasSession.objects.filter(status__in=LIVE_STATUSES):
        session_end(session=session, reason=EndReason.OPERATOR)
    reap_orphans()


@dataclass
class Platform:
    url: str  # the platform's origin
    canvas: str  # the canvas origin


def _serve(settings: Any, scheme: str, **tls: str) -> Iterator[Platform]:
    """The whole platform under uvicorn on one loopback port: platform 127.0.0.1, canvas localhost."""
    import uvicorn

    from comfyweb.asgi import application

    port = free_port()
    settings.PUBLIC_BASE_URL = f"{scheme}://127.0.0.1:{port}"
    settings.CANVAS_BASE_URL = f"{scheme}://localhost:{port}"
    config = uvicorn.Config(
        application,
        host="127.0.0.1",
        port=port,
        log_level="warning",
        lifespan="off",
        ws="websockets-sansio",
        **tls,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(200):
        if server.started:
            break
        time.sleep(0.05)
    try:
        yield Platform(url=settings.PUBLIC_BASE_URL, canvas=settings.CANVAS_BASE_URL)
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture
def canvas_platform(settings: Any, canvas_local: Path) -> Iterator[Platform]:
    yield from _serve(settings, "http")


@pytest.fixture
def canvas_platform_tls(settings: Any, canvas_local: Path, tmp_path: Path) -> Iterator[Platform]:
    """The same over https, with a self-signed certificate for both host names (the browser is told to
    accept it), as behind the TLS proxy of a real deployment."""
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    openssl = shutil.which("openssl") or "openssl"
    subprocess.run(  # noqa: S603 - fixed arguments, no input
        [
            openssl,
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=localhost",
            "-keyout",
            str(key),
            "-out",
            str(cert),
            "-addext",
            "subjectAltName=DNS:localhost,IP:127.0.0.1",
        ],
        check=True,
        capture_output=True,
    )
    yield from _serve(settings, "https", ssl_certfile=str(cert), ssl_keyfile=str(key))


def start_ready(user: Any, timeout: float = 20.0) -> Any:
    from canvas.models import SessionStatus
    from canvas.services import session_create, session_wait_ready

    session, _created = session_create(user=user)
    session = session_wait_ready(session=session, timeout=timeout)
    assert session.status == SessionStatus.READY, (session.status, session.end_reason, session.end_detail)
    return session


@dataclass
class CanvasBrowser:
    """What a browser holds on the canvas origin after the ticket exchange: the cookie."""

    base: str  # http://localhost:<port>/s/<session>/
    cookie: str
    platform: Platform

    def client(self) -> httpx.Client:
        # The canvas is reached over loopback; the Host header is the canvas origin's, as a browser sends it.
        return httpx.Client(base_url=self.base, headers={"Cookie": self.cookie}, timeout=20)


def exchange_ticket(platform: Platform, session: Any) -> CanvasBrowser:
    from canvas.services import session_url, ticket_issue

    url = session_url(session, ticket_issue(session=session))
    response = httpx.get(url, follow_redirects=False, timeout=20)
    assert response.status_code == 302, response.text
    cookie = response.headers["set-cookie"].split(";", 1)[0]
    return CanvasBrowser(base=session_url(session), cookie=cookie, platform=platform)


def process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie is dead for our purposes (its parent has not collected it yet).
    return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"


def process_gone_soon(pid: int, seconds: float = 5.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not process_alive(pid):
            return True
        time.sleep(0.05)
    return False
