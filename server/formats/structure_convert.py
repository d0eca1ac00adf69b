"""Stored artefacts in the structure formats of SDMX 3.0 (SDMX-ML 3.0, SDMX-JSON 2.0.0).

Artefacts are stored as SDMX-ML 2.1 fragments. :func:`convert_artefact` turns one of
them, once when it is loaded, into the fragments the SDMX 3.0 formats need, full and
as stubs, so that a request only joins stored text. Converting at request time
instead costs a parse and a tree walk of every artefact served, for each request.

A JSON fragment is the text of a JSON array holding the artefact's object(s); an
SDMX-ML 3.0 fragment is the artefact's element(s). A hierarchical codelist gives one
hierarchy per 2.1 hierarchy, so both may hold several.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import NamedTuple

from lxml import etree

from server.errors import InvalidStructure
from server.formats.json_artefacts import artefact_object
from server.formats.ml30_artefacts import stub, upgrade, with_valid_parents
from server.formats.ns import COM, STR
from server.formats.structure_reader import ELEMENT_OF_RESOURCE, stub_references


class StructureType(NamedTuple):
    """How one kind of maintainable artefact is named in each standard."""

    rest21: str  # REST 1.5 resource, the ``type`` the store keeps
    rest30: str  # REST 2.x ``artefactType``
    container30: str  # SDMX-ML 3.0 child of mes:Structures
    json20: str  # SDMX-JSON 2.0.0 property of ``data``


# In the order SDMX-ML 3.0 puts its containers (alphabetical).
STRUCTURE_TYPES = [
    StructureType("agencyscheme", "agencyscheme", "AgencySchemes", "agencySchemes"),
    StructureType(
        "categorisation", "categorisation", "Categorisations", "categorisations"
    ),
    StructureType(
        "categoryscheme", "categoryscheme", "CategorySchemes", "categorySchemes"
    ),
    StructureType("codelist", "codelist", "Codelists", "codelists"),
    StructureType("conceptscheme", "conceptscheme", "ConceptSchemes", "conceptSchemes"),
    StructureType(
        "contentconstraint", "dataconstraint", "DataConstraints", "dataConstraints"
    ),
    StructureType(
        "dataconsumerscheme",
        "dataconsumerscheme",
        "DataConsumerSchemes",
        "dataConsumerSchemes",
    ),
    StructureType("dataflow", "dataflow", "Dataflows", "dataflows"),
    StructureType(
        "dataproviderscheme",
        "dataproviderscheme",
        "DataProviderSchemes",
        "dataProviderSchemes",
    ),
    StructureType("datastructure", "datastructure", "DataStructures", "dataStructures"),
    StructureType("hierarchicalcodelist", "hierarchy", "Hierarchies", "hierarchies"),
    StructureType(
        "organisationunitscheme",
        "organisationunitscheme",
        "OrganisationUnitSchemes",
        "organisationUnitSchemes",
    ),
    StructureType(
        "provisionagreement",
        "provisionagreement",
        "ProvisionAgreements",
        "provisionAgreements",
    ),
]
# REST 1.5 resource -> REST 2.x artefact type, and back.
RESOURCE_30 = {t.rest21: t.rest30 for t in STRUCTURE_TYPES}
RESOURCE_21 = {t.rest30: t.rest21 for t in STRUCTURE_TYPES}

XML30, JSON20 = "xml30", "json20"
# Fragment kinds: full artefact, stub (names only), complete stub (also
# descriptions and annotations), as REST ``detail`` asks.
STUB, COMPLETE_STUB = "stub_", "completestub_"
FRAGMENT_KEYS = tuple(
    kind + fmt for fmt in (XML30, JSON20) for kind in ("", STUB, COMPLETE_STUB)
)
# The SDMX-ML 2.1 complete stub (the store has the full and stub 2.1 fragments).
COMPLETE_STUB_XML21 = "completestub_xml"

# Fragment kind -> whether it is a complete stub (None: the full artefact).
_STUBS = {"": None, STUB: False, COMPLETE_STUB: True}


def convert_artefact(xml_21: str, resource: str) -> dict[str, str]:
    """Fragments of one stored artefact in each SDMX 3.0 structure format.

    Args:
        xml_21: The artefact's SDMX-ML 2.1 element, as the store keeps it.
        resource: Its REST 1.5 resource name (``codelist``, ``contentconstraint``…).

    Returns:
        A fragment per key of :data:`FRAGMENT_KEYS` (``xml30``, ``stub_xml30``,
        ``completestub_xml30``, ``json20``, …) and the SDMX-ML 2.1 complete stub
        under :data:`COMPLETE_STUB_XML21`.

    Raises:
        InvalidStructure: ``xml_21`` is not a ``resource`` artefact.
        NotImplementedFeature: The artefact uses a 2.1 feature SDMX 3.0 lacks.
    """
    element = _parse(xml_21, resource)
    upgraded = upgrade(element)
    fragments = {COMPLETE_STUB_XML21: complete_stub_21(element)}
    for kind, complete in _STUBS.items():
        fragments[kind + XML30] = "".join(
            etree.tostring(with_valid_parents(e), encoding="unicode")
            for e in _variant(upgraded, complete, for_xml=True)
        )
        fragments[kind + JSON20] = json.dumps(
            [artefact_object(e) for e in _variant(upgraded, complete, for_xml=False)],
            ensure_ascii=False,
            separators=(",", ":"),
        )
    return fragments


def _variant(
    elements: list[etree._Element], complete: bool | None, for_xml: bool
) -> list[etree._Element]:
    if complete is None:
        return elements
    return [stub(e, complete, for_xml) for e in elements]


def _parse(xml_21: str, resource: str) -> etree._Element:
    element = etree.fromstring(xml_21)
    expected = f"{{{STR}}}{ELEMENT_OF_RESOURCE.get(resource, '?')}"
    if element.tag != expected:
        raise InvalidStructure(
            f"a {resource} must be an SDMX-ML 2.1 {expected} element, "
            f"found {element.tag}"
        )
    return element


def complete_stub_21(element: etree._Element) -> str:
    """The SDMX-ML 2.1 complete stub: identity, annotations, names, descriptions."""
    copy = etree.Element(element.tag, nsmap=element.nsmap)
    for key in ("id", "urn", "agencyID", "version", "isFinal", "validFrom", "validTo"):
        if element.get(key) is not None:
            copy.set(key, element.get(key))
    copy.set("isExternalReference", "true")
    for tag in ("Annotations", "Name", "Description"):
        for part in element.iterfind(f"{{{COM}}}{tag}"):
            copy.append(etree.fromstring(etree.tostring(part)))
    for part in stub_references(element):
        copy.append(etree.fromstring(etree.tostring(part)))
    return etree.tostring(copy, encoding="unicode")


def fragments_by_type(
    fmt: str, full: Iterable, stubs: Iterable, complete_stubs: Iterable
) -> dict[str, list[str]]:
    """The stored fragments of format ``fmt`` for a message, by REST 1.5 resource.

    Rows have ``type`` and one attribute per key of :data:`FRAGMENT_KEYS`. A row
    whose fragment is missing (stored before conversion existed) is converted now
    from its ``xml``, so a format error surfaces before the message starts.
    """
    found: dict[str, list[str]] = {}
    for kind, rows in (("", full), (STUB, stubs), (COMPLETE_STUB, complete_stubs)):
        for row in rows:
            resource = RESOURCE_21.get(row.type, row.type)
            found.setdefault(resource, []).append(_fragment(row, kind + fmt))
    return found


def _fragment(row, key: str) -> str:
    fragment = getattr(row, key, None)
    if fragment is None and getattr(row, "formats", None):
        fragment = json.loads(row.formats).get(key)
    if fragment is None:
        fragment = convert_artefact(row.xml, RESOURCE_21.get(row.type, row.type))[key]
    return fragment
