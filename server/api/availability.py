"""Availability queries: ``/availableconstraint`` of SDMX-REST 1.5 (section 4.5).

The answer is a structure message with an actual content constraint listing the
codes present (``mode=exact``) or still selectable (``mode=available``), the time
range covered and the series and observation counts, plus the artefacts that
``references`` asks for, codelists cut to the codes that appear.
"""

from __future__ import annotations

from flask import Response, current_app, request

from server.auth import check_data_access
from server.errors import InvalidQuery, NoResults, NotFound
from server.formats.availability_writer import availability_row, partial_codelist
from server.formats.media import negotiate
from server.formats.registry import STRUCTURE_WRITERS
from server.model import ArtefactRef, DataStructure
from server.query import parameters
from server.query.periods import parse_period_parameter
from server.query.queries import (
    ALL,
    DataQuery,
    parse_flow_ref,
    parse_key,
    parse_provider_ref,
)
from server.store.availability import Availability, availability
from server.store_ext import get_store

PARAMETERS = {
    "mode",
    "references",
    "startPeriod",
    "endPeriod",
    "updatedAfter",
    "format",
}
MODES = ("exact", "available")
REFERENCES = (
    "none",
    "all",
    "datastructure",
    "conceptscheme",
    "codelist",
    "dataproviderscheme",
    "dataflow",
)


def availability_query(segments: list[str]) -> Response:
    """Answer ``/availableconstraint/{flowRef}/{key}/{providerRef}/{componentID}``."""
    _check_parameters()
    if not segments or not segments[0]:
        raise InvalidQuery(
            "name a dataflow: /availableconstraint/{flowRef}/{key}/{providerRef}"
            "/{componentID}"
        )
    if len(segments) > 4:
        raise InvalidQuery("too many path segments after /availableconstraint")
    store = get_store()
    flow, dsd = _flow(store, *parse_flow_ref(segments[0]))
    check_data_access(store, flow)
    query = _query(segments, flow, dsd)
    component = _component(segments, dsd)
    mode = _choice("mode", MODES)
    references = _choice("references", REFERENCES)
    media = negotiate(
        "structure", request.headers.get("Accept"), request.args.get("format")
    )
    with store.engine.connect() as conn:
        found = availability(conn, flow.pk, dsd.dimension_ids, query, mode, component)
    if component == dsd.time_dimension:
        found.values = {}
    elif component is not None:
        found.start = found.end = None
    if found.series_count == 0:
        from server.api.rest15 import no_data_message  # rest15 imports this module

        raise NoResults(no_data_message(store, query, flow, dsd))
    flow_ref = ArtefactRef("dataflow", flow.agency, flow.id, flow.version)
    rows = [availability_row(flow_ref, found, dsd.time_dimension)]
    rows += _referenced(store, flow, dsd, found, references)
    writer = STRUCTURE_WRITERS[media.writer]
    body = writer(current_app.config["SENDER_ID"], rows, [], [])
    return Response(body, content_type=media.content_type)


def _check_parameters() -> None:
    unknown = sorted(set(request.args) - PARAMETERS)
    if unknown:
        raise InvalidQuery(
            f"unknown query parameter(s) {', '.join(unknown)}; availability queries "
            f"accept {', '.join(sorted(PARAMETERS))}"
        )


def _choice(name: str, allowed: tuple[str, ...]) -> str:
    value = request.args.get(name, allowed[0])
    if value not in allowed:
        raise InvalidQuery(
            f"{name}={value!r} is not allowed; use one of {', '.join(allowed)}"
        )
    return value


def _flow(store, agency: str, flow_id: str, version: str):
    rows = store.find_artefacts(["dataflow"], [agency], [flow_id], [version])
    if not rows:
        raise NotFound(
            f"dataflow {agency},{flow_id},{version} does not exist; list the "
            "dataflows at /rest/dataflow/all/all/latest"
        )
    return rows[-1], store.structure_of(rows[-1])


def _query(segments: list[str], flow, dsd: DataStructure) -> DataQuery:
    args = request.args
    start = end = None
    if "startPeriod" in args:
        start = parse_period_parameter("startPeriod", args["startPeriod"])[0]
    if "endPeriod" in args:
        end = parse_period_parameter("endPeriod", args["endPeriod"])[1]
    raw_key = segments[1] if len(segments) > 1 and segments[1] else ALL
    provider = segments[2] if len(segments) > 2 and segments[2] else ALL
    return DataQuery(
        agency=flow.agency,
        flow_id=flow.id,
        version=flow.version,
        key=parse_key(raw_key, dsd.dimension_ids),
        providers=parse_provider_ref(provider),
        start=start,
        end=end,
        raw_key=raw_key,
        updated_after=parameters.utc_instant("updatedAfter", args.get("updatedAfter")),
    )


def _component(segments: list[str], dsd: DataStructure) -> str | None:
    component = segments[3] if len(segments) > 3 and segments[3] else ALL
    if component == ALL:
        return None
    if component not in (*dsd.dimension_ids, dsd.time_dimension):
        raise InvalidQuery(
            f"componentID {component!r} is not a dimension of {dsd.ref.triple}; use "
            f"one of {', '.join([*dsd.dimension_ids, dsd.time_dimension])} or all"
        )
    return component


def _referenced(store, flow, dsd: DataStructure, found: Availability, references: str):
    """The artefacts ``references`` adds, codelists cut to the codes found."""
    if references == "none":
        return []
    wanted: list = []
    if references in ("all", "dataflow"):
        wanted += [flow]
    if references in ("all", "datastructure"):
        wanted += store.rows_for([dsd.ref])
    children = store.rows_for(sorted(store.children({dsd.ref}), key=str))
    if references in ("all", "conceptscheme"):
        wanted += [r for r in children if r.type == "conceptscheme"]
    if references in ("all", "codelist"):
        wanted += _partial_codelists(children, dsd, found)
    if references in ("all", "dataproviderscheme"):
        wanted += store.find_artefacts(["dataproviderscheme"], [flow.agency], [ALL])
    return wanted


def _partial_codelists(children, dsd: DataStructure, found: Availability) -> list:
    used: dict[ArtefactRef, set[str]] = {}
    for dimension in dsd.dimensions:
        if dimension.codelist is not None:
            codes = used.setdefault(dimension.codelist, set())
            codes.update(found.values.get(dimension.id, ()))
    rows = []
    for row in children:
        keep = used.get(ArtefactRef(row.type, row.agency, row.id, row.version))
        if row.type == "codelist" and keep:
            rows.append(partial_codelist(row, keep))
    return rows
