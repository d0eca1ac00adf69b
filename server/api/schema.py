"""Schema queries (SDMX-REST 1.5 section 4.6 ``/schema``, 2.x schema.md): the XML
schema that validates structure-specific data of a dataflow or data structure, with
the codes its codelists and content constraints allow.
"""

from __future__ import annotations

import json

from flask import Response, current_app, request

from server.api.reference_partial import cut_references
from server.api.writers import requested_observation_dimension
from server.errors import InvalidQuery, NotFound, NotImplementedFeature
from server.formats.cross_section import cross_section
from server.formats.dsd_schema import ALL_DIMENSIONS, dsd_schema
from server.formats.dsd_schema30 import dataflow_schema
from server.formats.json_schema_data import json_data_schema
from server.formats.media import negotiate
from server.formats.registry import STRUCTURE_WRITERS
from server.model import ArtefactRef, DataStructure
from server.query.queries import AGENCY_RE, ID_RE, LATEST, VERSION_RE
from server.store_ext import get_store
from server.submission import allowed_values

CONTEXTS = ("datastructure", "dataflow", "provisionagreement")
METADATA_CONTEXTS = ("metadatastructure", "metadataflow", "metadataprovisionagreement")
PARAMETERS = {"dimensionAtObservation", "explicitMeasure", "format", "deletion"}


def schema_query(segments: list[str], api: str = "1.5") -> Response:
    """Answer ``/schema/{context}/{agency}/{id}/{version}``."""
    unknown = sorted(set(request.args) - PARAMETERS)
    if unknown:
        raise InvalidQuery(f"unknown query parameter(s) {', '.join(unknown)}")
    context, agency, ident, version = _path(segments, api)
    if api == "2" and "structure+json" in request.headers.get("Accept", ""):
        return _schema_structures(context, agency, ident, version)
    media = negotiate(
        "schema", request.headers.get("Accept"), request.args.get("format"), api
    )
    store = get_store()
    row = _artefact(store, context, agency, ident, version)
    dsd = store.structure_of(row) if context == "dataflow" else _dsd(store, row)
    codes = _allowed_codes(store, dsd, row if context == "dataflow" else None)
    at_observation = requested_observation_dimension(dsd)
    # Cross-sectional data: the view with that dimension at observation level.
    shaped = (
        cross_section(dsd, at_observation)
        if at_observation in dsd.dimension_ids
        else dsd
    )
    if media.writer == "jsonschema20":  # one schema for every form
        body = json.dumps(json_data_schema(dsd, codes), ensure_ascii=False)
    elif media.writer == "xsd30":
        flow = ArtefactRef(row.type, row.agency, row.id, row.version)
        body = dataflow_schema(shaped, flow, codes, at_observation == ALL_DIMENSIONS)
    else:
        body = dsd_schema(shaped, codes, at_observation)
    return Response(body, content_type=media.content_type)


def _schema_structures(context: str, agency: str, ident: str, version: str):
    """The schema as SDMX-JSON 2.0.0 structures, as pysdmx's RegistryClient asks.

    The artefact, its descendants (data structure, codelists, concept schemes) cut
    as ``detail=referencepartial`` cuts them, and the content constraints on it.
    """
    from server.api.rest15 import resolve_references  # rest15 imports this module

    store = get_store()
    row = _artefact(store, context, agency, ident, version)
    main = ArtefactRef(row.type, row.agency, row.id, row.version)
    refs = resolve_references(store, {main}, "descendants")
    refs |= {r for r in store.parents({main}) if r.type == "contentconstraint"}
    referenced = cut_references(store, [row], store.rows_for(sorted(refs, key=str)))
    media = negotiate("structure", request.headers.get("Accept"), None, "2")
    body = STRUCTURE_WRITERS[media.writer](
        current_app.config["SENDER_ID"], [row, *referenced], [], []
    )
    return Response(body, content_type=media.content_type)


def _path(segments: list[str], api: str) -> tuple[str, str, str, str]:
    if len(segments) < 3 or not all(segments[:3]):
        raise InvalidQuery(
            "name the structure: /schema/{context}/{agencyID}/{resourceID}/{version}"
        )
    if len(segments) > 4:
        raise InvalidQuery("too many path segments after /schema")
    context, agency, ident = segments[:3]
    version = segments[3] if len(segments) > 3 and segments[3] else _latest(api)
    if context in METADATA_CONTEXTS:
        raise NotImplementedFeature("schemas for reference metadata are not supported")
    if context not in CONTEXTS:
        raise InvalidQuery(f"context {context!r} is not one of {', '.join(CONTEXTS)}")
    for kind, value, pattern in (("agency", agency, AGENCY_RE), ("id", ident, ID_RE)):
        if not pattern.fullmatch(value):
            raise InvalidQuery(f"{kind} {value!r} is not a valid SDMX identifier")
    if version in ("all", "*"):
        raise InvalidQuery("a schema query names one version, or latest (~ in 2.x)")
    if version not in (LATEST, "~", "+") and not VERSION_RE.fullmatch(version):
        raise InvalidQuery(f"version {version!r} is not valid; use e.g. 1.0 or latest")
    return context, agency, ident, version


def _latest(api: str) -> str:
    return LATEST if api == "1.5" else "~"


def _artefact(store, context: str, agency: str, ident: str, version: str):
    wanted = LATEST if version in ("~", "+") else version
    rows = store.find_artefacts([context], [agency], [ident], [wanted])
    if not rows:
        raise NotFound(f"no {context} {agency}:{ident}({version}) in this service")
    return rows[-1]


def _dsd(store, row) -> DataStructure:
    if row.type != "datastructure":
        raise NotImplementedFeature(f"schemas for a {row.type} are not supported yet")
    ref = ArtefactRef("datastructure", row.agency, row.id, row.version)
    return store.data_structure(ref)


def _allowed_codes(store, dsd: DataStructure, flow) -> dict[str, list[str]]:
    """Codes of each coded component, narrowed by the dataflow's constraints."""
    codes = {k: set(v) for k, v in store.code_sets(dsd).items()}
    if flow is not None:
        flow_ref = ArtefactRef(flow.type, flow.agency, flow.id, flow.version)
        for component, allowed in allowed_values(store, flow_ref).items():
            if component in codes:
                codes[component] &= allowed
    return {k: sorted(v) for k, v in codes.items() if v}
