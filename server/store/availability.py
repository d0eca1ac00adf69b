"""Data availability (SDMX-REST 1.5 ``/availableconstraint``, 2.x ``/availability``).

Answers come from the ``series`` table, which indexes every series by its codes,
and from the (series, period) index of ``observation``: the codes present, the
time range covered and the series and observation counts, never the values.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from server.query import DataQuery
from server.query.filters import DIMENSION, SERIES_ATTRIBUTE
from server.store import schema
from server.store.data_select import _filter_condition, series_conditions

# Filters (REST 2.x ``c[…]``) that are conditions on ``series``; the others
# (TIME_PERIOD, the measure, observation attributes) are on ``observation``.
SERIES_KINDS = (DIMENSION, SERIES_ATTRIBUTE)


@dataclass
class Availability:
    """What a data query could return: codes per dimension, time range, counts."""

    values: dict[str, list[str]] = field(default_factory=dict)
    start: str | None = None  # ISO date of the first day covered
    end: str | None = None  # ISO date of the last day covered
    series_count: int = 0
    observation_count: int = 0


def availability(
    conn: Connection,
    flow_pk: int,
    dimensions: list[str],
    query: DataQuery,
    mode: str = "exact",
    component: str | None = None,
) -> Availability:
    """Compute the availability of ``query`` in one dataflow.

    ``exact`` lists the codes of the series the query matches; ``available``
    lists, for each dimension, the codes that could still be chosen: those of the
    series matching the query's filters on every *other* dimension.
    """
    result = Availability()
    totals = _totals(conn, flow_pk, query)
    result.series_count, result.observation_count, result.start, result.end = totals
    for position, dimension in enumerate(dimensions):
        if component and dimension != component:
            continue
        keyed = _without(query, position) if mode == "available" else query
        result.values[dimension] = _codes(conn, flow_pk, keyed, position)
    return result


def _without(query: DataQuery, position: int) -> DataQuery:
    """The query without its selection at one key position (mode=available)."""

    def free(key):
        return key[:position] + ((),) + key[position + 1 :] if key else key

    return replace(
        query,
        key=free(query.key),
        keys=tuple(free(key) for key in query.keys),
        filters=tuple(
            f
            for f in query.filters
            if not (f.kind == DIMENSION and f.position == position)
        ),
    )


def _observed(query: DataQuery) -> sa.Exists:
    """The series has a current observation inside the query's window."""
    s, o = schema.series, schema.observation
    return (
        sa.select(o.c.series_pk)
        .where(o.c.series_pk == s.c.pk, o.c.valid_to.is_(None), *_window(query))
        .exists()
    )


def series_filters(query: DataQuery) -> list:
    """Conditions on ``series``: keys, providers, dimension and attribute filters."""
    conditions = series_conditions(query)
    conditions += [
        _filter_condition(f) for f in query.filters if f.kind in SERIES_KINDS
    ]
    return conditions


def _window(query: DataQuery) -> list:
    o = schema.observation
    conditions = []
    if query.start is not None:
        conditions.append(o.c.period_end >= query.start.isoformat())
    if query.end is not None:
        conditions.append(o.c.period_start <= query.end.isoformat())
    if query.updated_after is not None:
        conditions.append(o.c.valid_from > query.updated_after)
    conditions += [
        _filter_condition(f) for f in query.filters if f.kind not in SERIES_KINDS
    ]
    return conditions


def _codes(
    conn: Connection, flow_pk: int, query: DataQuery, position: int
) -> list[str]:
    """Distinct codes at one key position among the series a query matches."""
    s = schema.series
    column = s.c[f"d{position}"]
    statement = (
        sa.select(column)
        .where(s.c.flow_pk == flow_pk, *series_filters(query), _observed(query))
        .distinct()
        .order_by(column)
    )
    return [row[0] for row in conn.execute(statement)]


def _totals(conn: Connection, flow_pk: int, query: DataQuery) -> tuple:
    """Series and observation counts and the span covered, in one statement."""
    s, o = schema.series, schema.observation
    statement = (
        sa.select(
            sa.func.count(sa.distinct(o.c.series_pk)),
            sa.func.count(),
            sa.func.min(o.c.period_start),
            sa.func.max(o.c.period_end),
        )
        .select_from(o.join(s, s.c.pk == o.c.series_pk))
        .where(
            s.c.flow_pk == flow_pk,
            *series_filters(query),
            o.c.valid_to.is_(None),
            *_window(query),
        )
    )
    return tuple(conn.execute(statement).one())
