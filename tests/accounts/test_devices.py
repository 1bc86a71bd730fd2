"""Devices: listing, revoking one or all others, owner scoping, and DeviceMiddleware."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.test import Client
from django.utils import timezone

from accounts.devices import user_agent_summary
from accounts.models import Device, User
from accounts.services.devices import devices_revoke_others
from tests.accounts.helpers import login, session_key

pytestmark = pytest.mark.django_db

CHROME_LINUX = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36"
)
FIREFOX_MAC = "Mozilla/5.0 (Macintosh; Intel Mac OS X 14.5; rv:127.0) Gecko/20100101 Firefox/127.0"


def signed_in(user: User, user_agent: str = CHROME_LINUX, ip: str = "127.0.0.1") -> Client:
    client = Client(HTTP_USER_AGENT=user_agent, REMOTE_ADDR=ip)
    assert login(client, user.email).status_code == 302
    return client


def device_of(client: Client) -> Device:
    return Device.objects.get(session_key=session_key(client))


def test_it_lists_every_signed_in_browser_and_marks_this_one(owner: User) -> None:
    laptop = signed_in(owner, CHROME_LINUX, "198.51.100.4")
    signed_in(owner, FIREFOX_MAC, "198.51.100.9")
    body = laptop.get("/settings/devices").content.decode()
    assert "Chrome on Linux" in body
    assert "Firefox on macOS" in body
    assert f'title="{CHROME_LINUX}"' in body
    assert "198.51.100.9" in body
    assert body.count("this device") == 1


def test_it_lists_no_revoked_or_stale_devices(owner: User) -> None:
    laptop = signed_in(owner)
    old = signed_in(owner, FIREFOX_MAC)
    Device.objects.filter(pk=device_of(old).pk).update(
        last_seen_at=timezone.now() - timedelta(seconds=settings.SESSION_COOKIE_AGE + 60)
    )
    gone = signed_in(owner, "curl/8.0")
    gone.post("/logout")
    body = laptop.get("/settings/devices").content.decode()
    assert "Firefox" not in body
    assert "curl" not in body


def test_it_signs_out_a_revoked_device_at_once(owner: User) -> None:
    laptop, phone = signed_in(owner), signed_in(owner, FIREFOX_MAC)
    target = device_of(phone)
    response = laptop.post(f"/settings/devices/{target.public_id}/sign-out")
    assert response["Location"] == "/settings/devices"
    assert phone.get("/dashboard").status_code == 302
    target.refresh_from_db()
    assert target.revoked_at is not None
    assert laptop.get("/dashboard").status_code == 200


def test_it_refuses_an_outsider_and_changes_nothing(owner: User, outsider: User) -> None:
    phone = signed_in(owner)
    target = device_of(phone)
    intruder = signed_in(outsider)
    response = intruder.post(f"/settings/devices/{target.public_id}/sign-out")
    assert response.status_code == 404
    target.refresh_from_db()
    assert target.revoked_at is None
    assert phone.get("/dashboard").status_code == 200
    assert str(target.public_id) not in intruder.get("/settings/devices").content.decode()


def test_it_404s_a_malformed_or_unknown_device(owner: User) -> None:
    laptop = signed_in(owner)
    assert laptop.post("/settings/devices/00000000-0000-0000-0000-000000000000/sign-out").status_code == 404
    assert laptop.post("/settings/devices/not-a-uuid/sign-out").status_code == 404


def test_it_signs_out_all_other_devices_and_keeps_this_one(owner: User, teammate: User) -> None:
    laptop, phone, tablet = signed_in(owner), signed_in(owner), signed_in(owner)
    colleague = signed_in(teammate)
    response = laptop.post("/settings/devices/sign-out-others", follow=True)
    assert "Signed out 2 other devices" in response.content.decode()
    assert phone.get("/dashboard").status_code == 302
    assert tablet.get("/dashboard").status_code == 302
    assert laptop.get("/dashboard").status_code == 200
    assert colleague.get("/dashboard").status_code == 200


def test_it_signs_out_this_browser_from_its_own_row(owner: User) -> None:
    laptop = signed_in(owner)
    response = laptop.post(f"/settings/devices/{device_of(laptop).public_id}/sign-out")
    assert response["Location"] == "/login"
    assert laptop.get("/dashboard").status_code == 302


def test_it_returns_the_count_and_deletes_the_sessions(owner: User) -> None:
    from django.contrib.sessions.models import Session

    clients = [signed_in(owner) for _ in range(3)]
    keep = session_key(clients[0])
    assert devices_revoke_others(user=owner, keep_session_key=keep) == 2
    assert devices_revoke_others(user=owner, keep_session_key=keep) == 0
    assert list(Session.objects.values_list("session_key", flat=True)) == [keep]


def test_it_needs_post_and_csrf(owner: User) -> None:
    laptop = signed_in(owner)
    target = device_of(signed_in(owner))
    assert laptop.get(f"/settings/devices/{target.public_id}/sign-out").status_code == 405
    strict = Client(enforce_csrf_checks=True)
    strict.cookies = laptop.cookies
    assert strict.post("/settings/devices/sign-out-others").status_code == 403
    target.refresh_from_db()
    assert target.revoked_at is None


def test_the_middleware_logs_out_a_session_whose_device_is_revoked(owner: User) -> None:
    # Even if the session survived (e.g. a cache backend that missed the delete), the row decides.
    laptop = signed_in(owner)
    Device.objects.filter(session_key=session_key(laptop)).update(revoked_at=timezone.now())
    assert laptop.get("/dashboard").status_code == 302


def test_the_middleware_coalesces_last_seen_writes(owner: User) -> None:
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        laptop = signed_in(owner)
        device = device_of(laptop)
        clock.shift(timedelta(seconds=30))
        laptop.get("/dashboard")
        device.refresh_from_db()
        assert device.last_seen_at == start
        clock.shift(timedelta(seconds=31))
        laptop.get("/dashboard", REMOTE_ADDR="198.51.100.77")
        device.refresh_from_db()
        assert device.last_seen_at == start + timedelta(seconds=61)
        assert device.ip_address == "198.51.100.77"


def test_the_middleware_adopts_a_session_without_a_device(owner: User) -> None:
    laptop = signed_in(owner)
    Device.objects.all().delete()
    assert laptop.get("/dashboard").status_code == 200
    assert Device.objects.get().session_key == session_key(laptop)


def test_the_middleware_skips_requests_without_a_session_cookie(
    client: Client, django_assert_num_queries: object
) -> None:
    with django_assert_num_queries(0):  # type: ignore[operator]
        assert client.get("/health").status_code == 200


@pytest.mark.parametrize(
    ("user_agent", "summary"),
    [
        (CHROME_LINUX, "Chrome on Linux"),
        (FIREFOX_MAC, "Firefox on macOS"),
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/126.0 Safari/537.36 Edg/126.0",
            "Edge on Windows",
        ),
        (
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) Version/17.5 Mobile/15E148 Safari/604.1",
            "Safari on iOS",
        ),
        (
            "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 Chrome/126.0 Mobile Safari/537.36",
            "Chrome on Android",
        ),
        ("Mozilla/5.0 (X11; Linux x86_64) HeadlessChrome/156.0 Safari/537.36", "Chrome on Linux"),
        ("curl/8.5.0", "curl"),
        ("", "Unknown browser"),
    ],
)
def test_it_shortens_user_agents(user_agent: str, summary: str) -> None:
    assert user_agent_summary(user_agent) == summary


def test_the_middleware_works_on_the_async_stack(owner: User) -> None:
    from asgiref.sync import async_to_sync
    from django.test import AsyncClient

    laptop = signed_in(owner)
    cookies = {settings.SESSION_COOKIE_NAME: session_key(laptop) or ""}

    async def get(path: str) -> int:
        client = AsyncClient()
        client.cookies.load(cookies)
        return (await client.get(path)).status_code

    assert async_to_sync(get)("/dashboard") == 200
    Device.objects.filter(session_key=cookies[settings.SESSION_COOKIE_NAME]).update(revoked_at=timezone.now())
    assert async_to_sync(get)("/dashboard") == 302
