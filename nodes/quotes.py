"""Price API-node requests without reserving or forwarding: `POST /customers/quote`, the Pricing page's
examples and the badge test all use `quote_call`.

A call is matched (`nodes.engine.routing.match`), its body is read as the engine reads it
(`nodes.engine.types.Body`), validated (`nodes.validation`) and priced (`nodes.engine.pricing`) exactly as
`/proxy` would price it at admission: the same route, the same price function, the same table and markup.
Nothing is written.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from django.http import HttpRequest

from billing.money import micros_to_credits
from comfyweb.errors import ApiError, error_body
from nodes.engine import routing
from nodes.engine.pricing import PriceTable, price_table_current, quote_compute
from nodes.engine.types import Body, Call, LineItem
from nodes.validation import validate_body
from nodes.vendors import VENDORS

MAX_CALLS = 50
PROXY_PREFIX = "/proxy/"


@dataclass(frozen=True)
class PricedCall:
    """The most one call can cost (with markup) and the rows that make it up."""

    vendor: str
    route: str  # the route's label, e.g. "POST v1/videos/{kind}"
    max_micros: int
    list_micros: int
    markup_bps: int
    version_id: int
    items: tuple[LineItem, ...]
    unit_micros: Mapping[str, int]

    def payload(self) -> dict[str, Any]:
        amount = micros_to_credits(self.max_micros)
        return {
            "max_micros": self.max_micros,
            "max_credits": float(amount) if amount != amount.to_integral_value() else int(amount),
            "price": {
                "version": self.version_id,
                "vendor": self.vendor,
                "route": self.route,
                "list_micros": self.list_micros,
                "markup_bps": self.markup_bps,
                "rows": [
                    {
                        "key": item.key,
                        "quantity": item.quantity,
                        "unit_micros": self.unit_micros[item.key],
                    }
                    for item in self.items
                ],
            },
        }


def _invalid(message: str) -> ApiError:
    return ApiError(400, "invalid_request", message)


def _request(method: str, path: str) -> tuple[HttpRequest, str]:
    """A bare request the router can read: method, path and query, nothing else."""
    parts = urlsplit(path)
    if parts.scheme or parts.netloc or not parts.path.startswith(PROXY_PREFIX):
        raise routing.unknown_route()
    request = HttpRequest()
    request.method = method
    request.path = request.path_info = parts.path
    request.META["QUERY_STRING"] = parts.query
    return request, parts.path.removeprefix(PROXY_PREFIX)


def _text(value: Any, name: str) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise _invalid(f"The form field {name!r} must be a string or a number.")
    return str(value)


def body_of(route_body: str, body: Any, files: Any) -> Body:
    """The request body as the engine parses it: a JSON object, or a form's text fields and file names."""
    if route_body == "none":
        return Body(format="none", raw=b"")
    if body is None:
        body = {}
    if not isinstance(body, dict):
        raise _invalid("body must be a JSON object.")
    if route_body == "json":
        return Body(format="json", raw=json.dumps(body).encode(), json=body, content_type="application/json")
    if files is None:
        files = []
    if not isinstance(files, list) or not all(isinstance(name, str) and name for name in files):
        raise _invalid("files must be a list of the form's file field names.")
    fields: dict[str, tuple[str, ...]] = {}
    for name, value in body.items():
        values = value if isinstance(value, list) else [value]
        fields[name] = tuple(_text(item, name) for item in values)
    if route_body == "multipart":
        return Body(format="multipart", raw=b"", fields=fields, files=tuple(files))
    return Body(format="form", raw=b"", fields=fields)


def quote_call(
    *, method: Any, path: Any, body: Any = None, files: Any = None, table: PriceTable | None = None
) -> PricedCall:
    """The maximum `/proxy` would hold for this request, or the ApiError it would answer before reserving."""
    if not isinstance(method, str) or not isinstance(path, str) or len(path) > routing.MAX_PATH:
        raise _invalid("method and path must be strings.")
    request, rest = _request(method.upper(), path)
    found = routing.match(request, rest, VENDORS)
    route = found.route
    if route.price is None:
        raise ApiError(422, "not_metered", "This route is not charged: it has no price to quote.")
    parsed = body_of(route.body, body, files)
    call = Call(params=found.params, query=found.query, body=parsed)
    items = route.price(call)
    validate_body(route, parsed, found.params)
    table = table or price_table_current()
    quote = quote_compute(vendor=found.vendor.name, items=items, table=table)
    return PricedCall(
        vendor=found.vendor.name,
        route=route.label,
        max_micros=quote.total_micros,
        list_micros=quote.list_micros,
        markup_bps=quote.markup_bps,
        version_id=quote.version_id,
        items=quote.items,
        unit_micros={item.key: table.unit_micros[(found.vendor.name, item.key)] for item in quote.items},
    )


def quote_calls(calls: Any, *, table: PriceTable | None = None) -> list[dict[str, Any]]:
    """`POST /customers/quote`: one answer per call, in order; a bad call gets its own error, not a 400."""
    if not isinstance(calls, list) or not calls:
        raise _invalid("calls must be a non-empty list.")
    if len(calls) > MAX_CALLS:
        raise _invalid(f"At most {MAX_CALLS} calls can be quoted at once.")
    table = table or price_table_current()
    answers: list[dict[str, Any]] = []
    for entry in calls:
        try:
            if not isinstance(entry, dict):
                raise _invalid("Each call must be an object with method, path and body.")
            unknown = set(entry) - {"method", "path", "body", "files"}
            if unknown:
                raise _invalid(f"Unknown call field(s): {', '.join(sorted(repr(k[:40]) for k in unknown))}.")
            priced = quote_call(
                method=entry.get("method", "POST"),
                path=entry.get("path"),
                body=entry.get("body"),
                files=entry.get("files"),
                table=table,
            )
        except ApiError as exc:
            answers.append({"status": exc.status, **error_body(exc.error_type, exc.message, code=exc.code)})
            continue
        answers.append(priced.payload())
    return answers


@dataclass(frozen=True)
class Example:
    label: str
    path: str
    body: dict[str, Any]
    files: tuple[str, ...] = ()


# Typical API-node calls (as ComfyUI 0.30.0's nodes send them), priced on the Pricing page by `quote_call`.
EXAMPLES = (
    Example(
        "Veo 3.1, 8 s 4K video with audio",
        "/proxy/veo/veo-3.1-generate-001/generate",
        {"instances": [{"prompt": "p"}], "parameters": {"durationSeconds": 8, "resolution": "4k"}},
    ),
    Example(
        "Kling 3.0 Omni, 10 s 4K video",
        "/proxy/kling/v1/videos/omni-video",
        {"model_name": "kling-v3-omni", "prompt": "p", "mode": "4k", "duration": "10", "sound": "off"},
    ),
    Example(
        "Flux.2 [pro], one 1024 x 1024 image",
        "/proxy/bfl/flux-2-pro/generate",
        {"prompt": "p", "width": 1024, "height": 1024},
    ),
    Example(
        "GPT Image 2, high quality 3840 x 2160 image",
        "/proxy/openai/images/generations",
        {"model": "gpt-image-2", "prompt": "p", "quality": "high", "size": "3840x2160", "n": 1},
    ),
    Example(
        "Recraft V4.1, four images",
        "/proxy/recraft/image_generation",
        {"model": "recraftv4_1", "prompt": "p", "size": "1024x1024", "n": 4},
    ),
)


def examples_quote(*, table: PriceTable | None = None) -> list[tuple[Example, PricedCall | None]]:
    """Each example's price now (None when the table in effect cannot price it)."""
    table = table or price_table_current()
    priced: list[tuple[Example, PricedCall | None]] = []
    for example in EXAMPLES:
        try:
            quoted = quote_call(
                method="POST", path=example.path, body=example.body, files=list(example.files), table=table
            )
        except ApiError:
            quoted = None
        priced.append((example, quoted))
    return priced
