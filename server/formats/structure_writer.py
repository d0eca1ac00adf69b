"""Writes SDMX-ML 2.1 structure messages from stored artefacts (SDMX 2.1 section 3A)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator

from server.formats.ns import COM, MES, STR
from server.formats.xmlutil import header

# REST resource -> container element of mes:Structures, in the order of the XSD.
CONTAINERS = [
    (
        "OrganisationSchemes",
        (
            "agencyscheme",
            "dataproviderscheme",
            "dataconsumerscheme",
            "organisationunitscheme",
        ),
    ),
    ("Dataflows", ("dataflow",)),
    ("CategorySchemes", ("categoryscheme",)),
    ("Categorisations", ("categorisation",)),
    ("Codelists", ("codelist",)),
    ("HierarchicalCodelists", ("hierarchicalcodelist",)),
    ("Concepts", ("conceptscheme",)),
    ("DataStructures", ("datastructure",)),
    ("Constraints", ("contentconstraint",)),
    ("ProvisionAgreements", ("provisionagreement",)),
]

_OPEN = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    f'<mes:Structure xmlns:mes="{MES}" xmlns:str="{STR}" xmlns:com="{COM}">'
)


def write_structure(
    sender: str, full: Iterable, stubs: Iterable = (), complete_stubs: Iterable = ()
) -> Iterator[str]:
    """Yield a structure message with ``full`` artefacts whole and ``stubs`` as stubs.

    All are store rows with ``type``, ``xml``, ``stub_xml`` and ``formats`` (whose
    ``completestub_xml`` is the complete stub: a stub with descriptions and
    annotations).
    """
    fragments: dict[str, list[str]] = {}
    for row in full:
        fragments.setdefault(row.type, []).append(row.xml)
    for row in stubs:
        fragments.setdefault(row.type, []).append(row.stub_xml)
    for row in complete_stubs:
        fragments.setdefault(row.type, []).append(_complete_stub(row))
    yield _OPEN + header(sender) + "<mes:Structures>"
    for container, resources in CONTAINERS:
        parts = [f for resource in resources for f in fragments.get(resource, [])]
        if parts:
            yield f"<str:{container}>" + "".join(parts) + f"</str:{container}>"
    yield "</mes:Structures></mes:Structure>"


def _complete_stub(row) -> str:
    fragment = json.loads(row.formats or "{}").get("completestub_xml")
    if fragment is None:  # stored before complete stubs were kept
        from server.formats.structure_convert import convert_artefact

        fragment = convert_artefact(row.xml, row.type)["completestub_xml"]
    return fragment
