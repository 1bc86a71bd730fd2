"""A stub vendor upstream for bench/proxy_bench.py (BM1, BM2, BM5): loopback only, needs only uvicorn.

It answers every POST with a Recraft-shaped image reply (`data[0].url`, `credits`) after a delay read from
the request body: a marker `bench-d<ms>` (e.g. `bench-d50`) anywhere in it, so the very same request bytes
can be sent directly and through `/proxy` and differ only in the path they take. No marker → instant.
`GET /__stats` reports calls in flight, the peak since `POST /__reset`, and the count.

    .venv/bin/python bench/_stub_upstream.py --port 18081 [--key 'Bearer bench-vendor-key']
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import resource
from collections.abc import Awaitable, Callable
from typing import Any

DELAY_RE = re.compile(rb"bench-d(\d{1,5})")
MAX_DELAY_MS = 60_000  # bounded: a stray marker never parks a connection for long
REPLY = json.dumps(
    {"created": 1, "credits": 40, "data": [{"image_id": "bench", "url": "http://127.0.0.1:9/bench.png"}]},
    separators=(",", ":"),
).encode()
STATS = {"inflight": 0, "max_inflight": 0, "count": 0, "unauthorized": 0}
EXPECTED_KEY: bytes = b""

Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]


async def _reply(send: Send, status: int, body: bytes) -> None:
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def app(scope: dict[str, Any], receive: Receive, send: Send) -> None:
    if scope["type"] != "http":
        return
    chunks: list[bytes] = []
    more = True
    while more:
        message = await receive()
        chunks.append(message.get("body", b""))
        more = message.get("more_body", False)
    path = scope["path"]
    if path == "/__stats":
        await _reply(send, 200, json.dumps(STATS).encode())
        return
    if path == "/__reset":
        STATS.update(max_inflight=STATS["inflight"], count=0, unauthorized=0)
        await _reply(send, 200, b"{}")
        return
    if EXPECTED_KEY and dict(scope["headers"]).get(b"authorization") != EXPECTED_KEY:
        # Shows the platform sends its own vendor key (and not the client's credentials).
        STATS["unauthorized"] += 1
        await _reply(send, 401, b'{"code":"not_authorized","message":"bad key"}')
        return
    found = DELAY_RE.search(b"".join(chunks))
    delay_ms = min(int(found.group(1)), MAX_DELAY_MS) if found else 0
    STATS["inflight"] += 1
    STATS["max_inflight"] = max(STATS["max_inflight"], STATS["inflight"])
    try:
        if delay_ms:
            await asyncio.sleep(delay_ms / 1000)
    finally:
        STATS["inflight"] -= 1
    STATS["count"] += 1
    await _reply(send, 200, REPLY)


def raise_nofile(want: int = 8192) -> None:
    """BM5 holds ~1,000 sockets per side; the soft limit is often 1,024."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = want if hard == resource.RLIM_INFINITY else min(want, hard)
    if soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))


def main() -> None:
    global EXPECTED_KEY  # noqa: PLW0603 — set once at start-up, read per request
    import uvicorn

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--key", default="", help="the exact Authorization value to require")
    args = parser.parse_args()
    EXPECTED_KEY = args.key.encode()
    raise_nofile()
    uvicorn.run(
        app,
        host="127.0.0.1",
        port=args.port,
        log_level="warning",
        access_log=False,
        lifespan="off",
        backlog=4096,
        timeout_keep_alive=30,
    )


if __name__ == "__main__":
    main()
