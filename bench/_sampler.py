"""A tiny all-threads sampling profiler for the platform under uvicorn (local profiling, bench/ only).

pyinstrument only follows the thread it starts on, but the /proxy engine spends its time on the event loop
*and* in sync_to_async threads (ORM, auth). This samples `sys._current_frames()` of every thread every few
milliseconds and writes, on exit, which functions were on the stack (inclusive) and at the top (self), with
idle waits (selectors, locks, queue gets) counted apart.

    .venv/bin/python bench/_sampler.py --out /tmp/profile.txt -- comfyweb.asgi:application --port 8000 …

`proxy_bench.py --profile PATH` runs the platform this way; a PATH ending in `.cprofile.txt` runs cProfile on
every thread instead (per-thread CPU time, deterministic, ≈2x slower).
"""

from __future__ import annotations

import atexit
import cProfile
import io
import pstats
import signal
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from types import FrameType

IDLE_LEAVES = {
    "select", "poll", "wait", "_wait_for_tstate_lock", "acquire", "get", "run_forever", "_run_once", "sleep",
    "_worker", "accept", "recv", "recv_into", "readinto", "_recv",
}  # fmt: skip
INTERVAL_S = 0.003
BORING = ("asgiref/", "threading.py", "concurrent/", "django/utils/deprecation.py", "asyncio/")


def _label(frame: FrameType) -> str:
    code = frame.f_code
    path = code.co_filename
    for marker in ("/site-packages/", "/work/main/", "/lib/python3.11/"):
        if marker in path:
            path = path.split(marker, 1)[1]
            break
    return f"{path}:{code.co_name}"


class Sampler:
    def __init__(self) -> None:
        self.inclusive: Counter[str] = Counter()
        self.self_time: Counter[str] = Counter()
        self.idle: Counter[str] = Counter()
        self.stacks: Counter[str] = Counter()
        self.samples = 0
        self.busy = 0
        self.stop = threading.Event()
        self.me = 0

    def run(self) -> None:
        """Count a thread only while the kernel has it running (state R in /proc/self/task/<tid>/stat):
        a CPU profile, not a wall-clock one (threads blocked on PG, Redis or the GIL are skipped)."""
        self.me = threading.get_ident()
        while not self.stop.wait(INTERVAL_S):
            native = {thread.ident: thread.native_id for thread in threading.enumerate()}
            for ident, frame in sys._current_frames().items():  # documented for exactly this
                if ident == self.me:
                    continue
                self.samples += 1
                try:
                    stat = Path(f"/proc/self/task/{native.get(ident, 0)}/stat").read_text()
                except OSError:
                    continue
                if stat.rsplit(")", 1)[1].split()[0] != "R":
                    continue
                # The main thread "in" asyncio's Runner.run is inside uvloop's C loop (epoll or C callbacks).
                if frame.f_code.co_name in IDLE_LEAVES or _label(frame) == "asyncio/runners.py:run":
                    self.idle[_label(frame)] += 1
                self.busy += 1
                self.self_time[_label(frame)] += 1
                seen: set[str] = set()
                chain: list[str] = []
                current: FrameType | None = frame
                while current is not None:
                    label = _label(current)
                    if label not in seen:
                        seen.add(label)
                        self.inclusive[label] += 1
                    if not label.startswith(BORING):
                        chain.append(label)
                    current = current.f_back
                self.stacks[" < ".join(chain[:8])] += 1

    def dump(self, out: Path) -> None:
        lines = [
            f"samples (thread x tick) {self.samples}, running (state R) {self.busy}",
            "",
        ]
        lines.append("== inclusive (busy samples with the function on the stack) ==")
        lines += [
            f"{n:8d} {100 * n / max(1, self.busy):5.1f}%  {name}"
            for name, n in self.inclusive.most_common(120)
        ]
        lines += ["", "== self (busy samples with the function on top) =="]
        lines += [
            f"{n:8d} {100 * n / max(1, self.busy):5.1f}%  {name}"
            for name, n in self.self_time.most_common(60)
        ]
        lines += ["", "== top stacks (leaf first, 8 frames, asgiref/threading frames left out) =="]
        lines += [f"{n:8d}  {name}" for name, n in self.stacks.most_common(60)]
        lines += ["", "== running leaves inside C (uvloop loop, locks) =="]
        lines += [f"{n:8d}  {name}" for name, n in self.idle.most_common(15)]
        out.write_text("\n".join(lines) + "\n")


class ThreadProfiles:
    """cProfile on every thread (the loop and each sync_to_async thread), timed by per-thread CPU time;
    merged at exit. Deterministic and slow (≈2x), but it says where CPU goes per function."""

    def __init__(self) -> None:
        self.profiles: list[cProfile.Profile] = []
        self.lock = threading.Lock()

    def start_here(self) -> None:
        profile = cProfile.Profile(time.thread_time)
        with self.lock:
            self.profiles.append(profile)
        profile.enable()

    def hook(self, frame: FrameType, event: str, arg: object) -> None:
        # Called once in each new thread (threading.setprofile); enabling cProfile replaces this hook.
        self.start_here()

    def dump(self, out: Path) -> None:
        for profile in self.profiles:
            profile.disable()
        stream = io.StringIO()
        stats = pstats.Stats(*self.profiles, stream=stream)  # type: ignore[arg-type]
        stats.sort_stats("tottime").print_stats(60)
        stats.sort_stats("cumulative").print_stats(120)
        out.write_text(stream.getvalue())
        stats.dump_stats(str(out).removesuffix(".txt") + ".pstats")  # for pstats / snakeviz


def main() -> None:
    args = sys.argv[1:]
    out = Path(args[args.index("--out") + 1])
    uvicorn_args = args[args.index("--") + 1 :]
    if out.name.endswith(".cprofile.txt"):
        profiles = ThreadProfiles()
        threading.setprofile(profiles.hook)  # type: ignore[arg-type]
        profiles.start_here()
        dump = profiles.dump
    else:
        sampler = Sampler()
        threading.Thread(target=sampler.run, daemon=True).start()
        dump = sampler.dump

    def finish() -> None:
        if not out.name.endswith(".cprofile.txt"):
            sampler.stop.set()
            time.sleep(INTERVAL_S * 3)
        dump(out)

    atexit.register(finish)
    # uvicorn re-raises SIGTERM after its graceful shutdown, to the handler that was installed before it:
    # make that an ordinary exit, so the profile is written.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    from uvicorn.main import main as uvicorn_main

    sys.argv = ["uvicorn", *uvicorn_args]
    uvicorn_main()


if __name__ == "__main__":
    main()
