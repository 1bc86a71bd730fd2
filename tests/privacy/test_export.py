"""Export my data: the background job, what the ZIP holds, who may download it and for how long."""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone

from accounts.models import AuditEvent
from privacy import hooks
from privacy.models import DataExport, ExportStatus
from privacy.services.export import (
    export_archive_write,
    export_build,
    export_request_create,
    exports_purge_expired,
)
from tests.privacy.conftest import CHARGED, FUNDED, PASSWORD, Account
from tests.privacy.helpers import request_due, run

pytestmark = pytest.mark.django_db


def _export(account: Account, django_capture_on_commit_callbacks: Any) -> DataExport:
    with django_capture_on_commit_callbacks(execute=True):
        reply = account.browser.post("/settings/privacy/export", {"password": PASSWORD})
    assert reply.status_code == 302
    return DataExport.objects.get(user=account.user)


def _download(client: Client, export: DataExport) -> Any:
    return client.get(f"/settings/privacy/exports/{export.public_id}/download")


def _zip(response: Any) -> zipfile.ZipFile:
    return zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))


def test_the_background_job_builds_it_and_mails_the_owner(
    account: Account, django_capture_on_commit_callbacks: Any
) -> None:
    export = _export(account, django_capture_on_commit_callbacks)
    assert (export.status, export.progress) == (ExportStatus.READY, 100)
    assert timedelta(hours=23, minutes=59) < export.expires_at - timezone.now() <= timedelta(hours=24)
    assert mail.outbox[-1].to == [account.email]
    link = re.search(r"https?://\S+/download", str(mail.outbox[-1].body))
    assert link
    assert urlsplit(link.group(0)).path == f"/settings/privacy/exports/{export.public_id}/download"
    status = account.browser.get(f"/settings/privacy/exports/{export.public_id}").json()
    assert status == {"status": "ready", "progress": 100, "stage": "ready", "ready": True}
    assert "Download" in account.browser.get("/settings/privacy").content.decode()
    actions = set(AuditEvent.objects.filter(subject=account.user).values_list("action", flat=True))
    assert {"export.requested", "export.ready"} <= actions


def test_the_archive_holds_everything_and_no_secret(
    account: Account, django_capture_on_commit_callbacks: Any
) -> None:
    export = _export(account, django_capture_on_commit_callbacks)
    response = _download(account.browser, export)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["Cache-Control"] == "private, no-store"
    archive = _zip(response)
    names = set(archive.namelist())
    upload_name = "uploads/" + account.upload_path.split("/", 2)[2]
    assert names == {"data.json", "ledger.csv", "usage.csv", upload_name}
    data = json.loads(archive.read("data.json"))
    assert data["profile"]["email"] == account.email
    assert data["profile"]["name"] == "Olive Owner"
    assert [d["ip_address"] for d in data["devices"]] == ["203.0.113.7"]
    assert len(data["api_keys"]) == 2
    assert all(
        set(k)
        == {"id", "name", "description", "shown_as", "created_at", "last_used_at", "expires_at", "revoked_at"}
        for k in data["api_keys"]
    )
    assert [e["kind"] for e in data["ledger_entries"]] == ["purchase", "capture"]
    assert [e["amount_micros"] for e in data["ledger_entries"]] == [FUNDED, -CHARGED]
    assert data["wallet"]["balance_micros"] == FUNDED - CHARGED
    assert [p["amount_micros"] for p in data["purchases"]] == [FUNDED]
    assert data["refunds_and_disputes"] == []
    assert [(u["vendor"], u["charged_micros"], u["comfy_job_id"]) for u in data["usage"]] == [
        ("openai", CHARGED, "prompt-123")
    ]
    assert data["hosted_sessions"] == []
    assert data["uploads"] == [{"file": upload_name, "size_bytes": 21}]
    assert archive.read(upload_name) == b"\x89PNG fake image bytes"
    assert any(e["action"] == "grant.approve" and e["by"] == "staff" for e in data["audit_trail"])
    assert [e["type"] for e in data["account_events"]][:1] == ["account_created"]
    ledger = list(csv.DictReader(io.StringIO(archive.read("ledger.csv").decode())))
    assert [row["amount_micros"] for row in ledger] == [str(FUNDED), str(-CHARGED)]
    usage = list(csv.DictReader(io.StringIO(archive.read("usage.csv").decode())))
    assert usage[0]["charged_micros"] == str(CHARGED)
    # No key, digest or password hash anywhere in the archive.
    everything = b"".join(archive.read(name) for name in names)
    for key in account.keys:
        assert key.encode() not in everything
    for digest in account.user.api_keys.values_list("digest", flat=True):
        assert digest.encode() not in everything
    assert account.user.password.encode() not in everything


def test_it_lists_hosted_sessions_from_the_hook(account: Account) -> None:
    class Sessions:
        def sessions_for_export(self, *, user: Any) -> list[dict[str, Any]]:
            return [{"id": "hs_1", "started_at": "2026-12-01T10:00:00Z"}]

        def end_all(self, *, user: Any) -> int:
            return 0

    provider = Sessions()
    hooks.hosted_sessions_register(provider)
    try:
        out = io.BytesIO()
        export_archive_write(user=account.user, out=out)
    finally:
        hooks.hosted_sessions_unregister(provider)
    data = json.loads(zipfile.ZipFile(out).read("data.json"))
    assert data["hosted_sessions"] == [{"id": "hs_1", "started_at": "2026-12-01T10:00:00Z"}]


def test_it_needs_the_password(account: Account, django_capture_on_commit_callbacks: Any) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        account.browser.post("/settings/privacy/export", {"password": "wrong"})
    assert not DataExport.objects.exists()


def test_only_its_owner_can_download_it(
    account: Account, outsider: Any, staff: Any, django_capture_on_commit_callbacks: Any
) -> None:
    export = _export(account, django_capture_on_commit_callbacks)
    for other in (outsider, staff):
        client = Client()
        client.force_login(other)
        assert _download(client, export).status_code == 404
        assert client.get(f"/settings/privacy/exports/{export.public_id}").status_code == 404
    anonymous = _download(Client(), export)
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith("/login")


def test_the_link_works_for_24_hours_then_the_file_is_purged(
    account: Account, django_capture_on_commit_callbacks: Any
) -> None:
    export = _export(account, django_capture_on_commit_callbacks)
    DataExport.objects.filter(pk=export.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert _download(account.browser, export).status_code == 404
    assert exports_purge_expired() == 1
    export.refresh_from_db()
    assert (export.status, export.file_path) == (ExportStatus.EXPIRED, "")
    assert default_storage.listdir(f"exports/{account.user.public_id.hex}")[1] == []


def test_it_is_rate_limited(account: Account, settings: Any, django_capture_on_commit_callbacks: Any) -> None:
    settings.EXPORTS_PER_DAY = 1
    _export(account, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        reply = account.browser.post("/settings/privacy/export", {"password": PASSWORD}, follow=True)
    assert "1 times a day" in reply.content.decode()
    assert DataExport.objects.count() == 1


def test_one_export_at_a_time(account: Account) -> None:
    first = export_request_create(user=account.user)  # not built: no on_commit run here
    assert export_request_create(user=account.user) == first


def test_the_operator_command_writes_the_same_archive(account: Account, tmp_path: Path) -> None:
    out = tmp_path / "owner.zip"
    call_command("export_user_data", "OWNER@example.com", "--out", str(out), stdout=io.StringIO())
    data = json.loads(zipfile.ZipFile(out).read("data.json"))
    assert data["profile"]["email"] == account.email
    assert len(data["usage"]) == 1
    assert AuditEvent.objects.filter(action="export.operator", subject=account.user, actor=None).exists()
    with pytest.raises(CommandError, match="No account"):
        call_command("export_user_data", "nobody@example.com", "--out", str(out))


def test_an_archive_finished_after_the_deletion_is_thrown_away(account: Account) -> None:
    export = export_request_create(user=account.user)
    run(request_due(account.user))  # deletes the export row too: build a fresh one for the late job
    late = DataExport.objects.create(user=account.user)
    assert export_build(export=late).status == ExportStatus.FAILED
    assert default_storage.listdir(f"exports/{account.user.public_id.hex}")[1] == []
    assert not DataExport.objects.filter(pk=export.pk).exists()
