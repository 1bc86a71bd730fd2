"""BM7 — the hosted-canvas relay: the canvas proxy against the same ComfyUI backend reached directly.

One invocation starts, on loopback, the fake ComfyUI backend the tests use (tests/canvas/fake_comfyui.py,
its own uvicorn process) and the platform (`uvicorn comfyweb.asgi:application`, 1 worker, its own
database), registers the backend as a pool backend with one ready session, and then measures, side by
side and interleaved (direct, proxied, direct, proxied, … after a discarded warm-up):

- **small requests**: sequential `GET /api/system_stats` (the latency the proxy adds: p50 / p99 in ms);
- **download**: `GET /view` of a 32 MiB output file (MiB/s, the ratio proxied / direct);
- **websocket relay**: 64 KiB binary frames to `/ws`, each echoed back by the backend (MiB/s round
  trip, the ratio proxied / direct).

Goals (issue 10): download and relay throughput at least 0.5 x direct; at most 2 ms added p50 per
HTTP request.
Prints one `BENCH BM7 …` line and writes bench/results/canvas-<time>.json.

    .venv/bin/python bench/canvas_bench.py            # 5 repetitions (about a minute)
    .venv/bin/python bench/canvas_bench.py --reps 3 --requests 200
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/cw_canvas_bench"
FILE_BYTES = 32 * 1024 * 1024
FRAME_BYTES = 64 * 1024
MIB = 1024 * 1024


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_http(url: str, seconds: float = 30.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=1).status_code < 500:
                return
        except httpx.HTTPError:
            time.sleep(0.1)
    raise SystemExit(f"{url} did not answer within {seconds} s")


def _ensure_database(url: str) -> None:
    if not url.startswith("postgres"):
        return
    import psycopg

    name = url.rsplit("/", 1)[1]
    with psycopg.connect("host=127.0.0.1 port=5432 user=postgres dbname=postgres", autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is None:
            conn.execute(f'CREATE DATABASE "{name}"')


class Stack:
    """The fake backend and the platform, as processes, with one ready session for one user."""

    def __init__(self, work: Path, database: str) -> None:
        self.work = work
        self.backend_port, self.platform_port = _free_port(), _free_port()
        self.backend = f"http://127.0.0.1:{self.backend_port}"
        self.platform = f"http://127.0.0.1:{self.platform_port}"
        self.canvas = f"http://localhost:{self.platform_port}"
        self.env = {
            **os.environ,
            "COMFYWEB_ENV": "development",
            "DEBUG": "0",
            "DATABASE_URL": database,
            "SECRET_KEY": secrets.token_urlsafe(40),
            "PUBLIC_BASE_URL": self.platform,
            "CANVAS_BASE_URL": self.canvas,
            "CANVAS_SPAWNER": "pool",
            "COMFYWEB_DATA_DIR": str(work / "data"),
            "PYTHONPATH": str(ROOT),
        }
        self.env.pop("REDIS_URL", None)
        self.processes: list[subprocess.Popen[bytes]] = []

    def start(self) -> None:
        folders = {name: self.work / name for name in ("user", "input", "output", "temp")}
        (folders["output"]).mkdir(parents=True)
        (folders["output"] / "bench.mp4").write_bytes(os.urandom(FILE_BYTES))
        fake = ROOT / "tests" / "canvas" / "fake_comfyui.py"
        backend_args = [sys.executable, str(fake), "--port", str(self.backend_port)]
        for name, flag in (("user", "--user-directory"), ("input", "--input-directory")):
            backend_args += [flag, str(folders[name])]
        backend_args += [
            "--output-directory",
            str(folders["output"]),
            "--temp-directory",
            str(folders["temp"]),
        ]
        self.processes.append(subprocess.Popen(backend_args, env=self.env, cwd=ROOT))  # noqa: S603 - our argv
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
            env=self.env,
            cwd=ROOT,
            check=True,
        )
        platform_args = [sys.executable, "-m", "uvicorn", "comfyweb.asgi:application", "--port"]
        platform_args += [str(self.platform_port), "--log-level", "warning", "--no-access-log"]
        self.processes.append(subprocess.Popen(platform_args, env=self.env, cwd=ROOT))  # noqa: S603 - our argv
        _wait_http(self.backend + "/api/system_stats")
        _wait_http(self.platform + "/health")

    def session_cookie(self) -> tuple[str, str]:
        """A ready session on the registered backend; (session id, the canvas cookie's `name=value`)."""
        os.environ.update(self.env)  # the same database and SECRET_KEY as the platform process
        sys.path.insert(0, str(ROOT))
        os.environ["DJANGO_SETTINGS_MODULE"] = "comfyweb.settings"
        import django

        django.setup()
        from django.utils import timezone

        from accounts.models import User
        from canvas.cookies import cookie_header
        from canvas.models import CanvasBackend, CanvasSession, SessionStatus

        user = User.objects.create_user(email=f"bench-{secrets.token_hex(4)}@example.com", password=None)
        backend = CanvasBackend.objects.create(label=f"bench-{secrets.token_hex(4)}", url=self.backend)
        now = timezone.now()
        session = CanvasSession.objects.create(
            user=user,
            status=SessionStatus.READY,
            spawner="pool",
            backend=backend,
            backend_url=self.backend,
            started_at=now,
            ready_at=now,
        )
        cookie = cookie_header(session_public_id=str(session.public_id), user_id=user.pk).split(";", 1)[0]
        return str(session.public_id), cookie

    def stop(self) -> None:
        for process in self.processes:
            process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()


def _latencies(client: httpx.Client, url: str, count: int) -> list[float]:
    samples = []
    for _ in range(count):
        started = time.perf_counter()
        response = client.get(url)
        samples.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    return samples


def _download(client: httpx.Client, url: str) -> float:
    started = time.perf_counter()
    size = 0
    with client.stream("GET", url) as response:
        assert response.status_code == 200, (url, response.status_code)
        for chunk in response.iter_raw():
            size += len(chunk)
    assert size == FILE_BYTES, size
    return size / MIB / (time.perf_counter() - started)


def _relay(url: str, cookie: str, frames: int) -> float:
    from websockets.sync.client import connect

    headers = {"Cookie": cookie} if cookie else {}
    origin = url.replace("ws://", "http://").split("/s/")[0] if cookie else None
    payload = os.urandom(FRAME_BYTES)
    with connect(url, additional_headers=headers, origin=origin, max_size=4 * MIB) as ws:  # type: ignore[arg-type]
        ws.recv()  # the status message
        started = time.perf_counter()
        for _ in range(frames):
            ws.send(payload)
            echoed = ws.recv()
            assert isinstance(echoed, bytes)
            assert len(echoed) == FRAME_BYTES + 5
        elapsed = time.perf_counter() - started
    return 2 * frames * FRAME_BYTES / MIB / elapsed


def _alternate(
    reps: int, direct: Callable[[], Any], proxied: Callable[[], Any]
) -> tuple[list[Any], list[Any]]:
    direct(), proxied()  # warm-up, discarded
    a, b = [], []
    for rep in range(reps):
        for side, run in ((a, direct), (b, proxied)) if rep % 2 == 0 else ((b, proxied), (a, direct)):
            side.append(run())
    return a, b


def _pct(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--requests", type=int, default=300, help="small requests per repetition and side")
    parser.add_argument("--frames", type=int, default=400, help="websocket frames per repetition and side")
    options = parser.parse_args()
    database = os.environ.get("DATABASE_URL", DEFAULT_DB)
    _ensure_database(database)
    with tempfile.TemporaryDirectory(prefix="canvas-bench-") as work:
        stack = Stack(Path(work), database)
        try:
            stack.start()
            session_id, cookie = stack.session_cookie()
            proxied_base = f"{stack.canvas}/s/{session_id}"
            direct_client = httpx.Client(base_url=stack.backend, timeout=60)
            proxied_client = httpx.Client(base_url=proxied_base, headers={"Cookie": cookie}, timeout=60)
            small = _alternate(
                options.reps,
                lambda: _latencies(direct_client, "/api/system_stats", options.requests),
                lambda: _latencies(proxied_client, "/api/system_stats", options.requests),
            )
            view = "/view?filename=bench.mp4&type=output"
            download = _alternate(
                options.reps, lambda: _download(direct_client, view), lambda: _download(proxied_client, view)
            )
            ws_direct = stack.backend.replace("http://", "ws://") + "/ws?clientId=bench"
            ws_proxied = proxied_base.replace("http://", "ws://") + "/ws?clientId=bench"
            relay = _alternate(
                options.reps,
                lambda: _relay(ws_direct, "", options.frames),
                lambda: _relay(ws_proxied, cookie, options.frames),
            )
        finally:
            stack.stop()
    p50_direct = statistics.median(_pct(run, 0.5) for run in small[0])
    p50_proxied = statistics.median(_pct(run, 0.5) for run in small[1])
    p99_direct = statistics.median(_pct(run, 0.99) for run in small[0])
    p99_proxied = statistics.median(_pct(run, 0.99) for run in small[1])
    result = {
        "id": "BM7",
        "reps": options.reps,
        "small_p50_ms": {"direct": round(p50_direct, 3), "proxied": round(p50_proxied, 3)},
        "small_p99_ms": {"direct": round(p99_direct, 3), "proxied": round(p99_proxied, 3)},
        "added_p50_ms": round(p50_proxied - p50_direct, 3),
        "added_p99_ms": round(p99_proxied - p99_direct, 3),
        "download_mib_s": {
            "direct": round(statistics.median(download[0]), 1),
            "proxied": round(statistics.median(download[1]), 1),
        },
        "download_ratio": round(statistics.median(p / d for d, p in zip(*download, strict=True)), 3),
        "relay_mib_s": {
            "direct": round(statistics.median(relay[0]), 1),
            "proxied": round(statistics.median(relay[1]), 1),
        },
        "relay_ratio": round(statistics.median(p / d for d, p in zip(*relay, strict=True)), 3),
        "load_average": os.getloadavg(),
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"canvas-{time.strftime('%Y%m%d-%H%M%S')}.json").write_text(json.dumps(result, indent=2))
    print(
        f"BENCH BM7 added_p50_ms={result['added_p50_ms']} added_p99_ms={result['added_p99_ms']} "
        f"download_ratio={result['download_ratio']} relay_ratio={result['relay_ratio']} "
        f"download_mib_s={result['download_mib_s']} relay_mib_s={result['relay_mib_s']}"
    )


if __name__ == "__main__":
    main()
