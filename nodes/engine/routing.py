"""Match `/proxy/<vendor>/<rest>` against the vendor's allow-list; refuse every normalisation trick.

Nothing here touches the network or the database. The upstream URL is built only from the route's
template and the validated params (quality.md X1): the client's path is never concatenated.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from urllib.parse import parse_qsl, quote

from django.http import HttpRequest

from comfyweb.errors import ApiError
from nodes.engine.types import PARAM_TYPES, Route, Vendor

_SEGMENT = re.compile(r"[A-Za-z0-9_\-.:]{1,600}")
_PARAM = re.compile(r"\{(\w+):(\w+)\}")
_ENUM = re.compile(r"\{(\w+)=([\w.|\-]+)\}")  # {model=a|b|c}: one of the listed values
# Raw request-target fragments that only a normalisation trick produces (quality.md B-06).
_RAW_TRICKS = ("%2e", "%2f", "%5c", "%00", "%25", "%c0", "%c1", "\\", ";", "//", "/./", "/../")
MAX_PATH = 1000


@dataclass(frozen=True)
class Match:
    vendor: Vendor
    route: Route
    params: dict[str, str]
    query: dict[str, str]


def unknown_route() -> ApiError:
    return ApiError(404, "unknown_route", "This path is not a supported API-node route.")


def _bad_path() -> ApiError:
    return ApiError(400, "invalid_request", "The request path is malformed.")


@cache
def _compiled(template: str) -> re.Pattern[str]:
    parts = []
    for segment in template.split("/"):
        found = _PARAM.fullmatch(segment)
        listed = _ENUM.fullmatch(segment)
        if found:
            name, kind = found.groups()
            parts.append(f"(?P<{name}>{PARAM_TYPES[kind].pattern})")
        elif listed:
            name, options = listed.groups()
            parts.append(f"(?P<{name}>{'|'.join(re.escape(o) for o in options.split('|'))})")
        else:
            parts.append(re.escape(segment))
    return re.compile("/".join(parts))


def raw_path(request: HttpRequest) -> str:
    """The request-target as sent (before Django decodes it), to catch %2e and friends."""
    scope = getattr(request, "scope", None)
    raw = scope.get("raw_path") if isinstance(scope, dict) else None
    if isinstance(raw, bytes):
        return raw.decode("latin-1")
    return request.get_full_path_info().split("?", 1)[0]


def check_path(raw: str, rest: str) -> None:
    lowered = raw.lower()
    if len(raw) > MAX_PATH or any(trick in lowered for trick in _RAW_TRICKS) or lowered.endswith("/."):
        raise _bad_path()
    segments = rest.split("/")
    if segments[-1] == "" and all(segments[:-1]):
        if len(segments) <= 2:
            raise unknown_route()  # "/proxy/bfl/": a prefix with nothing after it
        segments = segments[:-1]  # "/proxy/topaz/video/": a route template may end with "/"
    if any(not _SEGMENT.fullmatch(s) or s in {".", ".."} for s in segments):
        raise _bad_path()


def _query(request: HttpRequest, route: Route) -> dict[str, str]:
    """Only the route's declared query params, each typed; anything else is dropped, never forwarded."""
    raw = request.META.get("QUERY_STRING", "")
    try:
        pairs = parse_qsl(raw, keep_blank_values=True, max_num_fields=50)
    except ValueError as exc:
        raise ApiError(400, "invalid_request", "The query string is malformed.") from exc
    result: dict[str, str] = {}
    for name, kind in route.query.items():
        values = [value for key, value in pairs if key == name]
        if len(values) != 1 or not PARAM_TYPES[kind].fullmatch(values[0]):
            raise ApiError(400, "invalid_request", f"The query parameter {name!r} is missing or invalid.")
        result[name] = values[0]
    return result


def match(request: HttpRequest, rest: str, vendors: dict[str, Vendor]) -> Match:
    """The route for this request, or ApiError 400 (trick) / 404 (unknown) / 405 (wrong method)."""
    check_path(raw_path(request), rest)
    vendor_name, _, sub = rest.partition("/")
    vendor = vendors.get(vendor_name)
    if vendor is None:  # no sub-path matches only a route at the vendor's root (`/proxy/gemini-interactions`)
        raise unknown_route()
    allowed: list[str] = []
    for route in vendor.routes:
        found = _compiled(route.path).fullmatch(sub)
        if found is None:
            continue
        if route.method != request.method:
            allowed.append(route.method)
            continue
        return Match(vendor, route, found.groupdict(), _query(request, route))
    if allowed:
        raise ApiError(
            405,
            "method_not_allowed",
            "This route does not accept that method.",
            headers={"Allow": ", ".join(sorted(set(allowed)))},
        )
    raise unknown_route()


def fill(template: str, values: dict[str, str]) -> str:
    """Fill an upstream template's {name} slots with validated, percent-encoded values."""
    return re.sub(r"\{(\w+)\}", lambda m: quote(values[m.group(1)], safe=""), template)
