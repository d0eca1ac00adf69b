"""SDMX-REST 2.x availability queries (availability.md): ``/availability/{context}/
{agencyID}/{resourceID}/{version}/{key}/{componentId}``.

The answer is a structure message with one actual data constraint per dataflow
that has matching data: the codes present (``mode=exact``) or still selectable
(``mode=available``) per dimension, the time range covered, and the series and
observation counts as ``sdmx_metrics`` annotations (``series_count``,
``obs_count``). Dimension, attribute, measure and ``TIME_PERIOD`` filters
(``c[…]``) and ``updatedAfter`` narrow the data as in a data query. A query that
matches no data is answered ``204 No Content``.
"""

from __future__ import annotations

from flask import Response, request

from server.api.availability import MODES, REFERENCES, _choice, _referenced
from server.api.rest2_common import (
    check_parameters,
    no_content,
    ref,
    segment,
    sender,
    split_values,
)
from server.api.rest2_data import _check_year_start, _context, _context_flows
from server.auth import check_data_access, current_user, is_restricted
from server.errors import InvalidQuery
from server.formats.availability_writer import availability_row
from server.formats.media import negotiate
from server.formats.registry import STRUCTURE_WRITERS
from server.model import DataStructure
from server.query import parameters
from server.query.filters import raw_filters, resolve_filters
from server.query.queries import AGENCY_RE, ID_RE, DataQuery, parse_keys
from server.query.versions import parse_version_query
from server.store.availability import Availability, availability
from server.store_ext import get_store

API = "2"
PARAMETERS = {"mode", "references", "updatedAfter", "reportingYearStartDay", "format"}
# The 2.x values of ``references``; valuelists are never stored.
REFERENCES_2 = (*REFERENCES, "valuelist")


def availability_query(segments: list[str]) -> Response:
    """Answer an availability query; 204 when no data matches."""
    check_parameters(PARAMETERS, filters=True)
    _check_year_start(request.args.get("reportingYearStartDay"))
    if len(segments) > 6:
        raise InvalidQuery(
            "too many path segments; use /availability/{context}/{agencyID}/"
            "{resourceID}/{version}/{key}/{componentId}"
        )
    mode = _choice("mode", MODES)
    references = _references(request.args.get("references", "none"))
    media = negotiate(
        "structure", request.headers.get("Accept"), request.args.get("format"), API
    )

    store = get_store()
    flows = _context_flows(
        store,
        _context(segment(segments, 0)),
        split_values("agency", segment(segments, 1), AGENCY_RE),
        split_values("resource id", segment(segments, 2), ID_RE),
        parse_version_query(segment(segments, 3)),
    )
    rows = _constraints(store, flows, segments, mode, references)
    if not rows:
        return no_content()
    body = STRUCTURE_WRITERS[media.writer](sender(), rows, [], [])
    return Response(body, content_type=media.content_type)


def _references(text: str) -> tuple[str, ...]:
    values = tuple(text.split(","))
    for value in values:
        if value not in REFERENCES_2:
            raise InvalidQuery(
                f"references={value!r} is not allowed; use one or more (joined with "
                f"',') of {', '.join(REFERENCES_2)}"
            )
    return tuple(v for v in values if v != "valuelist")


def _constraints(store, flows: list, segments, mode, references) -> list:
    """The constraint of each dataflow with matching data, and its references."""
    rows: dict = {}
    for flow in flows:
        if len(flows) > 1 and is_restricted(flow.xml) and not current_user(store):
            continue  # among several, a restricted dataflow is left out, unsaid
        check_data_access(store, flow)
        dsd = store.structure_of(flow)
        found = _availability(store, flow, dsd, segments, mode)
        if found is None:
            continue
        rows[("constraint", flow.pk)] = availability_row(
            ref(flow), found, dsd.time_dimension
        )
        for value in references:
            for row in _referenced(store, flow, dsd, found, value):
                rows.setdefault((row.type, _identity(row)), row)
    return list(rows.values())


def _identity(row) -> str:
    """What tells two referenced rows apart (a cut codelist has no ``pk``)."""
    return getattr(row, "pk", None) or row.xml[:300]


def _availability(
    store, flow, dsd: DataStructure, segments, mode: str
) -> Availability | None:
    """The availability of the query in one dataflow, None when nothing matches."""
    query = DataQuery(
        agency=flow.agency,
        flow_id=flow.id,
        version=flow.version,
        key=None,
        keys=parse_keys(segment(segments, 4), dsd.dimension_ids),
        filters=resolve_filters(raw_filters(request.query_string), dsd),
        raw_key=segment(segments, 4),
        updated_after=parameters.utc_instant(
            "updatedAfter", request.args.get("updatedAfter")
        ),
    )
    with store.engine.connect() as conn:
        found = availability(conn, flow.pk, dsd.dimension_ids, query, mode)
    if found.series_count == 0:
        return None
    return _for_components(found, dsd, segment(segments, 5))


def _for_components(found: Availability, dsd: DataStructure, text: str):
    """Keep the components ``componentId`` names (``*``: every one)."""
    if text == "*":
        return found
    components = text.split(",")
    known = [*dsd.dimension_ids, dsd.time_dimension]
    for component in components:
        if component not in known:
            raise InvalidQuery(
                f"componentId {component!r} is not a dimension of {dsd.ref.triple}; "
                f"use * or one of {', '.join(known)}"
            )
    found.values = {k: v for k, v in found.values.items() if k in components}
    if dsd.time_dimension not in components:
        found.start = found.end = None
    return found
