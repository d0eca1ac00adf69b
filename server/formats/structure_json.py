"""Writes SDMX-JSON 2.0.0 structure messages from stored artefacts (SDMX-JSON 2.0.0).

``meta.schema`` comes first, naming the official schema: pysdmx recognises an
SDMX-JSON structure message by that URL near the start of the text.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator

from server.formats.structure_convert import (
    JSON20,
    STRUCTURE_TYPES,
    fragments_by_type,
)
from server.formats.xmlutil import message_id, prepared

SCHEMA_20 = (
    "https://raw.githubusercontent.com/sdmx-twg/sdmx-json/v2.0.0/structure-message/"
    "tools/schemas/2.0.0/sdmx-json-structure-schema.json"
)


def write_structure(
    sender: str, full: Iterable, stubs: Iterable = (), complete_stubs: Iterable = ()
) -> Iterator[str]:
    """Yield an SDMX-JSON 2.0.0 structure message of stored artefacts.

    Args:
        sender: The id of the sending agency, for ``meta.sender``.
        full: Store rows of the artefacts to write whole.
        stubs: Store rows of the artefacts to write as stubs (identity and names).
        complete_stubs: Store rows to write as complete stubs (stubs with
            descriptions and annotations).

    Rows have ``type`` (REST resource) and the fragments of
    :func:`server.formats.structure_convert.convert_artefact` as attributes.
    """
    fragments = fragments_by_type(JSON20, full, stubs, complete_stubs)
    yield '{"meta":' + json.dumps(_meta(sender)) + ',"data":{'
    separator = ""
    for structure_type in STRUCTURE_TYPES:
        # Each fragment is a JSON array; its members join the type's array.
        members = [
            f[1:-1] for f in fragments.get(structure_type.rest21, ()) if f != "[]"
        ]
        if members:
            yield f'{separator}"{structure_type.json20}":[' + ",".join(members) + "]"
            separator = ","
    yield "}}"


def _meta(sender: str) -> dict:
    return {
        "schema": SCHEMA_20,
        "id": message_id(),
        "test": False,
        "prepared": prepared(),
        "sender": {"id": sender},
    }
