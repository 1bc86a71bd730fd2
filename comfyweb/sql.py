"""Plain-SQL helpers for the few hot paths (a /proxy call, a ledger operation).

Building a query through the ORM costs more CPU than PostgreSQL spends running it: on the /proxy path,
compiling five ORM statements was ~30% of the platform's CPU per call (bench/README.md, BM2). These
helpers keep the statements' text per model, built once from the model's own field definitions, and
convert values with the fields' own `get_db_prep_save` / `from_db` (the same conversions the ORM does).
Everything else uses the ORM.
"""

from __future__ import annotations

import functools
import hashlib
import re
import weakref
from collections.abc import Mapping, Sequence
from typing import Any, TypeVar

from django.conf import settings
from django.db import connection, models

M = TypeVar("M", bound=models.Model)


_NAMED = re.compile(r"%\(([a-z_][a-z0-9_]*)\)s")
_prepared_on: weakref.WeakKeyDictionary[Any, set[str]] = weakref.WeakKeyDictionary()


@functools.cache
def _prepare_text(sql: str, types: tuple[tuple[str, str], ...]) -> tuple[str, str, tuple[str, ...]]:
    """(name, PREPARE statement, parameter order) for a statement written with %(name)s placeholders."""
    order: list[str] = []
    for name in _NAMED.findall(sql):
        if name not in order:
            order.append(name)
    declared = dict(types)
    numbered = _NAMED.sub(lambda m: f"${order.index(m.group(1)) + 1}", sql)
    statement = f"cw_{hashlib.sha1(sql.encode(), usedforsecurity=False).hexdigest()[:16]}"
    signature = f" ({', '.join(declared[name] for name in order)})" if order else ""
    return statement, f"PREPARE {statement}{signature} AS {numbered}", tuple(order)


def prepared_name(sql: str, types: Mapping[str, str]) -> str:
    """The name a statement is PREPAREd under (it shows in PostgreSQL's logs as `EXECUTE <name>`)."""
    return _prepare_text(sql, tuple(sorted(types.items())))[0]


def execute_prepared(cursor: Any, sql: str, params: Mapping[str, Any], types: Mapping[str, str]) -> None:
    """Run a hot statement so that PostgreSQL plans it once per connection, not once per call.

    Planning was most of PostgreSQL's CPU for the /proxy path's short statements (EXPLAIN: 0.07-0.13 ms
    of planning against 0.01-0.3 ms of execution; bench/README.md). The statement is PREPAREd on the
    pooled connection the first time it runs there (PREPARE is not undone by a rollback) and then
    EXECUTEd; `types` gives each parameter's PostgreSQL type. Elsewhere it runs as written.
    """
    if connection.vendor != "postgresql" or not settings.DATABASE_PREPARED_STATEMENTS:
        cursor.execute(sql, params)
        return
    name, prepare, order = _prepare_text(sql, tuple(sorted(types.items())))
    done = _prepared_on.setdefault(connection.connection, set())
    if name not in done:
        cursor.execute(prepare)
        done.add(name)
    arguments = f" ({', '.join(['%s'] * len(order))})" if order else ""
    cursor.execute(f"EXECUTE {name}{arguments}", [params[key] for key in order])


@functools.cache
def _insert_sql(
    model: type[models.Model], on_conflict: bool
) -> tuple[tuple[models.Field[Any, Any], ...], str, dict[str, str]]:
    """(fields, the INSERT with one named parameter per field, each parameter's PostgreSQL type)."""
    fields = tuple(f for f in model._meta.concrete_fields if not f.primary_key)
    columns = ", ".join(connection.ops.quote_name(str(f.column)) for f in fields)
    placeholders = ", ".join(f"%(f{index})s" for index in range(len(fields)))
    conflict = " ON CONFLICT DO NOTHING" if on_conflict else ""
    sql = (
        f"INSERT INTO {connection.ops.quote_name(str(model._meta.db_table))} ({columns}) "  # noqa: S608
        f"VALUES ({placeholders}){conflict} RETURNING id"
    )
    types = {f"f{index}": str(field.db_type(connection)) for index, field in enumerate(fields)}
    return fields, sql, types


def _insert(instance: models.Model, *, on_conflict: bool) -> bool:
    fields, sql, types = _insert_sql(type(instance), on_conflict)
    values = {
        f"f{index}": f.get_db_prep_save(f.pre_save(instance, add=True), connection)
        for index, f in enumerate(fields)
    }
    with connection.cursor() as cursor:
        execute_prepared(cursor, sql, values, types)
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
