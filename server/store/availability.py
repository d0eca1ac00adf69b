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
from server.store import schema
from server.store.data_select import _provider_filter


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
        keyed = query
        if mode == "available" and query.key:
            key = list(query.key)
            key[position] = ()
            keyed = _with_key(query, tuple(key))
        result.values[dimension] = _codes(conn, flow_pk, keyed, position)
    return result


def _with_key(query: DataQuery, key: tuple) -> DataQuery:
    return replace(query, key=key)


def _matching_series(flow_pk: int, query: DataQuery) -> sa.Select:
    """pks of series matching the key and having an observation in the window."""
    s, o = schema.series, schema.observation
    observed = sa.select(o.c.series_pk).where(
        o.c.series_pk == s.c.pk, o.c.valid_to.is_(None), *_window(query)
    )
    return sa.select(s.c.pk).where(
        s.c.flow_pk == flow_pk, *series_filters(query), observed.exists()
    )


def series_filters(query: DataQuery) -> list:
    """Conditions on ``series`` for the key and providers of a query."""
    s = schema.series
    conditions = [
        s.c[f"d{position}"].in_(codes)
        for position, codes in enumerate(query.key or ())
        if codes
    ]
    if query.providers:
        conditions.append(_provider_filter(query.providers))
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
    return conditions


def _codes(
    conn: Connection, flow_pk: int, query: DataQuery, position: int
) -> list[str]:
    s = schema.series
    column = s.c[f"d{position}"]
    matching = _matching_series(flow_pk, query).subquery()
    statement = (
        sa.select(column)
        .where(s.c.pk.in_(sa.select(matching.c.pk)))
        .distinct()
        .order_by(column)
    )
    return [row[0] for row in conn.execute(statement)]


def _totals(conn: Connection, flow_pk: int, query: DataQuery) -> tuple:
    o = schema.observation
    matching = _matching_series(flow_pk, query).subquery()
    statement = sa.select(
        sa.func.count(sa.distinct(o.c.series_pk)),
        sa.func.count(),
        sa.func.min(o.c.period_start),
        sa.func.max(o.c.period_end),
    ).where(
        o.c.series_pk.in_(sa.select(matching.c.pk)),
        o.c.valid_to.is_(None),
        *_window(query),
    )
    return tuple(conn.execute(statement).one())
