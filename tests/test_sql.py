"""comfyweb.sql: the hot statements' plain SQL (prepared on PostgreSQL) behaves like the ORM."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection, transaction

from comfyweb import sql

STATEMENT = "SELECT %(a)s + %(b)s, %(a)s"
TYPES = {"a": "bigint", "b": "bigint"}


def _run(a: int, b: int) -> tuple[Any, ...]:
    with connection.cursor() as cursor:
        sql.execute_prepared(cursor, STATEMENT, {"a": a, "b": b}, TYPES)
        return tuple(cursor.fetchone())


@pytest.mark.django_db
def test_it_runs_a_named_statement_with_the_same_result_as_written() -> None:
    assert _run(2, 3) == (5, 2)
    assert _run(40, 2) == (42, 40)  # a repeated placeholder binds once


@pytest.mark.pg
@pytest.mark.django_db(transaction=True)
def test_it_prepares_once_per_connection_and_survives_a_rollback() -> None:
    name = sql.prepared_name(STATEMENT, TYPES)
    connection.close()
    with transaction.atomic():
        assert _run(1, 1) == (2, 1)
        transaction.set_rollback(True)  # PREPARE is not undone by a rollback
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_prepared_statements WHERE name = %s", [name])
        assert cursor.fetchone() == (1,)
    assert _run(5, 6) == (11, 5)  # EXECUTE only
    connection.close()  # a new (or another pooled) connection prepares it again
    assert _run(7, 8) == (15, 7)


@pytest.mark.django_db
def test_it_runs_the_statement_as_written_when_preparing_is_off(settings: Any) -> None:
    settings.DATABASE_PREPARED_STATEMENTS = False
    with connection.cursor() as cursor:
        sql.execute_prepared(cursor, STATEMENT, {"a": 3, "b": 4}, TYPES)
        assert tuple(cursor.fetchone()) == (7, 3)
