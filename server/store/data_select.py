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
    with_attributes = query.detail in ("full", "nodata")
    statement = (
        sa.select(
            s.c.key,
            (s.c.attributes if with_attributes else sa.literal("{}")).label(
                "series_attributes"
            ),
            s.c.provider,
            o.c.period,
            o.c.value,
            o.c.attributes if with_attributes else sa.null().label("attributes"),
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
    if query.updated_after is not None:
        statement = statement.where(o.c.valid_from > query.updated_after)
    if query.detail in ("serieskeysonly", "nodata"):
        return _series_only(statement)
    if query.first_n or query.last_n:
        return _first_and_last(statement, query)
    return statement.order_by(s.c.key, s.c.provider, o.c.period_start, o.c.period)


def _first_and_last(statement: sa.Select, query: DataQuery) -> sa.Select:
    """Keep the first and/or last N observations of each series (REST 1.5 4.4)."""
    o = schema.observation
    ranked = statement.add_columns(
        o.c.period_start,
        sa.func.row_number()
        .over(partition_by=o.c.series_pk, order_by=o.c.period_start)
        .label("rank_first"),
        sa.func.row_number()
        .over(partition_by=o.c.series_pk, order_by=o.c.period_start.desc())
        .label("rank_last"),
    ).subquery()
    kept = []
    if query.first_n:
        kept.append(ranked.c.rank_first <= query.first_n)
    if query.last_n:
        kept.append(ranked.c.rank_last <= query.last_n)
    columns = [ranked.c[name] for name in COLUMNS]
    return (
        sa.select(*columns)
        .where(sa.or_(*kept))
        .order_by(
            ranked.c.key, ranked.c.provider, ranked.c.period_start, ranked.c.period
        )
    )


def _series_only(statement: sa.Select) -> sa.Select:
    """One row per matching series, without observations (serieskeysonly, nodata)."""
    matched = statement.subquery()
    return (
        sa.select(
            matched.c.key,
            matched.c.series_attributes,
            matched.c.provider,
            sa.null().label("period"),
            sa.null().label("value"),
            sa.null().label("attributes"),
        )
        .distinct()
        .order_by(matched.c.key, matched.c.provider)
    )


COLUMNS = ("key", "series_attributes", "provider", "period", "value", "attributes")


def _provider_filter(providers: tuple[tuple[str, str], ...]) -> sa.ColumnElement[bool]:
    s = schema.series
    clauses = []
    for agency, provider in providers:
        if provider == "all":
            clauses.append(
                s.c.provider.startswith(f"{agency}:", autoescape=True)
                if agency and agency != "all"
                else sa.true()
            )
        elif agency and agency != "all":
            clauses.append(s.c.provider == f"{agency}:{provider}")
        else:
            clauses.append(s.c.provider.endswith(f":{provider}", autoescape=True))
    return sa.or_(*clauses)
