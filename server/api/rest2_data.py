"""SDMX-REST 2.x data queries: ``/data/{context}/{agency}/{id}/{version}/{key}``.

The context (``dataflow``, ``datastructure``, ``provisionagreement`` or ``*``) and
the agency, id and version segments select dataflows; data is stored by dataflow.
A message carries the data of one dataflow, as the writers write one data set:
when several dataflows match, the one whose data matches the query is served, and a
query matching data in several of them is answered 501 naming them (merging them
would put, for instance, the 2019 and 2020 revisions of a series into one series).

Component filters (``c[…]``) become SQL conditions, attribute filters included;
``attributes`` and ``measures`` choose what the message shows (a subset of attributes
is cut from the rows in Python as they stream), and ``sort``, ``offset`` and
``limit`` order and page the rows in SQL.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from itertools import chain
from typing import NamedTuple

from flask import Response, request

from server.api.limits import check_result_size
from server.api.rest2_common import (
    check_parameters,
    no_content,
    ref,
    segment,
    sender,
    split_values,
)
from server.api.writers import (
    cross_query,
    data_writer,
    history_parts,
    observation_dimension,
    whole_series,
)
from server.auth import check_data_access, current_user, is_restricted
from server.errors import InvalidQuery, NotImplementedFeature
from server.formats.data_writers import DataMessage
from server.formats.media import negotiate
from server.model import DataStructure
from server.query import parameters
from server.query.filters import raw_filters, resolve_filters
from server.query.queries import (
    AGENCY_RE,
    ALL,
    ID_RE,
    DataQuery,
    parse_keys,
    parse_sort,
)
from server.query.versions import parse_version_query, select_artefacts, sort_key
from server.store_ext import get_store

API = "2"
YEAR_START_RE = re.compile(r"--(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])")
CONTEXTS = ("dataflow", "datastructure", "provisionagreement", "*")
DATA_PARAMETERS = {
    "updatedAfter",
    "firstNObservations",
    "lastNObservations",
    "dimensionAtObservation",
    "attributes",
    "measures",
    "includeHistory",
    "offset",
    "limit",
    "sort",
    "asOf",
    "reportingYearStartDay",
    "format",
}
# (measures shown, attributes shown) -> the store's detail of a data query
DETAIL = {
    (True, True): "full",
    (True, False): "dataonly",
    (False, True): "nodata",
    (False, False): "serieskeysonly",
}


@dataclass(frozen=True)
class Candidate:
    """One dataflow a query reaches, with the query as its structure reads it.

    Attributes:
        flow: The dataflow's artefact row.
        dsd: Its data structure, cut to the attributes the query asks for.
        query: The data query against it.
        attributes: The attributes asked for when a subset of the DSD's, else None.
    """

    flow: object
    dsd: DataStructure
    query: DataQuery
    attributes: frozenset[str] | None


def data_query(segments: list[str]) -> Response:
    """Answer a data query; 204 when it matches no observation."""
    check_parameters(DATA_PARAMETERS, filters=True)
    _unsupported_parameters()
    if len(segments) > 5:
        raise InvalidQuery(
            "too many path segments; use /data/{context}/{agency}/{id}/{version}/{key}"
        )
    context = _context(segment(segments, 0))
    agencies = split_values("agency", segment(segments, 1), AGENCY_RE)
    ids = split_values("resource id", segment(segments, 2), ID_RE)
    patterns = parse_version_query(segment(segments, 3))
    raw_key, common = segment(segments, 4), _common_parameters()
    filters = raw_filters(request.query_string)

    accept, format_param = request.headers.get("Accept"), request.args.get("format")
    media = negotiate("data", accept, format_param, API)

    store = get_store()
    flows = _context_flows(store, context, agencies, ids, patterns)
    if len(flows) > 1 and current_user(store) is None:
        # Among several, a restricted dataflow is left out unsaid: whether it
        # holds matching data must not show through the choice of a dataflow.
        flows = [flow for flow in flows if not is_restricted(flow.xml)]
    candidates = _candidates(store, flows, raw_key, filters, common)
    chosen = _choose(store, candidates)
    if chosen is None:
        return no_content()
    check_data_access(store, chosen.flow)
    at_observation = observation_dimension(media, chosen.dsd)
    query = cross_query(media, chosen.dsd, at_observation, chosen.query)
    encoded = None
    if chosen.attributes is None:  # every attribute shown
        encoded = whole_series(
            store, chosen.flow, chosen.dsd, query, media, at_observation
        )
    check_result_size(store, chosen.flow.pk, query, whole=encoded is not None)
    parts = history_parts(store, chosen.flow, chosen.dsd, query, media, at_observation)
    if parts is not None:
        if not parts:
            return no_content()
        message = DataMessage(dsd=chosen.dsd, flow=ref(chosen.flow), sender=sender())
        writer = data_writer(media, store, chosen.flow, chosen.dsd, parts=parts)
        body = (chunk.encode("utf-8") for chunk in writer(message, iter(())))
        return Response(body, content_type=media.content_type)
    if encoded is not None:
        first = next(encoded.rows, None)
        if first is None:
            return no_content()
        encoded.rows = chain([first], encoded.rows)
        return _respond(media, chosen, encoded, at_observation)
    rows = store.select_observations(chosen.flow.pk, query)
    first = next(rows, None)
    if first is None:
        rows.close()
        return no_content()
    return _respond(media, chosen, chain([first], rows), at_observation)


def _context(context: str) -> str:
    if context not in CONTEXTS:
        raise InvalidQuery(
            f"context {context!r} is not allowed; use one of {', '.join(CONTEXTS)}"
        )
    return context


def _unsupported_parameters() -> None:
    args = request.args
    parameters.boolean("includeHistory", args.get("includeHistory"))
    if "asOf" in args:
        raise NotImplementedFeature(
            "asOf (time travel) is not supported yet; the current data is served "
            "without it"
        )
    _check_year_start(args.get("reportingYearStartDay"))


def _check_year_start(text: str | None) -> None:
    if text is None or text == "--01-01":
        return
    if not YEAR_START_RE.fullmatch(text):
        raise InvalidQuery(
            f"reportingYearStartDay={text!r} is not a day of the year; write --MM-DD"
        )
    raise NotImplementedFeature(
        "reportingYearStartDay other than --01-01 is not supported yet; reporting "
        "periods are read as calendar periods"
    )


def _common_parameters() -> dict:
    """The data query fields that do not depend on the data structure."""
    args = request.args
    return dict(
        first_n=parameters.positive_int(
            "firstNObservations", args.get("firstNObservations")
        ),
        last_n=parameters.positive_int(
            "lastNObservations", args.get("lastNObservations")
        ),
        updated_after=parameters.utc_instant("updatedAfter", args.get("updatedAfter")),
        offset=_offset(args.get("offset")),
        limit=parameters.positive_int("limit", args.get("limit")),
    )


def _offset(text: str | None) -> int:
    if text is None:
        return 0
    return parameters.whole_number("offset", text)


# -- from the path to dataflows ------------------------------------------------------


def _context_flows(store, context: str, agencies, ids, patterns) -> list:
    """The dataflows that the context, agency, id and version segments select."""
    flows = {}
    if context in ("dataflow", "*"):
        found = store.find_artefacts(["dataflow"], agencies, ids, (ALL,))
        flows.update({row.pk: row for row in select_artefacts(patterns, found)})
    if context in ("datastructure", "*"):
        found = store.find_artefacts(["datastructure"], agencies, ids, (ALL,))
        structures = {ref(row) for row in select_artefacts(patterns, found)}
        users = [r for r in store.parents(structures) if r.type == "dataflow"]
        flows.update({row.pk: row for row in store.rows_for(sorted(users, key=str))})
    if context in ("provisionagreement", "*"):
        found = store.find_artefacts(["provisionagreement"], agencies, ids, (ALL,))
        if select_artefacts(patterns, found):
            raise NotImplementedFeature(
                "data by provision agreement is not supported yet; query the "
                "dataflow of the agreement (/data/dataflow/…)"
            )
    return sorted(flows.values(), key=lambda r: (r.agency, r.id, sort_key(r.version)))


def _candidates(store, flows: list, raw_key: str, filters, common) -> list[Candidate]:
    """The query against each dataflow; flows whose structure rejects it are left out.

    Raises:
        InvalidQuery: The query fits the structure of none of the dataflows.
    """
    candidates, errors = [], []
    structures: dict = {}
    for flow in flows:
        structure = tuple(json.loads(flow.model).get("structure", ()))
        if not structure and len(flows) > 1:
            continue  # a dataflow without a structure holds no data to choose
        if structure not in structures:
            structures[structure] = store.structure_of(flow)
        dsd = structures[structure]
        try:
            candidates.append(_candidate(flow, dsd, raw_key, filters, common))
        except InvalidQuery as error:
            errors.append(error)
    if errors and not candidates:
        raise errors[0]
    return candidates


def _candidate(flow, dsd: DataStructure, raw_key: str, filters, common) -> Candidate:
    kept = _attributes(dsd)
    measures = _measures(dsd)
    sort, time_descending = (), False
    if "sort" in request.args:  # '+' (AND) arrives as a space once form-decoded
        sort, time_descending = parse_sort(request.args["sort"].replace(" ", "+"), dsd)
    query = DataQuery(
        agency=flow.agency,
        flow_id=flow.id,
        version=flow.version,
        key=None,
        keys=parse_keys(raw_key, dsd.dimension_ids),
        filters=resolve_filters(filters, dsd),
        raw_key=raw_key,
        detail=DETAIL[(measures, bool(kept))],
        sort=sort,
        time_descending=time_descending,
        **common,
    )
    every = {a.id for a in dsd.attributes}
    if kept == every:
        return Candidate(flow, dsd, query, None)
    cut = replace(dsd, attributes=[a for a in dsd.attributes if a.id in kept])
    return Candidate(flow, cut, query, frozenset(kept))


def _choose(store, candidates: list[Candidate]) -> Candidate | None:
    """The one dataflow to answer from (see the module docstring)."""
    if len(candidates) <= 1:
        return candidates[0] if candidates else None
    with_data = [c for c in candidates if store.has_observations(c.flow.pk, c.query)]
    if len(with_data) > 1:
        names = ", ".join(ref(c.flow).triple for c in with_data[:10])
        example = with_data[0].flow
        raise NotImplementedFeature(
            f"this query matches data of {len(with_data)} dataflows ({names}); a "
            "message holds the data of one dataflow here, so name one, e.g. "
            f"/rest/v2/data/dataflow/{example.agency}/{example.id}/{example.version}"
        )
    return with_data[0] if with_data else None


# -- attributes and measures -----------------------------------------------------------


def _attributes(dsd: DataStructure) -> set[str]:
    """The attributes that ``attributes`` asks for (data.md)."""
    series_level = [
        a for a in dsd.attributes if a.attachment not in ("DataSet", "Observation")
    ]
    levels = {
        "dsd": {a.id for a in dsd.attributes},
        "all": {a.id for a in dsd.attributes},
        "msd": set(),  # no metadata structure: there are no metadata attributes
        "none": set(),
        "dataset": {a.id for a in dsd.attributes if a.attachment == "DataSet"},
        "series": {a.id for a in series_level},
        "obs": {a.id for a in dsd.attributes if a.attachment == "Observation"},
    }
    kept: set[str] = set()
    for value in request.args.get("attributes", "dsd").split(","):
        if value in levels:
            kept |= levels[value]
        elif value in levels["dsd"]:
            kept.add(value)
        else:
            raise InvalidQuery(
                f"attributes={value!r} is not allowed; use {', '.join(levels)} or "
                f"attribute ids of {dsd.ref.triple}: {', '.join(sorted(levels['dsd']))}"
            )
    return kept


def _measures(dsd: DataStructure) -> bool:
    """Whether ``measures`` asks for the measure (all, none or measure ids)."""
    values = request.args.get("measures", "all").split(",")
    for value in values:
        if value not in ("all", "none", dsd.measure):
            raise InvalidQuery(
                f"measures={value!r} is not allowed; use all, none or {dsd.measure}"
            )
    return "all" in values or dsd.measure in values


class _Row(NamedTuple):
    key: str
    series_attributes: str
    provider: str
    period: str | None
    value: float | None
    attributes: str | None


def _keep_attributes(rows: Iterable, kept: frozenset[str]) -> Iterator[_Row]:
    """The rows with only the attributes in ``kept``."""
    for row in rows:
        yield _Row(
            row.key,
            _only(row.series_attributes, kept) or "{}",
            row.provider,
            row.period,
            row.value,
            _only(row.attributes, kept),
        )


def _only(text: str | None, kept: frozenset[str]) -> str | None:
    values = {k: v for k, v in json.loads(text).items() if k in kept} if text else {}
    return json.dumps(values) if values else None


# -- the answer ------------------------------------------------------------------------


def _respond(media, chosen: Candidate, rows: Iterable, at_observation: str) -> Response:
    if chosen.attributes is not None:
        rows = _keep_attributes(rows, chosen.attributes)
    message = DataMessage(dsd=chosen.dsd, flow=ref(chosen.flow), sender=sender())
    writer = data_writer(
        media,
        get_store(),
        chosen.flow,
        chosen.dsd,
        dimension_at_observation=at_observation,
    )
    body = (chunk.encode("utf-8") for chunk in writer(message, rows))
    return Response(body, content_type=media.content_type)
