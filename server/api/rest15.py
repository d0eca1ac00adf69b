"""SDMX-REST 1.5 (SDMX 2.1 web services): structure and data queries under /rest."""

from __future__ import annotations

from collections.abc import Iterator
from itertools import chain

from flask import Blueprint, Response, current_app, request

from server.api.availability import availability_query
from server.api.limits import check_result_size
from server.api.reference_partial import cut_references
from server.api.schema import schema_query
from server.api.writers import (
    cross_query,
    data_writer,
    history_parts,
    observation_dimension,
    whole_series,
)
from server.auth import check_data_access
from server.errors import InvalidQuery, NoResults, NotFound, NotImplementedFeature
from server.formats.data_writers import DataMessage
from server.formats.encoded import EncodedSeries
from server.formats.language import localised_rows, preferred_languages
from server.formats.media import negotiate
from server.formats.partial import cut_item_scheme, is_item_scheme
from server.formats.registry import STRUCTURE_WRITERS
from server.formats.structure_reader import ELEMENT_OF_RESOURCE
from server.model import ArtefactRef
from server.query import parameters
from server.query.periods import parse_period_parameter
from server.query.queries import (
    AGENCY_RE,
    ALL,
    DATA_DETAIL,
    ID_RE,
    ITEM_RE,
    LATEST,
    STANDARD_BUT_UNSUPPORTED,
    STRUCTURE_DETAIL,
    STRUCTURE_REFERENCES,
    VERSION_RE,
    DataQuery,
    StructureQuery,
    parse_flow_ref,
    parse_key,
    parse_provider_ref,
    split_multi,
)
from server.store_ext import get_store

blueprint = Blueprint("rest15", __name__)

API = "1.5"
STRUCTURE_RESOURCES = set(ELEMENT_OF_RESOURCE) | {"structure"}
# Standard 1.5 resources this server does not hold or serve yet.
NOT_YET = {
    "metadata": "reference metadata queries (/metadata)",
}
KNOWN_1_5_RESOURCES = {
    "metadatastructure",
    "metadataflow",
    "reportingtaxonomy",
    "structureset",
    "process",
    "actualconstraint",
    "allowedconstraint",
    "attachmentconstraint",
    "transformationscheme",
    "rulesetscheme",
    "userdefinedoperatorscheme",
    "customtypescheme",
    "namepersonalisationscheme",
    "vtlmappingscheme",
    "namealiasscheme",
    "organisationscheme",
}
DATA_PARAMETERS = {
    "startPeriod",
    "endPeriod",
    "updatedAfter",
    "firstNObservations",
    "lastNObservations",
    "dimensionAtObservation",
    "detail",
    "includeHistory",
    "format",
}
STRUCTURE_PARAMETERS = {"detail", "references", "format"}
ITEM_SCHEME_RESOURCES = {r for r in STRUCTURE_RESOURCES if is_item_scheme(r)}


@blueprint.route(
    "/", defaults={"path": ""}, methods=["GET", "HEAD"], strict_slashes=False
)
@blueprint.route("/<path:path>", methods=["GET", "HEAD"], strict_slashes=False)
def dispatch(path: str) -> Response:
    """Route a REST 1.5 path by its first segment."""
    segments = path.strip("/").split("/") if path.strip("/") else []
    if not segments:
        raise InvalidQuery(
            "name a resource: /rest/{structure type}/{agency}/{id}/{version} or "
            "/rest/data/{flowRef}/{key}/{providerRef}"
        )
    resource, rest = segments[0], segments[1:]
    if resource == "data":
        return data_query(rest)
    if resource == "availableconstraint":
        return availability_query(rest)
    if resource == "schema":
        return schema_query(rest, API)
    if resource in NOT_YET:
        raise NotImplementedFeature(f"{NOT_YET[resource]} are not supported yet")
    if resource in STRUCTURE_RESOURCES:
        return structure_query(resource, rest)
    if resource in KNOWN_1_5_RESOURCES:
        raise NotFound(f"this server holds no {resource} artefacts")
    raise InvalidQuery(
        f"{resource!r} is not an SDMX-REST 1.5 resource; use data, structure or one "
        f"of {', '.join(sorted(STRUCTURE_RESOURCES - {'structure'}))}"
    )


def _check_parameters(allowed: set[str]) -> None:
    repeated = sorted(
        name for name in request.args if len(request.args.getlist(name)) > 1
    )
    if repeated:
        raise InvalidQuery(
            f"query parameter(s) {', '.join(repeated)} given more than once; give "
            "each parameter once"
        )
    unknown = sorted(set(request.args) - allowed)
    if unknown:
        raise InvalidQuery(
            f"unknown query parameter(s) {', '.join(unknown)}; this query accepts "
            f"{', '.join(sorted(allowed))}"
        )


def _segment(segments: list[str], index: int, default: str) -> str:
    value = segments[index] if index < len(segments) else ""
    return value or default


# -- structure queries ---------------------------------------------------------------


def parse_structure_query(resource: str, segments: list[str]) -> StructureQuery:
    """Turn the path and query string of a structure query into a StructureQuery."""
    _check_parameters(STRUCTURE_PARAMETERS)
    if len(segments) > 4:
        raise InvalidQuery(
            f"too many path segments; use /{resource}/{{agency}}/{{id}}/{{version}}"
            "/{item}"
        )
    detail = request.args.get("detail", "full")
    references = request.args.get("references", "none")
    _check_choice("detail", detail, STRUCTURE_DETAIL[API])
    if references not in STRUCTURE_REFERENCES[API] and (
        references not in STRUCTURE_RESOURCES or references == "structure"
    ):
        _check_choice(
            "references",
            references,
            (*STRUCTURE_REFERENCES[API], *sorted(STRUCTURE_RESOURCES - {"structure"})),
        )
    versions = _segment(segments, 2, LATEST)
    version_values = tuple(
        v if v in (ALL, LATEST) else _check_version(v) for v in versions.split("+")
    )
    item_ids = _item_ids(resource, _segment(segments, 3, ALL))
    types = tuple(ELEMENT_OF_RESOURCE) if resource == "structure" else (resource,)
    return StructureQuery(
        types=types,
        agencies=split_multi("agency", _segment(segments, 0, ALL), AGENCY_RE),
        ids=split_multi("resource id", _segment(segments, 1, ALL), ID_RE),
        versions=version_values,
        item_ids=item_ids,
        detail=detail,
        references=references,
    )


def _item_ids(resource: str, text: str) -> tuple[str, ...]:
    """The ``+``-joined item ids of an item query; only item schemes have items."""
    if text == ALL:
        return (ALL,)
    if not is_item_scheme(resource):
        raise InvalidQuery(
            f"item {text!r}: only item schemes have items "
            f"({', '.join(sorted(ITEM_SCHEME_RESOURCES))}), not {resource}"
        )
    return split_multi("item id", text, ITEM_RE)


def cut_to_items(rows: list, item_ids: tuple[str, ...]) -> list:
    """The item schemes of ``rows`` with only the items asked for (isPartial).

    Schemes holding none of the items are left out.
    """
    if item_ids == (ALL,):
        return rows
    cut = (cut_item_scheme(row, item_ids) for row in rows if is_item_scheme(row.type))
    return [row for row in cut if row is not None]


def _check_version(version: str) -> str:
    if not VERSION_RE.fullmatch(version):
        raise InvalidQuery(
            f"version {version!r} is not valid; use a version such as 1.0, 'latest' "
            "or 'all'"
        )
    return version


def _check_choice(name: str, value: str, allowed: tuple[str, ...]) -> None:
    if value in allowed:
        return
    if value in STANDARD_BUT_UNSUPPORTED.get(name, ()):
        raise NotImplementedFeature(f"{name}={value} is not supported yet")
    raise InvalidQuery(
        f"{name}={value!r} is not allowed; use one of {', '.join(allowed)}"
    )


def structure_query(resource: str, segments: list[str]) -> Response:
    query = parse_structure_query(resource, segments)
    media = negotiate(
        "structure", request.headers.get("Accept"), request.args.get("format")
    )
    store = get_store()
    rows = store.find_artefacts(query.types, query.agencies, query.ids, query.versions)
    if not rows:
        raise NotFound(
            f"no {resource} matches agency={'+'.join(query.agencies)}, "
            f"id={'+'.join(query.ids)}, version={'+'.join(query.versions)}"
        )
    main = {_ref(r) for r in rows}
    referenced = store.rows_for(
        sorted(resolve_references(store, main, query.references) - main, key=str)
    )
    if query.detail == "referencepartial":
        referenced = cut_references(store, rows, referenced)
    rows = cut_to_items(rows, query.item_ids)
    if not rows:
        raise NotFound(
            f"no {resource} matching agency={'+'.join(query.agencies)}, "
            f"id={'+'.join(query.ids)}, version={'+'.join(query.versions)} has the "
            f"items {'+'.join(query.item_ids)}"
        )
    rows, referenced = in_language(media, rows, referenced)
    full, stubs, complete = split_by_detail(query.detail, rows, referenced)
    writer = STRUCTURE_WRITERS[media.writer]
    body = writer(_sender(), full, stubs, complete)
    return Response(body, content_type=media.content_type)


def in_language(media, rows: list, referenced: list) -> tuple[list, list]:
    """Rows named in the client's language (Accept-Language), in every format."""
    preferred = preferred_languages(request.headers.get("Accept-Language"))
    return localised_rows(rows, preferred), localised_rows(referenced, preferred)


def split_by_detail(
    detail: str, rows: list, referenced: list
) -> tuple[list, list, list]:
    """Which artefacts go whole, as stubs and as complete stubs (REST 1.5 4.3)."""
    every = [*rows, *referenced]
    return {
        "full": (every, [], []),
        "allstubs": ([], every, []),
        "referencestubs": (rows, referenced, []),
        "allcompletestubs": ([], [], every),
        "referencecompletestubs": (rows, [], referenced),
        "referencepartial": (every, [], []),
    }[detail]


def _ref(row) -> ArtefactRef:
    return ArtefactRef(row.type, row.agency, row.id, row.version)


def resolve_references(
    store, main: set[ArtefactRef], references: str
) -> set[ArtefactRef]:
    """The artefacts that ``references`` adds to the matched ones (REST 1.5 4.3)."""
    if references == "none":
        return set()
    if references == "children":
        return store.children(main)
    if references == "parents":
        return store.parents(main)
    descendants = _descendants(store, main)
    if references == "descendants":
        return descendants
    parents = store.parents(main)
    found = parents | store.children(parents) | descendants
    if references == "parentsandsiblings":
        return parents | store.children(parents)
    if references == "all":
        return found
    return {ref for ref in found if ref.type == references}


def _descendants(store, refs: set[ArtefactRef]) -> set[ArtefactRef]:
    found: set[ArtefactRef] = set()
    frontier = set(refs)
    while frontier:
        children = store.children(frontier) - found - refs
        found |= children
        frontier = children
    return found


# -- data queries --------------------------------------------------------------------


def parse_data_query(segments: list[str], dimensions_of) -> DataQuery:
    """Turn the path and query string of a data query into a DataQuery."""
    _check_parameters(DATA_PARAMETERS)
    if not segments or not segments[0]:
        raise InvalidQuery("name a dataflow: /data/{flowRef}/{key}/{providerRef}")
    if len(segments) > 3:
        raise InvalidQuery(
            "too many path segments; use /data/{flowRef}/{key}/{providerRef}"
        )
    agency, flow_id, version = parse_flow_ref(segments[0])
    _unsupported_data_parameters()
    args = request.args
    start = end = None
    if "startPeriod" in request.args:
        start = parse_period_parameter("startPeriod", request.args["startPeriod"])[0]
    if "endPeriod" in request.args:
        end = parse_period_parameter("endPeriod", request.args["endPeriod"])[1]
    if start and end and start > end:
        raise InvalidQuery(
            f"startPeriod {request.args['startPeriod']} is after endPeriod "
            f"{request.args['endPeriod']}"
        )
    raw_key = _segment(segments, 1, ALL)
    dimensions = dimensions_of(agency, flow_id, version)
    return DataQuery(
        agency=agency,
        flow_id=flow_id,
        version=version,
        key=parse_key(raw_key, dimensions),
        providers=parse_provider_ref(_segment(segments, 2, ALL)),
        start=start,
        end=end,
        raw_key=raw_key,
        first_n=parameters.positive_int(
            "firstNObservations", args.get("firstNObservations")
        ),
        last_n=parameters.positive_int(
            "lastNObservations", args.get("lastNObservations")
        ),
        updated_after=parameters.utc_instant("updatedAfter", args.get("updatedAfter")),
        detail=args.get("detail", "full"),
    )


def _unsupported_data_parameters() -> None:
    args = request.args
    _check_choice("detail", args.get("detail", "full"), DATA_DETAIL[API])
    parameters.boolean("includeHistory", args.get("includeHistory"))


def data_query(segments: list[str]) -> Response:
    store = get_store()
    flows: dict = {}

    def dimensions_of(agency: str, flow_id: str, version: str) -> list[str]:
        rows = store.find_artefacts(["dataflow"], [agency], [flow_id], [version])
        if not rows:
            raise NotFound(
                f"dataflow {agency},{flow_id},{version} does not exist; list the "
                "dataflows at /rest/dataflow/all/all/latest"
            )
        flows["row"] = rows[-1]
        flows["dsd"] = store.structure_of(rows[-1])
        return flows["dsd"].dimension_ids

    query = parse_data_query(segments, dimensions_of)
    media = negotiate("data", request.headers.get("Accept"), request.args.get("format"))
    flow, dsd = flows["row"], flows["dsd"]
    check_data_access(store, flow)
    at_observation = observation_dimension(media, dsd)
    query = cross_query(media, dsd, at_observation, query)
    encoded = whole_series(store, flow, dsd, query, media, at_observation)
    check_result_size(store, flow.pk, query, whole=encoded is not None)
    message = DataMessage(dsd=dsd, flow=_ref(flow), sender=_sender())
    parts = history_parts(store, flow, dsd, query, media, at_observation)
    if parts is not None:
        if not parts:
            raise NoResults(no_data_message(store, query, flow, dsd))
        writer = data_writer(media, store, flow, dsd, parts=parts)
        body = _encode(writer(message, iter(())))
        return Response(body, content_type=media.content_type)
    rows = (
        encoded.rows
        if encoded is not None
        else store.select_observations(flow.pk, query)
    )
    first = next(rows, None)
    if first is None:
        raise NoResults(no_data_message(store, query, flow, dsd))
    rows = chain([first], rows)
    if encoded is not None:
        rows = EncodedSeries(encoded.encoding, rows)
    writer = data_writer(
        media, store, flow, dsd, dimension_at_observation=at_observation
    )
    body = _encode(writer(message, rows))
    return Response(body, content_type=media.content_type)


CSV_OPTIONS = {
    "labels": ("labels", ("id", "name", "both")),
    "timeformat": ("time_format", ("original", "normalized")),
    "keys": ("keys", ("none", "obs", "series", "both")),
}


def csv_options(accept: str | None) -> dict[str, str]:
    """SDMX-CSV 2.0 options given as media-type parameters: labels, timeFormat, keys."""
    options = {}
    for part in (accept or "").split(";"):
        name, _, value = part.partition("=")
        known = CSV_OPTIONS.get(name.strip().lower())
        if known is None:
            continue
        keyword, allowed = known
        value = value.strip().split(",")[0].strip().strip('"')
        if value not in allowed:
            raise InvalidQuery(
                f"{name.strip()}={value!r} is not an SDMX-CSV option value; use one "
                f"of {', '.join(allowed)}"
            )
        options[keyword] = value
    return options


def no_data_message(store, query: DataQuery, flow, dsd) -> str:
    """Say that nothing matched, and why when a code is not in its codelist."""
    message = (
        f"no data for key {query.raw_key} in dataflow {flow.agency},{flow.id},"
        f"{flow.version} within the requested periods and providers"
    )
    codes = store.code_sets(dsd)
    unknown = [
        f"{dimension} {code!r}"
        for dimension, wanted in zip(dsd.dimension_ids, query.key or (), strict=False)
        for code in wanted
        if dimension in codes and code not in codes[dimension]
    ]
    if unknown:
        message += (
            f"; {', '.join(unknown[:10])} not in the codelist of the dimension "
            "(list the codes at /rest/datastructure/…?references=children)"
        )
    providers = {p for _, p in query.providers} - {"all"}
    if providers:
        known = store.data_providers_of(flow.pk)
        missing = sorted(providers - known)
        if missing:
            message += (
                f"; provider {', '.join(missing)} has no data in this dataflow "
                f"(providers with data: {', '.join(sorted(known)) or 'none'})"
            )
    return message


def _encode(chunks: Iterator[str]) -> Iterator[bytes]:
    for chunk in chunks:
        yield chunk.encode("utf-8")


def _sender() -> str:
    return current_app.config["SENDER_ID"]
