"""A tiny Stripe API stand-in on loopback: enough of /v1 for our gateway, with idempotency and faults.

It records every request (method, path, Idempotency-Key, form body), replays the stored response for a
repeated Idempotency-Key (as Stripe does for 24 h), answers a reused key with different parameters with
Stripe's 400 `idempotency_error`, and can drop the connection after creating an object — the "timeout
after Stripe created it" case of quality.md S-10.
"""

from __future__ import annotations

import json
import threading
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit


@dataclass
class Recorded:
    method: str
    path: str
    idempotency_key: str | None
    form: dict[str, str]


@dataclass
class StripeStub:
    url: str = ""
    requests: list[Recorded] = field(default_factory=list)
    created: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    sessions: dict[str, dict[str, Any]] = field(default_factory=dict)
    drop_next: set[str] = field(default_factory=set)  # paths whose next response is dropped after creating
    decline_payment_intents: bool = False
    payment_methods: list[str] = field(default_factory=lambda: ["pm_card_visa"])
    undelivered: list[dict[str, Any]] = field(default_factory=list)  # served by GET /v1/events
    _idem: dict[str, tuple[str, int, dict[str, Any]]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def posts(self, path: str) -> list[Recorded]:
        return [r for r in self.requests if r.method == "POST" and r.path == path]

    def set_session(self, session_id: str, **fields: Any) -> None:
        self.sessions[session_id].update(fields)


def _obj_id(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:20]}"


def _create(stub: StripeStub, path: str, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
    if path == "/v1/customers":
        obj: dict[str, Any] = {"id": _obj_id("cus"), "object": "customer", "email": form.get("email")}
    elif path == "/v1/checkout/sessions":
        session_id = _obj_id("cs_test")
        amount = int(form["line_items[0][price_data][unit_amount]"])
        obj = {
            "id": session_id,
            "object": "checkout.session",
            "url": f"https://checkout.stripe.test/c/pay/{session_id}",
            "status": "open",
            "payment_status": "unpaid",
            "amount_total": amount,
            "currency": form.get("line_items[0][price_data][currency]", "usd"),
            "customer": form.get("customer"),
            "payment_intent": None,
            "metadata": {"purchase_id": form.get("metadata[purchase_id]")},
            "livemode": False,
            "line_items": {"object": "list", "data": [{"amount_total": amount, "quantity": 1}]},
        }
        stub.sessions[session_id] = obj
    elif path == "/v1/billing_portal/sessions":
        obj = {
            "id": _obj_id("bps"),
            "object": "billing_portal.session",
            "url": "https://billing.stripe.test/p/session",
        }
    elif path == "/v1/payment_intents":
        if stub.decline_payment_intents:
            intent_id = _obj_id("pi")
            return 402, {
                "error": {
                    "type": "card_error",
                    "code": "card_declined",
                    "message": "Your card was declined.",
                    "payment_intent": {
                        "id": intent_id,
                        "object": "payment_intent",
                        "status": "requires_payment_method",
                    },
                }
            }
        obj = {
            "id": _obj_id("pi"),
            "object": "payment_intent",
            "status": "succeeded",
            "amount": int(form["amount"]),
            "amount_received": int(form["amount"]),
            "metadata": {k[9:-1]: v for k, v in form.items() if k.startswith("metadata[")},
        }
    else:
        return 404, {"error": {"type": "invalid_request_error", "message": f"Unknown path {path}"}}
    stub.created.setdefault(path, []).append(obj)
    return 200, obj


def _get(stub: StripeStub, path: str) -> tuple[int, dict[str, Any]]:
    if path.startswith("/v1/checkout/sessions/"):
        session = stub.sessions.get(path.rsplit("/", 1)[1])
        if session is not None:
            return 200, session
    if path == "/v1/events":
        return 200, {"object": "list", "data": stub.undelivered, "has_more": False, "url": path}
    if path == "/v1/payment_methods":
        data = [{"id": pm, "object": "payment_method"} for pm in stub.payment_methods]
        return 200, {"object": "list", "data": data, "has_more": False, "url": path}
    return 404, {"error": {"type": "invalid_request_error", "message": f"No such object: {path}"}}


def _delete(stub: StripeStub, path: str) -> tuple[int, dict[str, Any]]:
    """DELETE /v1/customers/<id>: Stripe answers a deleted stub object, and 404 once it is gone."""
    if path.startswith("/v1/customers/"):
        customer_id = path.rsplit("/", 1)[1]
        customers = stub.created.get("/v1/customers", [])
        found = [c for c in customers if c["id"] == customer_id]
        if found:
            customers.remove(found[0])
            return 200, {"id": customer_id, "object": "customer", "deleted": True}
    return 404, {"error": {"type": "invalid_request_error", "message": f"No such customer: {path}"}}


def start_stub() -> tuple[StripeStub, ThreadingHTTPServer]:
    stub = StripeStub()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            return

        def _reply(self, status: int, body: dict[str, Any]) -> None:
            raw = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)

        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            path = parts.path
            with stub.lock:
                stub.requests.append(Recorded("GET", path, None, dict(parse_qsl(parts.query))))
                status, body = _get(stub, path)
            self._reply(status, body)

        def do_DELETE(self) -> None:
            path = urlsplit(self.path).path
            with stub.lock:
                stub.requests.append(Recorded("DELETE", path, self.headers.get("Idempotency-Key"), {}))
                status, body = _delete(stub, path)
            self._reply(status, body)

        def do_POST(self) -> None:
            path = urlsplit(self.path).path
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length).decode()
            form = dict(parse_qsl(raw, keep_blank_values=True))
            key = self.headers.get("Idempotency-Key")
            with stub.lock:
                stub.requests.append(Recorded("POST", path, key, form))
                stored = stub._idem.get(key) if key else None
                if stored is not None and stored[0] != raw:
                    status, body = (
                        400,
                        {
                            "error": {
                                "type": "idempotency_error",
                                "message": "Keys for idempotent requests can only be used with the same parameters.",  # noqa: E501
                            }
                        },
                    )
                elif stored is not None:
                    status, body = stored[1], stored[2]
                else:
                    status, body = _create(stub, path, form)
                    if key:
                        stub._idem[key] = (raw, status, body)
                drop = path in stub.drop_next
                stub.drop_next.discard(path)
            if drop:
                # The object exists now, but the client never hears back (a timeout / reset).
                self.close_connection = True
                self.connection.close()
                return
            self._reply(status, body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    stub.url = f"http://127.0.0.1:{server.server_address[1]}"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return stub, server
