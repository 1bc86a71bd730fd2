"""ComfyUI 0.30.0's own files in ../shared/data/comfyui-0.30.0/ (beside the checkout, on the developers'
machines and in CI): not in the repository, since they are ComfyUI's output, not ours."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

_SHARED = Path(__file__).resolve().parents[3] / "shared" / "data" / "comfyui-0.30.0"


def comfyui_file(name: str, env: str) -> Path:
    """The file, from `env` when set; missing, the test fails in CI (the proof must run there) and skips
    elsewhere."""
    path = Path(os.environ.get(env, str(_SHARED / name)))
    if not path.exists():
        message = f"ComfyUI 0.30.0's {name} is not at {path} (set {env})"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return path
