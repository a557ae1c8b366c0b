"""Prepared SELECTs for the hottest reads: SQLAlchemy compiles, the driver executes.

``connection.execute(select(...))`` spends most of a small indexed query's time in
SQLAlchemy's per-call machinery (cache key, execution context, result object), 40–90 µs
per statement on the development machine against about 10 µs in the driver. A
:class:`PreparedSelect` compiles its statement once per dialect with SQLAlchemy's own
compiler, keeps the bind and result processors of the column types (the same functions
SQLAlchemy applies: JSON, dates, :class:`~runnersknee.store.tables.UTCDateTime`), and then
runs it on the DBAPI cursor of the caller's connection, inside the caller's transaction.

Limits, checked when a statement is prepared: plain SELECTs only, no ``IN`` lists
(expanding parameters) or literal-rendered values. Engine events such as
``before_cursor_execute`` and SQL echo do not see these statements.
``tests/integration/store/test_prepared.py`` checks that each prepared statement returns
exactly what ``connection.execute`` returns, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeAlias

from sqlalchemy import Connection, Select
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError, InvalidRequestError, StatementError

__all__ = ["AnySelect", "PreparedSelect"]

#: A Core SELECT of any columns.
AnySelect: TypeAlias = Select[*tuple[Any, ...]]


@dataclass(frozen=True, slots=True)
class _Bind:
    """One bound value: its name in the SQL, the caller's key, default and processor."""

    name: str
    key: str
    default: Any
    required: bool
    process: Callable[[Any], Any] | None


@dataclass(frozen=True, slots=True)
class _Plan:
    """The statement compiled for one dialect."""

    sql: str
    #: Bind names in placeholder order (positional paramstyles), else ``None``.
    order: tuple[str, ...] | None
    binds: tuple[_Bind, ...]
    #: (column index, result processor) of the columns that have one.
    results: tuple[tuple[int, Callable[[Any], Any]], ...]


class PreparedSelect:
    """A Core SELECT run on the driver's cursor with SQLAlchemy's SQL and type processing."""

    __slots__ = ("_plans", "statement")

    def __init__(self, statement: AnySelect) -> None:
        self.statement = statement
        self._plans: weakref.WeakKeyDictionary[Dialect, _Plan] = weakref.WeakKeyDictionary()

    def all(self, connection: Connection, params: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        """Every row, as tuples of Python values."""
        dialect = connection.dialect
        plan = self._plan(dialect)
        arguments = self._arguments(plan, params)
        cursor = connection.connection.cursor()
        try:
            cursor.execute(plan.sql, arguments)
            rows = cursor.fetchall()
        except dialect.loaded_dbapi.Error as error:  # the error SQLAlchemy would raise
            raise DBAPIError.instance(
                plan.sql, arguments, error, dialect.loaded_dbapi.Error, dialect=dialect
            ) from error
        finally:
            cursor.close()
        if not plan.results:
            return [tuple(row) for row in rows]
        return [_converted(plan.results, row) for row in rows]

    def first(self, connection: Connection, params: Mapping[str, Any]) -> tuple[Any, ...] | None:
        """The first row, or ``None``."""
        rows = self.all(connection, params)
        return rows[0] if rows else None

    def _plan(self, dialect: Dialect) -> _Plan:
        plan = self._plans.get(dialect)
        if plan is None:
            plan = self._plans[dialect] = _compile(self.statement, dialect)
        return plan

    @staticmethod
    def _arguments(plan: _Plan, params: Mapping[str, Any]) -> Any:
        """The driver's parameters: the caller's values (or the statement's), processed."""
        values: dict[str, Any] = {}
        for bind in plan.binds:
            if bind.key in params:
                value = params[bind.key]
            elif bind.required:
                msg = f"A value is required for bind parameter {bind.key!r}"
                raise StatementError(msg, plan.sql, dict(params), InvalidRequestError(msg))
            else:
                value = bind.default
            values[bind.name] = value if bind.process is None else bind.process(value)
        if plan.order is None:
            return values
        return tuple(values[name] for name in plan.order)


def _converted(results: tuple[tuple[int, Callable[[Any], Any]], ...], row: Any) -> tuple[Any, ...]:
    values = list(row)
    for index, process in results:
        values[index] = process(values[index])
    return tuple(values)


def _compile(statement: AnySelect, dialect: Dialect) -> _Plan:
    compiled: Any = statement.compile(dialect=dialect)
    if any(b.expanding or b.literal_execute for b in compiled.binds.values()):
        msg = "PreparedSelect does not take IN lists or literal-rendered values"
        raise ValueError(msg)
    binds = tuple(
        _Bind(
            compiled.escaped_bind_names.get(name, name),
            bind.key,
            bind.effective_value,
            bind.required,
            bind.type.dialect_impl(dialect).bind_processor(dialect),
        )
        for bind, name in compiled.bind_names.items()
    )
    results = []
    for index, column in enumerate(statement.selected_columns):
        process = column.type.dialect_impl(dialect).result_processor(dialect, None)
        if process is not None:
            results.append((index, process))
    order = tuple(compiled.positiontup) if dialect.positional else None
    return _Plan(compiled.string, order, binds, tuple(results))
