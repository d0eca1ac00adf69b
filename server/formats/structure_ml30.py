"""Writes SDMX-ML 3.0 structure messages from stored artefacts (SDMX 3.0 section 3A)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from server.formats.ml30_artefacts import COM30, MES30, STR30
from server.formats.structure_convert import (
    STRUCTURE_TYPES,
    XML30,
    fragments_by_type,
)
from server.formats.xmlutil import header

_OPEN = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    f'<mes:Structure xmlns:mes="{MES30}" xmlns:str="{STR30}" xmlns:com="{COM30}">'
)


def write_structure(
    sender: str, full: Iterable, stubs: Iterable = (), complete_stubs: Iterable = ()
) -> Iterator[str]:
    """Yield an SDMX-ML 3.0 structure message of stored artefacts.

    Args:
        sender: The id of the sending agency, for the header.
        full: Store rows of the artefacts to write whole.
        stubs: Store rows of the artefacts to write as stubs (identity and names).
        complete_stubs: Store rows to write as complete stubs (stubs with
            descriptions and annotations).

    Rows have ``type`` (REST resource) and the fragments of
    :func:`server.formats.structure_convert.convert_artefact` as attributes.
    """
    fragments = fragments_by_type(XML30, full, stubs, complete_stubs)
    yield _OPEN + header(sender) + "<mes:Structures>"
    for structure_type in STRUCTURE_TYPES:
        parts = fragments.get(structure_type.rest21)
        if parts:
            container = structure_type.container30
            yield f"<str:{container}>" + "".join(parts) + f"</str:{container}>"
    yield "</mes:Structures></mes:Structure>"
