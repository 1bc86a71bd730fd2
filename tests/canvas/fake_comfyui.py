"""A fake ComfyUI backend for the canvas tests: a plain ASGI app (no framework) run by uvicorn, started as
a real process by the `local` spawner with the same flags a real ComfyUI gets.

It speaks the parts of ComfyUI's server the proxy must carry: /api/system_stats (readiness), /api/features,
/api/prompt, /api/queue, /api/history, /upload/image, /view (with Range), /ws (JSON and binary frames), and
one test-only route, /fake/echo, that answers with the request it received (method, headers, body size).
Uploaded inputs, outputs and "workflows" live in the directories it was given, like ComfyUI's.
"""

from __future__ import annotations

import argparse
import json
import mimetypes
import os
import struct
import sys
import time
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

STATE: dict[str, Any] = {"history": {}, "queue": [], "sockets": set(), "args": None}


def _args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    parser.add_argument("--listen", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--comfy-api-base", default="")
    parser.add_argument("--user-directory", required=True)
    parser.add_argument("--input-directory", required=True)
    parser.add_argument("--output-directory", required=True)
    parser.add_argument("--temp-directory", required=True)
    parser.add_argument("--startup-delay", type=float, default=0.0)
    parser.add_argument("--never-ready", action="store_true")
    parser.add_argument("--exit-after", type=float, default=0.0)
    parser.add_argument("--cpu", action="store_true")
    parser.add_argument("--front-end-root", default="")  # serve a real frontend build (the browser test)
    return parser.parse_args(argv)


async def _body(receive: Any) -> bytes:
    chunks = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise ConnectionError("client gone")
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            return b"".join(chunks)


async def _send(
    send: Any, status: int, body: bytes, content_type: str = "application/json", extra: Any = ()
) -> None:
    headers = [(b"content-type", content_type.encode()), (b"content-length", str(len(body)).encode()), *extra]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def _json(send: Any, payload: Any, status: int = 200) -> None:
    await _send(send, status, json.dumps(payload).encode())


def _multipart_file(body: bytes, content_type: str) -> tuple[str, bytes]:
    boundary = content_type.split("boundary=", 1)[1].strip('"').encode()
    for part in body.split(b"--" + boundary):
        head, _, data = part.partition(b"\r\n\r\n")
        if b'name="image"' in head:
            name = head.split(b'filename="', 1)[1].split(b'"', 1)[0].decode()
            return Path(name).name, data.removesuffix(b"\r\n")
    raise ValueError("no image part")


async def _broadcast(payload: Any) -> None:
    for ws_send in list(STATE["sockets"]):
        try:
            if isinstance(payload, bytes):
                await ws_send({"type": "websocket.send", "bytes": payload})
            else:
                await ws_send({"type": "websocket.send", "text": json.dumps(payload)})
        except Exception:  # noqa: BLE001 - a closed socket
            STATE["sockets"].discard(ws_send)


async def _prompt(receive: Any, send: Any) -> None:
    try:
        prompt = json.loads(await _body(receive))
    except ValueError:
        await _json(send, {"error": {"type": "invalid_prompt", "message": "not JSON"}}, 400)
        return
    prompt_id = str(uuid.uuid4())
    args = STATE["args"]
    output = Path(args.output_directory) / f"{prompt_id}.png"
    output.write_bytes(b"\x89PNG\r\n\x1a\n" + prompt_id.encode())
    STATE["history"][prompt_id] = {
        "prompt": [len(STATE["history"]), prompt_id, prompt.get("prompt"), prompt.get("extra_data", {}), []],
        "outputs": {"9": {"images": [{"filename": output.name, "subfolder": "", "type": "output"}]}},
        "status": {"status_str": "success", "completed": True},
    }
    await _broadcast({"type": "executing", "data": {"node": None, "prompt_id": prompt_id}})
    await _broadcast(struct.pack(">II", 1, 2) + b"\x89PNGpreview")  # a binary preview frame
    await _json(send, {"prompt_id": prompt_id, "number": len(STATE["history"]), "node_errors": {}})


async def _view(scope: Any, send: Any) -> None:
    query = parse_qs(scope["query_string"].decode())
    kind = query.get("type", ["output"])[0]
    args = STATE["args"]
    folder = {"input": args.input_directory, "output": args.output_directory, "temp": args.temp_directory}[
        kind
    ]
    path = Path(folder) / Path(query.get("filename", [""])[0]).name
    if not path.is_file():
        await _json(send, {"error": "not found"}, 404)
        return
    data = path.read_bytes()
    content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    headers = dict(scope["headers"])
    ranged = headers.get(b"range", b"").decode()
    if ranged.startswith("bytes="):
        start_text, _, end_text = ranged[6:].partition("-")
        start = int(start_text or 0)
        end = min(int(end_text) if end_text else len(data) - 1, len(data) - 1)
        extra = [
            (b"content-range", f"bytes {start}-{end}/{len(data)}".encode()),
            (b"accept-ranges", b"bytes"),
        ]
        await _send(send, 206, data[start : end + 1], content_type, extra)
        return
    await _send(send, 200, data, content_type, [(b"accept-ranges", b"bytes")])


# What the stock frontend reads while it boots, answered like a ComfyUI with no models and no custom nodes.
BOOT_ANSWERS: dict[str, Any] = {
    "/api/users": {"storage": "server", "migrated": True},
    "/api/object_info": {},
    "/api/extensions": [],
    "/api/embeddings": [],
    "/api/experiment/models": [],
    "/api/models": [],
    "/api/i18n": {},
    "/api/workflow_templates": {},
}


async def _userdata(scope: Any, receive: Any, send: Any) -> None:
    if scope["method"] in ("POST", "PUT"):
        await _body(receive)
        await _json(send, {})
    elif scope["path"] == "/api/settings":
        await _json(send, {"Comfy.TutorialCompleted": True})
    elif scope["path"] == "/api/userdata":
        await _json(send, [])
    else:
        await _json(send, {"error": "not found"}, 404)


def _frontend_version(root: Path) -> str:
    """The version of the comfyui_frontend_package whose static/ folder is `root`."""
    for info in root.parent.parent.glob("comfyui_frontend_package-*.dist-info"):
        return info.name.removeprefix("comfyui_frontend_package-").removesuffix(".dist-info")
    return ""


async def _static(root: Path, path: str, send: Any) -> None:
    target = (root / path.lstrip("/")).resolve()
    if path.endswith("/"):
        target = target / "index.html"
    if not target.is_file() or root.resolve() not in target.parents:
        await _json(send, {"error": "not found"}, 404)
        return
    content_type = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
    if target.suffix == ".js":
        content_type = "text/javascript"
    await _send(send, 200, target.read_bytes(), content_type)


async def _http(scope: Any, receive: Any, send: Any) -> None:  # noqa: PLR0912 - a route table
    path, method = scope["path"], scope["method"]
    args = STATE["args"]
    if path in ("/system_stats", "/api/system_stats"):
        system = {"os": "fake", "comfyui_version": "0.30.0-fake", "argv": sys.argv}
        if args.front_end_root:
            # As ComfyUI reports it: the installed frontend package's version (its dist-info beside it).
            system["comfy_package_versions"] = [
                {
                    "name": "comfyui-frontend-package",
                    "installed": _frontend_version(Path(args.front_end_root)),
                }
            ]
        await _json(send, {"system": system, "devices": []})
    elif path in ("/features", "/api/features"):
        await _json(send, {"supports_preview_metadata": True, "max_upload_size": 104857600})
    elif path in ("/prompt", "/api/prompt") and method == "POST":
        await _prompt(receive, send)
    elif path in ("/prompt", "/api/prompt"):
        await _json(send, {"exec_info": {"queue_remaining": 0}})
    elif path in ("/queue", "/api/queue"):
        if method == "POST":
            await _body(receive)
            STATE["queue"].clear()
        await _json(send, {"queue_running": [], "queue_pending": list(STATE["queue"])})
    elif path in ("/history", "/api/history"):
        if method == "POST" and json.loads(await _body(receive) or b"{}").get("clear"):
            STATE["history"].clear()
        await _json(send, STATE["history"])
    elif path in ("/interrupt", "/api/interrupt"):
        await _json(send, {})
    elif path in ("/upload/image", "/api/upload/image") and method == "POST":
        content_type = dict(scope["headers"]).get(b"content-type", b"").decode()
        name, data = _multipart_file(await _body(receive), content_type)
        (Path(args.input_directory) / name).write_bytes(data)
        await _json(send, {"name": name, "subfolder": "", "type": "input"})
    elif path in ("/view", "/api/view"):
        await _view(scope, send)
    elif path == "/fake/echo":
        body = await _body(receive)
        headers = {k.decode(): v.decode() for k, v in scope["headers"]}
        await _json(
            send,
            {
                "method": method,
                "path": path,
                "query": scope["query_string"].decode(),
                "headers": headers,
                "body_bytes": len(body),
                "pid": os.getpid(),
            },
        )
    elif path.startswith("/api/") and path in BOOT_ANSWERS:
        await _json(send, BOOT_ANSWERS[path])
    elif path.startswith(("/api/userdata", "/api/settings")):
        await _userdata(scope, receive, send)
    elif args.front_end_root and not path.startswith("/api/"):
        await _static(Path(args.front_end_root), path, send)
    elif path == "/":
        await _send(send, 200, b"<!doctype html><title>ComfyUI</title><p>fake ComfyUI", "text/html")
    else:
        await _json(send, {"error": "not found"}, 404)


async def _ws(scope: Any, receive: Any, send: Any) -> None:
    message = await receive()
    if message["type"] != "websocket.connect":
        return
    await send({"type": "websocket.accept"})
    STATE["sockets"].add(send)
    client_id = parse_qs(scope["query_string"].decode()).get("clientId", ["anon"])[0]
    await send(
        {
            "type": "websocket.send",
            "text": json.dumps(
                {
                    "type": "status",
                    "data": {"status": {"exec_info": {"queue_remaining": 0}}, "sid": client_id},
                }
            ),
        }
    )
    try:
        while True:
            message = await receive()
            if message["type"] == "websocket.disconnect":
                return
            if message.get("bytes") is not None:
                await send({"type": "websocket.send", "bytes": b"echo:" + message["bytes"]})
            else:
                await send(
                    {
                        "type": "websocket.send",
                        "text": json.dumps({"type": "echo", "data": message.get("text")}),
                    }
                )
    finally:
        STATE["sockets"].discard(send)


async def app(scope: Any, receive: Any, send: Any) -> None:
    if scope["type"] == "http":
        await _http(scope, receive, send)
    elif scope["type"] == "websocket" and scope["path"] == "/ws":
        await _ws(scope, receive, send)
    elif scope["type"] == "lifespan":
        while (await receive())["type"] != "lifespan.shutdown":
            await send({"type": "lifespan.startup.complete"})
        await send({"type": "lifespan.shutdown.complete"})


def main(argv: list[str]) -> None:
    import threading

    import uvicorn

    args = _args(argv)
    STATE["args"] = args
    for folder in (args.user_directory, args.input_directory, args.output_directory, args.temp_directory):
        Path(folder).mkdir(parents=True, exist_ok=True)
    (Path(args.user_directory) / "comfyui.started").write_text(str(time.time()))
    if args.never_ready:
        time.sleep(3600)
        return
    time.sleep(args.startup_delay)
    if args.exit_after:
        threading.Timer(args.exit_after, lambda: os._exit(3)).start()
    uvicorn.run(
        app, host=args.listen, port=args.port, log_level="warning", lifespan="off", ws="websockets-sansio"
    )


if __name__ == "__main__":
    main(sys.argv[1:])
