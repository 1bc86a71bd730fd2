"""BM1, BM2, BM5 (quality.md §5): the /proxy engine's added latency, throughput and 1,000 held calls.

Reproduce (loopback only; about 12 minutes in full, 2 in quick mode):

    .venv/bin/python bench/proxy_bench.py            # full: 2,000 requests per cell, 60 s BM2
    .venv/bin/python bench/proxy_bench.py --quick    # 300 requests per cell, 10 s BM2
    .venv/bin/python bench/proxy_bench.py --only BM5 --hold-seconds 30   # quality.md's 30 s hold

What runs:
- a stub vendor upstream (bench/_stub_upstream.py, its own uvicorn process) answering a Recraft-shaped reply
  after the delay named in the request body (`bench-d50` = 50 ms);
- the platform, `uvicorn comfyweb.asgi:application` in a subprocess (1 worker, uvloop + httptools, DEBUG off,
  a psycopg pool of DATABASE_POOL_MAX_SIZE, Redis cache db 6 when reachable), with Recraft in live mode
  pointed at the stub (VENDOR_RECRAFT_MODE/_BASE_URL/_API_KEY), so a proxied call runs the real path:
  API-key auth → route match → price → Idempotency-Key begin → reserve (PG) → httpx to the stub →
  capture + usage row + event (PG) → Idempotency-Key finish;
- the load generator in this process: a lean asyncio HTTP/1.1 keep-alive client (uvloop), so its own CPU
  cost stays small next to the platform's on a 2-core machine. The subject (through /proxy) and the
  reference (the same bytes sent straight to the stub) are interleaved ABAB after a discarded warm-up.

Standalone: it creates and migrates its own PostgreSQL database, is not a test, never runs under pytest,
and stops every process it started on exit, error or Ctrl-C. Results: one `BENCH …` line per figure and
JSON files in bench/results/ (gitignored).
"""
# Owner: H6 (proxy benchmarks BM1/BM2/BM5).

from __future__ import annotations

import argparse
import asyncio
import atexit
import json
import math
import os
import signal
import socket
import statistics
import subprocess
import sys
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = ROOT / "bench"
RESULTS_DIR = BENCH_DIR / "results"
PYTHON = str(ROOT / ".venv" / "bin" / "python")
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(BENCH_DIR))

DB_URL = os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/cw_bench_proxy")
DB_NAME = DB_URL.rsplit("/", 1)[1]
DATA_DIR = "/tmp/cw-h6-bench"  # noqa: S108 — a scratch directory for this local benchmark only
REDIS_URL = "redis://127.0.0.1:6379/6"  # db 6 = helper H6 (team rule: db number = helper number)
POOL_MAX = 20  # docs/deploy.md's example per web process
VENDOR_KEY = "bench-vendor-key"
SECRET = "bench-only-secret-" + "x7Kp2" * 8  # dummy, ≥ 50 characters, never used outside this run
ACCOUNTS = 100
FUNDING_MICROS = 1_000_000_000  # $1,000 per account and run: ~25,000 calls at Recraft's $0.04
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "comfyweb.settings")
os.environ["COMFYWEB_ENV"] = "development"
os.environ["COMFYWEB_DATA_DIR"] = DATA_DIR
os.environ["DEBUG"] = "0"
os.environ["SECRET_KEY"] = SECRET
os.environ["CELERY_TASK_ALWAYS_EAGER"] = "1"
os.environ.pop("DATABASE_POOL_MAX_SIZE", None)  # the seeding process needs no pool

from _stub_upstream import raise_nofile  # noqa: E402

# --- processes -------------------------------------------------------------------------------------------
CHILDREN: list[subprocess.Popen[bytes]] = []


def spawn(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    handle = log.open("wb")
    proc = subprocess.Popen(  # noqa: S603 — fixed argv, our own interpreter
        # Its own session: Ctrl-C reaches only this script, which then stops the child itself. The child
        # inherits the raised RLIMIT_NOFILE (set here with resource.setrlimit before anything is spawned).
        args,
        cwd=ROOT,
        env=env,
        stdout=handle,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    CHILDREN.append(proc)
    return proc


def stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
    if proc in CHILDREN:
        CHILDREN.remove(proc)


def stop_all() -> None:
    while CHILDREN:
        stop(CHILDREN[-1])


def _on_sigterm(signum: int, frame: Any) -> None:
    raise SystemExit(128 + signum)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def redis_reachable() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def platform_env(stub_port: int, use_redis: bool) -> dict[str, str]:
    keep = {name: os.environ[name] for name in ("PATH", "HOME", "LANG", "TMPDIR") if name in os.environ}
    env = {
        **keep,
        "DJANGO_SETTINGS_MODULE": "comfyweb.settings",
        "COMFYWEB_ENV": "development",
        "DEBUG": "0",
        "SECRET_KEY": SECRET,
        "COMFYWEB_DATA_DIR": DATA_DIR,
        "DATABASE_URL": DB_URL,
        "DATABASE_POOL_MAX_SIZE": str(POOL_MAX),
        "CELERY_TASK_ALWAYS_EAGER": "1",
        "LOG_LEVEL": "WARNING",
        "VENDOR_RECRAFT_MODE": "live",
        "VENDOR_RECRAFT_API_KEY": VENDOR_KEY,
        "VENDOR_RECRAFT_BASE_URL": f"http://127.0.0.1:{stub_port}/v1",
        # The per-user/per-key limits (600/min by default) would refuse BM2's load on 100 accounts; the
        # limiter itself still runs on every call (two cache increments), only its ceiling is raised.
        "PROXY_CALLS_PER_MINUTE_PER_USER": "1000000",
        "PROXY_CALLS_PER_MINUTE_PER_KEY": "1000000",
    }
    if use_redis:
        env["REDIS_URL"] = REDIS_URL  # production's cache backend: the limiter's counters live there
    return env


def platform_args(port: int, profile: str = "", workers: int = 1) -> list[str]:
    # One process = one worker; uvicorn picks uvloop and httptools (both installed), as in production.
    # --profile runs it under bench/_sampler.py (an all-threads sampler; figures then are not recorded).
    # --workers N (BM1/BM2 only) forks N workers under a supervisor, as docs/deploy.md's production run.
    runner = [str(BENCH_DIR / "_sampler.py"), "--out", profile, "--"] if profile else ["-m", "uvicorn"]
    more = ["--workers", str(workers)] if workers > 1 else []
    return [
        PYTHON, *runner, "comfyweb.asgi:application", "--host", "127.0.0.1", "--port", str(port),
        "--lifespan", "off", "--no-access-log", "--log-level", "warning", "--backlog", "4096",
        "--timeout-keep-alive", "30", *more,
    ]  # fmt: skip


async def wait_ready(
    proc: subprocess.Popen[bytes], port: int, path: str, log: Path, limit: float = 90
) -> None:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{path} server exited:\n{log.read_text()[-3000:]}")
        try:
            conn = HttpConn("127.0.0.1", port)
            await conn.open()
            status, _, _ = await conn.request(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
            conn.close()
            if status == 200:
                return
        except OSError:
            pass
        await asyncio.sleep(0.2)
    raise RuntimeError(f"server on port {port} not ready after {limit} s:\n{log.read_text()[-3000:]}")


# --- a lean HTTP/1.1 client ---------------------------------------------------------------------------------
class HttpConn:
    """One keep-alive connection; just enough HTTP/1.1 for uvicorn's replies (length or chunked)."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def open(self) -> None:
        self.reader, self.writer = await asyncio.open_connection(self.host, self.port, limit=1 << 20)

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None

    async def request(self, raw: bytes) -> tuple[int, dict[str, str], bytes]:
        if self.writer is None:
            await self.open()
        assert self.reader is not None
        assert self.writer is not None
        self.writer.write(raw)
        head = await self.reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        headers: dict[str, str] = {}
        for line in lines[1:]:
            if line:
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
        if "content-length" in headers:
            body = await self.reader.readexactly(int(headers["content-length"]))
        elif headers.get("transfer-encoding", "").lower() == "chunked":
            parts = []
            while True:
                size = int((await self.reader.readline()).split(b";")[0].strip(), 16)
                if size == 0:
                    while (await self.reader.readline()) not in (b"\r\n", b""):
                        pass
                    break
                parts.append((await self.reader.readexactly(size + 2))[:-2])
            body = b"".join(parts)
        else:
            body = await self.reader.read()
            self.close()
        if headers.get("connection", "").lower() == "close":
            self.close()
        return status, headers, body


# --- requests -----------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Target:
    name: str  # "direct" (the reference) or "proxied" (the subject)
    port: int
    path: str


def body_for(delay_ms: int) -> bytes:
    prompt = f"bench-d{delay_ms} a lighthouse at dusk"
    return json.dumps({"prompt": prompt, "model": "recraftv3", "style": "realistic_image", "n": 1}).encode()


def request_bytes(target: Target, api_key: str, body: bytes) -> bytes:
    """What ComfyUI's API node sends (newer clients add Idempotency-Key to every non-GET call)."""
    credential = (
        f"Authorization: Bearer {VENDOR_KEY}\r\n" if target.name == "direct" else f"X-API-KEY: {api_key}\r\n"
    )
    return (
        f"POST {target.path} HTTP/1.1\r\nHost: 127.0.0.1:{target.port}\r\n{credential}"
        "Content-Type: application/json\r\nAccept: application/json\r\n"
        f"Comfy-Job-Id: {uuid.uuid4()}\r\nComfy-Usage-Source: comfyui-api\r\nComfy-Core-Version: 0.3.60\r\n"
        f"Comfy-Env: local-git\r\nIdempotency-Key: {uuid.uuid4().hex}\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode() + body


def parse_server_timing(value: str) -> dict[str, float]:
    stages: dict[str, float] = {}
    for part in value.split(","):
        name, _, rest = part.strip().partition(";dur=")
        if name and rest:
            try:
                stages[name] = float(rest)
            except ValueError:
                continue
    return stages


def pct(values: list[float], q: float) -> float:
    """Nearest-rank percentile (no interpolation: p99 of 400 samples is the 396th)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))]


CLK_TCK = os.sysconf("SC_CLK_TCK")


def proc_cpu_ms(pid: int) -> float:
    """User + system CPU of a process and its live children (uvicorn's workers) so far, in ms."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) * 1000 / CLK_TCK + sum(proc_cpu_ms(int(c)) for c in children)


class CpuMeter:
    """CPU spent by a server process and (optionally) by the bench database's PostgreSQL backends.

    Per request, this is the load-independent figure on a shared machine: latency and req/s depend on how
    much of the 2 cores the other engineers' test runs leave, CPU-ms per request much less."""

    def __init__(self, pid: int, with_pg: bool) -> None:
        self.pid = pid
        self.with_pg = with_pg

    def pg_backends(self) -> list[int]:
        import psycopg

        with psycopg.connect(DB_URL, autocommit=True) as conn:
            rows = conn.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()", [DB_NAME]
            ).fetchall()
        return [int(row[0]) for row in rows]

    def snapshot(self) -> tuple[float, dict[int, float]]:
        pg = {pid: proc_cpu_ms(pid) for pid in self.pg_backends()} if self.with_pg else {}
        return proc_cpu_ms(self.pid), pg

    @staticmethod
    def spent(
        before: tuple[float, dict[int, float]], after: tuple[float, dict[int, float]]
    ) -> tuple[float, float]:
        """(server CPU ms, PG CPU ms of backends alive at both ends — the pool's connections persist)."""
        pg = sum(after[1][pid] - before[1][pid] for pid in after[1] if pid in before[1])
        return after[0] - before[0], pg


METERS: dict[str, CpuMeter] = {}  # by target name; set once both servers run


@dataclass
class Batch:
    target: str
    concurrency: int
    delay_ms: int
    latencies_ms: list[float] = field(default_factory=list)
    statuses: Counter[str] = field(default_factory=Counter)
    timings: list[dict[str, float]] = field(default_factory=list)
    elapsed_s: float = 0.0
    finished_s: list[float] = field(default_factory=list)  # completion times since the batch started
    cpu_ms: float | None = None  # the server's CPU over the batch (platform, or the stub for direct)
    pg_cpu_ms: float | None = None

    @property
    def ok(self) -> int:
        return self.statuses.get("200", 0)

    @property
    def errors(self) -> int:
        return sum(self.statuses.values()) - self.ok

    def summary(self) -> dict[str, Any]:
        return {
            "target": self.target,
            "concurrency": self.concurrency,
            "delay_ms": self.delay_ms,
            "requests": len(self.latencies_ms),
            "errors": self.errors,
            "statuses": dict(self.statuses),
            "seconds": round(self.elapsed_s, 3),
            "rps": round(len(self.latencies_ms) / self.elapsed_s, 1) if self.elapsed_s else 0.0,
            "p50_ms": round(pct(self.latencies_ms, 0.5), 3),
            "p99_ms": round(pct(self.latencies_ms, 0.99), 3),
            "server_cpu_ms_per_request": self.cpu_per_request(),
            "pg_cpu_ms_per_request": (
                round(self.pg_cpu_ms / len(self.latencies_ms), 3)
                if self.pg_cpu_ms is not None and self.latencies_ms
                else None
            ),
        }

    def cpu_per_request(self) -> float | None:
        if self.cpu_ms is None or not self.latencies_ms:
            return None
        return round(self.cpu_ms / len(self.latencies_ms), 3)


class Accounts:
    """Round-robin over the 100 funded accounts' API keys."""

    def __init__(self, keys: list[str]) -> None:
        self.keys = keys
        self.i = 0

    def next(self) -> str:
        self.i += 1
        return self.keys[self.i % len(self.keys)]


async def run_batch(
    target: Target,
    accounts: Accounts,
    *,
    concurrency: int,
    delay_ms: int,
    count: int,
    seconds: float | None = None,
    timeout: float = 60.0,
    meter: CpuMeter | None = None,
) -> Batch:
    """`count` requests over `concurrency` keep-alive connections (bounded also by `seconds` if given)."""
    batch = Batch(target.name, concurrency, delay_ms)
    body = body_for(delay_ms)
    conns = [HttpConn("127.0.0.1", target.port) for _ in range(concurrency)]
    await asyncio.gather(*(conn.open() for conn in conns))  # connect before the clock starts
    meter = meter or METERS.get(target.name)
    before = await asyncio.to_thread(meter.snapshot) if meter else None
    issued = 0
    started = time.perf_counter()
    deadline = started + seconds if seconds is not None else math.inf

    async def worker(conn: HttpConn) -> None:
        nonlocal issued
        while issued < count and time.perf_counter() < deadline:
            issued += 1
            raw = request_bytes(target, accounts.next(), body)
            t0 = time.perf_counter()
            try:
                status, headers, _ = await asyncio.wait_for(conn.request(raw), timeout)
                key = str(status)
                if "server-timing" in headers and status == 200:
                    batch.timings.append(parse_server_timing(headers["server-timing"]))
            except (OSError, asyncio.IncompleteReadError, TimeoutError, ValueError) as exc:
                key = type(exc).__name__
                conn.close()
            batch.latencies_ms.append((time.perf_counter() - t0) * 1000)
            batch.statuses[key] += 1

    await asyncio.gather(*(worker(conn) for conn in conns))
    batch.elapsed_s = time.perf_counter() - started
    if meter and before:
        batch.cpu_ms, pg_ms = CpuMeter.spent(before, await asyncio.to_thread(meter.snapshot))
        batch.pg_cpu_ms = pg_ms if meter.with_pg else None
    for conn in conns:
        conn.close()
    return batch


# --- database set-up (Django, in this process) -----------------------------------------------------------
def ensure_database() -> str:
    import psycopg

    admin_url = DB_URL.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        # A fresh database every run: the schema and the seeded price version match the code under test.
        conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{DB_NAME}"')
        row = conn.execute("SHOW server_version").fetchone()
    return str(row[0]).split()[0] if row else "?"


def seed(run_id: str) -> list[str]:
    """100 verified users, each with a funded wallet (a sandbox purchase) and one fresh API key."""
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connections
    from django.utils import timezone

    from accounts.models import ApiKey, User
    from accounts.services.api_keys import api_key_create, api_keys_revoke_for_admin
    from billing.selectors import wallet_balance, wallet_get_for_user
    from billing.services import credits_purchase

    call_command("migrate", verbosity=0)
    keys: list[str] = []
    now = timezone.now()
    for n in range(ACCOUNTS):
        email = f"bench-{n:03d}@bench.invalid"
        user = User.objects.filter(email=email).first() or User.objects.create_user(email, None)
        if user.email_verified_at is None:
            user.email_verified_at = now
            user.save(update_fields=["email_verified_at"])
        wallet = wallet_get_for_user(user=user)
        if wallet_balance(wallet=wallet).available_micros < FUNDING_MICROS // 2:
            credits_purchase(
                wallet=wallet,
                amount_micros=FUNDING_MICROS,
                payment_reference=f"bench-{run_id}-{n}",
                source="sandbox",
                key=f"bench-fund-{run_id}-{n}",
            )
        # The plaintext exists only at creation: a fresh key per run, the previous run's revoked.
        api_keys_revoke_for_admin(keys=list(ApiKey.objects.filter(user=user, name="bench", revoked_at=None)))
        keys.append(api_key_create(user=user, name="bench")[1])
    connections.close_all()  # this process holds no connection while the platform is measured
    return keys


def ledger_state(since: datetime) -> dict[str, Any]:
    """After a run: usage rows by status and holds left open since `since`; then `manage.py ledger_check`."""
    from django.db import connections

    from billing.models import Hold, HoldStatus
    from nodes.models import UsageRecord

    statuses = Counter(
        UsageRecord.objects.filter(created_at__gte=since).values_list("status", flat=True).iterator()
    )
    open_holds = Hold.objects.filter(created_at__gte=since, status=HoldStatus.OPEN).count()
    connections.close_all()
    check = subprocess.run(  # noqa: S603 — fixed argv
        [PYTHON, "manage.py", "ledger_check"],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": DB_URL},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    drift_lines = [line for line in check.stderr.splitlines() if line.strip() and "Ledger drift" not in line]
    return {
        "usage_statuses": dict(statuses),
        "open_holds": open_holds,
        "ledger_check_exit": check.returncode,
        "ledger_check_output": (check.stdout + check.stderr).strip()[-2000:],
        "drift": 0 if check.returncode == 0 else max(1, len(drift_lines)),
    }


# --- reporting ---------------------------------------------------------------------------------------------
@dataclass
class Facts:
    nproc: int
    pg: str
    commit: str
    loadavg: tuple[float, float, float]
    redis: bool
    quick: bool
    profiled: bool
    workers: int = 1

    def subject(self) -> str:
        return "proxied" if self.workers == 1 else f"proxied_{self.workers}workers"

    def tail(self) -> str:
        return f"nproc={self.nproc} pg={self.pg} commit={self.commit}"


def git_commit() -> str:
    def git(*args: str) -> str:
        return subprocess.run(  # noqa: S603 — fixed argv
            ["/usr/bin/git", *args], cwd=ROOT, capture_output=True, text=True, check=False, timeout=30
        ).stdout.strip()

    commit = git("rev-parse", "--short", "HEAD") or "unknown"
    return commit + ("+dirty" if git("status", "--porcelain", "--untracked-files=no") else "")


def write_result(bench_id: str, facts: Facts, payload: dict[str, Any]) -> Path:
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    # A profiled run's figures carry the sampler's overhead: kept apart, never a recorded baseline.
    path = RESULTS_DIR / f"{'profiled_' if facts.profiled else ''}proxy_{bench_id}_{stamp}.json"
    record = {
        "bench": bench_id,
        "at": stamp,
        "nproc": facts.nproc,
        "pg": facts.pg,
        "commit": facts.commit,
        "loadavg_at_start": facts.loadavg,
        "redis_cache": facts.redis,
        "quick": facts.quick,
        "pool_max": POOL_MAX,
        "workers": facts.workers,
        **payload,
    }
    path.write_text(json.dumps(record, indent=2, default=str))
    return path


def stage_medians(timings: list[dict[str, float]]) -> dict[str, float]:
    names = sorted({name for stages in timings for name in stages})
    return {name: round(statistics.median(t.get(name, 0.0) for t in timings), 3) for name in names}


def cpu_medians(runs: list[tuple[Batch, Batch]]) -> dict[str, float | None]:
    """Median CPU ms per request: the stub (direct), the platform process and its PG backends (proxied)."""

    def median(values: list[float | None]) -> float | None:
        known = [v for v in values if v is not None]
        return round(statistics.median(known), 3) if known else None

    return {
        "stub_direct": median([a.cpu_per_request() for a, _ in runs]),
        "platform_proxied": median([b.cpu_per_request() for _, b in runs]),
        "pg_proxied": median([b.summary()["pg_cpu_ms_per_request"] for _, b in runs]),
    }


def fmt(ms: float) -> str:
    return f"{ms:.2f}ms"


# --- BM1: added latency ------------------------------------------------------------------------------------
async def bm1(
    direct: Target, proxied: Target, accounts: Accounts, facts: Facts, args: argparse.Namespace
) -> None:
    total = 300 if args.quick else 2000
    reps = args.reps
    per_batch = total // reps
    warmup = 30 if args.quick else 100
    cells: list[dict[str, Any]] = []
    for delay_ms in (0, 50):
        for concurrency in (1, 64):
            for target in (direct, proxied):  # warm-up, discarded
                await run_batch(target, accounts, concurrency=concurrency, delay_ms=delay_ms, count=warmup)
            runs: list[tuple[Batch, Batch]] = []
            for _ in range(reps):  # ABAB…
                a = await run_batch(
                    direct, accounts, concurrency=concurrency, delay_ms=delay_ms, count=per_batch
                )
                b = await run_batch(
                    proxied, accounts, concurrency=concurrency, delay_ms=delay_ms, count=per_batch
                )
                runs.append((a, b))
            cells.append(_bm1_cell(delay_ms, concurrency, runs, facts))
    path = write_result("BM1", facts, {"requests_per_cell": reps * per_batch, "reps": reps, "cells": cells})
    print(f"BM1 results → {path.relative_to(ROOT)}")


def _bm1_cell(
    delay_ms: int, concurrency: int, runs: list[tuple[Batch, Batch]], facts: Facts
) -> dict[str, Any]:
    direct_all = [x for a, _ in runs for x in a.latencies_ms]
    proxied_all = [x for _, b in runs for x in b.latencies_ms]
    ratios = [pct(b.latencies_ms, 0.5) / pct(a.latencies_ms, 0.5) for a, b in runs]
    added_p50 = [pct(b.latencies_ms, 0.5) - pct(a.latencies_ms, 0.5) for a, b in runs]
    added_p99 = [pct(b.latencies_ms, 0.99) - pct(a.latencies_ms, 0.99) for a, b in runs]
    timings = [t for _, b in runs for t in b.timings]
    stages = stage_medians(timings)
    cell = {
        "delay_ms": delay_ms,
        "concurrency": concurrency,
        "direct": {"p50_ms": pct(direct_all, 0.5), "p99_ms": pct(direct_all, 0.99)},
        "proxied": {"p50_ms": pct(proxied_all, 0.5), "p99_ms": pct(proxied_all, 0.99)},
        "ratio_p50_median": statistics.median(ratios),
        "ratios_p50": ratios,
        "added_p50_ms_median": statistics.median(added_p50),
        "added_p99_ms_median": statistics.median(added_p99),
        "errors": {"direct": sum(a.errors for a, _ in runs), "proxied": sum(b.errors for _, b in runs)},
        "rps": {
            "direct": statistics.median(a.summary()["rps"] for a, _ in runs),
            "proxied": statistics.median(b.summary()["rps"] for _, b in runs),
        },
        "cpu_ms_per_request": cpu_medians(runs),
        "server_timing_median_ms": stages,
        "server_timing_sum_median_ms": statistics.median(sum(t.values()) for t in timings)
        if timings
        else None,
        "batches": [[a.summary(), b.summary()] for a, b in runs],
    }
    label = f"c={concurrency},upstream={delay_ms}ms"
    print(
        f"  BM1 {label}: direct p50 {fmt(cell['direct']['p50_ms'])} p99 {fmt(cell['direct']['p99_ms'])} | "
        f"proxied p50 {fmt(cell['proxied']['p50_ms'])} p99 {fmt(cell['proxied']['p99_ms'])} | added p50 "
        f"{fmt(cell['added_p50_ms_median'])} p99 {fmt(cell['added_p99_ms_median'])} | rps direct "
        f"{cell['rps']['direct']} proxied {cell['rps']['proxied']} | errors {cell['errors']} | "
        f"Server-Timing medians {stages} | CPU ms/request {cell['cpu_ms_per_request']}"
    )
    print(
        f"BENCH BM1 subject={facts.subject()}[{label}]:p50={fmt(cell['proxied']['p50_ms'])},"
        f"p99={fmt(cell['proxied']['p99_ms'])},added_p50={fmt(cell['added_p50_ms_median'])} "
        f"reference=direct[{label}]:p50={fmt(cell['direct']['p50_ms'])},p99={fmt(cell['direct']['p99_ms'])} "
        f"ratio={cell['ratio_p50_median']:.2f} {facts.tail()}",
        flush=True,
    )
    return cell


# --- BM2: throughput ---------------------------------------------------------------------------------------
async def bm2(
    direct: Target, proxied: Target, accounts: Accounts, facts: Facts, args: argparse.Namespace
) -> None:
    from django.utils import timezone

    total_s = 10.0 if args.quick else 60.0
    reps = args.reps
    slice_s = total_s / reps
    cap = 100_000  # a count bound as well as the time bound
    since = timezone.now()
    for target in (direct, proxied):
        await run_batch(target, accounts, concurrency=64, delay_ms=0, count=cap, seconds=2.0)
    runs: list[tuple[Batch, Batch]] = []
    for _ in range(reps):
        a = await run_batch(direct, accounts, concurrency=64, delay_ms=0, count=cap, seconds=slice_s)
        b = await run_batch(proxied, accounts, concurrency=64, delay_ms=0, count=cap, seconds=slice_s)
        runs.append((a, b))
    direct_rps = [len(a.latencies_ms) / a.elapsed_s for a, _ in runs]
    proxied_rps = [len(b.latencies_ms) / b.elapsed_s for _, b in runs]
    proxied_total = sum(len(b.latencies_ms) for _, b in runs)
    proxied_errors = sum(b.errors for _, b in runs)
    await asyncio.sleep(1.0)
    ledger = await asyncio.to_thread(ledger_state, since)
    payload = {
        "seconds_proxied": total_s,
        "reps": reps,
        "direct_rps_median": statistics.median(direct_rps),
        "proxied_rps_median": statistics.median(proxied_rps),
        "ratio_median": statistics.median(p / d for p, d in zip(proxied_rps, direct_rps, strict=True)),
        "proxied_requests": proxied_total,
        "proxied_errors": proxied_errors,
        "error_rate": proxied_errors / proxied_total if proxied_total else None,
        "direct_errors": sum(a.errors for a, _ in runs),
        "proxied_p50_ms": pct([x for _, b in runs for x in b.latencies_ms], 0.5),
        "proxied_p99_ms": pct([x for _, b in runs for x in b.latencies_ms], 0.99),
        "server_timing_median_ms": stage_medians([t for _, b in runs for t in b.timings]),
        "cpu_ms_per_request": cpu_medians(runs),
        "ledger": ledger,
        "batches": [[a.summary(), b.summary()] for a, b in runs],
    }
    path = write_result("BM2", facts, payload)
    print(
        f"  BM2 c=64 {total_s:.0f}s: proxied {payload['proxied_rps_median']:.0f} req/s, direct "
        f"{payload['direct_rps_median']:.0f} req/s, errors {proxied_errors}/{proxied_total}, usage "
        f"{ledger['usage_statuses']}, open holds {ledger['open_holds']}, ledger_check exit "
        f"{ledger['ledger_check_exit']}, CPU ms/request {payload['cpu_ms_per_request']} → "
        f"{path.relative_to(ROOT)}"
    )
    print(
        f"BENCH BM2 subject={facts.subject()}:{payload['proxied_rps_median']:.0f}rps,errors={proxied_errors},"
        f"drift={ledger['drift']} reference=direct:{payload['direct_rps_median']:.0f}rps "
        f"ratio={payload['ratio_median']:.3f} {facts.tail()}",
        flush=True,
    )


# --- BM5: 1,000 held calls ---------------------------------------------------------------------------------
def proc_status(pid: int) -> dict[str, int]:
    """VmRSS / VmHWM in KiB, and the number of OS threads."""
    out: dict[str, int] = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(("VmRSS:", "VmHWM:", "Threads:")):
            name, value = line.split(":", 1)
            out[name] = int(value.split()[0])
    return out


async def health_once(conn: HttpConn, port: int) -> float:
    t0 = time.perf_counter()
    status, _, _ = await conn.request(f"GET /health HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode())
    if status != 200:
        raise RuntimeError(f"/health answered {status}")
    return (time.perf_counter() - t0) * 1000


async def stub_stats(port: int) -> dict[str, int]:
    conn = HttpConn("127.0.0.1", port)
    try:
        _, _, body = await conn.request(f"GET /__stats HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode())
    finally:
        conn.close()
    return json.loads(body)  # type: ignore[no-any-return]


async def stub_reset(port: int) -> None:
    conn = HttpConn("127.0.0.1", port)
    try:
        await conn.request(
            f"POST /__reset HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Length: 0\r\n\r\n".encode()
        )
    finally:
        conn.close()


async def hold_calls(
    target: Target, accounts: Accounts, calls: int, hold_ms: int, limit_s: float, *, ramp_s: float = 0.0
) -> Batch:
    """`calls` requests at once (or spread evenly over `ramp_s`), each on its own connection; each
    bounded by `limit_s`."""
    batch = Batch(target.name, calls, hold_ms)
    body = body_for(hold_ms)

    async def one(i: int) -> None:
        if ramp_s:
            await asyncio.sleep(ramp_s * i / calls)
        conn = HttpConn("127.0.0.1", target.port)
        t0 = time.perf_counter()
        try:
            status, _, _ = await asyncio.wait_for(
                conn.request(request_bytes(target, accounts.next(), body)), limit_s
            )
            key = str(status)
        except (OSError, asyncio.IncompleteReadError, TimeoutError, ValueError) as exc:
            key = type(exc).__name__
        finally:
            conn.close()
        batch.latencies_ms.append((time.perf_counter() - t0) * 1000)
        batch.finished_s.append(time.perf_counter() - started)
        batch.statuses[key] += 1

    started = time.perf_counter()
    await asyncio.gather(*(one(i) for i in range(calls)))
    batch.elapsed_s = time.perf_counter() - started
    return batch


async def bm5(
    ctx: Platform, direct: Target, accounts: Accounts, facts: Facts, args: argparse.Namespace
) -> None:
    import psycopg
    from django.utils import timezone

    calls, hold_ms = args.bm5_calls, args.hold_seconds * 1000
    limit_s = args.hold_seconds + 120.0
    ramp_s = args.bm5_ramp_seconds
    # A fresh platform process: its RSS baseline and peak belong to this benchmark alone.
    await ctx.restart(workers=1)  # BM5 is about one process by definition
    proxied = ctx.target
    await run_batch(proxied, accounts, concurrency=16, delay_ms=0, count=300)  # warm-up (imports, pool)
    await asyncio.sleep(1.0)
    pid = ctx.pid
    baseline = proc_status(pid)
    Path(f"/proc/{pid}/clear_refs").write_text("5")  # reset VmHWM: the peak is measured from here

    health = HttpConn("127.0.0.1", proxied.port)
    idle = [await health_once(health, proxied.port) for _ in range(300)]

    # Reference: the same 1,000 held calls sent straight to the stub (shows client and stub can hold them).
    await stub_reset(direct.port)
    ref = await hold_calls(direct, accounts, calls, hold_ms, limit_s, ramp_s=ramp_s)
    ref_peak = (await stub_stats(direct.port))["max_inflight"]

    since = timezone.now()
    await stub_reset(direct.port)
    pg = await psycopg.AsyncConnection.connect(DB_URL, autocommit=True)
    samples: list[dict[str, Any]] = []
    health_samples: list[tuple[float, float]] = []  # (time since start, ms)
    started = time.perf_counter()
    task = asyncio.create_task(hold_calls(proxied, accounts, calls, hold_ms, limit_s, ramp_s=ramp_s))
    deadline = started + ramp_s + limit_s + 10
    while not task.done() and time.perf_counter() < deadline:
        now = time.perf_counter() - started
        try:
            health_samples.append((now, await health_once(health, proxied.port)))
        except (OSError, asyncio.IncompleteReadError, RuntimeError):
            health.close()
        if not samples or now - samples[-1]["t"] >= 0.25:
            cur = await pg.execute(
                "SELECT count(*), count(*) FILTER (WHERE state = 'active'),"
                " count(*) FILTER (WHERE state LIKE 'idle in transaction%%')"
                " FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                [DB_NAME],
            )
            total, active, idle_tx = await cur.fetchone() or (0, 0, 0)
            stub = await stub_stats(direct.port)
            samples.append(
                {
                    "t": now,
                    "pg_total": total,
                    "pg_active": active,
                    "pg_idle_in_tx": idle_tx,
                    "stub_inflight": stub["inflight"],
                    "rss_kib": proc_status(pid)["VmRSS"],
                    "threads": proc_status(pid)["Threads"],
                }
            )
        await asyncio.sleep(0.05)
    held_batch = await task
    after = proc_status(pid)
    await pg.close()
    health.close()
    stub_final = await stub_stats(direct.port)

    # "Held": from the moment the stub saw its peak number of calls in flight until the first completed.
    peak = max((s["stub_inflight"] for s in samples), default=0)
    t_peak = next((s["t"] for s in samples if s["stub_inflight"] == peak), 0.0)
    t_first_done = min(held_batch.finished_s, default=0.0)
    held = [ms for t, ms in health_samples if t_peak <= t <= t_first_done] or [ms for _, ms in health_samples]
    during_hold = [s for s in samples if s["stub_inflight"] > 0]
    rss_peak = max(after.get("VmHWM", 0), *(s["rss_kib"] for s in samples))
    ledger = await asyncio.to_thread(ledger_state, since)
    payload = {
        "workers": 1,
        "calls": calls,
        "hold_seconds": args.hold_seconds,
        "ramp_seconds": ramp_s,
        "completed": held_batch.ok,
        "statuses": dict(held_batch.statuses),
        "errors": held_batch.errors,
        "wall_s": held_batch.elapsed_s,
        "latency_p50_ms": pct(held_batch.latencies_ms, 0.5),
        "latency_p99_ms": pct(held_batch.latencies_ms, 0.99),
        "latency_max_ms": max(held_batch.latencies_ms, default=0.0),
        "stub_max_inflight": stub_final["max_inflight"],
        "stub_unauthorized": stub_final["unauthorized"],
        "reference_direct": {
            "completed": ref.ok,
            "errors": ref.errors,
            "wall_s": ref.elapsed_s,
            "stub_max_inflight": ref_peak,
        },
        "rss_baseline_kib": baseline["VmRSS"],
        "rss_peak_kib": rss_peak,
        "rss_growth_mib": (rss_peak - baseline["VmRSS"]) / 1024,
        "rss_per_call_kib": (rss_peak - baseline["VmRSS"]) / calls,
        "rss_after_kib": after["VmRSS"],
        "threads_baseline": baseline["Threads"],
        "threads_max": max((s["threads"] for s in samples), default=0),
        "pg_connections_max": max((s["pg_total"] for s in during_hold), default=0),
        "pg_active_max": max((s["pg_active"] for s in during_hold), default=0),
        "pg_idle_in_tx_max": max((s["pg_idle_in_tx"] for s in during_hold), default=0),
        "pg_connections_while_all_held_max": max(
            (s["pg_total"] for s in samples if s["stub_inflight"] >= peak and peak), default=0
        ),
        # Once every call is parked at the upstream, a connection idle in a transaction would be one held
        # across the await (quality.md BM5 forbids it).
        "pg_idle_in_tx_while_all_held_max": max(
            (s["pg_idle_in_tx"] for s in samples if s["stub_inflight"] >= peak and peak), default=0
        ),
        "pool_max": POOL_MAX,
        "platform_nofile": next(
            (line for line in Path(f"/proc/{pid}/limits").read_text().splitlines() if "open files" in line),
            "",
        ),
        "health_idle_p50_ms": pct(idle, 0.5),
        "health_idle_p99_ms": pct(idle, 0.99),
        "health_held_p50_ms": pct(held, 0.5),
        "health_held_p99_ms": pct(held, 0.99),
        "health_held_samples": len(held),
        "health_during_p99_ms": pct([ms for _, ms in health_samples], 0.99),
        "health_during_samples": len(health_samples),
        "health_ratio_p99": pct(held, 0.99) / pct(idle, 0.99),
        "held_window_s": [t_peak, t_first_done],
        "ledger": ledger,
        "samples": samples,
    }
    path = write_result("BM5", facts, payload)
    print(
        f"  BM5 {calls} calls x {args.hold_seconds}s: completed {held_batch.ok}/{calls}, errors "
        f"{held_batch.errors} {dict(held_batch.statuses)}, stub peak in flight {stub_final['max_inflight']} "
        f"(direct reference: {ref.ok}/{calls}, peak {ref_peak}), wall {held_batch.elapsed_s:.1f}s, RSS "
        f"{baseline['VmRSS'] / 1024:.0f} → peak {rss_peak / 1024:.0f} MiB ({payload['rss_per_call_kib']:.0f}"
        f" KiB/call), PG connections max {payload['pg_connections_max']} (idle in tx "
        f"{payload['pg_idle_in_tx_max']}, pool {POOL_MAX}), /health p99 held "
        f"{fmt(payload['health_held_p99_ms'])} vs idle {fmt(payload['health_idle_p99_ms'])}, ledger "
        f"drift {ledger['drift']} → {path.relative_to(ROOT)}"
    )
    print(
        f"BENCH BM5 subject=held:{held_batch.ok}/{calls}ok,errors={held_batch.errors},"
        f"health_p99={fmt(payload['health_held_p99_ms'])},rss_growth={payload['rss_growth_mib']:.0f}MiB,"
        f"pg_conns_max={payload['pg_connections_max']} reference=idle:health_p99="
        f"{fmt(payload['health_idle_p99_ms'])} ratio={payload['health_ratio_p99']:.2f} {facts.tail()}",
        flush=True,
    )


# --- orchestration -----------------------------------------------------------------------------------------
class Platform:
    """The platform under uvicorn in a subprocess (restartable, always stopped on exit)."""

    def __init__(self, stub_port: int, use_redis: bool, profile: str, workers: int = 1) -> None:
        self.env = platform_env(stub_port, use_redis)
        self.profile = profile
        self.workers = workers
        self.port = free_port()
        self.proc: subprocess.Popen[bytes] | None = None
        self.log = Path(DATA_DIR) / "platform.log"

    @property
    def target(self) -> Target:
        return Target("proxied", self.port, "/proxy/recraft/image_generation")

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    async def start(self) -> None:
        self.proc = spawn(platform_args(self.port, self.profile, self.workers), self.env, self.log)
        await wait_ready(self.proc, self.port, "/health", self.log)

    async def restart(self, workers: int | None = None) -> None:
        self.workers = self.workers if workers is None else workers
        if self.proc is not None:
            stop(self.proc)
        self.port = free_port()
        await self.start()


async def main_async(args: argparse.Namespace) -> None:
    Path(DATA_DIR).mkdir(parents=True, exist_ok=True)
    raise_nofile()
    pg = ensure_database()
    run_id = datetime.now(UTC).strftime("%Y%m%d%H%M%S")
    print(f"seeding {ACCOUNTS} accounts in {DB_NAME} …", flush=True)
    keys = await asyncio.to_thread(seed, run_id)
    use_redis = args.cache == "redis" and redis_reachable()
    facts = Facts(
        os.cpu_count() or 0,
        pg,
        git_commit(),
        os.getloadavg(),
        use_redis,
        args.quick,
        bool(args.profile),
        args.workers,
    )
    print(
        f"nproc={facts.nproc} pg={pg} commit={facts.commit} loadavg={facts.loadavg} redis_cache={use_redis}"
    )

    stub_port = free_port()
    stub_log = Path(DATA_DIR) / "stub.log"
    stub = spawn(
        [
            PYTHON,
            str(BENCH_DIR / "_stub_upstream.py"),
            "--port",
            str(stub_port),
            "--key",
            f"Bearer {VENDOR_KEY}",
        ],
        {name: os.environ[name] for name in ("PATH", "HOME") if name in os.environ},
        stub_log,
    )
    await wait_ready(stub, stub_port, "/__stats", stub_log)
    direct = Target("direct", stub_port, "/v1/images/generations")
    platform = Platform(stub_port, use_redis, args.profile, args.workers)
    await platform.start()
    accounts = Accounts(keys)
    METERS.update(direct=CpuMeter(stub.pid, with_pg=False), proxied=CpuMeter(platform.pid, with_pg=True))
    # Smoke: one proxied call must succeed before anything is measured.
    smoke = await run_batch(platform.target, accounts, concurrency=1, delay_ms=0, count=1)
    if smoke.ok != 1:
        raise RuntimeError(f"proxied smoke call failed: {dict(smoke.statuses)}; see {platform.log}")
    only = {name.strip().upper() for name in args.only.split(",")} if args.only else {"BM1", "BM2", "BM5"}
    if "BM1" in only:
        await bm1(direct, platform.target, accounts, facts, args)
    if "BM2" in only:
        await bm2(direct, platform.target, accounts, facts, args)
    if "BM5" in only:
        await bm5(platform, direct, accounts, facts, args)


def main() -> None:
    parser = argparse.ArgumentParser(description="BM1/BM2/BM5: the /proxy engine (quality.md §5).")
    parser.add_argument("--quick", action="store_true", help="300 requests per BM1 cell, 10 s BM2")
    parser.add_argument("--only", default="", help="comma-separated subset, e.g. BM1,BM5")
    parser.add_argument("--reps", type=int, default=5, help="interleaved A/B repetitions (≥ 5)")
    parser.add_argument("--bm5-calls", type=int, default=1000)
    parser.add_argument(
        "--cache",
        choices=("redis", "locmem"),
        default="redis",
        help="the platform's cache (the rate limiter's counters): Redis as in production, or in-process",
    )
    parser.add_argument("--workers", type=int, default=1, help="uvicorn workers for BM1/BM2 (BM5: 1)")
    parser.add_argument("--profile", default="", help="write an all-threads profile of the platform here")
    parser.add_argument(
        "--bm5-ramp-seconds",
        type=float,
        default=0.0,
        help="spread the BM5 calls' starts over this many seconds (default: all at once)",
    )
    parser.add_argument("--hold-seconds", type=int, default=5, help="BM5 upstream hold (quality.md: 30)")
    args = parser.parse_args()
    if args.reps < 5:
        parser.error("--reps must be at least 5 (quality.md §5)")
    atexit.register(stop_all)
    signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    try:
        asyncio.run(main_async(args))
    except KeyboardInterrupt:
        print("interrupted; stopping the stub and the platform", file=sys.stderr)
    finally:
        stop_all()


if __name__ == "__main__":
    main()
