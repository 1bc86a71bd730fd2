"""The vocabulary of vendor modules: a vendor is a table of `Route`s plus a few small functions."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Literal

from comfyweb.errors import ApiError

# "step": a free follow-up call on one of the caller's open jobs (Topaz `PATCH video/{id}/accept`), forwarded
# only while the job's hold is held, so the vendor is never committed to work nobody pays for.
Kind = Literal["sync", "submit", "poll", "download", "upload", "step"]
BodyFormat = Literal["json", "multipart", "form", "none"]
Outcome = Literal["pending", "success", "failure", "moderated"]

MB = 1024 * 1024
_SLOT = re.compile(r"\{(\w+)[=:][^}]*\}")

# Typed path/query parameters: every value that reaches an upstream URL matches one of these.
PARAM_TYPES: dict[str, re.Pattern[str]] = {
    # Vendor job ids: alphanumerics plus the `_-.:` of signed tokens; "." and ".." segments are refused.
    "id": re.compile(r"[A-Za-z0-9_.:\-]{1,600}"),
    "uuid": re.compile(r"[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}"),
    "int": re.compile(r"[0-9]{1,19}"),
    "token": re.compile(r"[A-Za-z0-9_\-:.]{16,600}"),  # signed opaque tokens (contain ':' and '.')
    "slug": re.compile(r"[a-z0-9][a-z0-9.\-]{0,79}"),
}


@dataclass(frozen=True)
class LineItem:
    """`quantity` units of the price row `key` (e.g. 8 x "dall-e-2/1024x1024")."""

    key: str
    quantity: int


@dataclass(frozen=True)
class Body:
    """A request body parsed once: what is priced is what is forwarded (quality.md §4 rule 5)."""

    format: BodyFormat
    raw: bytes
    json: dict[str, Any] | None = None
    fields: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # form / multipart text fields
    files: tuple[str, ...] = ()  # multipart file field names, in order
    content_type: str = ""

    def value(self, name: str) -> Any:
        """A priced scalar from JSON (top level) or a single-valued form field; repeated → 400."""
        if self.json is not None:
            return self.json.get(name)
        values = self.fields.get(name, ())
        if len(values) > 1:
            raise ApiError(400, "invalid_request", f"The field {name!r} appears more than once.")
        return values[0] if values else None


@dataclass(frozen=True)
class Call:
    """What a vendor function sees: the matched route's validated params and the parsed body."""

    params: Mapping[str, str]
    query: Mapping[str, str]
    body: Body


PriceFn = Callable[[Call], list[LineItem]]
ModelFn = Callable[[Call], str]
JobIdFn = Callable[[Any], str | None]
StatusFn = Callable[[Any, int], Outcome]
# A vendor-reported cost: micro-USD at list price (int) or units of price rows (e.g. tokens).
CostFn = Callable[[Any, Call], "int | list[LineItem] | None"]
# Poll routes: the cost of what a successful job delivered (Kling's video length), in `CostFn`'s terms,
# from the poll reply and the job's context (the submit's path params plus `quote_key` / `quote_units`).
SettledCostFn = Callable[[Any, Mapping[str, str]], "int | list[LineItem] | None"]
JobRefFn = Callable[[Call], str]  # which vendor job a poll asks about
ResultRefFn = Callable[[Any], str]
# A live request that signs itself (Tencent Cloud's TC3-HMAC-SHA256 signs the body, host, action and time):
# (the configured key, the route, the full upstream URL, the body) → (the URL to send to, the headers to set).
RequestSigner = Callable[[str, "Route", str, bytes], tuple[str, dict[str, str]]]


def _no_cost(body: Any, call: Call) -> int | list[LineItem] | None:
    return None


def _sync_success(body: Any, status: int) -> Outcome:
    return "success"


def status_word(data: Any) -> str:
    """The vendor's own status word in a poll reply (kept on the job row for support): the common
    shapes; a vendor with another one sets `Poll.status_word`."""
    if isinstance(data, dict):
        for key in ("status", "state", "task_status", "done"):
            if key in data:
                return str(data[key])
        inner = data.get("data") or data.get("Resp")
        if isinstance(inner, dict):
            return status_word(inner)
    return ""


def error_message(data: Any) -> tuple[str, str]:
    """(message, type) of a vendor's error reply, from the common shapes; a vendor with another one sets
    `Vendor.error_message`."""
    if not isinstance(data, dict):
        return "", ""
    error = data.get("error")
    if isinstance(error, dict):
        return str(error.get("message") or ""), str(error.get("type") or error.get("code") or "")
    for name in ("message", "detail", "ErrMsg", "error_message", "msg"):
        value = data.get(name)
        if isinstance(value, str) and value:
            return value, str(data.get("name") or data.get("code") or "")
        if isinstance(value, list | dict) and value:
            return json.dumps(value)[:500], ""
    errors = data.get("errors")
    if isinstance(errors, list) and errors:
        return "; ".join(str(e) for e in errors)[:500], str(data.get("name") or "")
    base = data.get("base_resp")
    if isinstance(base, dict) and base.get("status_msg"):
        return str(base["status_msg"]), str(base.get("status_code", ""))
    if isinstance(error, str):
        return error, ""
    return "", ""


def plain_key(key: str) -> str:
    return key


def _no_model(call: Call) -> str:
    model = call.body.value("model") if call.body.format != "none" else None
    return str(model) if isinstance(model, str | int) else ""


@dataclass(frozen=True)
class Poll:
    """How a poll route (or a download) reads a vendor job; every field has a common default."""

    job_ref: JobRefFn | None = None  # which job the client asks about (None: the signed poll token says)
    result_ref: ResultRefFn | None = None  # a follow-up id to remember on success (MiniMax file_id)
    # What a success delivered, priced like `Route.cost` and charged up to the quote; None from it (a
    # missing or garbled figure) charges the quote. No function: the quote (or the submit's cost).
    settled_cost: SettledCostFn | None = None
    # A reply meaning "no such job": released, and answered as HTTP 404 (BFL answers `Task not found`
    # with 200, which sends legacy clients into a tight re-poll loop).
    gone: Callable[[Any], bool] | None = None
    body: Callable[[str], dict[str, Any]] | None = None  # POST polls (Veo): the body for a job id
    status_word: Callable[[Any], str] = status_word  # the vendor's status word, kept on the job
    # A poll path that is also a plain lookup (HeyGen `avatars/looks/{id}` polls a new avatar and reads any
    # existing look): an id that names none of the caller's jobs is forwarded as a free call, not a 404.
    lookup: bool = False
    # With `lookup`: only ids a free call of the caller's returned (`Route.lookup_ref`) are forwarded; any
    # other id is 404, so one user cannot read another's task through our key (Tripo's import tasks).
    lookup_owned: bool = False
    # Other /proxy names of the same vendor whose submits this poll also reads (ComfyUI submits Seedance 2
    # tasks at `byteplus` and polls them at `byteplus-seedance2`); the job stays the caller's own.
    job_vendors: tuple[str, ...] = ()


NO_POLL = Poll()


@dataclass(frozen=True)
class Route:
    """One allow-listed vendor path: proxy template → upstream template, kind, limits and functions."""

    method: str
    path: str  # proxy path template under /proxy/<vendor>/, e.g. "v1/videos/text2video/{task_id:id}"
    upstream: str  # upstream path template relative to the vendor base, e.g. "/v1/videos/text2video"
    kind: Kind
    body: BodyFormat = "json"
    price: PriceFn | None = None  # None: free (polls, uploads, lookups)
    model: ModelFn = _no_model
    job_id: JobIdFn | None = None  # submit: the vendor's job id in the reply
    # Submit: a second id in the reply that later free calls name the job by (Rodin's task `uuid`, which
    # its `download` takes), kept as the job's result_ref so a download route finds only the caller's own.
    result_ref: JobIdFn | None = None
    # Free routes: an id in the reply (a task the vendor started for free, Tripo's import) that a poll
    # with `Poll.lookup_owned` then serves to this caller only.
    lookup_ref: JobIdFn | None = None
    status: StatusFn = _sync_success  # poll (and sync): the outcome of a reply
    cost: CostFn = _no_cost  # where the vendor reports its own cost
    poll: Poll | None = None  # poll and download routes: how they read a vendor job
    query: Mapping[str, str] = field(default_factory=dict)  # allowed query params → param type
    max_bytes: int = 20 * MB
    timeout_seconds: float = 120.0
    connect_timeout_seconds: float = 10.0
    # Hold TTL: at least the longest upstream run plus the client's 40-minute poll window (quality.md L7).
    ttl: timedelta = timedelta(hours=1)
    public: bool = False  # served without authentication (the BFL signed polling URL)
    name: str = ""  # poll routes: how submit routes (and the sweeper) refer to them
    poll_route: str = ""  # submit routes: the name of the route that polls their jobs
    # Submit routes whose reply carries a vendor polling URL that needs our vendor key (BFL's
    # `polling_url`): the name of that field, whose value is replaced by our own signed, credential-free
    # URL for that one job (comfy-contract §5.3).
    signed_poll_url: str = ""
    # Top-level JSON fields ComfyUI sends for its own proxy (Gemini's `uploadImagesToStorage`) that the
    # vendor refuses as unknown: priced and validated as sent, never forwarded.
    drop_fields: tuple[str, ...] = ()

    @property
    def free(self) -> bool:
        return self.price is None

    @property
    def label(self) -> str:
        """`POST {model}/generate`: the template without its value lists (stored on usage rows)."""
        return self.method + " " + _SLOT.sub(r"{\1}", self.path)


@dataclass(frozen=True)
class Vendor:
    name: str  # the /proxy/<name>/ segment
    title: str
    live_base: str  # may contain {project} / {location} placeholders filled from settings
    sandbox_base: str  # under SANDBOX_UPSTREAM_BASE_URL; = /<sandbox vendor> + the live base's path
    key_header: str
    key_prefix: str = ""
    sign_key: Callable[[str], str] = plain_key  # the configured key → what the key header carries
    # Live calls whose signature covers the request itself (Tencent Cloud): the key header is then not sent;
    # the signer sets every auth header (sandbox calls carry the plain sandbox key as usual).
    sign_request: RequestSigner | None = None
    error_message: Callable[[Any], tuple[str, str]] = error_message  # (message, type) of an error reply
    routes: tuple[Route, ...] = ()
    extra_headers: Mapping[str, str] = field(default_factory=dict)
    # Price rows this vendor's routes use: key → (unit, list micro-USD, source note); 0 = free.
    prices: Mapping[str, tuple[str, int, str]] = field(default_factory=dict)
    sandbox_name: str = ""  # /sandbox/<sandbox_name>/ when it differs from name (luma_2 → luma)
    # Human names of this vendor's models whose brand spelling no rule in nodes/labels.py can guess.
    model_names: Mapping[str, str] = field(default_factory=dict)

    def route_named(self, name: str) -> Route | None:
        return next((route for route in self.routes if route.name == name), None)

    @property
    def settings_name(self) -> str:
        return (self.sandbox_name or self.name).upper()


@dataclass(frozen=True)
class Observation:
    """What one poll of a vendor job said (the user's poll and the sweeper's alike)."""

    status_code: int
    data: Any  # the reply's JSON, or None
    outcome: Outcome
    vendor_status: str
    result_ref: str  # a follow-up id to remember (MiniMax file_id), on success
    gone: bool  # the vendor says there is no such job
