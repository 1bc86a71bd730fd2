"""Settings → Privacy in a real browser: an export followed on the page then downloaded, and a deletion
confirmed, cancelled from the e-mail's link, confirmed again and run."""

from __future__ import annotations

import io
import json
import re
import zipfile
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.core import mail

from accounts.models import User
from billing.selectors import wallet_get_for_user
from billing.services import credits_purchase
from privacy.models import DataExport, DeletionRequest, DeletionStatus, ExportStatus
from privacy.services.export import export_build
from privacy.services.pipeline import deletions_run_due
from tests.conftest import make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery staple"
SCREENSHOT = "/tmp/cw-privacy-{}.png"  # noqa: S108 - a look-at-it artefact, not committed


@pytest.fixture(autouse=True)
def _in_process_jobs(settings: Any, tmp_path: Path) -> Iterator[None]:
    """Background jobs run in-process (the embedded default), whatever broker the environment names."""
    from comfyweb.celery import app

    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.STRIPE_SECRET_KEY = ""
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = eager


def _sign_in(page: Any, email: str) -> None:
    page.goto("/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("form button:has-text('Sign in')")
    page.wait_for_url("**/dashboard")


def test_it_follows_an_export_on_the_page_and_downloads_it(page: Any) -> None:
    user = make_user("ada@example.com", name="Ada Lovelace")
    _sign_in(page, "ada@example.com")
    page.goto("/settings")
    page.click("text=Export my data")
    page.wait_for_url("**/settings/privacy#export")
    # One export queued and not built yet: the page shows its progress and follows it.
    export = DataExport.objects.create(user=user, status=ExportStatus.QUEUED)
    page.reload()
    assert page.is_visible("#exports progress")
    assert page.is_visible("text=Being built: 0 %")
    export_build(export=export)  # the background job finishes
    page.wait_for_selector("a:has-text('Download')", timeout=10_000)  # the page reloaded by itself
    with page.expect_download() as info:
        page.click("a:has-text('Download')")
    archive = zipfile.ZipFile(io.BytesIO(Path(info.value.path()).read_bytes()))
    data = json.loads(archive.read("data.json"))
    assert data["profile"]["email"] == "ada@example.com"
    assert {"ledger.csv", "usage.csv"} <= set(archive.namelist())
    # And one started from the form: re-authenticate, built in-process, e-mailed.
    DataExport.objects.all().delete()
    page.fill("#export input[name=password]", PASSWORD)
    page.click("#export button:has-text('Export my data')")
    page.wait_for_selector("text=Your export is ready: download it below.")
    assert page.is_visible("a:has-text('Download')")
    assert "is ready" in mail.outbox[-1].subject
    page.screenshot(path=SCREENSHOT.format("export"), full_page=True)
    assert page.console_errors == []


def test_it_deletes_an_account_after_a_cancel_from_the_e_mail(page: Any, browser: Any, site_url: str) -> None:
    user = make_user("grace@example.com", name="Grace Hopper")
    credits_purchase(
        wallet=wallet_get_for_user(user=user),
        amount_micros=10_000_000,
        payment_reference="cs_b1",
        source="sandbox",
        key="cs_b1",
    )
    _sign_in(page, "grace@example.com")
    page.goto("/settings")
    page.click("text=Delete my account")
    page.wait_for_url("**/settings/privacy/delete")
    assert page.text_content("#forfeit-amount") == "2,110 credits ($10.00)"
    page.screenshot(path=SCREENSHOT.format("delete"), full_page=True)
    page.fill("input[name=password]", PASSWORD)
    page.check("input[name=confirm]")
    page.click("button:has-text('Delete my account')")
    page.wait_for_selector("text=Your account is scheduled for deletion")

    # The e-mail's link, opened in another browser that is not signed in.
    link = re.search(r"https?://\S+/privacy/cancel-deletion/\S+", str(mail.outbox[-1].body))
    assert link
    other = browser.new_context(base_url=site_url).new_page()
    other.goto(urlsplit(link.group(0)).path)
    other.click("button:has-text('Cancel the deletion')")
    assert other.text_content("#cancel-outcome") == "The deletion is cancelled. Your account stays as it is."
    assert DeletionRequest.objects.get().status == DeletionStatus.CANCELLED

    page.goto("/settings/privacy")
    page.click("a:has-text('Delete my account')")
    page.fill("input[name=password]", PASSWORD)
    page.check("input[name=confirm]")
    page.click("button:has-text('Delete my account')")
    page.wait_for_selector("text=Your account is scheduled for deletion")
    request = DeletionRequest.objects.get(status=DeletionStatus.SCHEDULED)
    assert deletions_run_due(now=request.due_at + timedelta(seconds=1)) == 1  # the periodic task

    page.goto("/settings/privacy")
    assert urlsplit(page.url).path == "/login"  # signed out everywhere
    page.fill("input[name=email]", "grace@example.com")
    page.fill("input[name=password]", PASSWORD)
    page.click("form button:has-text('Sign in')")
    page.wait_for_selector("text=That e-mail and password don't match an account")
    assert not User.objects.filter(email="grace@example.com").exists()
    assert page.console_errors == []
