"""Hosted time through the ledger, like an API call: a hold one minute ahead, captured at the end of each
minute at the session's per-minute price, released when the session ends (a started minute that was not
used to its end is not charged). A price of 0 (the default) books nothing.

All money moves through billing.services (credits_reserve / hold_capture / hold_release); the hold keys
are `canvas:<session>:<minute>`, so a sweep that runs twice for the same minute books it once.
"""

from __future__ import annotations

import contextlib
import logging
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from billing.errors import HoldAlreadyResolved, LedgerError
from billing.models import Hold, LedgerAccount
from billing.services import credits_reserve, hold_capture, hold_release
from canvas.models import CanvasSession, EndReason, SessionStatus

logger = logging.getLogger(__name__)

MINUTE = timedelta(minutes=1)
# A minute's hold outlives its minute a little, so a late sweep still finds it open to capture.
HOLD_TTL = timedelta(minutes=5)


def _hold_key(session: CanvasSession, minute: int) -> str:
    return f"canvas:{session.public_id}:{minute}"


def _reserve_minute(session: CanvasSession, minute: int, now: datetime) -> Hold:
    return credits_reserve(
        wallet=LedgerAccount(user_id=session.user_id),
        amount_micros=session.price_per_minute_micros,
        expires_at=now + HOLD_TTL,
        key=_hold_key(session, minute),
        memo=f"Hosted ComfyUI session {session.public_id}, minute {minute + 1}",
    )


def session_billing_open(*, session: CanvasSession, now: datetime | None = None) -> bool:
    """Hold the first minute when the session becomes ready; False (and the session ends) if the wallet
    cannot pay it."""
    if session.price_per_minute_micros == 0 or session.hold_id is not None:
        return True
    now = now or timezone.now()
    try:
        hold = _reserve_minute(session, 0, now)
    except LedgerError:
        _end_for_funds(session)
        return False
    CanvasSession.objects.filter(pk=session.pk).update(hold=hold)
    session.hold = hold
    return True


def _end_for_funds(session: CanvasSession) -> None:
    from canvas.services import session_end

    session_end(session=session, reason=EndReason.FUNDS)


def _bill_next_minute(session_pk: int, now: datetime) -> bool | None:
    """Capture the oldest minute that is over and hold the next one, under the session row's lock (so a
    sweep and an end racing for the same minute book it once). True: billed, look again; False: nothing
    due; None: the next minute could not be held."""
    with transaction.atomic():
        session = CanvasSession.objects.select_for_update().get(pk=session_pk)
        if session.hold_id is None or session.ready_at is None:
            return False
        if session.ready_at + (session.billed_minutes + 1) * MINUTE > now:
            return False
        hold = Hold.objects.get(pk=session.hold_id)
        captured = session.price_per_minute_micros
        try:
            hold_capture(hold=hold, amount_micros=captured)
        except HoldAlreadyResolved:  # expired under a stalled sweep: that minute is on the house
            logger.warning("canvas session %s: minute hold already resolved", session.public_id)
            captured = 0
        minute = session.billed_minutes + 1
        try:
            next_hold: Hold | None = _reserve_minute(session, minute, now)
        except LedgerError:
            next_hold = None
        CanvasSession.objects.filter(pk=session.pk).update(
            hold=next_hold, billed_minutes=minute, charged_micros=F("charged_micros") + captured
        )
    return None if next_hold is None else True


def _bill_due_minutes(session: CanvasSession, now: datetime) -> None:
    """Every minute that is over, in order; a refused hold ends the session (after the lock is gone: the
    end stops a process)."""
    while (billed := _bill_next_minute(session.pk, now)) is True:
        pass
    if billed is None:
        session.refresh_from_db()
        _end_for_funds(session)


def sessions_bill(*, now: datetime | None = None) -> int:
    """The sweep's billing step over every ready, priced session; how many were looked at."""
    now = now or timezone.now()
    sessions = CanvasSession.objects.filter(status=SessionStatus.READY, price_per_minute_micros__gt=0)
    count = 0
    for session in sessions.select_related("hold"):
        if session.hold_id is None and session.billed_minutes == 0:
            session_billing_open(session=session, now=now)
        _bill_due_minutes(session, now)
        count += 1
    return count


def session_billing_close(*, session: CanvasSession) -> None:
    """At the end: bill the minutes that are over, then release the hold of the one in progress."""
    session.refresh_from_db()
    if session.hold_id is None:
        return
    if session.ready_at is not None and session.ended_at is not None:
        _bill_due_minutes(session, session.ended_at)  # the minutes that were over before the end
    hold_id = CanvasSession.objects.filter(pk=session.pk).values_list("hold_id", flat=True).first()
    if hold_id is None:
        return
    hold = Hold.objects.get(pk=hold_id)
    with contextlib.suppress(HoldAlreadyResolved):  # expired already: nothing left to give back
        hold_release(hold=hold, reason="canvas session ended")
    CanvasSession.objects.filter(pk=session.pk).update(hold=None)
