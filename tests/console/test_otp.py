"""Staff sign-in to the console needs a TOTP code when CONSOLE_REQUIRE_OTP is on (the default outside
DEBUG/development, and always in production); with it off, the password session is enough."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import AuditEvent, Device
from tests.conftest import make_user
from tests.console.conftest import make_staff, totp_now
from tests.production import production_import, production_settings


def _signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_it_is_on_under_the_test_settings(settings: Any) -> None:
    assert settings.CONSOLE_REQUIRE_OTP is True


def test_it_sends_staff_without_a_code_to_the_verify_page(support: Any) -> None:
    reply = _signed_in(support).get("/console/users/00000000-0000-0000-0000-000000000000")
    assert reply.status_code == 302
    assert reply["Location"] == "/console/verify?next=/console/users/00000000-0000-0000-0000-000000000000"


def test_it_opens_the_console_after_a_valid_code_and_audits_it(support: Any) -> None:
    client = _signed_in(support)
    device = TOTPDevice.objects.get(user=support)
    reply = client.post("/console/verify", {"token": totp_now(device), "next": "/console/grants"})
    assert reply.status_code == 302
    assert reply["Location"] == "/console/grants"
    assert client.get("/console/").status_code == 200
    event = AuditEvent.objects.get(action="console.otp_verify")
    assert (event.actor, event.subject) == (support, support)


def test_it_gives_the_session_a_new_id_when_the_code_is_confirmed(support: Any) -> None:
    client = Client()
    client.post("/login", {"email": support.email, "password": "correct horse battery staple"})
    before = client.session.session_key
    device_row = Device.objects.get(user=support, session_key=before)
    client.post("/console/verify", {"token": totp_now(TOTPDevice.objects.get(user=support))})
    after = client.session.session_key
    assert after != before
    device_row.refresh_from_db()
    assert device_row.session_key == after  # the browser keeps its device identity
    assert client.get("/console/").status_code == 200


def test_it_refuses_a_wrong_code_and_audits_the_failure(support: Any) -> None:
    client = _signed_in(support)
    device = TOTPDevice.objects.get(user=support)
    wrong = f"{(int(totp_now(device)) + 1) % 1_000_000:06d}"
    reply = client.post("/console/verify", {"token": wrong})
    assert reply.status_code == 400
    assert b"not valid" in reply.content
    assert client.get("/console/").status_code == 302
    assert AuditEvent.objects.filter(action="console.otp_failed", actor=support).count() == 1


def test_it_does_not_accept_a_code_from_someone_elses_device(support: Any, console_admin: Any) -> None:
    client = _signed_in(support)
    other = TOTPDevice.objects.get(user=console_admin)
    TOTPDevice.objects.filter(user=support).delete()
    reply = client.post("/console/verify", {"token": totp_now(other)})
    assert reply.status_code == 400
    assert client.get("/console/").status_code == 302


def test_it_forgets_a_device_that_was_removed(support: Any) -> None:
    client = _signed_in(support)
    device = TOTPDevice.objects.get(user=support)
    client.post("/console/verify", {"token": totp_now(device)})
    assert client.get("/console/").status_code == 200
    device.delete()  # a lost phone: the operator removed it
    assert client.get("/console/").status_code == 302


def test_it_tells_staff_without_an_authenticator_how_to_get_one(db: None) -> None:
    staff = make_user("new-staff@example.com", is_staff=True)
    reply = _signed_in(staff).get("/console/verify")
    assert reply.status_code == 200
    assert b"console_totp_enroll new-staff@example.com" in reply.content


def test_it_refuses_the_verify_page_to_non_staff(owner: Any) -> None:
    assert _signed_in(owner).get("/console/verify").status_code == 403
    assert Client().get("/console/verify")["Location"].startswith("/login")


def test_it_only_redirects_inside_the_console_after_verifying(support: Any) -> None:
    client = _signed_in(support)
    device = TOTPDevice.objects.get(user=support)
    reply = client.post("/console/verify", {"token": totp_now(device), "next": "https://evil.example/"})
    assert reply["Location"] == "/console/"


def test_it_lets_staff_in_without_a_code_when_turned_off(support: Any, settings: Any) -> None:
    settings.CONSOLE_REQUIRE_OTP = False
    assert _signed_in(support).get("/console/").status_code == 200


def test_it_still_checks_the_role_when_turned_off(owner: Any, settings: Any) -> None:
    settings.CONSOLE_REQUIRE_OTP = False
    assert _signed_in(owner).get("/console/").status_code == 403
    staff = make_staff("norole@example.com", None)
    assert _signed_in(staff).get("/console/").status_code == 403


def test_it_is_required_in_production(tmp_path: Path) -> None:
    assert production_settings(["CONSOLE_REQUIRE_OTP"], data_dir=tmp_path) == {"CONSOLE_REQUIRE_OTP": True}


def test_production_refuses_to_start_with_it_off(tmp_path: Path) -> None:
    done = production_import(CONSOLE_REQUIRE_OTP="false", COMFYWEB_DATA_DIR=str(tmp_path))
    assert done.returncode != 0
    assert "CONSOLE_REQUIRE_OTP cannot be turned off in production" in done.stderr


def test_it_is_off_for_the_one_command_local_run(tmp_path: Path) -> None:
    script = "import comfyweb.settings as s; print(s.CONSOLE_REQUIRE_OTP)"
    done = production_import(script=script, COMFYWEB_ENV="development", COMFYWEB_DATA_DIR=str(tmp_path))
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "False"


@pytest.mark.django_db
def test_the_enrol_command_creates_one_confirmed_device(support: Any, capsys: Any) -> None:
    from django.core.management import call_command
    from django.core.management.base import CommandError

    TOTPDevice.objects.filter(user=support).delete()
    call_command("console_totp_enroll", "support@example.com")
    assert "otpauth://totp/" in capsys.readouterr().out
    assert TOTPDevice.objects.filter(user=support, confirmed=True).count() == 1
    with pytest.raises(CommandError):
        call_command("console_totp_enroll", "support@example.com")
    call_command("console_totp_enroll", "support@example.com", "--replace")
    assert TOTPDevice.objects.filter(user=support).count() == 1
    with pytest.raises(CommandError):
        call_command("console_totp_enroll", "owner-does-not-exist@example.com")


def test_a_code_cannot_be_replayed_in_another_session(support: Any) -> None:
    device = TOTPDevice.objects.get(user=support)
    token = totp_now(device)
    assert _signed_in(support).post("/console/verify", {"token": token}).status_code == 302
    stolen = _signed_in(support)  # e.g. the password and a shoulder-surfed code, used at once
    assert stolen.post("/console/verify", {"token": token}).status_code == 400
    assert stolen.get("/console/").status_code == 302
