"""The real settings module under COMFYWEB_ENV=production, for tests of production-only behaviour.

It is imported in a subprocess (settings are read once per process) with the dummy production environment
that `make lint` uses, read from the Makefile so that a variable some area makes required later is picked
up here too.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def production_environment() -> dict[str, str]:
    makefile = (ROOT / "Makefile").read_text().replace("\\\n", " ")
    line = next(text for text in makefile.splitlines() if "COMFYWEB_ENV=production" in text)
    return dict(token.split("=", 1) for token in shlex.split(line) if re.fullmatch(r"[A-Z_]+=.*", token))


def production_import(
    *, script: str = "import comfyweb.settings", **overrides: str
) -> subprocess.CompletedProcess[str]:
    """Run `script` with the production environment (plus `overrides`); the caller checks the outcome."""
    env = {"PATH": os.environ.get("PATH", ""), **production_environment(), **overrides}
    return subprocess.run(  # noqa: S603 - our own interpreter and a fixed script
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )


def production_settings(keys: Iterable[str], *, data_dir: Path) -> dict[str, Any]:
    """The production values of `keys`; Django's own defaults fill in what the module leaves unset."""
    script = (
        "import json, comfyweb.settings as s; from django.conf import global_settings as g;"
        f"print(json.dumps({{k: getattr(s, k, getattr(g, k, None)) for k in {list(keys)!r}}}))"
    )
    done = production_import(script=script, COMFYWEB_DATA_DIR=str(data_dir))
    if done.returncode != 0:
        raise AssertionError(f"Production settings failed to load:\n{done.stderr}")
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))
