"""Database helpers for set-based writes.

`rows_insert` writes plain rows (dicts keyed by column name) in one statement stream: COPY on
PostgreSQL, bulk_create elsewhere. `among` filters by a batch of ids as one array parameter on
PostgreSQL. Both keep a batch's statement count fixed whatever its size. Imports no app.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from django.db import connection
from django.db.models import BooleanField, Q
from django.db.models.expressions import RawSQL


class Json(str):
    """A JSON column's value already encoded (a set-based writer encodes a batch once)."""


COPY_FROM = 50  # rows; below this one INSERT beats COPY's extra round trips


def among(model: Any, ids: Iterable[int], field: str = "pk") -> Any:
    """Filter for "`field` is one of these ids". On PostgreSQL one array parameter
    (`= ANY(%s)`): no SQL with a placeholder per id to build and parse, and an index scan even
    when the table's statistics are stale; elsewhere the plain `__in` lookup."""
    ids = list(ids)
    if connection.vendor != "postgresql":
        return Q(**{f"{field}__in": ids})
    column = model._meta.pk.column if field == "pk" else model._meta.get_field(field).column
    sql = f'"{model._meta.db_table}"."{column}" = ANY(%s::bigint[])'
    return RawSQL(sql, [ids], output_field=BooleanField())


def rows_insert(model: Any, rows: list[dict], *, ids: bool = False) -> list[int]:
    """Insert plain rows (keys are column names) in one go; return their ids if asked.

    From `COPY_FROM` rows on PostgreSQL this is COPY with ids drawn from the sequence up front
    (no model instances, several times faster than bulk_create); a few rows (a single change)
    take one plain INSERT, which is cheaper than a COPY round trip. JSON columns are given as
    dicts or lists, or as `Json` text already encoded.
    """
    if not rows:
        return []
    if connection.vendor != "postgresql" or len(rows) < COPY_FROM:
        decoded = [
            {k: json.loads(v) if isinstance(v, Json) else v for k, v in row.items()} for row in rows
        ]
        created = model.objects.bulk_create([model(**row) for row in decoded])
        return [obj.pk for obj in created]
    table = model._meta.db_table
    # Columns a caller leaves out get the model's default, as bulk_create would give them (COPY
    # would write NULL), so a column added later needs no change in every writer.
    missing = {
        f.column: f.get_default()
        for f in model._meta.concrete_fields
        if not f.primary_key and f.column not in rows[0]
    }
    if missing:
        rows = [{**row, **missing} for row in rows]
    columns = list(rows[0])
    pks: list[int] = []
    with connection.cursor() as cursor:
        if ids:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                [table, len(rows)],
            )
            pks = [pk for (pk,) in cursor.fetchall()]
        names = ", ".join(f'"{c}"' for c in (["id", *columns] if ids else columns))
        json_columns = {
            c
            for c in columns
            if isinstance(rows[0][c], dict | list) and not isinstance(rows[0][c], Json)
        }
        with cursor.cursor.copy(f'COPY "{table}" ({names}) FROM STDIN') as copy:
            for i, row in enumerate(rows):
                values = [json.dumps(row[c]) if c in json_columns else row[c] for c in columns]
                copy.write_row([pks[i], *values] if ids else values)
    return pks


def next_id(model: Any) -> int | None:
    """The id the next row of `model` will get, drawn before the INSERT (so a derived column,
    such as a reference, goes into the INSERT itself). PostgreSQL: the table's sequence;
    SQLite: its AUTOINCREMENT counter + 1, safe because its transactions take the write lock up
    front (IMMEDIATE).
    None elsewhere."""
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id'))", [table])
        elif connection.vendor == "sqlite":
            cursor.execute(
                "SELECT COALESCE((SELECT seq FROM sqlite_sequence WHERE name = %s), 0) + 1",
                [table],
            )
        else:
            return None
        return cursor.fetchone()[0]
