"""What the simulator needs from a vendor request, whatever its encoding (JSON, form or multipart)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from django.http import HttpRequest

from comfyweb.errors import ApiError
from comfyweb.jsonio import load_json_object
from nodes.sandbox.media import clamp_size

# Vendor bodies carry inline base64 images (BFL, Kling, Veo …), far above DATA_UPLOAD_MAX_MEMORY_SIZE;
# the sandbox reads the stream itself with its own ceiling.
MAX_JSON_BYTES = 64 * 1024 * 1024
MAX_VIDEO_SECONDS = 5
MAX_COUNT = 10


class BadVendorRequestError(Exception):
    """The body is unreadable: the vendor would answer 400."""


@dataclass(frozen=True)
class VendorRequest:
    body: dict[str, Any] = field(default_factory=dict)
    file_fields: tuple[str, ...] = ()

    def text(self, *paths: str) -> str:
        """The first non-empty string at one of the dotted `paths` (`instances.0.prompt`)."""
        for path in paths:
            value = _dig(self.body, path)
            if isinstance(value, str) and value:
                return value
        return ""

    def number(self, *paths: str) -> int | None:
        for path in paths:
            value = _dig(self.body, path)
            if isinstance(value, bool):
                continue
            if isinstance(value, int | float):
                return int(value)
            if isinstance(value, str):
                match = re.match(r"\s*(\d{1,6})", value)
                if match:
                    return int(match.group(1))
        return None

    @property
    def prompt(self) -> str:
        return self.text(
            "prompt", "promptText", "image_request.prompt", "instances.0.prompt", "input.prompt", "text"
        )

    @property
    def model(self) -> str:
        return self.text("model", "model_name", "image_request.model")

    @property
    def count(self) -> int:
        found = self.number("n", "num_images", "image_request.num_images", "parameters.sampleCount")
        return max(1, min(MAX_COUNT, found or 1))

    @property
    def seconds(self) -> int:
        found = self.number("duration", "parameters.durationSeconds", "seconds_total", "seconds")
        return max(1, found or MAX_VIDEO_SECONDS)

    def size(self) -> tuple[int, int]:
        """Output size in pixels (`media.clamp_size`), from whichever size field the vendor uses."""
        width, height = self.number("width"), self.number("height")
        if width and height:
            return clamp_size(width, height)
        text = self.text(
            "size",
            "resolution",
            "image_size",
            "aspect_ratio",
            "aspectRatio",
            "image_request.resolution",
            "image_request.aspect_ratio",
            "parameters.aspectRatio",
        )
        match = re.search(r"(\d{1,5})\s*[x*:_]\s*(\d{1,5})", text, flags=re.IGNORECASE)
        if match:
            return clamp_size(int(match.group(1)), int(match.group(2)))
        return clamp_size(1, 1)


def _dig(data: Any, path: str) -> Any:
    for part in path.split("."):
        if isinstance(data, dict):
            data = data.get(part)
        elif isinstance(data, list) and part.isdigit() and int(part) < len(data):
            data = data[int(part)]
        else:
            return None
    return data


def read_vendor_request(request: HttpRequest) -> VendorRequest:
    """Parse JSON, urlencoded or multipart bodies; a GET has an empty body."""
    if request.method == "GET":
        return VendorRequest()
    content_type = request.content_type or ""
    if content_type in {"multipart/form-data", "application/x-www-form-urlencoded"}:
        fields = {name: request.POST.get(name, "") for name in request.POST}
        return VendorRequest(body=fields, file_fields=tuple(request.FILES))
    raw = request.read(MAX_JSON_BYTES + 1)
    if len(raw) > MAX_JSON_BYTES:
        raise BadVendorRequestError("The request body is too large.")
    if not raw.strip():
        return VendorRequest()
    try:
        return VendorRequest(body=load_json_object(raw))
    except ApiError as exc:
        raise BadVendorRequestError(exc.message) from exc
