"""After a deletion: nothing in the database, the platform's logs, the uploads folder or the export files
holds the e-mail address (quality.md D-01); old keys answer 401; the ledger check is clean."""

from __future__ import annotations

import io
import logging
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.test import Client

from billing.models import LedgerEntry
from privacy.models import DataExport, ExportStatus
from privacy.services.export import export_build, export_request_create
from tests.billing.support import figure
from tests.privacy.conftest import Account
from tests.privacy.helpers import request_due, run

pytestmark = pytest.mark.django_db


def _database_hits(needle: str) -> list[str]:
    """Every (table.column) whose text holds `needle`, over every table and column of the database."""
    hits = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            for column in connection.introspection.get_table_description(cursor, table):
                name = connection.ops.quote_name(column.name)
                cursor.execute(
                    f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)} "  # noqa: S608
                    f"WHERE LOWER(CAST({name} AS TEXT)) LIKE %s",
                    [f"%{needle.lower()}%"],
                )
                if cursor.fetchone()[0]:
                    hits.append(f"{table}.{column.name}")
    return hits


def _file_hits(root: Path, needle: bytes) -> list[str]:
    return [str(p) for p in root.rglob("*") if p.is_file() and needle in p.read_bytes()]


def test_no_copy_of_the_address_survives(
    account: Account, caplog: pytest.LogCaptureFixture, record_property: Any
) -> None:
    export = export_build(export=export_request_create(user=account.user))
    assert export.status == ExportStatus.READY
    media = Path(settings.MEDIA_ROOT)
    assert _database_hits(account.email)  # the scan finds the address before (so it can find it after)
    entries = LedgerEntry.objects.count()

    caplog.set_level(logging.DEBUG)
    request = run(request_due(account.user))
    assert request.status == "completed"

    after = _database_hits(account.email)
    with connection.cursor() as cursor:
        tables = len(connection.introspection.table_names(cursor))
    figure(record_property, "D-01", tables_scanned=tables, email_hits=len(after), entries_kept=entries)
    assert after == []
    assert _database_hits("Olive Owner") == []
    assert _database_hits("203.0.113.7") == []
    assert _database_hits("Firefox/140.0") == []
    assert _file_hits(media, account.email.encode()) == []
    assert not DataExport.objects.filter(user=account.user).exists()
    assert list((media / "uploads").rglob("*")) == []
    assert account.email not in caplog.text
    assert LedgerEntry.objects.count() == entries + 2  # kept, plus the forfeit
    for key in account.keys:
        assert Client().post("/customers", {}, headers={"X-API-KEY": key}).status_code == 401
    out = io.StringIO()
    call_command("ledger_check", stdout=out)
    assert "Ledger OK" in out.getvalue()


def test_the_scan_would_find_a_forgotten_copy(account: Account, db: Any) -> None:
    """The scan itself can fail: a table the pipeline does not know about is reported."""
    run(request_due(account.user))
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE stray_copy (note TEXT)")
        cursor.execute("INSERT INTO stray_copy VALUES (%s)", [f"contact {account.email}"])
    assert _database_hits(account.email) == ["stray_copy.note"]
