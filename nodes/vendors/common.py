"""Small helpers the vendor modules share: typed reads of priced fields and status/cost extractors."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Literal

from comfyweb.errors import ApiError
from nodes.engine.types import MB, Call, LineItem, Outcome, StatusFn

IMAGE_TTL = timedelta(minutes=30 + 40)  # image jobs finish in minutes; + the client's 40-minute poll window
VIDEO_TTL = timedelta(hours=2, minutes=40)  # long video queues; + 40 minutes
SYNC_TTL = timedelta(minutes=20 + 40)
JSON_CAP = 32 * MB  # JSON bodies carry base64 images (≤ 2048² pixels each)
MULTIPART_CAP = 64 * MB
VIDEO_UPLOAD_CAP = 200 * MB


CheckKind = Literal["text", "int", "number", "bool", "object", "list", "size", "file"]
PROMPT_MAX = 10_000  # characters: above every vendor's own prompt limit (OpenAI's 32,000 is set per route)
SIDE_MAX = 8192  # pixels: no vendor here makes an image side longer


@dataclass(frozen=True)
class Check:
    """One field of a route's body that is validated before anything is reserved (quality.md B-08/B-09/B-12).

    `name` is a top-level field, or a dotted path into objects and lists ("instances.0.prompt"); `file`
    checks name a multipart file field. `when` limits the check to path params with those values
    (`{"kind": ("text2video",)}`). Checked by `nodes.validation.validate_body`.
    """

    name: str
    kind: CheckKind
    required: bool = False
    max_length: int = PROMPT_MAX  # text: characters; list: items
    low: float | None = None
    high: float | None = None
    when: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


def text(name: str, *, required: bool = True, max_length: int = PROMPT_MAX, **when: tuple[str, ...]) -> Check:
    return Check(name, "text", required=required, max_length=max_length, when=when)


def file(name: str, **when: tuple[str, ...]) -> Check:
    return Check(name, "file", required=True, when=when)


def size(name: str, *, side_max: int = SIDE_MAX) -> Check:
    """A "WxH" size (both sides 1..side_max); "auto" and ratio strings ("16:9") are the vendor's to judge."""
    return Check(name, "size", low=1, high=side_max)


def _out_of_range(name: str, low: int, high: int) -> ApiError:
    return ApiError(400, "out_of_range", f"{name} must be an integer from {low} to {high}.")


def integer(call: Call, name: str, *, default: int, low: int, high: int, source: Any = None) -> int:
    """A priced integer (JSON int, or a form field's digits); bools, floats and junk are refused."""
    value = call.body.value(name) if source is None else source.get(name)
    if value is None:
        return default
    if isinstance(value, bool):
        raise _out_of_range(name, low, high)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, str) and value.strip().isdigit() and len(value.strip()) < 12:
        value = int(value.strip())
    if not isinstance(value, int) or not low <= value <= high:
        raise _out_of_range(name, low, high)
    return value


def seconds(call: Call, name: str, *, default: int, low: int, high: int, source: Any = None) -> int:
    """A duration that may arrive as "5", 5, 5.0 or "5s"; rounded up to whole seconds."""
    value = call.body.value(name) if source is None else source.get(name)
    if isinstance(value, str):
        value = value.strip().removesuffix("s")
        try:
            value = float(value)
        except ValueError as exc:
            raise _out_of_range(name, low, high) from exc
    if isinstance(value, float):
        if not math.isfinite(value):
            raise _out_of_range(name, low, high)
        value = math.ceil(value)
    return integer(call, name, default=default, low=low, high=high, source={name: value})


def choice(call: Call, name: str, *, default: str, allowed: Iterable[str], source: Any = None) -> str:
    """A priced option: must be one of the priced values (else 422 price_unavailable, never $0)."""
    value = call.body.value(name) if source is None else source.get(name)
    if value is None:
        value = default
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise ApiError(400, "invalid_request", f"{name} has the wrong type.")
    text = str(value)
    options = tuple(allowed)
    if text not in options:
        raise ApiError(422, "price_unavailable", f"This request cannot be priced: {name}={text[:60]!r}.")
    return text


def flag(call: Call, name: str, *, default: bool, source: Any = None) -> bool:
    value = call.body.value(name) if source is None else source.get(name)
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in {"true", "false", "1", "0"}:
        return value.lower() in {"true", "1"}
    raise ApiError(400, "invalid_request", f"{name} must be a boolean.")


def obj(call: Call, name: str) -> dict[str, Any]:
    value = call.body.value(name)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ApiError(400, "invalid_request", f"{name} must be an object.")
    return value


def each(key: str, quantity: int = 1) -> list[LineItem]:
    return [LineItem(key, quantity)]


def fixed(key: str, quantity: int = 1) -> Callable[[Call], list[LineItem]]:
    """A flat price: `quantity` units of one row whatever the request says."""

    def price(call: Call) -> list[LineItem]:
        return each(key, quantity)

    return price


def named(model: str) -> Callable[[Call], str]:
    """The model name recorded on usage rows for a route that has just one."""

    def model_of(call: Call) -> str:
        return model

    return model_of


def dig(data: Any, *path: str | int) -> Any:
    """data[path[0]][path[1]]… or None."""
    for step in path:
        if isinstance(step, int):
            if not isinstance(data, list) or len(data) <= step:
                return None
            data = data[step]
        elif isinstance(data, dict):
            data = data.get(step)
        else:
            return None
    return data


def text_id(value: Any) -> str | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | str) and str(value).strip():
        return str(value)
    return None


def status_of(
    *path: str | int,
    success: Iterable[Any],
    failure: Iterable[Any],
    moderated: Iterable[Any] = (),
) -> StatusFn:
    """A poll's outcome from one status field; anything unrecognised keeps the job pending."""
    ok, bad, blocked = set(success), set(failure), set(moderated)

    def status(data: Any, http_status: int) -> Outcome:
        value = dig(data, *path)
        if value in blocked:
            return "moderated"
        if value in ok:
            return "success"
        if value in bad:
            return "failure"
        return "pending"

    return status


def param(name: str) -> Callable[[Call], str]:
    return lambda call: call.params[name]


def query(name: str) -> Callable[[Call], str]:
    return lambda call: call.query[name]


def delivered_seconds(*path: str | int) -> Callable[[Any, Mapping[str, str]], list[LineItem] | None]:
    """A poll's `Poll.settled_cost` for per-second rows: the quoted row in started seconds of the length the
    reply reports at `path` (sync.so `outputDuration`, HeyGen `data.duration`); None (the quote) when the
    length is missing, garbled or zero."""

    def settled(data: Any, context: Mapping[str, str]) -> list[LineItem] | None:
        key = context.get("quote_key", "")
        length = dig(data, *path)
        if not key or isinstance(length, bool) or not isinstance(length, int | float | str):
            return None
        try:
            value = float(length)
        except ValueError:
            return None
        if not math.isfinite(value) or value <= 0:
            return None
        return each(key, math.ceil(value))

    return settled
