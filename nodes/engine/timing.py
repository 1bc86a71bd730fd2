"""Per-call stage timings: the `Server-Timing` header and the usage row's upstream/total milliseconds."""

from __future__ import annotations

import time
from dataclasses import dataclass, field


@dataclass
class Timing:
    started: float = field(default_factory=time.perf_counter)
    stages: dict[str, float] = field(default_factory=dict)
    _mark: float = field(default_factory=time.perf_counter)

    def stage(self, name: str) -> None:
        now = time.perf_counter()
        self.stages[name] = self.stages.get(name, 0.0) + (now - self._mark) * 1000
        self._mark = now

    def ms(self, name: str) -> int:
        return int(self.stages.get(name, 0.0))

    def total_ms(self) -> int:
        return int((time.perf_counter() - self.started) * 1000)

    def header(self) -> str:
        return ", ".join(f"{name};dur={value:.1f}" for name, value in self.stages.items())
