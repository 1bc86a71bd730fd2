"""Plain-SQL helpers for the few hot paths (a /proxy call, a ledger operation).

Building a query through the ORM costs more CPU than PostgreSQL spends running it: on the /proxy path,
compiling five ORM statements was ~30% of the platform's CPU per call (bench/README.md, BM2). These
helpers keep the statements' text per model, built once from the model's own field definitions, and
convert values with the fields' own `get_db_prep_save` / `from_db` (the same conversions the ORM does).
Everything else uses the ORM.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any, TypeVar

from django.db import connection, models

M = TypeVar("M", bound=models.Model)


def commit_without_waiting_for_disk() -> None:
    """Let this transaction's COMMIT return before its WAL reaches the disk (PostgreSQL only).

    Only for a transaction whose loss in a database crash harms nobody. PostgreSQL writes WAL in order, so
    the next durable commit on the server (from any connection) makes this one durable too; only a crash
    in the gap (wal_writer_delay, 200 ms by default) can lose it, and then as a whole, never half-way.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO OFF")


@functools.cache
def _insert_sql(
    model: type[models.Model], on_conflict: bool
) -> tuple[tuple[models.Field[Any, Any], ...], str]:
    fields = tuple(f for f in model._meta.concrete_fields if not f.primary_key)
    columns = ", ".join(connection.ops.quote_name(str(f.column)) for f in fields)
    placeholders = ", ".join(["%s"] * len(fields))
    conflict = " ON CONFLICT DO NOTHING" if on_conflict else ""
    sql = (
        f"INSERT INTO {connection.ops.quote_name(str(model._meta.db_table))} ({columns}) "  # noqa: S608
        f"VALUES ({placeholders}){conflict} RETURNING id"
    )
    return fields, sql


def _insert(instance: models.Model, *, on_conflict: bool) -> bool:
    fields, sql = _insert_sql(type(instance), on_conflict)
    values = [f.get_db_prep_save(f.pre_save(instance, add=True), connection) for f in fields]
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        row = cursor.fetchone()
    if row is None:
        return False
    instance.pk = row[0]
    instance._state.adding = False
    instance._state.db = connection.alias
    return True


def insert_row(instance: models.Model) -> None:
    """INSERT … RETURNING id for a new instance (defaults already applied by its constructor)."""
    _insert(instance, on_conflict=False)


def insert_or_conflict(instance: models.Model) -> bool:
    """INSERT … ON CONFLICT DO NOTHING RETURNING id: True when this call inserted the row.

    The unique key decides (never exists-then-insert, quality.md L5). On PostgreSQL a concurrent insert
    of the same key waits for the other transaction and then finds its row; no savepoint is needed.
    """
    return _insert(instance, on_conflict=True)


@functools.cache
def _columns(model: type[models.Model]) -> tuple[str, ...]:
    return tuple(f.attname for f in model._meta.concrete_fields)


def select_columns(model: type[models.Model], alias: str) -> str:
    """Every column of `model`, qualified by `alias`, in the order `from_row` reads them."""
    return ", ".join(
        f"{alias}.{connection.ops.quote_name(str(f.column))}" for f in model._meta.concrete_fields
    )


def column_count(model: type[models.Model]) -> int:
    return len(_columns(model))


@functools.cache
def _converters(model: type[models.Model]) -> tuple[tuple[int, tuple[Any, ...], Any], ...]:
    """Per column, the backend's and the field's value converters (what a queryset applies)."""
    found = []
    for index, field in enumerate(model._meta.concrete_fields):
        column = field.get_col(model._meta.db_table)
        converters = tuple(connection.ops.get_db_converters(column) + field.get_db_converters(connection))
        if converters:
            found.append((index, converters, column))
    return tuple(found)


def from_row(model: type[M], values: Sequence[Any]) -> M:
    """A model instance from the values `select_columns(model, …)` selected (as a queryset would)."""
    converted = list(values)
    for index, converters, column in _converters(model):
        for convert in converters:
            converted[index] = convert(converted[index], column, connection)
    return model.from_db(connection.alias, list(_columns(model)), converted)
