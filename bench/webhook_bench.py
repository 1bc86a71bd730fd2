"""BM7 (quality.md §5): a Stripe webhook burst — 1,000 signed events in 60 s vs a single event at idle.

Reproduce (loopback only; about 90 s in full, 20 s in quick mode):

    .venv/bin/python bench/webhook_bench.py            # 1,000 events over 60 s
    .venv/bin/python bench/webhook_bench.py --quick    # 200 events over 12 s

What runs: the platform (`uvicorn comfyweb.asgi:application`, one worker, PostgreSQL, no Redis: side effects
such as receipt e-mails run in-process after commit) with a webhook secret; this process seeds one pending
purchase per event, then sends `checkout.session.completed` events signed with stripe-python's own helper —
first one at a time at idle, then the burst at a steady rate — and measures the time to each 2xx ack.
Pass: ack p99 < 1 s, failures 0, and every purchase credited exactly once.

Standalone: it creates and migrates its own database, is not a test, never runs under pytest, and stops the
server it started. Results: `BENCH …` lines and a JSON file in bench/results/ (gitignored).
"""
# Owner: H5 (payments, BM7).

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS_DIR = ROOT / "bench" / "results"
PYTHON = str(ROOT / ".venv" / "bin" / "python")
sys.path.insert(0, str(ROOT))

DB_URL = os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/cw_bench_h5")
SECRET = "whsec_bench_only_0123456789"  # noqa: S105 — a dummy for this local benchmark
AMOUNT = 10_000_000
os.environ.update(
    {
        "DJANGO_SETTINGS_MODULE": "comfyweb.settings",
        "COMFYWEB_ENV": "development",
        "COMFYWEB_DATA_DIR": "/tmp/cw-h5-bench",  # noqa: S108 — scratch directory for this local benchmark
        "DEBUG": "0",
        "SECRET_KEY": "bench-only-secret-" + "q9Zr4" * 8,
        "STRIPE_WEBHOOK_SECRET": SECRET,
        "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
        "LOG_LEVEL": "WARNING",
    }
)


def recreate_database() -> None:
    import psycopg

    name = DB_URL.rsplit("/", 1)[1]
    with psycopg.connect(DB_URL.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    subprocess.run([PYTHON, "manage.py", "migrate", "-v", "0"], cwd=ROOT, check=True)  # noqa: S603


def seed(count: int) -> tuple[int, list[dict[str, Any]]]:
    """One user and `count` pending Stripe purchases; returns the user id and one event per purchase."""
    import django

    django.setup()
    from accounts.models import User
    from billing.payments.models import Purchase

    user = User.objects.create_user(email=f"bench-{uuid.uuid4().hex[:8]}@example.com", password=None)
    purchases = Purchase.objects.bulk_create(
        Purchase(
            user=user,
            gateway="stripe",
            amount_micros=AMOUNT,
            checkout_session_id=f"cs_bench_{i}_{uuid.uuid4().hex}",
        )
        for i in range(count)
    )
    events = [
        {
            "id": f"evt_bench_{uuid.uuid4().hex}",
            "object": "event",
            "type": "checkout.session.completed",
            "livemode": False,
            "data": {
                "object": {
                    "id": p.checkout_session_id,
                    "object": "checkout.session",
                    "payment_status": "paid",
                    "status": "complete",
                    "amount_total": AMOUNT // 10_000,
                    "currency": "usd",
                    "payment_intent": f"pi_bench_{uuid.uuid4().hex[:20]}",
                    "metadata": {"purchase_id": str(p.public_id)},
                }
            },
        }
        for p in purchases
    ]
    return user.pk, events


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def wait_ready(base: str, proc: subprocess.Popen[bytes]) -> None:
    import httpx

    async with httpx.AsyncClient() as client:
        for _ in range(200):
            if proc.poll() is not None:
                raise RuntimeError("the platform exited; see /tmp/cw-h5-bench/uvicorn.log")
            try:
                if (await client.get(f"{base}/health")).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.1)
    raise RuntimeError("the platform did not start")


async def send(client: Any, url: str, event: dict[str, Any]) -> tuple[float, int]:
    import stripe

    payload = json.dumps(event)
    header = stripe.WebhookSignature.generate_signature_header(payload, SECRET, int(time.time()))
    started = time.perf_counter()
    try:
        response = await client.post(
            url, content=payload, headers={"Stripe-Signature": header, "Content-Type": "application/json"}
        )
        status = response.status_code
    except Exception:  # noqa: BLE001 — a transport failure is a failed delivery, counted below
        status = 0
    return time.perf_counter() - started, status


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def run(events: list[dict[str, Any]], base: str, *, idle: int, seconds: float) -> dict[str, Any]:
    import httpx

    url = f"{base}/billing/stripe/webhook"
    limits = httpx.Limits(max_connections=200, max_keepalive_connections=50)
    async with httpx.AsyncClient(timeout=30, limits=limits) as client:
        idle_results = []
        for event in events[:idle]:
            idle_results.append(await send(client, url, event))
            await asyncio.sleep(0.2)
        burst = events[idle:]
        gap = seconds / len(burst)
        tasks = []
        start = time.perf_counter()
        for i, event in enumerate(burst):
            delay = start + i * gap - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(send(client, url, event)))
        burst_results = await asyncio.gather(*tasks)
    idle_lat = [lat for lat, status in idle_results if status == 200]
    burst_lat = [lat for lat, status in burst_results if status == 200]
    return {
        "idle_p50_ms": round(statistics.median(idle_lat) * 1000, 1),
        "idle_p99_ms": round(pct(idle_lat, 0.99) * 1000, 1),
        "burst_events": len(burst),
        "burst_p50_ms": round(statistics.median(burst_lat) * 1000, 1),
        "burst_p99_ms": round(pct(burst_lat, 0.99) * 1000, 1),
        "failures": sum(1 for _, status in [*idle_results, *burst_results] if status != 200),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    count, seconds, idle = (200, 12.0, 20) if args.quick else (1000, 60.0, 30)
    Path(os.environ["COMFYWEB_DATA_DIR"]).mkdir(parents=True, exist_ok=True)
    recreate_database()
    user_id, events = seed(count + idle)
    port = free_port()
    log = (Path(os.environ["COMFYWEB_DATA_DIR"]) / "uvicorn.log").open("wb")
    proc = subprocess.Popen(  # noqa: S603 — our own interpreter, fixed argv
        [PYTHON, "-m", "uvicorn", "comfyweb.asgi:application", "--port", str(port), "--log-level", "warning"],
        cwd=ROOT,
        # A psycopg pool as in production (docs: DATABASE_POOL_MAX_SIZE): a burst waits for a connection
        # instead of opening one per request.
        env={**os.environ, "DATABASE_POOL_MAX_SIZE": "8"},
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        asyncio.run(wait_ready(base, proc))
        figures = asyncio.run(run(events, base, idle=idle, seconds=seconds))
    finally:
        proc.terminate()
        proc.wait(timeout=20)
    from accounts.models import User
    from billing.models import LedgerTransaction
    from billing.selectors import wallet_balance, wallet_get_for_user

    user = User.objects.get(pk=user_id)
    figures["credited_once"] = wallet_balance(wallet=wallet_get_for_user(user=user)).balance_micros == len(
        events
    ) * AMOUNT and LedgerTransaction.objects.filter(code="purchase", wallet__user=user).count() == len(events)
    figures["ratio_p99"] = round(figures["burst_p99_ms"] / max(figures["idle_p99_ms"], 0.1), 2)
    figures["pass"] = figures["burst_p99_ms"] < 1000 and figures["failures"] == 0 and figures["credited_once"]
    print("BENCH BM7 " + " ".join(f"{k}={v}" for k, v in figures.items()))
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    (RESULTS_DIR / f"bm7-{stamp}.json").write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
