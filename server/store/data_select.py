"""The one SQL statement behind every data query (SDMX-REST 1.5 section 4.4)."""

from __future__ import annotations

import sqlalchemy as sa

from server.query import DataQuery
from server.store import schema


def select_statement(flow_pk: int, query: DataQuery) -> sa.Select:
    """Select current observations of one dataflow matching ``query``.

    Filters on dimensions use the per-position indexes of ``series``; the time
    window compares the spans that periods cover, whatever their frequency.
    """
    s, o = schema.series, schema.observation
    statement = (
        sa.select(
            s.c.key,
            s.c.attributes.label("series_attributes"),
            s.c.provider,
            o.c.period,
            o.c.value,
            o.c.attributes,
        )
        .select_from(s.join(o, o.c.series_pk == s.c.pk))
        .where(s.c.flow_pk == flow_pk, o.c.valid_to.is_(None))
    )
    for position, codes in enumerate(query.key or ()):
        if codes:
            statement = statement.where(s.c[f"d{position}"].in_(codes))
    if query.providers:
        statement = statement.where(_provider_filter(query.providers))
    if query.start is not None:
        statement = statement.where(o.c.period_end >= query.start.isoformat())
    if query.end is not None:
        statement = statement.where(o.c.period_start <= query.end.isoformat())
    return statement.order_by(s.c.key, s.c.provider, o.c.period_start, o.c.period)


def _provider_filter(providers: tuple[tuple[str, str], ...]) -> sa.ColumnElement[bool]:
    s = schema.series
    clauses = []
    for agency, provider in providers:
        if agency:
            clauses.append(s.c.provider == f"{agency}:{provider}")
        else:
            clauses.append(s.c.provider.like(f"%:{provider}"))
    return sa.or_(*clauses)
