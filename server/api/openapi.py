"""An OpenAPI 3.0 description of this server's own API, and a page that shows it.

The page is plain HTML rendered on the server from the same description: it needs
no script and no network access.
"""

from __future__ import annotations

from html import escape

from flask import Blueprint, Response, jsonify

from server.api.availability import MODES as AVAILABILITY_MODES
from server.api.availability import REFERENCES as AVAILABILITY_REFERENCES
from server.api.availability2 import REFERENCES_2 as AVAILABILITY_REFERENCES_2
from server.formats.media import OFFERS
from server.query.queries import DATA_DETAIL, STRUCTURE_DETAIL, STRUCTURE_REFERENCES

blueprint = Blueprint("openapi", __name__)

V2_ITEMS = (
    "/rest/v2/structure/{artefactType}/{agencyID}/{resourceID}/{version}/{itemID}"
)
V2_AVAILABILITY = (
    "/rest/v2/availability/{context}/{agencyID}/{resourceID}/{version}/{key}/"
    "{componentID}"
)

STRUCTURE_TYPES_15 = [
    "datastructure",
    "dataflow",
    "codelist",
    "conceptscheme",
    "categoryscheme",
    "categorisation",
    "contentconstraint",
    "hierarchicalcodelist",
    "agencyscheme",
    "dataproviderscheme",
    "dataconsumerscheme",
    "organisationunitscheme",
    "provisionagreement",
    "structure",
]


def _path_parameter(name: str, description: str, enum: list[str] | None = None) -> dict:
    schema: dict = {"type": "string"}
    if enum:
        schema["enum"] = enum
    return {
        "name": name,
        "in": "path",
        "required": True,
        "description": description,
        "schema": schema,
    }


def _query(name: str, description: str, enum: list[str] | None = None) -> dict:
    schema: dict = {"type": "string"}
    if enum:
        schema["enum"] = enum
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": description,
        "schema": schema,
    }


def _responses(api: str, kind: str, empty: str) -> dict:
    media = {m.content_type: {} for m in OFFERS[(api, kind)].types}
    error = {"application/xml": {}}
    nothing = (
        {"404": {"description": empty, "content": error}}
        if api == "1.5"
        else {"204": {"description": empty}, "404": {"description": "No such path"}}
    )
    return {
        "200": {
            "description": "The message, in the negotiated format",
            "content": media,
        },
        **nothing,
        "304": {"description": "Not modified since If-Modified-Since / If-None-Match"},
        "400": {
            "description": "Malformed query: the message says what was expected",
            "content": error,
        },
        "406": {
            "description": "No acceptable format can be produced",
            "content": error,
        },
        "414": {"description": "URI too long", "content": error},
        "501": {
            "description": "A standard feature not supported yet",
            "content": error,
        },
    }


def _structure_15() -> dict:
    return {
        "get": {
            "summary": "Structural metadata (SDMX-REST 1.5)",
            "parameters": [
                _path_parameter("resource", "Artefact type", STRUCTURE_TYPES_15),
                _path_parameter(
                    "agencyID", "Maintenance agency, all, or several with +"
                ),
                _path_parameter("resourceID", "Artefact id, all, or several with +"),
                _path_parameter("version", "Version, latest or all"),
                _query(
                    "references",
                    "Referenced artefacts to add",
                    [*STRUCTURE_REFERENCES["1.5"], *STRUCTURE_TYPES_15[:-1]],
                ),
                _query("detail", "Amount of detail", STRUCTURE_DETAIL["1.5"]),
                _query("format", "Format instead of Accept (non-standard)"),
            ],
            "responses": _responses("1.5", "structure", "No artefact matches"),
        }
    }


def _data_15() -> dict:
    return {
        "get": {
            "summary": "Data (SDMX-REST 1.5)",
            "parameters": [
                _path_parameter("flowRef", "ID, AGENCY,ID or AGENCY,ID,VERSION"),
                _path_parameter(
                    "key",
                    "Codes in dimension order joined by ., + for OR,"
                    " empty for any; or all",
                ),
                _path_parameter("providerRef", "PROVIDER, AGENCY,PROVIDER or all"),
                _query("startPeriod", "Start of the period (any SDMX time format)"),
                _query("endPeriod", "End of the period (any SDMX time format)"),
                _query("updatedAfter", "Only what changed after this instant"),
                _query("firstNObservations", "First N observations per series"),
                _query("lastNObservations", "Last N observations per series"),
                _query("detail", "Amount of detail", DATA_DETAIL["1.5"]),
                _query(
                    "dimensionAtObservation",
                    "TIME_PERIOD, another dimension (cross-sectional) or AllDimensions",
                ),
                _query("format", "Format instead of Accept (non-standard)"),
            ],
            "responses": _responses("1.5", "data", "No data matches (SDMX code 100)"),
        }
    }


def _availability_15() -> dict:
    return {
        "get": {
            "summary": "Data availability (SDMX-REST 1.5)",
            "parameters": [
                _path_parameter("flowRef", "ID, AGENCY,ID or AGENCY,ID,VERSION"),
                _path_parameter("key", "Key, as for data queries"),
                _path_parameter("providerRef", "Provider or all"),
                _path_parameter("componentID", "One dimension, or all"),
                _query("mode", "exact or available", AVAILABILITY_MODES),
                _query("references", "Artefacts to add", AVAILABILITY_REFERENCES),
                _query("startPeriod", "Start of the period"),
                _query("endPeriod", "End of the period"),
                _query("updatedAfter", "Only what changed after this instant"),
            ],
            "responses": _responses("1.5", "structure", "No data matches"),
        }
    }


def _schema_15() -> dict:
    return {
        "get": {
            "summary": "XML schema of a dataflow's or DSD's data (SDMX-REST 1.5)",
            "parameters": [
                _path_parameter("context", "Context", ["datastructure", "dataflow"]),
                _path_parameter("agencyID", "Maintenance agency"),
                _path_parameter("resourceID", "Artefact id"),
                _path_parameter("version", "Version or latest"),
                _query(
                    "dimensionAtObservation",
                    "TIME_PERIOD, another dimension (cross-sectional) or AllDimensions",
                ),
            ],
            "responses": _responses("1.5", "schema", "No such artefact"),
        }
    }


def _item(operation: dict, name: str, description: str) -> dict:
    """``operation`` with one more path parameter, for the longer path."""
    get = dict(operation["get"])
    get["parameters"] = [
        *get["parameters"][:4],
        _path_parameter(name, description),
        *get["parameters"][4:],
    ]
    return {"get": get}


_FILTER = {
    "name": "c",
    "in": "query",
    "required": False,
    "style": "deepObject",
    "explode": True,
    "description": "Component filters c[ID]=op:value with operators eq ne lt le gt "
    "ge co nc sw ew; ',' is OR, '+' is AND",
    "schema": {"type": "object", "additionalProperties": {"type": "string"}},
}


def _structure_2() -> dict:
    return {
        "get": {
            "summary": "Structural metadata (SDMX-REST 2.x)",
            "parameters": [
                _path_parameter("artefactType", "REST 2.x artefact type, or *"),
                _path_parameter("agencyID", "Agencies joined with ',', or *"),
                _path_parameter("resourceID", "Ids joined with ',', or *"),
                _path_parameter(
                    "version", "Versions joined with ',': exact, ~, +, * or 1.2+.0"
                ),
                _query(
                    "references",
                    "Referenced artefacts to add (values or types joined with ',')",
                    STRUCTURE_REFERENCES["2"],
                ),
                _query("detail", "Amount of detail", STRUCTURE_DETAIL["2"]),
                _query("format", "Format instead of Accept (non-standard)"),
            ],
            "responses": _responses("2", "structure", "No artefact matches"),
        }
    }


def _data_2() -> dict:
    return {
        "get": {
            "summary": "Data (SDMX-REST 2.x)",
            "parameters": [
                _path_parameter(
                    "context", "dataflow, datastructure, provisionagreement or *"
                ),
                _path_parameter("agencyID", "Agencies joined with ',', or *"),
                _path_parameter("resourceID", "Ids joined with ',', or *"),
                _path_parameter("version", "Versions joined with ',', or *"),
                _path_parameter(
                    "key",
                    "Codes in dimension order joined by ., * for any; keys "
                    "joined with ','",
                ),
                _FILTER,
                _query("updatedAfter", "Only what changed after this instant"),
                _query("firstNObservations", "First N observations per series"),
                _query("lastNObservations", "Last N observations per series"),
                _query(
                    "dimensionAtObservation",
                    "TIME_PERIOD, another dimension (cross-sectional) or AllDimensions",
                ),
                _query(
                    "attributes",
                    "dsd, all, none, dataset, series, obs, msd or attribute ids",
                ),
                _query("measures", "all, none or measure ids"),
                _query("offset", "Rows to skip"),
                _query("limit", "Most rows to return"),
                _query("sort", "Dimensions, each :asc or :desc, joined with +"),
                _query("format", "Format instead of Accept (non-standard)"),
            ],
            "responses": _responses("2", "data", "No data matches"),
        }
    }


def _availability_2() -> dict:
    return {
        "get": {
            "summary": "Data availability (SDMX-REST 2.x)",
            "parameters": [
                *_data_2()["get"]["parameters"][:5],
                _path_parameter("componentID", "Dimensions joined with ',', or *"),
                _FILTER,
                _query("mode", "exact or available", AVAILABILITY_MODES),
                _query("references", "Artefacts to add", AVAILABILITY_REFERENCES_2),
                _query("updatedAfter", "Only what changed after this instant"),
            ],
            "responses": _responses("2", "structure", "No data matches"),
        }
    }


def _schema_2() -> dict:
    operation = _schema_15()
    get = dict(operation["get"])
    get["summary"] = "XML or JSON schema of a dataflow's or DSD's data (SDMX-REST 2.x)"
    get["responses"] = _responses("2", "schema", "No such artefact")
    return {"get": get}


_TOKEN = [{"bearer": []}, {"basic": []}]
_JSON = {"application/json": {}}


def _write(summary: str, path_parameters: list[dict], statuses: dict) -> dict:
    """A write operation: its summary, path parameters and answers."""
    return {
        "summary": summary,
        "security": _TOKEN,
        "parameters": path_parameters,
        "responses": {
            code: {"description": text, "content": _JSON}
            for code, text in statuses.items()
        },
    }


_SUBMISSION_ANSWERS = {
    "200": "Applied in one transaction (SubmitDataResponse)",
    "202": "An office's submission, checked and kept until released",
    "401": "No or a bad token",
    "403": "Outside the user's role, provision agreements or their constraints",
    "404": "A referenced structure does not exist",
    "413": "Larger than the service accepts",
    "422": "The content breaks a rule: every error listed; nothing stored",
}
_MAINTENANCE_ANSWERS = {
    "200": "Replaced (SubmitStructureResponse)",
    "201": "Created",
    "400": "Not a valid SDMX-ML 3.0.0 structure message",
    "401": "No or a bad token",
    "403": "Not an administrator",
    "409": "Missing references, or a change a final artefact may not take",
    "422": "Type or identity other than the path names, or content SDMX 2.1 lacks",
}


def _write_paths() -> dict:
    one = [
        _path_parameter("artefactType", "REST 2.x artefact type"),
        _path_parameter("agencyID", "Maintenance agency"),
        _path_parameter("resourceID", "Artefact id"),
        _path_parameter("version", "Version"),
    ]
    number = [_path_parameter("submission", "Submission number")]
    return {
        "/rest/v2/data": {
            "post": _write(
                "Submit data: SDMX-ML 2.1/3.0 or SDMX-CSV 1.0/2.0 (data-upload draft)",
                [],
                _SUBMISSION_ANSWERS,
            )
        },
        "/rest/v2/data/{context}/{agencyID}/{resourceID}/{version}": {
            "post": _write(
                "Submit data reported against this dataflow (context dataflow)",
                [
                    _path_parameter("context", "dataflow", ["dataflow"]),
                    _path_parameter("agencyID", "Maintenance agency"),
                    _path_parameter("resourceID", "Dataflow id"),
                    _path_parameter("version", "Dataflow version"),
                ],
                _SUBMISSION_ANSWERS,
            )
        },
        "/rest/v2/structure": {
            "post": _write(
                "Create or replace artefacts (SDMX-ML 2.1 or 3.0.0 structure message)",
                [],
                _MAINTENANCE_ANSWERS,
            )
        },
        "/rest/v2/structure/{artefactType}": {
            "post": _write(
                "Create or replace artefacts of one type",
                [_path_parameter("artefactType", "REST 2.x artefact type")],
                _MAINTENANCE_ANSWERS,
            )
        },
        "/rest/v2/submissions/{submission}": {
            "delete": _write(
                "Withdraw (its office) or reject (an admin) a waiting submission",
                number,
                {"200": "Withdrawn or rejected", "409": "Not waiting"},
            )
        },
        "/rest/v2/submissions/{submission}/data": {
            "get": _write(
                "The message of a waiting submission (its office, admins)",
                number,
                {"200": "The message as submitted", "404": "None of yours"},
            )
        },
        "/rest/v2/structure/{artefactType}/{agencyID}/{resourceID}/{version}": {
            "put": _write("Create or replace one artefact", one, _MAINTENANCE_ANSWERS),
            "delete": _write(
                "Delete an artefact nothing refers to",
                one,
                {"204": "Deleted", "404": "No such artefact", "409": "Referenced"},
            ),
        },
        "/rest/v2/submissions": {
            "get": _write(
                "The audit trail: an office's own submissions, or all for admins",
                [],
                {"200": "The submissions, newest first"},
            )
        },
        "/rest/v2/submissions/{submission}/release": {
            "post": _write(
                "Release a submission now, or at ?at=INSTANT (admins)",
                [
                    *number,
                    _query("at", "When to release it (ISO 8601, UTC if no zone)"),
                ],
                {"200": "Released", "202": "Set for later", "409": "Not waiting"},
            )
        },
    }


def description() -> dict:
    """The OpenAPI 3.0 document of the REST 1.5 and 2.x APIs this server answers."""
    spec = _read_description()
    for path, operations in _write_paths().items():
        spec["paths"].setdefault(path, {}).update(operations)
    return spec


def _read_description() -> dict:
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "SDMX migration data exchange server",
            "version": "1.0.0",
            "description": "UN DESA International Migrant Stock over SDMX-REST 1.5 "
            "(under /rest) and 2.2.2 (under /rest/v2). Path segments at the end may "
            "be left out; errors are SDMX-ML 2.1 error messages.",
        },
        "paths": {
            "/rest/{resource}/{agencyID}/{resourceID}/{version}": _structure_15(),
            "/rest/data/{flowRef}/{key}/{providerRef}": _data_15(),
            "/rest/availableconstraint/{flowRef}/{key}/{providerRef}/{componentID}": (
                _availability_15()
            ),
            "/rest/schema/{context}/{agencyID}/{resourceID}/{version}": _schema_15(),
            "/rest/{resource}/{agencyID}/{resourceID}/{version}/{itemID}": _item(
                _structure_15(), "itemID", "Items of an item scheme, joined with +"
            ),
            "/rest/v2/structure/{artefactType}/{agencyID}/{resourceID}/{version}": (
                _structure_2()
            ),
            V2_ITEMS: _item(
                _structure_2(), "itemID", "Items of an item scheme, joined with ','"
            ),
            "/rest/v2/data/{context}/{agencyID}/{resourceID}/{version}/{key}": (
                _data_2()
            ),
            V2_AVAILABILITY: _availability_2(),
            "/rest/v2/schema/{context}/{agencyID}/{resourceID}/{version}": (
                _schema_2()
            ),
        },
        "components": {
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer"},
                "basic": {"type": "http", "scheme": "basic"},
            }
        },
    }


@blueprint.route("/openapi.json")
def openapi_json() -> Response:
    return jsonify(description())


@blueprint.route("/docs")
@blueprint.route("/docs/")
def docs_page() -> Response:
    spec = description()
    parts = [
        "<!doctype html><html lang=en><meta charset=utf-8>",
        f"<title>{escape(spec['info']['title'])}</title>",
        "<style>body{font-family:sans-serif;max-width:60em;margin:2em auto}"
        "code{background:#eee}td,th{border:1px solid #ccc;padding:.3em}"
        "table{border-collapse:collapse}</style>",
        f"<h1>{escape(spec['info']['title'])}</h1>",
        f"<p>{escape(spec['info']['description'])}</p>",
        '<p>Machine-readable: <a href="openapi.json">openapi.json</a></p>',
    ]
    operations = [
        (method, path, operation)
        for path, item in spec["paths"].items()
        for method, operation in item.items()
    ]
    for method, path, operation in operations:
        parts.append(f"<h2>{method.upper()} <code>{escape(path)}</code></h2>")
        parts.append(f"<p>{escape(operation['summary'])}</p>")
        parts.append("<table><tr><th>parameter</th><th>in</th><th>meaning</th></tr>")
        for parameter in operation["parameters"]:
            allowed = parameter["schema"].get("enum")
            meaning = parameter["description"] + (
                f" ({', '.join(allowed)})" if allowed else ""
            )
            parts.append(
                f"<tr><td><code>{escape(parameter['name'])}</code></td>"
                f"<td>{parameter['in']}</td><td>{escape(meaning)}</td></tr>"
            )
        parts.append("</table><p>Formats: ")
        parts.append(
            ", ".join(
                f"<code>{escape(t)}</code>"
                for status in ("200", "201", "202")
                for t in operation["responses"].get(status, {}).get("content", {})
            )
        )
        parts.append("</p>")
    return Response("".join(parts), content_type="text/html; charset=utf-8")
