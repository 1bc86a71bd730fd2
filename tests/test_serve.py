"""Issue 14 item 10: `make run PORT=9000` just works.

`manage.py serve` really runs in a subprocess on a free port other than 8000, with its own data directory;
a sandbox vendor call goes through it (the sandbox is called in-process, so the port cannot be wrong) and
the URLs it hands out name the port it really bound. A port already taken is said plainly, with the way
to pick another, before anything claims to be running.
"""

from __future__ import annotations

import os
import re
import socket
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[1]
STARTUP_SECONDS = 120


def free_port() -> int:
    while True:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = int(probe.getsockname()[1])
        if port != 8000:
            return port


def dev_env(data_dir: Path) -> dict[str, str]:
    keep = ("PATH", "HOME", "LANG", "TMPDIR")
    env = {name: os.environ[name] for name in keep if name in os.environ}
    # The one-command run's defaults: development settings, SQLite and everything in-process.
    env.update(COMFYWEB_ENV="development", COMFYWEB_DATA_DIR=str(data_dir), SANDBOX_JOB_SECONDS="0")
    env["PYTHONUNBUFFERED"] = "1"
    return env


def manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - our own interpreter and manage.py
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, str]]]:
    data_dir = tmp_path_factory.mktemp("serve")
    env = dev_env(data_dir)
    port = free_port()
    process = subprocess.Popen(  # noqa: S603
        [sys.executable, "manage.py", "serve", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    output: list[str] = []
    reader = threading.Thread(target=lambda: output.extend(process.stdout or ()), daemon=True)
    reader.start()
    deadline = time.monotonic() + STARTUP_SECONDS
    try:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                reader.join(timeout=5)
                raise AssertionError(f"serve exited: {''.join(output)}")
            try:
                up = httpx.get(f"{url}/health", timeout=2).status_code == 200
                if up and "running at" in "".join(output):
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        else:
            raise AssertionError("serve did not answer /health in time")
        env["SERVE_OUTPUT"] = "\n".join(output)
        yield url, env
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()


def test_a_sandbox_call_through_serve_on_another_port_works(server: tuple[str, dict[str, str]]) -> None:
    url, env = server
    made = manage("create_api_key", "demo@comfyweb.local", "--name", "serve-test", env=env)
    assert made.returncode == 0, made.stderr
    key = re.search(r"comfyui-[A-Za-z0-9]{64}", made.stdout)
    assert key is not None, made.stdout
    response = httpx.post(
        f"{url}/proxy/recraft/image_generation",
        headers={"X-API-KEY": key.group(0)},
        json={"prompt": "a lighthouse", "model": "recraftv3", "size": "1024x1024", "n": 1},
        timeout=60,
    )
    assert response.status_code == 200, response.text
    assert float(response.headers["X-Comfy-Credits-Used"]) > 0  # credits, e.g. 8.44
    image_url = response.json()["data"][0]["url"]
    assert image_url.startswith(f"{url}/"), image_url  # the real address, not :8000
    image = httpx.get(image_url, timeout=30)
    assert image.status_code == 200
    assert image.content.startswith(b"\x89PNG")
    # README: the sandbox honours the requested size.
    width, height = struct.unpack(">II", image.content[16:24])
    assert (width, height) == (1024, 1024)
    body = response.json()
    assert set(body) >= {"created", "credits", "data"}  # Recraft's own shape, as the README shows


def test_the_keys_page_hint_names_the_real_address(server: tuple[str, dict[str, str]]) -> None:
    url, env = server
    password = (Path(env["COMFYWEB_DATA_DIR"]) / "demo_password").read_text().strip()
    with httpx.Client(base_url=url, timeout=30) as browser:
        login_page = browser.get("/login")
        token = browser.cookies["csrftoken"]
        assert login_page.status_code == 200
        signed_in = browser.post(
            "/login",
            data={"email": "demo@comfyweb.local", "password": password, "csrfmiddlewaretoken": token},
            headers={"Referer": f"{url}/login", "Origin": url},
        )
        assert signed_in.status_code in {200, 302}, signed_in.text[:500]
        keys = browser.get("/keys")
    assert keys.status_code == 200
    assert url in keys.text
    assert "127.0.0.1:8000" not in keys.text


def test_a_taken_port_is_said_before_running_at(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = int(taken.getsockname()[1])
        done = manage("serve", "--port", str(port), "--no-seed", env=dev_env(tmp_path))
    assert done.returncode != 0
    assert f"Port {port} on 127.0.0.1 is already in use" in done.stderr
    assert f"make run PORT={port + 1}" in done.stderr
    assert "running at" not in done.stdout


def test_createsuperuser_makes_a_staff_account_for_the_console(tmp_path: Path) -> None:
    """README: `manage.py createsuperuser` asks for an e-mail and a password; the account opens /admin/."""
    env = dev_env(tmp_path)
    assert manage("migrate", "--verbosity", "0", env=env).returncode == 0
    env["DJANGO_SUPERUSER_PASSWORD"] = "a staff passphrase for the console"
    made = manage("createsuperuser", "--noinput", "--email", "staff@example.com", env=env)
    assert made.returncode == 0, made.stderr
    script = (
        "import django; django.setup(); from accounts.models import User; "
        "u = User.objects.get(email='staff@example.com'); "
        "print(u.is_staff, u.is_superuser, u.check_password('a staff passphrase for the console'))"
    )
    shown = subprocess.run(  # noqa: S603
        [sys.executable, "-c", script],
        cwd=ROOT,
        env={**env, "DJANGO_SETTINGS_MODULE": "comfyweb.settings"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert shown.stdout.split() == ["True", "True", "True"], shown.stderr


def test_the_startup_lines_name_the_real_address(server: tuple[str, dict[str, str]]) -> None:
    url, env = server
    printed = env["SERVE_OUTPUT"]
    assert f"comfyweb is running at {url}" in printed
    port = url.rsplit(":", 1)[1]
    canvas = re.search(r"hosted ComfyUI sessions are served at (\S+)", printed)
    if canvas is not None:  # the hosted-ComfyUI origin follows the port too
        assert canvas.group(1) == f"http://localhost:{port}"
    assert ":8000" not in printed
