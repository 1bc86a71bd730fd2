"""The session lifecycle: create → queued → starting → ready → ended | failed. Every change is here.

Transitions are conditional UPDATEs on the status, so of two racing ends (the user's click, the idle
sweep) exactly one does the clean-up. The backend is chosen by the spawner and written here; the proxy
reads it from the row and from nothing else.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from accounts.models import User
from accounts.services.api_keys import KEY_ALPHABET, KEY_BODY_LENGTH, KEY_PREFIX
from accounts.services.keys import api_key_create_scoped, api_key_expire_now
from canvas import recent
from canvas.models import (
    LIVE_STATUSES,
    RUNNING_STATUSES,
    CanvasSession,
    EndReason,
    SessionStatus,
)
from canvas.spawners import SpawnError, backend_is_ready, get_spawner
from canvas.spawners.pool import PoolSpawner
from comfyweb.errors import ApiError

logger = logging.getLogger(__name__)

# last_activity_at is written at most this often per session (every proxied request would otherwise write).
ACTIVITY_RESOLUTION = timedelta(seconds=30)
_FAILURE_REASONS = {EndReason.BACKEND_LOST, EndReason.START_TIMEOUT, EndReason.START_FAILED}


# --- The session's own credential ------------------------------------------------------------------------


def session_key_plaintext(session: CanvasSession) -> str:
    """The session's API key, derived from SECRET_KEY and the row's salt, so its plaintext is never stored.

    Rotating SECRET_KEY only invalidates the keys of live sessions (a new session gets a new one)."""
    stream = b""
    counter = 0
    body: list[str] = []
    limit = 256 - 256 % len(KEY_ALPHABET)  # rejection sampling: every character equally likely
    while len(body) < KEY_BODY_LENGTH:
        if not stream:
            message = f"canvas-key:{session.key_salt}:{counter}".encode()
            stream = hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).digest()
            counter += 1
        byte, stream = stream[0], stream[1:]
        if byte < limit:
            body.append(KEY_ALPHABET[byte % len(KEY_ALPHABET)])
    return KEY_PREFIX + "".join(body)


def session_deadline(session: CanvasSession) -> datetime:
    return session.created_at + timedelta(hours=settings.CANVAS_MAX_HOURS)


def _attach_key(session: CanvasSession) -> None:
    session.key_salt = secrets.token_hex(32)
    session.api_key = api_key_create_scoped(
        user=session.user,
        name="Hosted ComfyUI session",
        plaintext=session_key_plaintext(session),
        expires_at=session_deadline(session),
        spend_limit_micros=settings.CANVAS_SESSION_SPEND_LIMIT_MICROS,
    )
    CanvasSession.objects.filter(pk=session.pk).update(key_salt=session.key_salt, api_key=session.api_key)


# --- Create, start, refresh ------------------------------------------------------------------------------


def session_live_for_user(*, user: User) -> CanvasSession | None:
    return CanvasSession.objects.filter(user=user, status__in=LIVE_STATUSES).first()


def session_create(*, user: User) -> tuple[CanvasSession, bool]:
    """The user's live session (False) or a new one (True), started at once when capacity is free."""
    if not user.is_active or not user.is_verified:
        raise ApiError(403, "email_not_verified", "Confirm your e-mail address before opening ComfyUI.")
    try:
        with transaction.atomic():
            session = CanvasSession.objects.create(user=user, spawner=settings.CANVAS_SPAWNER)
            _attach_key(session)
    except IntegrityError:  # canvas_one_live_session_per_user: one server per user
        existing = session_live_for_user(user=user)
        if existing is None:
            raise
        return existing, False
    queue_advance()
    session.refresh_from_db()
    return session, True


def _start(session: CanvasSession) -> bool:
    """Give a queued session capacity and launch its backend; False when no capacity is free."""
    spawner = get_spawner(session.spawner)
    if not spawner.assign(session):
        return False
    session.refresh_from_db()
    try:
        launched = spawner.launch(session)
    except SpawnError as exc:
        logger.warning("canvas session %s could not start: %s", session.public_id, exc)
        session_end(session=session, reason=EndReason.START_FAILED, detail=str(exc)[:500])
        return True
    CanvasSession.objects.filter(pk=session.pk).update(
        backend_url=launched.backend_url, port=launched.port, pid=launched.pid
    )
    session.backend_url, session.port, session.pid = launched.backend_url, launched.port, launched.pid
    return True


def queue_advance() -> int:
    """Start queued sessions, oldest first, while capacity lasts; how many started."""
    started = 0
    for session in CanvasSession.objects.filter(status=SessionStatus.QUEUED).order_by("created_at", "pk"):
        if not _start(session):
            break
        started += 1
    return started


def queue_position(session: CanvasSession) -> int | None:
    """1 = next to start; None when not queued."""
    if session.status != SessionStatus.QUEUED:
        return None
    ahead = CanvasSession.objects.filter(status=SessionStatus.QUEUED).filter(
        Q(created_at__lt=session.created_at) | Q(created_at=session.created_at, pk__lt=session.pk)
    )
    return ahead.count() + 1


def session_refresh(*, session: CanvasSession, now: datetime | None = None) -> CanvasSession:
    """Move a session along: start it if capacity freed up, mark it ready when its backend answers, fail
    it when its backend died or never came up. Cheap enough for a start page polling every second."""
    now = now or timezone.now()
    if session.status == SessionStatus.QUEUED:
        queue_advance()
        session.refresh_from_db()
    if session.status == SessionStatus.STARTING:
        _check_starting(session, now)
        session.refresh_from_db()
    return session


def _check_starting(session: CanvasSession, now: datetime) -> None:
    spawner = get_spawner(session.spawner)
    if session.backend_url and backend_is_ready(session.backend_url, timeout=1.0):
        became_ready = CanvasSession.objects.filter(pk=session.pk, status=SessionStatus.STARTING).update(
            status=SessionStatus.READY, ready_at=now, last_activity_at=now
        )
        if became_ready:
            from canvas.billing import session_billing_open

            session.refresh_from_db()
            session_billing_open(session=session, now=now)
        return
    if not spawner.is_alive(session):
        session_end(
            session=session, reason=EndReason.START_FAILED, detail="The backend exited during start-up."
        )
        return
    started = session.started_at or session.created_at
    if now - started > timedelta(seconds=settings.CANVAS_START_TIMEOUT_SECONDS):
        session_end(session=session, reason=EndReason.START_TIMEOUT)


def session_wait_ready(*, session: CanvasSession, timeout: float) -> CanvasSession:
    """Refresh until the session is ready or over (tests, the management command)."""
    import time

    deadline = time.monotonic() + timeout
    while True:
        session = session_refresh(session=session)
        if session.status not in (SessionStatus.QUEUED, SessionStatus.STARTING):
            return session
        if time.monotonic() > deadline:
            return session
        time.sleep(0.1)


# --- End ---------------------------------------------------------------------------------------------------


def session_end(*, session: CanvasSession, reason: EndReason, detail: str = "") -> bool:
    """End a live session once: revoke its key, stop its backend, settle its time. False if already over."""
    status = SessionStatus.FAILED if reason in _FAILURE_REASONS else SessionStatus.ENDED
    now = timezone.now()
    ended = CanvasSession.objects.filter(pk=session.pk, status__in=LIVE_STATUSES).update(
        status=status, ended_at=now, end_reason=reason, end_detail=detail[:500], ticket_digest=""
    )
    if ended != 1:
        return False
    recent.forget(str(session.public_id))  # this process's proxy stops forwarding at once
    session.refresh_from_db()
    if session.api_key is not None:
        api_key_expire_now(key=session.api_key)
    try:
        get_spawner(session.spawner).stop(session)
    finally:
        from canvas.billing import session_billing_close

        session_billing_close(session=session)
    transaction.on_commit(queue_advance)
    return True


def session_end_by_operator(*, session: CanvasSession, actor: User | None, note: str = "") -> bool:
    """A staff member (admin action) or an operator (manage.py, actor None) ends a session: audited."""
    from accounts.services.audit import audit_record

    old_status = session.status
    ended = session_end(session=session, reason=EndReason.OPERATOR, detail=note)
    if ended:
        audit_record(
            action="canvas.session_end",
            actor=actor,
            subject=session.user,
            reason=note or "ended by an operator",
            target=str(session.public_id),
            old={"status": old_status},
            new={"status": SessionStatus.ENDED},
        )
    return ended


def sessions_end_for_account(*, user: User) -> int:
    """The account is being closed or deleted (the privacy pipeline): end every live session of it."""
    live = CanvasSession.objects.filter(user=user, status__in=LIVE_STATUSES)
    return sum(session_end(session=session, reason=EndReason.ACCOUNT) for session in live)


def session_end_for_user(*, user: User, session_public_id: str) -> CanvasSession:
    from canvas.selectors import session_get_for_user

    session = session_get_for_user(user=user, session_public_id=session_public_id)
    session_end(session=session, reason=EndReason.USER)
    session.refresh_from_db()
    return session


# --- Activity, tickets -------------------------------------------------------------------------------------


def session_touch(*, session_id: int, now: datetime | None = None, last_seen: datetime | None = None) -> None:
    """Record HTTP or websocket activity, coalesced to one write per ACTIVITY_RESOLUTION (no query at all
    when the caller's copy of the row says it is fresh)."""
    now = now or timezone.now()
    if last_seen is not None and last_seen >= now - ACTIVITY_RESOLUTION:
        return
    CanvasSession.objects.filter(
        pk=session_id, status=SessionStatus.READY, last_activity_at__lt=now - ACTIVITY_RESOLUTION
    ).update(last_activity_at=now)


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def ticket_issue(*, session: CanvasSession) -> str:
    """A one-time ticket (valid CANVAS_TICKET_TTL_SECONDS) that the canvas origin exchanges for its cookie.
    Issuing a new one invalidates the previous one."""
    ticket = secrets.token_urlsafe(32)
    expires = timezone.now() + timedelta(seconds=settings.CANVAS_TICKET_TTL_SECONDS)
    CanvasSession.objects.filter(pk=session.pk, status__in=LIVE_STATUSES).update(
        ticket_digest=_digest(ticket), ticket_expires_at=expires
    )
    return ticket


def ticket_redeem(*, session_public_id: str, ticket: str) -> CanvasSession | None:
    """The session the ticket opens, once: a second use, an expired or a wrong ticket gives None."""
    if not ticket or len(ticket) > 100:
        return None
    now = timezone.now()
    match = CanvasSession.objects.filter(
        public_id=session_public_id,
        status__in=LIVE_STATUSES,
        ticket_digest=_digest(ticket),
        ticket_expires_at__gt=now,
    )
    session = match.first()
    if session is None or match.update(ticket_digest="") != 1:
        return None
    return session


def session_url(session: CanvasSession, ticket: str | None = None) -> str:
    base = f"{settings.CANVAS_BASE_URL}/s/{session.public_id}/"
    return f"{base}?ticket={ticket}" if ticket else base


# --- Sweep -------------------------------------------------------------------------------------------------


@dataclass
class SweepResult:
    idle: int = 0
    max_time: int = 0
    lost: int = 0
    started: int = 0
    orphans: int = 0
    checked: int = 0


def sessions_sweep(*, now: datetime | None = None) -> SweepResult:
    """Periodic: end idle, over-time and dead sessions, fail stuck starts, start queued ones, reap orphans,
    bill the minute. Also what runs at start-up (reconcile): a session whose backend did not survive a
    platform restart ends here, and a backend process whose session is over is stopped."""
    from canvas.billing import sessions_bill

    now = now or timezone.now()
    result = SweepResult()
    idle_before = now - timedelta(minutes=settings.CANVAS_IDLE_MINUTES)
    for session in CanvasSession.objects.filter(status=SessionStatus.READY, last_activity_at__lt=idle_before):
        result.idle += session_end(session=session, reason=EndReason.IDLE)
    over_before = now - timedelta(hours=settings.CANVAS_MAX_HOURS)
    for session in CanvasSession.objects.filter(status__in=LIVE_STATUSES, created_at__lt=over_before):
        result.max_time += session_end(session=session, reason=EndReason.MAX_TIME)
    for session in CanvasSession.objects.filter(status=SessionStatus.READY):
        spawner = get_spawner(session.spawner)
        if not spawner.is_alive(session):
            result.lost += session_end(session=session, reason=EndReason.BACKEND_LOST)
            if isinstance(spawner, PoolSpawner):
                spawner.backend_lost(session)
    for session in CanvasSession.objects.filter(status=SessionStatus.STARTING):
        _check_starting(session, now)
    sessions_bill(now=now)
    result.checked = get_spawner("pool").health_check()  # before assigning: never hand out a dead backend
    result.started = queue_advance()
    result.orphans = reap_orphans()
    return result


def reap_orphans() -> int:
    live = {
        str(pid)
        for pid in CanvasSession.objects.filter(status__in=RUNNING_STATUSES).values_list(
            "public_id", flat=True
        )
    }
    return sum(get_spawner(name).reap_orphans(live) for name in ("local", "pool"))


def sessions_reconcile() -> SweepResult:
    """At platform start-up: the same sweep (no orphan survives a restart, no dead session stays live)."""
    return sessions_sweep()


def hosted_session_end(*, session: CanvasSession, reason: str, staff: User) -> bool:
    """The support console ends a session (the staff member's reason is audited)."""
    return session_end_by_operator(session=session, actor=staff, note=reason)
