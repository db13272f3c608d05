"""Whole model rows read by a hand-written statement: for the few reads on every request of a hot path.

Building a queryset costs far more CPU than running it: on deadline day the ORM's query building cost more than
everything PostgreSQL did for a filing (issue 7 point 16). A statement written with these helpers selects each
model's columns from its fields, in their order, and turns every value into what a queryset would give (the
database's and the field's converters, then ``Model.from_db``): a field added to a model needs no change here.
"""

from __future__ import annotations

from typing import NamedTuple

from django.db.models import Model
from django.db.models.expressions import Col


class ModelColumns(NamedTuple):
    """Where one model's columns sit in a row, and how to turn them back into an instance."""

    model: type[Model]
    start: int
    attnames: list[str]
    pk_at: int
    converters: dict[int, tuple[list, Col]]


def model_columns(connection, model: type[Model], table: str, start: int) -> tuple[ModelColumns, list[str]]:
    """The model's columns as ``table.column`` in field order, and how to read them back from position ``start``."""
    qn = connection.ops.quote_name
    fields = model._meta.concrete_fields
    cols = [field.get_col(table) for field in fields]
    converters = {
        i: (found, col) for i, col in enumerate(cols)
        if (found := connection.ops.get_db_converters(col) + col.get_db_converters(connection))
    }
    attnames = [field.attname for field in fields]
    columns = ModelColumns(model, start, attnames, attnames.index(model._meta.pk.attname), converters)
    return columns, [f"{table}.{qn(field.column)}" for field in fields]


def column(connection, model: type[Model], name: str) -> str:
    """A field's column, quoted."""
    return connection.ops.quote_name(model._meta.get_field(name).column)


def instance(connection, alias: str, row: tuple, columns: ModelColumns) -> Model | None:
    """The model instance in ``row``, as a queryset would build it; None when its primary key is NULL (an outer join
    found no row)."""
    values = list(row[columns.start:columns.start + len(columns.attnames)])
    if values[columns.pk_at] is None:
        return None
    for i, (converters, col) in columns.converters.items():
        for converter in converters:
            values[i] = converter(values[i], col, connection)
    return columns.model.from_db(alias, columns.attnames, values)
