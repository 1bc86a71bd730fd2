"""Strict JSON in: the one parser every API and the proxy use (quality.md §4, B-01 … B-03, B-09, B-10).

Python's `json` accepts NaN/Infinity, resolves duplicate keys last-wins (so a price and a forward could
disagree), raises RecursionError on deep nesting and turns 1e309 into inf. All of that becomes a 400 here.
"""

from __future__ import annotations

import json
import math
import re
from typing import IO, Any

from django.http import HttpRequest
from rest_framework.parsers import BaseParser

from comfyweb.errors import ApiError

MAX_INT_DIGITS = 30  # far above any amount in micro-USD; far below Python's 4,300-digit limit
# A \uD800-\uDFFF escape: a surrogate, valid only as half of a pair. Raw UTF-8 can never encode one.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


def _invalid(message: str) -> ApiError:
    return ApiError(400, "invalid_json", message)


def _reject_constant(name: str) -> Any:
    raise ApiError(400, "invalid_request", f"The JSON literal {name} is not allowed.")


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise ApiError(400, "invalid_request", f"Duplicate key {key!r} in the JSON body.")
        result[key] = value
    return result


def _parse_int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_INT_DIGITS:
        raise ApiError(400, "out_of_range", f"Integers may have at most {MAX_INT_DIGITS} digits.")
    return int(text)


def _parse_float(text: str) -> float:
    value = float(text)
    if math.isinf(value):
        raise ApiError(400, "out_of_range", f"The number {text[:40]} is out of range.")
    return value


def strict_loads(raw: bytes | str) -> Any:
    """Parse JSON strictly or raise ApiError(400)."""
    if isinstance(raw, bytes):
        if raw.startswith(b"\xef\xbb\xbf"):
            raise _invalid("The JSON body must not start with a byte-order mark.")
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise _invalid("The body is not valid UTF-8.") from exc
    else:
        text = raw
    if not text.strip():
        raise _invalid("The request body is empty; a JSON object was expected.")
    try:
        data = json.loads(
            text,
            parse_constant=_reject_constant,
            object_pairs_hook=_no_duplicates,
            parse_int=_parse_int,
            parse_float=_parse_float,
        )
    except RecursionError as exc:
        raise _invalid("The JSON body is nested too deeply.") from exc
    except json.JSONDecodeError as exc:
        raise _invalid(f"Malformed JSON: {exc.msg} (line {exc.lineno}, column {exc.colno}).") from exc
    _reject_lone_surrogates(text, data)
    return data


def _reject_lone_surrogates(text: str, data: Any) -> None:
    """A lone surrogate (`"\\ud800"`) parses but cannot be encoded again (UTF-8, PostgreSQL, a vendor
    call): refuse it here, as malformed text, before anything reads the value (quality.md B-03)."""
    if _SURROGATE_ESCAPE.search(text) is None:
        return
    try:
        json.dumps(data, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError as exc:
        raise _invalid("The JSON body contains a lone UTF-16 surrogate (\\ud800-\\udfff escape).") from exc
    except RecursionError as exc:
        raise _invalid("The JSON body is nested too deeply.") from exc


def load_json_object(raw: bytes | str) -> dict[str, Any]:
    data = strict_loads(raw)
    if not isinstance(data, dict):
        raise _invalid("The JSON body must be an object.")
    return data


def request_json_object(request: HttpRequest, *, allow_empty: bool = False) -> dict[str, Any]:
    """The JSON object of a plain Django request (the middleware answers 413 when it is too large)."""
    content_type = request.content_type or ""
    body = request.body
    if allow_empty and not body.strip():
        return {}
    if content_type and content_type != "application/json":
        raise ApiError(415, "unsupported_media_type", "Send the body as application/json.")
    return load_json_object(body)


class StrictJSONParser(BaseParser):
    """DRF parser with the rules above; an empty body parses as {} so bodiless POSTs work."""

    media_type = "application/json"

    def parse(self, stream: IO[bytes], media_type: str | None = None, parser_context: Any = None) -> Any:
        raw = stream.read() if stream is not None else b""
        if not raw.strip():
            return {}
        return load_json_object(raw)
