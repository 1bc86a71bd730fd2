"""The `local` spawner: one ComfyUI process per session on this machine.

Each process runs in its own process group with a marker in its environment
(`COMFYWEB_CANVAS=<instance>:<session id>`), so that any web or worker process — also after a restart —
can tell which session a process belongs to, stop it, and find orphans by scanning /proc. The instance
part keeps two platforms on one machine (or two test databases) from touching each other's processes.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shlex
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from canvas.spawners import Launched, SpawnError

if TYPE_CHECKING:
    from canvas.models import CanvasSession

MARK_VARIABLE = "COMFYWEB_CANVAS"
STOP_GRACE_SECONDS = 5.0
# Processes this process started, so their exit status is collected (no zombies) when they stop.
_CHILDREN: dict[int, subprocess.Popen[bytes]] = {}


def instance_id() -> str:
    """Names this platform instance: its database and canvas data directory."""
    identity = f"{connection.settings_dict['NAME']}|{settings.CANVAS_DATA_DIR}"
    return hashlib.sha256(identity.encode()).hexdigest()[:12]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def user_root(user_id: int) -> Path:
    return Path(settings.CANVAS_DATA_DIR) / "users" / str(user_id)


def user_dirs(user_id: int) -> dict[str, Path]:
    """The per-user persistent directories (workflows, inputs, outputs) that outlive sessions."""
    root = user_root(user_id)
    return {"user_dir": root / "user", "input_dir": root / "input", "output_dir": root / "output"}


def temp_dir(session_id: str) -> Path:
    return Path(settings.CANVAS_DATA_DIR) / "tmp" / session_id


def build_command(session: CanvasSession, port: int) -> list[str]:
    """The command template, split like a shell would and then filled in token by token (so a directory
    with spaces stays one argument and nothing is ever interpreted by a shell)."""
    dirs = user_dirs(session.user_id)
    places = {
        "python": settings.CANVAS_PYTHON,
        "comfyui_dir": settings.CANVAS_COMFYUI_DIR,
        "port": str(port),
        "api_base": settings.PUBLIC_BASE_URL,
        "temp_dir": str(temp_dir(str(session.public_id))),
        **{name: str(path) for name, path in dirs.items()},
    }
    template = shlex.split(settings.CANVAS_COMFYUI_COMMAND) + shlex.split(settings.CANVAS_COMFYUI_EXTRA_ARGS)
    try:
        return [token.format(**places) for token in template]
    except (KeyError, IndexError, ValueError) as exc:
        raise SpawnError(f"CANVAS_COMFYUI_COMMAND has an unknown placeholder: {exc}") from exc


def _marked_processes() -> dict[int, str]:
    """pid → session id of every process on this machine carrying this instance's marker."""
    prefix = f"{MARK_VARIABLE}={instance_id()}:".encode()
    found: dict[int, str] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError):
            for variable in (entry / "environ").read_bytes().split(b"\0"):
                if variable.startswith(prefix):
                    found[int(entry.name)] = variable[len(prefix) :].decode()
                    break
    return found


def _process_of(pid: int, session_id: str) -> bool:
    """Whether `pid` is still the process started for `session_id` (a reused pid never matches)."""
    child = _CHILDREN.get(pid)
    if child is not None and child.poll() is not None:
        _CHILDREN.pop(pid, None)
        return False
    try:
        environ = Path(f"/proc/{pid}/environ").read_bytes()
    except OSError:
        return False
    return f"{MARK_VARIABLE}={instance_id()}:{session_id}".encode() in environ.split(b"\0")


def _terminate(pid: int, session_id: str) -> None:
    """SIGTERM the process group, wait, then SIGKILL what is left."""
    for sig, wait in ((signal.SIGTERM, STOP_GRACE_SECONDS), (signal.SIGKILL, 2.0)):
        if not _process_of(pid, session_id):
            return
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pid, sig)
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline and _process_of(pid, session_id):
            time.sleep(0.05)
    child = _CHILDREN.pop(pid, None)
    if child is not None:
        with contextlib.suppress(subprocess.TimeoutExpired):
            child.wait(timeout=1)


class LocalSpawner:
    name = "local"

    def assign(self, session: CanvasSession) -> bool:
        from canvas.models import CanvasSession, SessionStatus

        for slot in range(settings.CANVAS_LOCAL_MAX_SESSIONS):
            try:
                with (
                    transaction.atomic()
                ):  # a savepoint: a taken slot must not poison the caller's transaction
                    updated = CanvasSession.objects.filter(pk=session.pk, status=SessionStatus.QUEUED).update(
                        status=SessionStatus.STARTING,
                        slot=slot,
                        started_at=timezone.now(),
                        price_per_minute_micros=settings.CANVAS_LOCAL_PRICE_PER_MINUTE_MICROS,
                    )
            except IntegrityError:  # the slot is taken (canvas_local_slot_taken_once): try the next
                continue
            return updated == 1
        return False

    def launch(self, session: CanvasSession) -> Launched:
        if not settings.CANVAS_COMFYUI_COMMAND:
            raise SpawnError("CANVAS_COMFYUI_COMMAND is not set.")
        session_id = str(session.public_id)
        for path in [*user_dirs(session.user_id).values(), temp_dir(session_id)]:
            path.mkdir(parents=True, exist_ok=True)
        port = free_port()
        command = build_command(session, port)
        logs = Path(settings.CANVAS_DATA_DIR) / "logs"
        logs.mkdir(parents=True, exist_ok=True)
        env = {**os.environ, MARK_VARIABLE: f"{instance_id()}:{session_id}"}
        try:
            with (logs / f"{session_id}.log").open("ab") as log:
                child = subprocess.Popen(  # noqa: S603 - a list from the operator's template, no shell
                    command,
                    stdin=subprocess.DEVNULL,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    env=env,
                    start_new_session=True,
                    cwd=settings.CANVAS_COMFYUI_DIR or None,
                )
        except OSError as exc:
            raise SpawnError(f"Could not start {command[0]!r}: {exc}") from exc
        _CHILDREN[child.pid] = child
        return Launched(backend_url=f"http://127.0.0.1:{port}", port=port, pid=child.pid)

    def is_alive(self, session: CanvasSession) -> bool:
        return session.pid is not None and _process_of(session.pid, str(session.public_id))

    def stop(self, session: CanvasSession) -> None:
        session_id = str(session.public_id)
        if session.pid is not None:
            _terminate(session.pid, session_id)
        shutil.rmtree(temp_dir(session_id), ignore_errors=True)

    def health_check(self) -> int:
        return 0  # each session starts its own process, checked for readiness as it starts

    def reap_orphans(self, live_session_ids: set[str]) -> int:
        reaped = 0
        for pid, session_id in _marked_processes().items():
            if session_id not in live_session_ids:
                _terminate(pid, session_id)
                reaped += 1
        for pid, child in list(_CHILDREN.items()):  # collect exit statuses of children that stopped
            if child.poll() is not None:
                _CHILDREN.pop(pid, None)
        return reaped
