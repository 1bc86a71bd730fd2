"""Result files: what a job made, as signed no-auth URLs (`/sandbox/files/<token>.<ext>`) or as base64."""

from __future__ import annotations

import base64
from dataclasses import dataclass

from django.conf import settings

from nodes.sandbox import media, media3d, mp4
from nodes.sandbox.tokens import FILE_SALT, sign_payload, unsign_payload

CONTENT_TYPES = {
    "png": "image/png",
    "mp4": "video/mp4",
    "wav": "audio/wav",
    "svg": "image/svg+xml",
    "glb": "model/gltf-binary",
    "obj": "model/obj",
    "fbx": "application/octet-stream",
    "zip": "application/zip",
}
MODELS_3D = {"glb": media3d.glb, "obj": media3d.obj, "fbx": media3d.fbx, "zip": media3d.obj_zip}
FILES_PREFIX = "/sandbox/files/"


@dataclass(frozen=True)
class OutputFile:
    ext: str  # png | mp4 | wav | svg | glb | obj | fbx | zip (an OBJ and its texture)
    seed: int
    width: int = 512
    height: int = 512
    seconds: int = 2

    @property
    def content_type(self) -> str:
        return CONTENT_TYPES[self.ext]

    def content(self) -> bytes:
        if self.ext == "png":
            return media.png_bytes(seed=self.seed, width=self.width, height=self.height)
        if self.ext == "svg":
            return media.svg_bytes(seed=self.seed, width=self.width, height=self.height)
        if self.ext == "wav":
            return media.wav_bytes(seed=self.seed, seconds=self.seconds)
        if self.ext in MODELS_3D:
            return MODELS_3D[self.ext](self.seed)
        return mp4.mp4_bytes(seed=self.seed, seconds=self.seconds)

    def b64(self) -> str:
        return base64.b64encode(self.content()).decode("ascii")

    def url(self) -> str:
        """Absolute and signed: vendors' CDN URLs need no auth, so ComfyUI downloads these bare."""
        payload = [self.ext, self.seed, self.width, self.height, self.seconds]
        token = sign_payload(payload, salt=FILE_SALT, timestamped=True)
        return f"{settings.PUBLIC_BASE_URL}{FILES_PREFIX}{token}.{self.ext}"


def file_from_token(token: str, ext: str) -> OutputFile | None:
    payload = unsign_payload(
        token, salt=FILE_SALT, max_age_seconds=settings.SANDBOX_FILE_TTL_SECONDS, timestamped=True
    )
    if payload is None or len(payload) != 5 or payload[0] != ext or ext not in CONTENT_TYPES:
        return None
    _, seed, width, height, seconds = payload
    if not all(isinstance(value, int) for value in (seed, width, height, seconds)):
        return None
    if not (media.MIN_SIDE <= width <= media.MAX_SIDE and media.MIN_SIDE <= height <= media.MAX_SIDE):
        return None
    return OutputFile(ext=ext, seed=seed, width=width, height=height, seconds=max(1, min(10, seconds)))
