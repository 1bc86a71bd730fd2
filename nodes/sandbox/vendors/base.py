"""The declarative vocabulary every sandbox vendor module is written in: routes, calls and replies."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from nodes.sandbox.jobs import Job, Markers, job_duration_ms, now_ms, prompt_seed
from nodes.sandbox.params import VendorRequest

Kind = Literal["submit", "sync", "poll", "upload"]


@dataclass(frozen=True)
class Reply:
    status: int = 200
    body: Any = None
    content: bytes | None = None
    content_type: str = "application/json"
    headers: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Call:
    """One request to a vendor route, as the handlers see it."""

    vendor: str
    route: Route
    args: Mapping[str, str]
    query: Mapping[str, str]
    request: VendorRequest
    markers: Markers
    # This vendor's absolute sandbox base as the caller reached it (a vendor names its own host in
    # polling URLs); result files use PUBLIC_BASE_URL instead, since ComfyUI downloads them.
    base_url: str
    raw: bytes = b""  # public routes (vendor-signed upload URLs): the body as sent, unparsed

    def new_job(self, *, media: str | None = None, **overrides: Any) -> Job:
        """A job for this call: outcome from the prompt's markers, size and count from the body."""
        width, height = self.request.size()
        media = media or self.route.media
        values: dict[str, Any] = {
            "vendor": self.vendor,
            "media": media,
            "outcome": self.markers.outcome,
            "created_ms": now_ms(),
            "duration_ms": job_duration_ms(self.markers),
            "seed": prompt_seed(self.request.prompt),
            "count": self.request.count if media in {"image", "svg"} else 1,
            "width": width,
            "height": height,
            "seconds": min(self.request.seconds, 5),
        }
        values.update(overrides)
        return Job(**values)


Handler = Callable[[Call], Reply]


@dataclass(frozen=True)
class Route:
    method: Literal["GET", "POST", "PATCH", "PUT"]
    pattern: str  # a regex matched against the whole path below /sandbox/<vendor>/
    kind: Kind
    handler: Handler
    media: str = "image"  # what a job started on this route makes
    cost: int = 0  # vendor-reported cost where the vendor reports one (BFL cents, Recraft units)
    # A URL the vendor hands out signed (Topaz's upload URLs): no key header; the body is kept raw.
    public: bool = False

    def match(self, path: str) -> re.Match[str] | None:
        return re.fullmatch(self.pattern, path)


ErrorBody = Callable[[int, str, str], Any]


@dataclass(frozen=True)
class Vendor:
    name: str
    key_header: str
    key_prefix: str  # "Bearer " or "" — the sandbox key is sent exactly like the live one
    error: ErrorBody  # (status, code, message) → the vendor's own error body
    routes: tuple[Route, ...]

    def error_reply(self, status: int, code: str, message: str) -> Reply:
        return Reply(status=status, body=self.error(status, code, message))
