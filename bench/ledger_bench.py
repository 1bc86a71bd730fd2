"""BM3: ledger reserve + capture transactions per second (quality.md §5).

The subject is the project's ledger services (`credits_reserve` then `hold_capture`, two transactions per
pair); the reference is raw psycopg issuing the same statements against the same tables, in the same
process. Both run on 1 hot wallet and on 100 wallets over 32 connections, interleaved ABAB after a
discarded warm-up, for ≥ 5 repetitions; the median ratio is the result. A raw single-debit calibration pass
(a plain conditional UPDATE on a scratch table) shows whether the machine lands near the † baseline.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cw_bench .venv/bin/python bench/ledger_bench.py

Standalone: it creates and migrates its own database; it is not a test and never runs under pytest.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/cw_bench")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "comfyweb.settings")
os.environ.setdefault("COMFYWEB_ENV", "development")
os.environ.setdefault("COMFYWEB_DATA_DIR", str(ROOT / "var" / "bench"))
os.environ["DEBUG"] = "0"  # DEBUG would record every query in memory and slow the subject down
os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "1")

import psycopg  # noqa: E402

RESERVE = 1_000  # micro-USD per reservation
CAPTURE = 600  # of which captured; the rest returns to available
FUNDING = 10**13


def _ensure_database(url: str) -> None:
    """Create the bench database if it does not exist (connecting to the server's `postgres` db)."""
    name = url.rsplit("/", 1)[1]
    admin_url = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')


def _setup_django() -> None:
    _ensure_database(os.environ["DATABASE_URL"])
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("migrate", "billing", verbosity=0)


# --- the subject: the ledger services ------------------------------------------------------------------
def subject_pair(wallet: Any) -> None:
    from billing.services import credits_reserve, hold_capture

    hold = credits_reserve(
        wallet=wallet,
        amount_micros=RESERVE,
        expires_at=datetime.now(UTC) + timedelta(minutes=10),
        key=f"bench-{uuid.uuid4().hex}",
    )
    hold_capture(hold=hold, amount_micros=CAPTURE)


# --- the reference: the same statements through raw psycopg --------------------------------------------
class _Conn:
    """`execute` on one psycopg connection through a chosen cursor class."""

    def __init__(self, conn: psycopg.Connection[Any], cursor_class: type[psycopg.Cursor[Any]]) -> None:
        self.conn, self.cursor_class = conn, cursor_class

    def execute(self, sql: str, params: list[Any] | dict[str, Any] | None = None) -> psycopg.Cursor[Any]:
        cursor = self.cursor_class(self.conn)
        cursor.execute(sql, params)  # type: ignore[arg-type]
        return cursor

    def transaction(self) -> Any:
        return self.conn.transaction()


class RawLedger:
    """The statements the services issue, through raw psycopg on the thread's own connection.

    The subject and both references share each thread's one PostgreSQL connection (Django's), so
    they differ only in the code path. `binding="client"` uses psycopg's ClientCursor, the cursor
    Django's PostgreSQL backend uses by default, so the ratio measures the services' own overhead;
    `binding="server"` (psycopg's default: bound parameters, prepared statements after five runs)
    is reported beside it for context.
    """

    def __init__(
        self, conn: psycopg.Connection[Any], tables: dict[str, str], revenue: int, binding: str
    ) -> None:
        cursor_class = psycopg.ClientCursor if binding == "client" else psycopg.Cursor
        self.conn = _Conn(conn, cursor_class)
        del tables  # the statements come from the services module itself
        self.usage_revenue_id = revenue
        # The very statements the services send on PostgreSQL (billing/services/holds.py).
        from billing.services import holds

        self.reserve_sql = holds.PG_RESERVE_BY_ID
        self.capture_sql = holds.PG_CAPTURE

    def pair(self, wallet_id: int) -> None:
        """Reserve, then capture: each one statement in autocommit mode, as the services run them on PG."""
        now = datetime.now(UTC)
        (hold_id,) = self.conn.execute(
            self.reserve_sql,
            {
                "amount": RESERVE,
                "wallet": wallet_id,
                "key": f"raw-{uuid.uuid4().hex}",
                "hash": "0" * 64,
                "memo": "",
                "expires": now + timedelta(minutes=10),
                "now": now,
            },
        ).fetchone()  # type: ignore[misc]
        if hold_id is None:
            raise RuntimeError("insufficient credits in the reference path")
        now = datetime.now(UTC)
        self.conn.execute(
            self.capture_sql,
            {
                "status": "captured",
                "captured": CAPTURE,
                "now": now,
                "reason": "",
                "hold": hold_id,
                "bump": 1,
                "txn_key": f"hold:{hold_id}",
                "revenue": self.usage_revenue_id,
            },
        ).fetchone()

    def debit(self, row_id: int) -> None:
        """Calibration: the † single conditional-UPDATE debit, on a scratch table."""
        with self.conn.transaction():
            self.conn.execute(
                "UPDATE bench_calibration SET balance = balance - 1 WHERE id = %s AND balance >= 1", [row_id]
            )


# --- the harness ------------------------------------------------------------------------------------------
class Harness:
    def __init__(self, threads: int, url: str) -> None:
        self.threads = threads
        self.url = url
        self.pool = ThreadPoolExecutor(max_workers=threads)
        self.local = threading.local()

    def raw(self, binding: str = "client") -> RawLedger:
        ledgers = self.local.__dict__.setdefault("raw", {})
        if binding not in ledgers:
            from django.db import connection

            from billing.models import Hold, HouseAccount, LedgerAccount, LedgerEntry, LedgerTransaction

            tables = {
                "hold": Hold._meta.db_table,
                "account": LedgerAccount._meta.db_table,
                "txn": LedgerTransaction._meta.db_table,
                "entry": LedgerEntry._meta.db_table,
            }
            revenue = LedgerAccount.objects.get(code=HouseAccount.USAGE_REVENUE).pk
            connection.ensure_connection()
            ledgers[binding] = RawLedger(connection.connection, tables, revenue, binding)
        return ledgers[binding]  # type: ignore[no-any-return]

    def run(self, op: Callable[[int], None], count: int, targets: list[int]) -> dict[str, float]:
        """Run `count` operations over all threads (each on its own connections), from one barrier."""
        barrier = threading.Barrier(self.threads + 1)
        shares = [count // self.threads + (1 if i < count % self.threads else 0) for i in range(self.threads)]
        latencies: list[list[float]] = [[] for _ in range(self.threads)]
        errors: list[BaseException] = []

        def work(n: int) -> None:
            try:
                self.raw("client")  # connect before the clock starts
                self.raw("server")
            finally:
                barrier.wait(timeout=120)  # a failed connect breaks the barrier instead of hanging
            for i in range(shares[n]):
                target = targets[(n + i * self.threads) % len(targets)]
                started = time.perf_counter()
                try:
                    op(target)
                except Exception as exc:  # noqa: BLE001 - counted and reported: a benchmark must not hide errors
                    errors.append(exc)
                latencies[n].append(time.perf_counter() - started)

        futures = [self.pool.submit(work, n) for n in range(self.threads)]
        barrier.wait(timeout=120)
        started = time.perf_counter()
        for future in futures:
            future.result()
        elapsed = time.perf_counter() - started
        flat = sorted(x for per in latencies for x in per)
        return {
            "tps": count / elapsed,
            "p50_ms": 1000 * flat[len(flat) // 2],
            "p99_ms": 1000 * flat[min(len(flat) - 1, int(len(flat) * 0.99))],
            "errors": len(errors),
            "seconds": elapsed,
        }

    def close(self) -> None:
        barrier = threading.Barrier(self.threads)

        def close_one() -> None:
            from django.db import connection

            barrier.wait(timeout=120)
            connection.close()
            self.local.__dict__.pop("raw", None)

        for future in [self.pool.submit(close_one) for _ in range(self.threads)]:
            future.result()
        self.pool.shutdown()


def _prepare(wallet_count: int) -> list[Any]:
    from accounts.models import User
    from billing.selectors import wallet_get_for_user
    from billing.services import credits_purchase

    run = uuid.uuid4().hex[:8]
    wallets = []
    for n in range(wallet_count):
        user = User.objects.create_user(email=f"bench-{run}-{n}@example.com", password=None)
        wallet = wallet_get_for_user(user=user)
        ref = f"bench-fund-{run}-{n}"
        credits_purchase(
            wallet=wallet, amount_micros=FUNDING, payment_reference=ref, source="sandbox", key=ref
        )
        wallets.append(wallet)
    return wallets


def _calibration_table(url: str, rows: int) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("DROP TABLE IF EXISTS bench_calibration")
        conn.execute(
            "CREATE TABLE bench_calibration "
            "(id int PRIMARY KEY, balance bigint NOT NULL CHECK (balance >= 0))"
        )
        conn.execute(
            "INSERT INTO bench_calibration SELECT g, %s FROM generate_series(1, %s) g", [10**12, rows]
        )


def _scenario(h: Harness, name: str, wallets: list[Any], pairs: int, reps: int) -> dict[str, Any]:
    by_pk = {w.pk: w for w in wallets}
    targets = list(by_pk)

    def subject(pk: int) -> None:
        subject_pair(by_pk[pk])

    def reference(pk: int) -> None:
        h.raw("client").pair(pk)

    def prepared(pk: int) -> None:
        h.raw("server").pair(pk)

    sides = [("subject", subject), ("reference", reference), ("prepared", prepared)]
    for _, op in sides:  # warm-up (discarded): connections, caches, plans
        h.run(op, max(200, pairs // 10), targets)
    rounds = []
    for rep in range(reps):
        # Rotate the order each repetition, so no side always runs on a warmer (or busier) machine.
        order = sides[rep % 3 :] + sides[: rep % 3]
        result: dict[str, Any] = {label: h.run(op, pairs, targets) for label, op in order}
        result["ratio"] = result["subject"]["tps"] / result["reference"]["tps"]
        result["ratio_prepared"] = result["subject"]["tps"] / result["prepared"]["tps"]
        rounds.append(result)
        print(
            f"  {name} rep {rep + 1}: "
            + " · ".join(
                f"{label} {result[label]['tps']:.0f} TPS (p50 {result[label]['p50_ms']:.1f} ms, "
                f"p99 {result[label]['p99_ms']:.1f} ms)"
                for label, _ in sides
            )
            + f" · ratio {result['ratio']:.2f} (vs prepared {result['ratio_prepared']:.2f})",
            flush=True,
        )

    def median(side: str, key: str) -> float:
        return statistics.median(r[side][key] for r in rounds)

    return {
        "scenario": name,
        "wallets": len(wallets),
        "pairs": pairs,
        "reps": reps,
        "ratio": statistics.median(r["ratio"] for r in rounds),
        "ratio_prepared": statistics.median(r["ratio_prepared"] for r in rounds),
        **{side: {k: median(side, k) for k in ("tps", "p50_ms", "p99_ms")} for side, _ in sides},
        "errors": sum(r[side]["errors"] for r in rounds for side, _ in sides),
        "rounds": rounds,
    }


def _calibrate(h: Harness, url: str, debits: int) -> dict[str, Any]:
    out = {}
    for name, rows in (("hot", 1), ("100", 100)):
        _calibration_table(url, rows)
        targets = list(range(1, rows + 1))
        h.run(lambda i: h.raw("server").debit(i), max(200, debits // 10), targets)
        out[name] = h.run(lambda i: h.raw("server").debit(i), debits, targets)
        print(f"  calibration {name}: raw single debit {out[name]['tps']:.0f} TPS", flush=True)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("DROP TABLE IF EXISTS bench_calibration")
    return out


def _context(url: str) -> dict[str, str]:
    with psycopg.connect(url) as conn:
        (pg,) = conn.execute("SHOW server_version").fetchone()  # type: ignore[misc]
    command = ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"]  # a fixed command, no user input
    commit = subprocess.run(command, capture_output=True, text=True, check=False).stdout.strip()  # noqa: S603
    return {"nproc": str(os.cpu_count()), "pg": pg.split()[0], "commit": commit or "unknown"}


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--pairs", type=int, default=5_000, help="reserve+capture pairs per measured batch")
    parser.add_argument(
        "--reps", type=int, default=5, help="interleaved repetitions (≥ 5 for a recorded run)"
    )
    parser.add_argument("--threads", type=int, default=32)
    parser.add_argument("--scenarios", default="hot,100", help="comma-separated: hot, 100")
    parser.add_argument("--calibration-debits", type=int, default=5_000)
    args = parser.parse_args()

    url = os.environ["DATABASE_URL"]
    _setup_django()
    from billing.audit import ledger_drifts

    harness = Harness(args.threads, url)
    context = _context(url)
    print(f"BM3 on {context}: {args.pairs} pairs x {args.reps} reps, {args.threads} threads", flush=True)
    report: dict[str, Any] = {
        "id": "BM3",
        **context,
        "threads": args.threads,
        "started": datetime.now(UTC).isoformat(),
    }
    try:
        report["calibration"] = _calibrate(harness, url, args.calibration_debits)
        report["scenarios"] = []
        for name in args.scenarios.split(","):
            wallets = _prepare(1 if name == "hot" else int(name))
            report["scenarios"].append(_scenario(harness, name, wallets, args.pairs, args.reps))
    finally:
        harness.close()
    drift = len(ledger_drifts())
    report["drift"] = drift
    for s in report["scenarios"]:
        print(
            f"BENCH BM3 scenario={s['scenario']} subject={s['subject']['tps']:.0f}tps "
            f"reference={s['reference']['tps']:.0f}tps ratio={s['ratio']:.2f} "
            f"subject_p50={s['subject']['p50_ms']:.1f}ms subject_p99={s['subject']['p99_ms']:.1f}ms "
            f"reference_p50={s['reference']['p50_ms']:.1f}ms reference_p99={s['reference']['p99_ms']:.1f}ms "
            f"prepared={s['prepared']['tps']:.0f}tps ratio_prepared={s['ratio_prepared']:.2f} "
            f"errors={s['errors']} drift={drift} "
            f"nproc={context['nproc']} pg={context['pg']} commit={context['commit']}"
        )
    out_dir = ROOT / "bench" / "results"
    out_dir.mkdir(exist_ok=True)
    path = out_dir / f"bm3-{datetime.now(UTC).strftime('%Y%m%dT%H%M%SZ')}.json"
    path.write_text(json.dumps(report, indent=2))
    print(f"wrote {path.relative_to(ROOT)}")
    ok = drift == 0 and all(s["errors"] == 0 for s in report["scenarios"])
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
