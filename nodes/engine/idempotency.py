"""`Idempotency-Key` on /proxy (comfy-contract §3.5): replay, in-flight and mismatch answers.

Only requests that carried the header ever get these 409s. Replies that never reached a vendor (our own
4xx, 5xx, 424, 429) are not stored, so a retry with the same key runs again.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from comfyweb import sql
from comfyweb.errors import ApiError
from nodes.models import IdempotencyRecord

_CLAIM_SQL = (
    f"INSERT INTO {IdempotencyRecord._meta.db_table} "  # noqa: S608 - a table name, not input
    "(user_id, key, request_hash, done, response_content_type, credits_used, created_at) "
    "VALUES (%(user)s, %(key)s, %(hash)s, false, '', '', %(now)s) "
    "ON CONFLICT (user_id, key) DO NOTHING RETURNING id"
)
_CLAIM_TYPES = {"user": "bigint", "key": "text", "hash": "text", "now": "timestamptz"}


_FINISH_SQL = (
    f"UPDATE {IdempotencyRecord._meta.db_table} SET done = true, response_status = %(status)s, "  # noqa: S608
    "response_content_type = %(type)s, response_body = %(body)s, credits_used = %(credits)s "
    "WHERE user_id = %(user)s AND key = %(key)s AND NOT done"
)
_FINISH_TYPES = {
    "status": "integer",
    "type": "text",
    "body": "bytea",
    "credits": "text",
    "user": "bigint",
    "key": "text",
}


@dataclass(frozen=True)
class Replay:
    status: int
    content_type: str
    body: bytes
    credits_used: str

    def response(self) -> HttpResponse:
        response = HttpResponse(self.body, status=self.status, content_type=self.content_type)
        response["Idempotent-Replayed"] = "true"
        if self.credits_used:
            response["X-Comfy-Credits-Used"] = self.credits_used
        return response


@dataclass
class Reply:
    """What a /proxy call answers, and whether a vendor was reached: only such replies are replayed."""

    response: HttpResponse
    reached_vendor: bool = False

    @property
    def replayable(self) -> bool:
        status = self.response.status_code
        return self.reached_vendor and status < 500 and status not in (402, 409, 424, 429)


class ReplayFound(Exception):  # noqa: N818 - a control-flow signal, not an error
    """The Idempotency-Key already has a finished reply: answer with it, run nothing."""

    def __init__(self, replay: Replay) -> None:
        super().__init__("idempotent replay")
        self.replay = replay


@dataclass
class Idempotency:
    """One request's `Idempotency-Key`: claimed in the call's first database step (after authentication:
    a key belongs to its user), finished exactly once with the reply (stored for replay) or without one
    (freed, so a retry runs again). Only a key this request claimed is ever finished."""

    key: str
    fingerprint: str
    user_id: int | None = None
    finished: bool = False

    @staticmethod
    def of(request: HttpRequest, key: str | None, body: bytes) -> Idempotency | None:
        if key is None:
            return None
        return Idempotency(
            key, request_fingerprint(method=request.method or "", path=request.path, body=body)
        )

    def claim(self, *, user_id: int) -> None:
        """Claim the key, or raise ReplayFound (a finished earlier request) / 409 (in flight, mismatch)."""
        replay = idempotency_begin(user_id=user_id, key=self.key, fingerprint=self.fingerprint)
        if replay is not None:
            raise ReplayFound(replay)
        self.user_id = user_id

    def finish(self, reply: Reply | None) -> None:
        if self.user_id is None or self.finished:
            return
        stored = reply.response if reply is not None and reply.replayable else None
        idempotency_finish(user_id=self.user_id, key=self.key, response=stored)
        self.finished = True


def request_fingerprint(*, method: str, path: str, body: bytes) -> str:
    digest = hashlib.sha256()
    for part in (method.encode(), path.encode(), body):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


def _conflict(kind: str, message: str) -> ApiError:
    headers = {"X-Comfy-Error-Type": kind}
    if kind == "idempotency_in_flight":
        headers["Retry-After"] = "2"
    return ApiError(409, kind, message, headers=headers, extra={"error_type": kind})


def idempotency_begin(*, user_id: int, key: str, fingerprint: str) -> Replay | None:
    """Claim the key (None), or answer for the earlier request that holds it."""
    # ON CONFLICT instead of catching IntegrityError: no savepoint round trips on the hot path.
    with connection.cursor() as cursor:
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        params = {"user": user_id, "key": key, "hash": fingerprint, "now": now}
        sql.execute_prepared(cursor, _CLAIM_SQL, params, _CLAIM_TYPES)
        if cursor.fetchone() is not None:
            return None
    record = IdempotencyRecord.objects.filter(user_id=user_id, key=key).first()
    if record is None:  # released between our insert and this read: let the client retry
        raise _conflict("idempotency_in_flight", "A request with this Idempotency-Key is still running.")
    if record.request_hash != fingerprint:
        raise _conflict("idempotency_mismatch", "This Idempotency-Key was used for a different request.")
    if not record.done:
        raise _conflict("idempotency_in_flight", "A request with this Idempotency-Key is still running.")
    if record.response_body is None:
        # Finished, but the reply was too large to keep: refuse rather than run (and bill) it twice.
        raise _conflict("idempotency_consumed", "This Idempotency-Key was already used; its reply is gone.")
    return Replay(
        record.response_status or 200,
        record.response_content_type or "application/json",
        bytes(record.response_body or b""),
        record.credits_used,
    )


def idempotency_finish(*, user_id: int, key: str, response: HttpResponse | None) -> None:
    """Store the reply for replay, or (response None) free the key so a retry runs again."""
    if response is None:
        IdempotencyRecord.objects.filter(user_id=user_id, key=key, done=False).delete()
        return
    body = response.content
    stored = body if len(body) <= settings.PROXY_IDEMPOTENCY_MAX_STORED_BYTES else None
    params = {
        "status": response.status_code,
        "type": response.get("Content-Type", "application/json")[:200],
        "body": stored,
        "credits": response.get("X-Comfy-Credits-Used", ""),
        "user": user_id,
        "key": key,
    }
    with connection.cursor() as cursor:  # plain SQL: once per call with the header (comfyweb.sql)
        sql.execute_prepared(cursor, _FINISH_SQL, params, _FINISH_TYPES)


def idempotency_forget(*, now: datetime) -> int:
    """Drop records past the retry window (finished after a day; abandoned in-flight after two hours)."""
    finished = IdempotencyRecord.objects.filter(done=True, created_at__lt=now - timedelta(days=1))
    stale = IdempotencyRecord.objects.filter(done=False, created_at__lt=now - timedelta(hours=2))
    return finished.delete()[0] + stale.delete()[0]
