"""SDMX-REST 2.x (SDMX 3.0 and 3.1 web services, release 2.2.2) under /rest/v2.

Structure queries are answered here, data queries in :mod:`server.api.rest2_data`.
Values in one path segment are joined with ``,``; ``*`` selects everything; versions
follow the semantic-version rules of :mod:`server.query.versions`. A query that
matches nothing is answered ``204 No Content`` (status.md: an empty result is an
"empty but still healthy state"); errors are SDMX-ML 2.1 error messages, as on REST
1.5.
"""

from __future__ import annotations

from flask import Blueprint, Response, request

from server.api.availability2 import availability_query
from server.api.reference_partial import cut_references
from server.api.rest2_common import (
    WILDCARD,
    check_parameters,
    no_content,
    ref,
    segment,
    sender,
    split_values,
)
from server.api.rest2_data import data_query
from server.api.rest15 import (
    cut_to_items,
    in_language,
    resolve_references,
    split_by_detail,
)
from server.api.schema import schema_query
from server.errors import InvalidQuery, NotImplementedFeature
from server.formats.media import negotiate
from server.formats.partial import is_item_scheme
from server.formats.registry import STRUCTURE_WRITERS
from server.formats.structure_convert import RESOURCE_21, RESOURCE_30
from server.formats.structure_reader import ELEMENT_OF_RESOURCE
from server.model import ArtefactRef
from server.query.queries import (
    AGENCY_RE,
    ALL,
    ID_RE,
    ITEM_RE,
    REFERENCE_TYPES_2,
    STRUCTURE_DETAIL,
    STRUCTURE_REFERENCES,
    STRUCTURE_TYPES_2,
    StructureQuery,
)
from server.query.versions import parse_version_query, select_artefacts
from server.store_ext import get_store

blueprint = Blueprint("rest2", __name__)

API = "2"
# Standard 2.x resources this server does not serve yet.
NOT_YET = {
    "metadata": "reference metadata queries (/rest/v2/metadata)",
    "registration": "registration queries (/rest/v2/registration)",
}
STRUCTURE_PARAMETERS = {"detail", "references", "format"}
# Item schemes whose items /structure/{type}/…/{itemID} could select (structures.md).
ITEM_SCHEME_TYPES = {
    "categoryscheme",
    "conceptscheme",
    "codelist",
    "valuelist",
    "agencyscheme",
    "dataproviderscheme",
    "metadataproviderscheme",
    "dataconsumerscheme",
    "organisationunitscheme",
    "reportingtaxonomy",
    "transformationscheme",
    "rulesetscheme",
    "userdefinedoperatorscheme",
    "customtypescheme",
    "namepersonalisationscheme",
    "vtlmappingscheme",
}


def _segments(path: str) -> list[str]:
    """The segments of a path after ``/rest/v2/``, none for an empty one."""
    return path.strip("/").split("/") if path.strip("/") else []


@blueprint.route("/data", methods=["POST"], strict_slashes=False)
@blueprint.route("/data/<path:path>", methods=["POST"], strict_slashes=False)
def post_data(path: str = "") -> Response:
    """Data submission (the data-upload draft of SDMX-REST)."""
    from server.api.submit import submit_data

    return submit_data(_segments(path))


@blueprint.route("/structure", methods=["POST"], strict_slashes=False)
@blueprint.route(
    "/structure/<path:path>", methods=["POST", "PUT", "DELETE"], strict_slashes=False
)
def change_structure(path: str = "") -> Response:
    """Structure maintenance (SDMX-REST 2.x), for admins."""
    from server.api.maintain import maintain

    segments = _segments(path)
    return maintain(request.method, segments)


@blueprint.route("/submissions/<int:pk>/release", methods=["POST"])
def release_submission(pk: int) -> Response:
    """Release a submission awaiting it (admins)."""
    from server.api.release import release

    return release(pk)


@blueprint.route("/submissions/<int:pk>", methods=["DELETE"])
def withdraw_submission(pk: int) -> Response:
    """Withdraw (its office) or reject (an admin) a submission awaiting release."""
    from server.api.release import withdraw

    return withdraw(pk)


@blueprint.route("/submissions/<int:pk>/data", methods=["GET"])
def submission_data(pk: int) -> Response:
    """The message of a submission awaiting release (its provider, admins)."""
    from server.api.release import preview

    return preview(pk)


@blueprint.route("/submissions", methods=["GET"], strict_slashes=False)
def submissions() -> Response:
    """The audit trail of data submissions (not part of the standard)."""
    from server.api.submit import list_submissions

    return list_submissions()


@blueprint.route(
    "/", defaults={"path": ""}, methods=["GET", "HEAD"], strict_slashes=False
)
@blueprint.route("/<path:path>", methods=["GET", "HEAD"], strict_slashes=False)
def dispatch(path: str) -> Response:
    """Route a REST 2.x path by its first segment."""
    segments = _segments(path)
    if not segments:
        raise InvalidQuery(
            "name a resource: /rest/v2/structure/{type}/{agency}/{id}/{version} or "
            "/rest/v2/data/{context}/{agency}/{id}/{version}/{key}"
        )
    resource, rest = segments[0], segments[1:]
    if resource == "structure":
        return structure_query(rest)
    if resource == "data":
        return data_query(rest)
    if resource == "schema":
        return schema_query(rest, API)
    if resource == "availability":
        return availability_query(rest)
    if resource in NOT_YET:
        raise NotImplementedFeature(
            f"{NOT_YET[resource]} are not supported yet; structure, data, schema "
            "and availability queries are"
        )
    raise InvalidQuery(
        f"{resource!r} is not an SDMX-REST 2.x resource; use structure, data, "
        f"{', '.join(NOT_YET)}"
    )


# -- structure queries ---------------------------------------------------------------


def structure_query(segments: list[str]) -> Response:
    """Answer ``/structure/{type}/{agency}/{id}/{version}/{itemID}``."""
    query = parse_structure_query(segments)
    media = negotiate(
        "structure", request.headers.get("Accept"), request.args.get("format"), API
    )
    store = get_store()
    found = store.find_artefacts(query.types, query.agencies, query.ids, (ALL,))
    rows = select_artefacts(parse_version_query(query.versions[0]), found)
    if not rows:
        return no_content()

    main = {ref(r) for r in rows}
    wanted = set().union(
        *(_references(store, main, r) for r in query.references.split(","))
    )
    referenced = store.rows_for(sorted(wanted - main, key=str))
    if query.detail == "referencepartial":
        referenced = cut_references(store, rows, referenced)
    rows = cut_to_items(rows, query.item_ids)
    if not rows:
        return no_content()
    rows, referenced = in_language(media, rows, referenced)
    full, stubs, complete = split_by_detail(query.detail, rows, referenced)
    body = STRUCTURE_WRITERS[media.writer](sender(), full, stubs, complete)
    return Response(body, content_type=media.content_type)


def parse_structure_query(segments: list[str]) -> StructureQuery:
    """Turn the path and query string of a structure query into a StructureQuery.

    ``versions`` holds the version query as given (one string), ``references`` the
    comma-separated values in the store's type names.
    """
    check_parameters(STRUCTURE_PARAMETERS)
    if len(segments) > 5:
        raise InvalidQuery(
            "too many path segments; use /structure/{type}/{agency}/{id}/{version}"
            "/{itemID}"
        )
    artefact_type = segment(segments, 0)
    versions = segment(segments, 3, "~")
    parse_version_query(versions)  # a syntax error is a 400 even if nothing matches
    item_ids = _item_ids(artefact_type, segment(segments, 4))
    types = _stored_types(artefact_type)
    return StructureQuery(
        types=types if item_ids == (ALL,) else tuple(filter(is_item_scheme, types)),
        item_ids=item_ids,
        agencies=split_values("agency", segment(segments, 1), AGENCY_RE),
        ids=split_values("resource id", segment(segments, 2), ID_RE),
        versions=(versions,),
        detail=_detail(request.args.get("detail", "full")),
        references=_parse_references(request.args.get("references", "none")),
    )


def _stored_types(artefact_type: str) -> tuple[str, ...]:
    """The store's type names for a 2.x artefact type (none for types not held)."""
    if artefact_type == WILDCARD:
        return tuple(ELEMENT_OF_RESOURCE)
    if artefact_type in STRUCTURE_TYPES_2:
        stored = RESOURCE_21.get(artefact_type)
        return (stored,) if stored else ()
    hint = ""
    if artefact_type in RESOURCE_30:
        hint = f" (the REST 1.5 name of {RESOURCE_30[artefact_type]})"
    elif artefact_type in ("structure", ALL):
        hint = " (use * for every type)"
    raise InvalidQuery(
        f"{artefact_type!r} is not an SDMX-REST 2.x artefact type{hint}; use * or one "
        f"of {', '.join(STRUCTURE_TYPES_2)}"
    )


def _item_ids(artefact_type: str, text: str) -> tuple[str, ...]:
    """The ``,``-joined item ids of an item query (``*``: every item)."""
    if text == WILDCARD:
        return (ALL,)
    if artefact_type not in ITEM_SCHEME_TYPES | {WILDCARD}:
        raise InvalidQuery(
            f"item {text!r}: only item schemes have items "
            f"({', '.join(sorted(ITEM_SCHEME_TYPES))}), not {artefact_type}"
        )
    return split_values("item id", text, ITEM_RE)


def _detail(detail: str) -> str:
    allowed = STRUCTURE_DETAIL[API]
    if detail not in allowed:
        raise InvalidQuery(
            f"detail={detail!r} is not allowed; use one of {', '.join(allowed)}"
        )
    # The store holds no codelist extensions, so raw and full are the same.
    return "full" if detail == "raw" else detail


def _parse_references(text: str) -> str:
    values = text.split(",")
    keywords = STRUCTURE_REFERENCES[API]
    for value in values:
        if value not in keywords and value not in REFERENCE_TYPES_2:
            raise InvalidQuery(
                f"references={value!r} is not allowed; use one or more (joined with "
                f"',') of {', '.join(keywords)} or an artefact type such as codelist"
            )
    return ",".join(v if v in keywords else RESOURCE_21.get(v, v) for v in values)


def _references(store, main: set[ArtefactRef], value: str) -> set[ArtefactRef]:
    """The artefacts that one ``references`` value adds (structures.md)."""
    if value == "ancestors":
        return _ancestors(store, main)
    return resolve_references(store, main, value)


def _ancestors(store, refs: set[ArtefactRef]) -> set[ArtefactRef]:
    found: set[ArtefactRef] = set()
    frontier = set(refs)
    while frontier:
        parents = store.parents(frontier) - found - refs
        found |= parents
        frontier = parents
    return found
