"""Structure maintenance (SDMX-REST 2.x maintenance, under ``/rest/v2/structure``).

Admins only. ``POST /structure[/{type}]`` stores the artefacts of an SDMX-ML 2.1 or
3.0.0 structure message, ``PUT /structure/{type}/{agency}/{id}/{version}`` the one
artefact that path names, ``DELETE`` on the same path removes an artefact nothing
refers to. An SDMX-ML 3.0.0 message must be valid against the official schema (else
400) and is stored in its SDMX-ML 2.1 form (:mod:`server.formats.ml30_reader`).
Every message is one transaction: references must resolve (409 listing what is
missing), a final artefact may change only in names, descriptions and annotations
(409), and the artefacts must be of the type and identity the path names (422). A
new version is a new artefact: older versions, and their data, stay queryable.

Answers follow the draft: 201 when everything was created, 200 when something was
replaced, 204 after a deletion, each (but 204) with a ``SubmitStructureResponse``
in JSON listing the artefacts and what happened to each.
"""

from __future__ import annotations

import io
import json
from typing import Any

from flask import Response, current_app, request
from lxml import etree

from server.api.submit import DEFAULT_MAX_BYTES
from server.auth import require_user
from server.errors import (
    InvalidMessage,
    InvalidStructure,
    ResponseTooLarge,
    SdmxError,
)
from server.formats.ml30_reader import is_ml30, read_structure_message_30
from server.formats.structure_convert import RESOURCE_21
from server.formats.structure_reader import read_structure_message
from server.model import ArtefactRef
from server.store import now
from server.store_ext import get_store

CONTENT_TYPE = "application/json"
_URN = "urn:sdmx:org.sdmx.infomodel"


def maintain(method: str, segments: list[str]) -> Response:
    """Answer a POST, PUT or DELETE under ``/rest/v2/structure``."""
    store = get_store()
    require_user(store, "admin")
    try:
        if method == "DELETE":
            return _delete(store, segments)
        return _submit(store, method, segments)
    except SdmxError as error:
        return _response([], error.status, error.message)


def _path_type(segments: list[str]) -> str | None:
    if not segments:
        return None
    resource = RESOURCE_21.get(segments[0], segments[0])
    if resource not in RESOURCE_21.values():
        raise InvalidStructure(
            f"{segments[0]!r} is not a structure type this service maintains; use one "
            f"of {', '.join(sorted(RESOURCE_21))}"
        )
    return resource


def _submit(store, method: str, segments: list[str]) -> Response:
    resource = _path_type(segments)
    if method == "PUT" and len(segments) != 4:
        raise InvalidStructure(
            "PUT names one artefact: /rest/v2/structure/{type}/{agency}/{id}/{version}"
        )
    if method == "POST" and len(segments) > 1:
        raise InvalidStructure(
            "POST goes to /rest/v2/structure or /rest/v2/structure/{type}; to name one "
            "artefact, use PUT"
        )
    artefacts = _read_body()
    if not artefacts:
        raise InvalidStructure("the message holds no artefact")
    for artefact in artefacts:
        if resource is not None and artefact.ref.type != resource:
            raise InvalidStructure(
                f"{artefact.ref.type} {artefact.ref.triple} was sent to the {resource} "
                "resource; send each type to its own resource, or to /structure"
            )
    if method == "PUT":
        named = ArtefactRef(resource, *segments[1:])
        if len(artefacts) != 1 or artefacts[0].ref != named:
            found = ", ".join(a.ref.triple for a in artefacts)
            raise InvalidStructure(
                f"PUT {named.type} {named.triple} takes that one artefact; the message "
                f"holds {found}"
            )
    with store.engine.begin() as conn:
        store.lock(conn)
        existing = {
            a.ref
            for a in artefacts
            if store.find_artefacts(
                [a.ref.type], [a.ref.agency], [a.ref.id], [a.ref.version], conn
            )
        }
        store.put_artefacts(artefacts, conn)
    outcomes = [
        (a.ref, "Replaced" if a.ref in existing else "Created") for a in artefacts
    ]
    status = 200 if existing else 201
    return _response(outcomes, status, "")


def _read_body() -> list:
    """The artefacts of the request's SDMX-ML 2.1 or 3.0.0 structure message.

    The message is SDMX-ML 3.0 when its root element is in a 3.0 namespace or the
    Content-Type says so (``structure+xml;version=3.0.0``); SDMX-ML 2.1 otherwise.
    """
    limit = current_app.config.get("MAX_SUBMISSION_BYTES", DEFAULT_MAX_BYTES)
    body = request.stream.read(limit + 1)
    if (request.content_length or 0) > limit or len(body) > limit:
        raise ResponseTooLarge(
            f"the structure message is larger than {limit:,} bytes, the most this "
            "service accepts at once; split it into several messages"
        )
    ml30 = is_ml30(body[:4096]) or _declares_ml30(request.content_type or "")
    try:
        if ml30:
            return read_structure_message_30(body)
        return read_structure_message(io.BytesIO(body))
    except etree.LxmlError as error:
        version = "3.0.0" if ml30 else "2.1"
        raise InvalidMessage(
            f"the structure message cannot be read: {str(error)[:300]}; send plain "
            f"SDMX-ML {version} without DTDs or entities"
        ) from None


def _declares_ml30(content_type: str) -> bool:
    """Whether a Content-Type names an SDMX-ML 3.0 structure message."""
    compact = content_type.replace(" ", "").lower()
    return "structure+xml" in compact and "version=3.0" in compact


def _delete(store, segments: list[str]) -> Response:
    if len(segments) != 4 or not all(segments):
        raise InvalidStructure(
            "DELETE names one artefact: /rest/v2/structure/{type}/{agency}/{id}/"
            "{version}"
        )
    ref = ArtefactRef(_path_type(segments), *segments[1:])
    with store.engine.begin() as conn:
        store.lock(conn)
        store.delete_artefact(ref, conn)
    response = Response(status=204)
    response.headers.pop("Content-Type", None)
    return response


def _response(
    outcomes: list[tuple[ArtefactRef, str]], status: int, message: str
) -> Response:
    body: dict[str, Any] = {
        "meta": {"prepared": now()},
        "submittedStructures": [
            {
                "urn": _urn(ref),
                "action": action,
                "statusMessage": {
                    "status": "Success",
                    "texts": {"en": f"{ref.type} {ref.triple} {action.lower()}"},
                },
            }
            for ref, action in outcomes
        ],
        "submissionResult": {
            "code": status,
            "statusMessage": {
                "status": "Success" if status < 400 else "Failure",
                "texts": {
                    "en": message
                    or f"{len(outcomes)} artefacts stored in one transaction"
                },
            },
        },
    }
    return Response(
        json.dumps(body, ensure_ascii=False), status=status, content_type=CONTENT_TYPE
    )


def _urn(ref: ArtefactRef) -> str:
    from server.formats.ml30_artefacts import MAINTAINABLES
    from server.formats.structure_reader import ELEMENT_OF_RESOURCE

    element = ELEMENT_OF_RESOURCE.get(ref.type, "")
    package = MAINTAINABLES.get(element, ("", "registry"))[1]
    return f"{_URN}.{package}.{element}={ref.triple}"
