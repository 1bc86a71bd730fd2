"""The one checker of vendor request bodies: before anything is reserved, refuse what a vendor would refuse or
what must never reach it (quality.md B-08 types and ranges, B-09 sizes, B-12 unexpected fields).

Each vendor module declares its routes' checks as data (`CHECKS`: route label, e.g. "POST v1/videos/{kind}",
→ `Check`s, see `nodes.vendors.common.Check`); `validate_body` applies them plus the rules every metered
route shares:

- no vendor callback: a `callback_url` / `webhook_url` (or the like) anywhere in the body is refused with 400
  `callback_not_allowed`, never stripped. The platform forwards exactly the bytes it priced (quality.md §4
  rule 5), so it cannot drop a field; and a vendor that calls a user's URL would leak job results and vendor
  traffic around the platform's own polling and settlement. ComfyUI's nodes never send one (their client
  drops unset fields), so no node is refused by this. A `null` value is not a URL and passes.
- a multipart or form body must carry at least one field or file (a body of garbage parses to nothing);
- JSON text is valid Unicode: a lone surrogate (`"\\ud800"`) cannot be forwarded as UTF-8 (issue 14 item 2);
- every prompt-like text field that is present is a string (an array or an object is refused).

Errors are `ApiError` 400 in the one error shape, like the engine's other bad-request errors.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from typing import Any

from comfyweb.errors import ApiError
from nodes.engine.types import Body, Route
from nodes.vendors import CHECKS, VENDORS
from nodes.vendors.common import Check

# Field names that ask a vendor to call a URL back (compared without case, `_` and `-`).
CALLBACK_NAMES = frozenset(
    {"callbackurl", "callback", "webhookurl", "webhook", "notifyurl", "notificationurl", "hookurl"}
)
# Text fields that are strings wherever they appear at the top level of a body.
PROMPT_NAMES = ("prompt", "negative_prompt", "prompt_text", "promptText", "negativePrompt", "text_prompt")
MAX_NODES = 20_000  # JSON values walked looking for callbacks (the parser already bounds the depth)
_SIZE = re.compile(r"([0-9]{1,6})[xX*]([0-9]{1,6})")
_RATIO = re.compile(r"[0-9]{1,3}:[0-9]{1,3}")


def _bad(message: str, error_type: str = "invalid_request") -> ApiError:
    return ApiError(400, error_type, message)


def _route_checks() -> dict[int, tuple[Check, ...]]:
    by_route: dict[int, tuple[Check, ...]] = {}
    for name, vendor in VENDORS.items():
        declared = CHECKS.get(name, {})
        for route in vendor.routes:
            checks = declared.get(route.label)
            if checks:
                by_route[id(route)] = tuple(checks)
    return by_route


_BY_ROUTE = _route_checks()  # routes are module-level constants: their identity is stable


def checks_for(route: Route) -> tuple[Check, ...]:
    return _BY_ROUTE.get(id(route), ())


def _squash(name: str) -> str:
    return name.lower().replace("_", "").replace("-", "")


def _unicode(text: str) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise _bad("The request body has text that is not valid Unicode (a lone surrogate).") from exc


def _walk_json(data: Any) -> None:
    """Every value of a JSON body: no callback field, no lone surrogate (it cannot be forwarded as UTF-8)."""
    stack: list[Any] = [data]
    seen = 0
    while stack:
        value = stack.pop()
        seen += 1
        if seen > MAX_NODES:
            raise _bad("The request body has too many values.")
        if isinstance(value, dict):
            for key, item in value.items():
                _unicode(str(key))
                if _squash(str(key)) in CALLBACK_NAMES and item not in (None, ""):
                    raise _callback(str(key))
                stack.append(item)
        elif isinstance(value, list):
            stack.extend(value)
        elif isinstance(value, str):
            _unicode(value)


def _callback(name: str) -> ApiError:
    return _bad(
        f"The field {name[:60]!r} asks the vendor to call a URL; the platform polls for results itself and "
        "never forwards a callback URL.",
        "callback_not_allowed",
    )


def _lookup(body: Body, path: str) -> tuple[bool, Any]:
    """(present, value) of a dotted path in a JSON body, or of a form field (single-valued)."""
    if body.json is None:
        values = body.fields.get(path)
        if values is None:
            return False, None
        if len(values) > 1:
            raise _bad(f"The field {path!r} appears more than once.")
        return True, values[0]
    value: Any = body.json
    for step in path.split("."):
        if isinstance(value, dict) and step in value:
            value = value[step]
        elif isinstance(value, list) and step.isdigit() and int(step) < len(value):
            value = value[int(step)]
        else:
            return False, None
    return True, value


def _number(value: Any, *, whole: bool, form: bool) -> float | None:
    if isinstance(value, bool):
        return None
    if form and isinstance(value, str):
        try:
            value = int(value) if whole else float(value)
        except ValueError:
            return None
    if whole and isinstance(value, float) and value.is_integer():
        value = int(value)
    if (whole and not isinstance(value, int)) or not isinstance(value, int | float) or math.isnan(value):
        return None
    return float(value)


def _check_text(check: Check, value: Any, form: bool) -> None:
    if not isinstance(value, str):
        raise _bad(f"{check.name} must be a string.")
    if len(value) > check.max_length:
        raise _bad(f"{check.name} is longer than {check.max_length} characters.")


def _check_number(check: Check, value: Any, form: bool) -> None:
    number = _number(value, whole=check.kind == "int", form=form)
    if number is None:
        raise _bad(f"{check.name} must be {'an integer' if check.kind == 'int' else 'a number'}.")
    low = -math.inf if check.low is None else check.low
    high = math.inf if check.high is None else check.high
    if not low <= number <= high:
        raise ApiError(400, "out_of_range", f"{check.name} must be from {low:g} to {high:g}.")


def _check_bool(check: Check, value: Any, form: bool) -> None:
    if not isinstance(value, bool) and not (form and str(value).lower() in {"true", "false", "1", "0"}):
        raise _bad(f"{check.name} must be a boolean.")


def _check_object(check: Check, value: Any, form: bool) -> None:
    if not isinstance(value, dict):
        raise _bad(f"{check.name} must be an object.")


def _check_list(check: Check, value: Any, form: bool) -> None:
    if not isinstance(value, list) or not value:
        raise _bad(f"{check.name} must be a non-empty list.")
    if len(value) > check.max_length:
        raise _bad(f"{check.name} has more than {check.max_length} items.")


def _check_size(check: Check, value: Any, form: bool) -> None:
    if not isinstance(value, str):
        raise _bad(f"{check.name} must be a string such as '1024x1024'.")
    text = value.strip()
    found = _SIZE.fullmatch(text)
    if found is None:
        if text.lower() == "auto" or _RATIO.fullmatch(text):
            return
        raise _bad(f"{check.name} must be a size such as '1024x1024'.")
    high = int(check.high or 0)
    if not all(1 <= int(side) <= high for side in found.groups()):
        # quality.md B-12: an impossible size is a wrong value of the field, 400 invalid_request.
        raise _bad(f"{check.name}: each side must be from 1 to {high} pixels.")


_CHECKERS: dict[str, Callable[[Check, Any, bool], None]] = {
    "text": _check_text,
    "int": _check_number,
    "number": _check_number,
    "bool": _check_bool,
    "object": _check_object,
    "list": _check_list,
    "size": _check_size,
}


def _applies(check: Check, params: Mapping[str, str] | None) -> bool:
    if not check.when:
        return True
    if params is None:
        return False  # a check for some path values only: without the params it cannot be decided
    return all(params.get(name) in values for name, values in check.when.items())


def _check_generic(parsed_body: Body, declared: tuple[Check, ...]) -> None:
    """What every metered route shares: no callback URL, a form with something in it, prompts as text."""
    form = parsed_body.json is None
    if form:
        if not parsed_body.fields and not parsed_body.files:
            raise _bad("The form body has no fields: send the request's fields as multipart/form-data.")
        for name, values in parsed_body.fields.items():
            if _squash(name) in CALLBACK_NAMES and any(values):
                raise _callback(name)
    else:
        _walk_json(parsed_body.json)
    named = {check.name for check in declared}
    for prompt in PROMPT_NAMES:
        present, value = (False, None) if prompt in named else _lookup(parsed_body, prompt)
        if present and value is not None:
            _check_text(Check(prompt, "text"), value, form)


def validate_body(route: Route, parsed_body: Body, params: Mapping[str, str] | None = None) -> None:
    """Refuse (ApiError 400) a metered route's body that its vendor would refuse or that must not reach it.

    `params` are the matched path params (`routing.Match.params`); checks declared for some path values
    only (`Check.when`) run when they are given. Free routes (polls, uploads) are not checked here.
    """
    if route.price is None or parsed_body.format == "none":
        return
    declared = checks_for(route)
    _check_generic(parsed_body, declared)
    for check in declared:
        if not _applies(check, params):
            continue
        if check.kind == "file":
            if check.name not in parsed_body.files:
                raise _bad(f"The file field {check.name!r} is required.")
            continue
        present, value = _lookup(parsed_body, check.name)
        if not present or value is None:
            if check.required:
                raise _bad(f"{check.name} is required.")
            continue
        _CHECKERS[check.kind](check, value, parsed_body.json is None)
