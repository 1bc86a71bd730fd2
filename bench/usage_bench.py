"""BM9: the usage history at 1,000,000 rows for one user (quality.md §5, issue 5 item 7).

It creates its own database (`cw_bench_usage`: drop, create, migrate), loads 1,000,000 `UsageRecord` rows for
ONE user over ~90 days plus 100,000 rows of ten other users (set-based SQL: `generate_series` into a scratch
table, then the matching `billing_hold` rows and the usage rows, physically interleaved in time as production
writes them), then times the project's own selectors in-process through the Django ORM:

- `usage_page` first page vs a page at depth (keyset cursor near the oldest rows): the ratio should be ~1;
  an OFFSET page at the same depth is timed beside it for context;
- the same pair with each single filter: a rare vendor, a status, an API key, a date range, a prompt id;
- `usage_daily_spend` (the chart, 30 days by vendor);
- the CSV export's first 10,000 rows (`usage_iter` through the page's own CSV writer).

All views run interleaved (rotating order) in every repetition, after a discarded warm-up; p50/p99 are over
all samples, ratios are medians over repetitions. The slowest views' `EXPLAIN (ANALYZE, BUFFERS)` goes into
the JSON in `bench/results/`. One `BENCH BM9 …` line sums it up.

    .venv/bin/python bench/usage_bench.py              # load (~2-4 min on 2 cores) + 5 repetitions
    .venv/bin/python bench/usage_bench.py --reuse      # skip the load, measure the existing database
    .venv/bin/python bench/usage_bench.py --drop       # drop the (large) bench database at the end

Standalone: it is not a test and never runs under pytest.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DB_URL = os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/cw_bench_usage")
DB_NAME = DB_URL.rsplit("/", 1)[1]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "comfyweb.settings")
os.environ.setdefault("COMFYWEB_ENV", "development")
os.environ.setdefault("COMFYWEB_DATA_DIR", str(ROOT / "var" / "bench"))
os.environ["DEBUG"] = "0"  # DEBUG would record every query in memory
os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "1")
os.environ.pop("DATABASE_POOL_MAX_SIZE", None)  # one process, one connection

import psycopg  # noqa: E402

MAIN_ROWS = 1_000_000
OTHER_ROWS = 100_000
OTHER_USERS = 10
DAYS = 90
PAGE = 50
CSV_ROWS = 10_000
RARE_VENDOR = "pika"  # ~0.05% of the calls
# (vendor, model, weight ‰, quoted micro-USD): a realistic mix, image calls dominate.
VENDOR_MIX = [
    ("openai", "gpt-image-1", 260, 40_000),
    ("recraft", "recraftv3", 180, 40_000),
    ("bfl", "flux-pro-1.1", 140, 40_000),
    ("ideogram", "V_3", 110, 60_000),
    ("stability", "sd3.5-large", 80, 65_000),
    ("kling", "kling-v2-1", 60, 490_000),
    ("luma", "ray-2", 50, 400_000),
    ("minimax", "MiniMax-Hailuo-02", 40, 280_000),
    ("veo", "veo-3.0-generate-001", 30, 3_200_000),
    ("pixverse", "v4.5", 29, 450_000),
    ("luma_2", "photon-1", 20, 19_000),
    (RARE_VENDOR, "2.2", 1, 200_000),  # 0.1% of the rows go to the rare bucket, half of them pika
]
# (status, weight ‰, hold status): mostly successes; failures and vendor rejections in the tail.
STATUS_MIX = [
    ("succeeded", 915, "captured"),
    ("failed", 25, "released"),
    ("rejected", 20, "released"),
    ("upstream_error", 15, "released"),
    ("moderated", 10, "released"),
    ("unknown", 5, "released"),
    ("expired", 5, "expired"),
    ("submitted", 3, "open"),
    ("pending", 2, "open"),
]
KEY_WEIGHTS = [600, 250, 100, 40, 10]  # ‰ per API key of the main user (5 keys)


# --- database --------------------------------------------------------------------------------------------
def ensure_database() -> str:
    admin_url = DB_URL.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        # A fresh database every run: the schema matches the code under test.
        conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{DB_NAME}"')
    return server_version()


def server_version() -> str:
    with psycopg.connect(DB_URL) as conn:
        row = conn.execute("SHOW server_version").fetchone()
    return str(row[0]).split()[0] if row else "?"


def drop_database() -> None:
    admin_url = DB_URL.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')


def _weighted_case(column: str, mix: list[tuple[str, int]]) -> str:
    """`CASE WHEN column < w1 THEN 'a' WHEN column < w1+w2 THEN 'b' … END` over weights in ‰."""
    arms, edge = [], 0
    for value, weight in mix:
        edge += weight
        arms.append(f"WHEN {column} < {edge} THEN '{value}'")
    return "CASE " + " ".join(arms) + f" ELSE '{mix[-1][0]}' END"


def seed() -> dict[str, Any]:
    """Users, keys, wallets through the services; then 1.1M holds + usage rows in set-based SQL."""
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from accounts.models import User
    from accounts.services.api_keys import api_key_create
    from billing.selectors import wallet_get_for_user
    from nodes.models import PriceVersion

    call_command("migrate", verbosity=0)
    now = timezone.now()
    users = []
    for n in range(1 + OTHER_USERS):
        user = User.objects.create_user(f"usage-{n:02d}@bench.invalid", None)
        user.email_verified_at = now
        user.save(update_fields=["email_verified_at"])
        wallet_get_for_user(user=user)
        users.append(user)
    main = users[0]
    keys = [api_key_create(user=main, name=f"key {i}")[0].pk for i in range(len(KEY_WEIGHTS))]
    other_keys = [api_key_create(user=u, name="main")[0].pk for u in users[1:]]
    version = PriceVersion.objects.order_by("-effective_from").first()
    assert version is not None, "the migrations seed a price version"
    total = MAIN_ROWS + OTHER_ROWS
    every = total // OTHER_ROWS  # every 11th row belongs to another user: interleaved in time
    vendor_case = _weighted_case("v", [(v, w) for v, _, w, _ in VENDOR_MIX[:-1]] + [("rare", 1)])
    status_case = _weighted_case("s", [(s, w) for s, w, _ in STATUS_MIX])
    key_edges = list(itertools.accumulate(KEY_WEIGHTS))
    key_case = "CASE " + " ".join(f"WHEN k < {e} THEN {keys[i]}" for i, e in enumerate(key_edges)) + " END"
    model_case = "CASE vendor " + " ".join(f"WHEN '{v}' THEN '{m}'" for v, m, _, _ in VENDOR_MIX) + " END"
    quote_case = "CASE vendor " + " ".join(f"WHEN '{v}' THEN {q}" for v, _, _, q in VENDOR_MIX) + " END"
    hold_case = "CASE status " + " ".join(f"WHEN '{s}' THEN '{h}'" for s, _, h in STATUS_MIX) + " END"
    wallets = {u.pk: wallet_get_for_user(user=u).pk for u in users}
    user_case = (
        "CASE WHEN mod(g, {every}) = 0 THEN {others}[1 + mod(g / {every}, {n})] ELSE {main} END".format(
            every=every,
            others="(ARRAY[" + ",".join(str(u.pk) for u in users[1:]) + "])",
            n=OTHER_USERS,
            main=main.pk,
        )
    )
    other_key_case = (
        "(ARRAY[" + ",".join(str(k) for k in other_keys) + f"])[1 + mod(g / {every}, {OTHER_USERS})]"
    )
    wallet_case = "CASE user_id " + " ".join(f"WHEN {u} THEN {w}" for u, w in wallets.items()) + " END"
    span_us = DAYS * 86_400 * 1_000_000
    started = time.perf_counter()
    with connection.cursor() as cur:
        # g = 1 is the oldest row; rows are inserted oldest first so ids grow with time, as in production.
        cur.execute(
            f"""
            CREATE UNLOGGED TABLE bench_seed AS
            SELECT g, user_id, vendor, status,
                   CASE WHEN user_id = {main.pk} THEN {key_case} ELSE {other_key_case} END AS api_key_id,
                   created_at
            FROM (
                SELECT g, {user_case} AS user_id,
                       CASE WHEN base = 'rare' THEN (CASE WHEN mod(g, 2) = 0 THEN '{RARE_VENDOR}'
                                                       ELSE 'luma_2' END)
                            ELSE base END AS vendor,
                       {status_case} AS status, k,
                       %(now)s::timestamptz - (({total} - g) * ({span_us}::bigint / {total})
                           + (hashint4(g) & 65535)) * interval '1 microsecond' AS created_at
                FROM (
                    SELECT g, {vendor_case} AS base,
                           mod(abs(hashint4(g + 7)), 1000) AS s, mod(abs(hashint4(g + 13)), 1000) AS k
                    FROM (SELECT g, mod(abs(hashint4(g)), 1000) AS v FROM generate_series(1, {total}) g) a
                ) b
            ) c
            """,
            {"now": now},
        )
        cur.execute(
            f"""
            INSERT INTO billing_hold (wallet_id, key, request_hash, amount_micros, captured_micros, status,
                                      memo, expires_at, created_at, resolved_at, resolution_reason)
            SELECT {wallet_case}, 'bench-usage-' || g, md5(g::text), {quote_case},
                   CASE WHEN {hold_case} = 'captured' THEN {quote_case} ELSE 0 END, {hold_case}, '',
                   created_at + interval '1 hour', created_at,
                   CASE WHEN {hold_case} = 'open' THEN NULL ELSE created_at + interval '5 seconds' END, ''
            FROM bench_seed ORDER BY g
            """
        )
        cur.execute(
            f"""
            INSERT INTO nodes_usagerecord (
                public_id, user_id, api_key_id, api_key_prefix, credential, vendor, route, model,
                comfy_job_id, usage_source, core_version, comfy_env, hold_id, price_version_id, quoted_micros,
                markup_bps, charged_micros, vendor_cost_micros, status, upstream_may_bill, upstream_status,
                message, created_at, completed_at, upstream_ms, total_ms)
            SELECT md5('u' || g)::uuid, s.user_id, s.api_key_id, '', 'api_key', s.vendor,
                   'POST ' || s.vendor || '/generate', {model_case},
                   md5('p' || (g / 3))::uuid::text,  -- a prompt id: ~3 API-node calls per ComfyUI prompt
                   'comfyui', '0.3.60', 'prod', h.id, {version.pk}, {quote_case}, 0,
                   CASE WHEN s.status = 'succeeded' THEN {quote_case} ELSE 0 END, NULL, s.status,
                   s.status = 'unknown',
                   CASE WHEN s.status IN ('pending', 'submitted') THEN NULL ELSE 200 END,
                   '', s.created_at, s.created_at + interval '5 seconds', 4000, 4100
            FROM bench_seed s JOIN billing_hold h ON h.key = 'bench-usage-' || s.g
            ORDER BY s.g
            """
        )
        cur.execute("DROP TABLE bench_seed")
    connection.close()
    with psycopg.connect(DB_URL, autocommit=True) as conn:
        conn.execute("VACUUM (ANALYZE) nodes_usagerecord")
        conn.execute("VACUUM (ANALYZE) billing_hold")
    return {"user": main.pk, "keys": keys, "load_seconds": round(time.perf_counter() - started, 1)}


# --- the views ---------------------------------------------------------------------------------------------
def _views(user: Any, keys: list[int]) -> dict[str, Callable[[], object]]:
    """Every timed view, by name. Cursors at depth are found once here (≈ 99% of each filtered set)."""
    from django.utils import timezone

    from nodes.models import UsageRecord
    from nodes.pages import _csv_rows
    from nodes.selectors import (
        Cursor,
        UsageFilters,
        usage_daily_spend,
        usage_for_user,
        usage_iter,
        usage_page,
    )

    today = timezone.localdate()
    prompt = (
        UsageRecord.objects.filter(user=user, created_at__lt=timezone.now() - timedelta(days=60))
        .order_by("-created_at")
        .values_list("comfy_job_id", flat=True)
        .first()
    )
    filters = {
        "none": UsageFilters(),
        "vendor": UsageFilters(vendor=RARE_VENDOR),
        "status": UsageFilters(status="moderated"),  # 1% of the rows
        "key": UsageFilters(api_key_id=keys[4]),  # a 1% key: a selective filter the index must serve
        "dates": UsageFilters(date_from=today - timedelta(days=67), date_to=today - timedelta(days=60)),
        "prompt": UsageFilters(comfy_job_id=prompt or ""),
    }
    views: dict[str, Callable[[], object]] = {}
    depths: dict[str, int] = {}
    for name, f in filters.items():
        rows = usage_for_user(user=user, filters=f)
        count = rows.count()
        depth = max(0, min(count - PAGE - 1, int(count * 0.99)))
        depths[name] = depth
        row = next(iter(rows.values_list("created_at", "id")[depth : depth + 1]), None)
        cursor = Cursor(*row) if row else None
        views[f"{name}.first"] = partial(usage_page, user=user, filters=f, cursor=None)
        views[f"{name}.deep"] = partial(usage_page, user=user, filters=f, cursor=cursor)
        if name in ("none", "vendor", "key"):  # OFFSET at the same depth, for context
            _OFFSETS[f"{name}.offset"] = partial(_offset_page, user=user, filters=f, depth=depth)
            views[f"{name}.offset"] = partial(_on_side_connection, _OFFSETS[f"{name}.offset"])
    views["chart"] = lambda: usage_daily_spend(user=user)

    def csv_head() -> int:
        lines: Iterator[str] = _csv_rows(usage_iter(user=user, filters=UsageFilters()))
        return sum(1 for _ in itertools.islice(lines, CSV_ROWS + 1))

    views["csv10k"] = csv_head
    _DEPTHS.update(depths)
    return views


_DEPTHS: dict[str, int] = {}
_OFFSETS: dict[str, Callable[[], object]] = {}  # the OFFSET references, unwrapped


# The OFFSET references run on their own connection (a thread of their own): their plans cost enough for
# PostgreSQL to JIT-compile them, and once a backend has loaded the LLVM JIT, the chart's query ran ~14 ms
# slower on that backend for the rest of the run (measured: 37 → 50 ms p50). The subject must not pay for
# a reference that the application never runs.
_SIDE = ThreadPoolExecutor(max_workers=1, thread_name_prefix="offset-reference")


def _on_side_connection(fn: Callable[[], object]) -> object:
    return _SIDE.submit(fn).result()


def _offset_page(*, user: Any, filters: Any, depth: int) -> list[Any]:
    """The OFFSET reference: what page-number pagination would run at the same depth."""
    from nodes.selectors import usage_for_user

    return list(
        usage_for_user(user=user, filters=filters).select_related("api_key")[depth : depth + PAGE + 1]
    )


def _explain(fn: Callable[[], object]) -> list[dict[str, Any]]:
    """Run `fn` capturing its SQL, then `EXPLAIN (ANALYZE, BUFFERS)` each distinct statement (first 3)."""
    from django.db import connection

    captured: list[tuple[str, Any]] = []

    def wrapper(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        captured.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wrapper):
        fn()
    out = []
    for sql, params in captured[:3]:
        with connection.cursor() as cur:
            cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
            plan = [str(line[0]) for line in cur.fetchall()]
        out.append({"sql": sql[:600], "plan": plan})
    return out


def _pct(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))]


def measure(views: dict[str, Callable[[], object]], reps: int, calls: int) -> dict[str, Any]:
    names = list(views)
    for name in names:  # warm-up (discarded): plans, caches, connection
        views[name]()
    samples: dict[str, list[float]] = {n: [] for n in names}
    per_rep: list[dict[str, float]] = []
    for rep in range(reps):
        order = names[rep % len(names) :] + names[: rep % len(names)]  # rotate: no view always goes first
        medians: dict[str, float] = {}
        for name in order:
            n_calls = max(1, calls // 10) if name == "csv10k" or name.endswith(".offset") else calls
            times = []
            for _ in range(n_calls):
                started = time.perf_counter()
                views[name]()
                times.append(1000 * (time.perf_counter() - started))
            samples[name] += times
            medians[name] = statistics.median(times)
        per_rep.append(medians)
        print(f"  rep {rep + 1}: " + " · ".join(f"{n} {medians[n]:.1f}" for n in names), flush=True)
    result: dict[str, Any] = {
        n: {"p50_ms": _pct(samples[n], 0.5), "p99_ms": _pct(samples[n], 0.99), "samples": len(samples[n])}
        for n in names
    }
    for n in names:
        if n.endswith(".deep"):
            base = n.removesuffix(".deep")
            result[n]["ratio_vs_first"] = statistics.median(r[n] / r[f"{base}.first"] for r in per_rep)
            if f"{base}.offset" in views:
                result[f"{base}.offset"]["ratio_vs_first"] = statistics.median(
                    r[f"{base}.offset"] / r[f"{base}.first"] for r in per_rep
                )
    return result


def _context(pg: str) -> dict[str, str]:
    command = ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"]  # fixed argv, no user input
    commit = subprocess.run(command, capture_output=True, text=True, check=False).stdout.strip()  # noqa: S603
    dirty = subprocess.run(  # noqa: S603
        ["git", "-C", str(ROOT), "status", "--porcelain", "--", "nodes"],  # noqa: S607
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    return {
        "nproc": str(os.cpu_count()),
        "pg": pg,
        "commit": (commit or "unknown") + ("+dirty" if dirty else ""),
    }


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--reps", type=int, default=5, help="interleaved repetitions (≥ 5 for a recorded run)"
    )
    parser.add_argument("--calls", type=int, default=20, help="calls per view per repetition")
    parser.add_argument("--reuse", action="store_true", help="measure the existing database, no reload")
    parser.add_argument("--drop", action="store_true", help="drop the bench database at the end")
    args = parser.parse_args()

    pg = server_version() if args.reuse else ensure_database()
    import django

    django.setup()
    from django.core.management import call_command

    from accounts.models import ApiKey, User

    if args.reuse:
        call_command("migrate", verbosity=0)  # applies a new index migration to the loaded rows
        user = User.objects.get(email="usage-00@bench.invalid")
        seeded: dict[str, Any] = {
            "user": user.pk,
            "keys": list(ApiKey.objects.filter(user=user).order_by("id").values_list("id", flat=True)),
        }
    else:
        seeded = seed()
        print(f"loaded {MAIN_ROWS + OTHER_ROWS:,} rows in {seeded['load_seconds']} s", flush=True)
    user = User.objects.get(pk=seeded["user"])
    context = _context(pg)
    print(f"BM9 on {context}: {args.reps} reps x {args.calls} calls per view", flush=True)
    views = _views(user, seeded["keys"])
    results = measure(views, args.reps, args.calls)
    slowest = sorted(results, key=lambda n: results[n]["p50_ms"], reverse=True)[:4]
    explains = {
        n: _SIDE.submit(_explain, _OFFSETS[n]).result() if n.endswith(".offset") else _explain(views[n])
        for n in dict.fromkeys([*slowest, "none.deep", "chart"])
    }
    pages = {n: r for n, r in results.items() if n.endswith((".first", ".deep"))}
    worst_page = max(pages, key=lambda n: pages[n]["p50_ms"])
    report = {
        "id": "BM9",
        **context,
        "started": datetime.now(UTC).isoformat(),
        "rows_user": MAIN_ROWS,
        "rows_others": OTHER_ROWS,
        "reps": args.reps,
        "calls": args.calls,
        "load_seconds": seeded.get("load_seconds"),
        "depths": _DEPTHS,
        "views": results,
        "explain": explains,
    }
    deep = results["none.deep"]
    first = results["none.first"]
    print(
        f"BENCH BM9 subject=deep_page_p50={deep['p50_ms']:.2f}ms "
        f"reference=first_page_p50={first['p50_ms']:.2f}ms "
        f"ratio={deep['ratio_vs_first']:.2f} offset_ratio={results['none.offset']['ratio_vs_first']:.1f} "
        f"worst_page={worst_page}:{pages[worst_page]['p50_ms']:.2f}ms "
        f"chart_p50={results['chart']['p50_ms']:.2f}ms csv10k_p50={results['csv10k']['p50_ms']:.0f}ms "
        f"nproc={context['nproc']} pg={context['pg']} commit={context['commit']}"
    )
    for name, r in results.items():
        ratio = f" ratio_vs_first={r['ratio_vs_first']:.2f}" if "ratio_vs_first" in r else ""
        print(f"  {name:14} p50 {r['p50_ms']:8.2f} ms  p99 {r['p99_ms']:8.2f} ms{ratio}")
    out_dir = ROOT / "bench" / "results"
    out_dir.mkdir(exist_ok=True)
    path = out_dir / f"usage_BM9_{datetime.now(UTC).strftime('%Y%m%dT%H%M%SZ')}.json"
    path.write_text(json.dumps(report, indent=2, default=str))
    print(f"wrote {path.relative_to(ROOT)}")
    if args.drop:
        from django.db import connection

        connection.close()
        drop_database()
    return 0


if __name__ == "__main__":
    sys.exit(main())
