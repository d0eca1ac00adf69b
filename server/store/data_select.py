"""The one SQL statement behind every data query (SDMX-REST 1.5 section 4.4, 2.x
data.md): keys, providers, periods, component filters, order and paging.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace

import sqlalchemy as sa

from server.query import DataQuery
from server.query.filters import (
    DIMENSION,
    MEASURE,
    OBSERVATION_ATTRIBUTE,
    SERIES_ATTRIBUTE,
    TIME,
    ComponentFilter,
    Condition,
)
from server.query.periods import period_span
from server.store import schema
from server.store.engine import json_text

COLUMNS = ("key", "series_attributes", "provider", "period", "value", "attributes")


def select_statement(flow_pk: int, query: DataQuery) -> sa.Select:
    """Select current observations of one dataflow matching ``query``.

    Filters on dimensions use the per-position indexes of ``series``; the time
    window and ``TIME_PERIOD`` filters compare the spans that periods cover,
    whatever their frequency. Rows come ordered by series, then period, so that
    the observations of a series are contiguous.
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
            *_sort_columns(query),
        )
        .select_from(s.join(o, o.c.series_pk == s.c.pk))
        .where(s.c.flow_pk == flow_pk, o.c.valid_to.is_(None), *_conditions(query))
    )
    if query.detail in ("serieskeysonly", "nodata"):
        return _page(_series_only(statement, query), query)
    if query.first_n or query.last_n:
        return _page(_first_and_last(statement, query), query)
    base = {
        "key": s.c.key,
        "provider": s.c.provider,
        "period_start": o.c.period_start,
        "period": o.c.period,
        **{f"sort{n}": s.c[f"d{p}"] for n, (p, _) in enumerate(query.sort)},
        **{f"dim{p}": s.c[f"d{p}"] for p in query.cross_section},
    }
    return _page(statement.order_by(*_order(base, query)), query)


def exists_statement(flow_pk: int, query: DataQuery) -> sa.Select:
    """One row if ``query`` matches any observation of the dataflow, else none.

    Order, paging and first/last N are left out: they never empty a non-empty
    result, except an offset past the end.
    """
    s, o = schema.series, schema.observation
    return (
        sa.select(sa.literal(1))
        .select_from(s.join(o, o.c.series_pk == s.c.pk))
        .where(s.c.flow_pk == flow_pk, o.c.valid_to.is_(None), *_conditions(query))
        .limit(1)
    )


def _conditions(query: DataQuery) -> list[sa.ColumnElement[bool]]:
    o = schema.observation
    conditions = series_conditions(query)
    if query.start is not None:
        conditions.append(o.c.period_end >= query.start.isoformat())
    if query.end is not None:
        conditions.append(o.c.period_start <= query.end.isoformat())
    if query.updated_after is not None:
        conditions.append(o.c.valid_from > query.updated_after)
    conditions.extend(_filter_condition(f) for f in query.filters)
    return conditions


def _key_condition(key: tuple[tuple[str, ...], ...]) -> sa.ColumnElement[bool]:
    s = schema.series
    return sa.and_(
        sa.true(),
        *(s.c[f"d{i}"].in_(codes) for i, codes in enumerate(key) if codes),
    )


def _sort_columns(query: DataQuery) -> list[sa.ColumnElement]:
    s = schema.series
    columns = [s.c[f"d{p}"].label(f"sort{n}") for n, (p, _) in enumerate(query.sort)]
    columns += [s.c[f"d{p}"].label(f"dim{p}") for p in query.cross_section]
    return columns


def _order(columns: Mapping, query: DataQuery, periods: bool = True) -> list:
    """Requested dimensions first, then the series key, then the period.

    For cross-sectional data, the dimensions but the one at observation level take
    the place of the series key, and that one comes after the period.
    """
    order: list = [
        columns[f"sort{n}"].desc() if descending else columns[f"sort{n}"]
        for n, (_, descending) in enumerate(query.sort)
    ]
    crossed = query.cross_section
    if crossed:
        order += [*(columns[f"dim{p}"] for p in crossed[:-1]), columns["provider"]]
    else:
        order += [columns["key"], columns["provider"]]
    if periods:
        time = [columns["period_start"], columns["period"]]
        order += [c.desc() for c in time] if query.time_descending else time
    if crossed:
        order.append(columns[f"dim{crossed[-1]}"])
    return order


def _page(statement: sa.Select, query: DataQuery) -> sa.Select:
    """Skip ``offset`` rows and keep at most ``limit`` (REST 2.2 offset, limit)."""
    if query.offset:
        statement = statement.offset(query.offset)
    if query.limit is not None:
        statement = statement.limit(query.limit)
    return statement


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
    return sa.select(*columns).where(sa.or_(*kept)).order_by(*_order(ranked.c, query))


def _series_only(statement: sa.Select, query: DataQuery) -> sa.Select:
    """One row per matching series, without observations (serieskeysonly, nodata)."""
    matched = statement.subquery()
    sort = [matched.c[f"sort{n}"] for n in range(len(query.sort))]
    return (
        sa.select(
            matched.c.key,
            matched.c.series_attributes,
            matched.c.provider,
            sa.null().label("period"),
            sa.null().label("value"),
            sa.null().label("attributes"),
            *sort,
        )
        .distinct()
        .order_by(*_order(matched.c, query, periods=False))
    )


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


# -- component filters (REST 2.x c[COMPONENT]) ----------------------------------------

Comparison = Callable[[sa.ColumnElement, object], sa.ColumnElement[bool]]
COMPARISONS: dict[str, Comparison] = {
    "eq": lambda column, value: column == value,
    "ne": lambda column, value: column != value,
    "lt": lambda column, value: column < value,
    "le": lambda column, value: column <= value,
    "gt": lambda column, value: column > value,
    "ge": lambda column, value: column >= value,
    "co": lambda column, value: column.contains(value, autoescape=True),
    "nc": lambda column, value: ~column.contains(value, autoescape=True),
    "sw": lambda column, value: column.startswith(value, autoescape=True),
    "ew": lambda column, value: column.endswith(value, autoescape=True),
}


def _filter_condition(component: ComponentFilter) -> sa.ColumnElement[bool]:
    """Alternatives ORed, the conditions of each ANDed."""
    return sa.or_(
        *(
            sa.and_(*(_condition(component, c) for c in alternative))
            for alternative in component.alternatives
        )
    )


def _condition(component: ComponentFilter, condition: Condition):
    o = schema.observation
    if component.kind == TIME and condition.operator not in ("co", "nc", "sw", "ew"):
        return _period_condition(condition)
    if component.kind == TIME:
        return COMPARISONS[condition.operator](o.c.period, condition.value)
    if component.kind == MEASURE:
        return COMPARISONS[condition.operator](o.c.value, float(condition.value))
    return COMPARISONS[condition.operator](_text_column(component), condition.value)


def _text_column(component: ComponentFilter) -> sa.ColumnElement:
    s, o = schema.series, schema.observation
    if component.kind == DIMENSION:
        return s.c[f"d{component.position}"]
    table = {SERIES_ATTRIBUTE: s, OBSERVATION_ATTRIBUTE: o}[component.kind]
    # An attribute without a value compares as the empty string.
    return sa.func.coalesce(json_text(table.c.attributes, component.component), "")


def _period_condition(condition: Condition) -> sa.ColumnElement[bool]:
    """Compare the span a stored period covers with the span of the given one.

    ``ge`` and ``le`` keep periods that reach into the bound (as ``startPeriod`` and
    ``endPeriod`` do), ``gt`` and ``lt`` those wholly after or before it, ``eq``
    those covering the same days.
    """
    o = schema.observation
    first, last = (day.isoformat() for day in period_span(condition.value))
    start, end = o.c.period_start, o.c.period_end
    return {
        "eq": lambda: sa.and_(start == first, end == last),
        "ne": lambda: sa.or_(start != first, end != last),
        "ge": lambda: end >= first,
        "gt": lambda: start > last,
        "le": lambda: start <= last,
        "lt": lambda: end < first,
    }[condition.operator]()


# -- history (updatedAfter deletions, includeHistory) ----------------------------------


def versions_statement(flow_pk: int, query: DataQuery) -> sa.Select:
    """Every version, current or past, of the observations a query matches, with its
    ``valid_from`` and ``valid_to``; ordered by series, period, then time.

    ``updated_after`` keeps the versions that began or ended after that instant;
    the other conditions are those of :func:`select_statement`.
    """
    s, o = schema.series, schema.observation
    later = replace(query, updated_after=None)
    statement = (
        sa.select(
            s.c.key,
            s.c.attributes.label("series_attributes"),
            s.c.provider,
            o.c.period,
            o.c.value,
            o.c.attributes,
            o.c.valid_from,
            o.c.valid_to,
        )
        .select_from(s.join(o, o.c.series_pk == s.c.pk))
        .where(s.c.flow_pk == flow_pk, *_conditions(later))
    )
    if query.updated_after is not None:
        statement = statement.where(
            sa.or_(
                o.c.valid_from > query.updated_after,
                o.c.valid_to > query.updated_after,
            )
        )
    return statement.order_by(
        s.c.key, s.c.provider, o.c.period_start, o.c.period, o.c.valid_from
    )


def series_text_statements(
    flow_pk: int, query: DataQuery, encoding: str, layout: str
) -> tuple[sa.Select, sa.Select]:
    """The whole series of a query with their kept text, and a statement giving a
    row if some matching series with current observations has no text of
    ``layout`` (or none in ``encoding``) to answer with."""
    s, t, o = schema.series, schema.series_text, schema.observation
    conditions = [s.c.flow_pk == flow_pk, *series_conditions(query)]
    kept = sa.and_(t.c.layout == layout, t.c[encoding].is_not(None))
    statement = (
        sa.select(
            s.c.key,
            s.c.provider,
            s.c.attributes.label("series_attributes"),
            t.c[encoding].label("text"),
        )
        .select_from(s.join(t, t.c.series_pk == s.c.pk))
        .where(*conditions, t.c.observations > 0, kept)
        .order_by(s.c.key, s.c.provider)
    )
    current = sa.exists().where(o.c.series_pk == s.c.pk, o.c.valid_to.is_(None))
    written = sa.exists().where(t.c.series_pk == s.c.pk, kept)
    missing = sa.select(sa.literal(1)).where(*conditions, ~written, current).limit(1)
    return statement, missing


def series_text_count(flow_pk: int, query: DataQuery) -> sa.Select:
    """The number of current observations of the whole series of a query."""
    s, t = schema.series, schema.series_text
    return (
        sa.select(sa.func.sum(t.c.observations))
        .select_from(s.join(t, t.c.series_pk == s.c.pk))
        .where(s.c.flow_pk == flow_pk, *series_conditions(query))
    )


def series_conditions(query: DataQuery) -> list[sa.ColumnElement[bool]]:
    """The key and provider conditions of a query (those on series only)."""
    conditions = []
    keys = query.key_filters()
    if keys:
        conditions.append(sa.or_(*(_key_condition(key) for key in keys)))
    if query.providers:
        conditions.append(_provider_filter(query.providers))
    return conditions
