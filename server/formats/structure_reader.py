"""Reads SDMX-ML 2.1 structure messages into stored artefacts (SDMX 2.1 section 3A)."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from typing import IO

from lxml import etree

from server.errors import InvalidMessage, InvalidStructure, NotImplementedFeature
from server.formats.ml30_artefacts import IMPLIED_CLASS
from server.formats.ns import COM, MES, STR, XML_LANG
from server.formats.schemas import message_schema_21
from server.model import Artefact, ArtefactRef
from server.store.schema import MAX_DIMENSIONS

# SDMX-ML element name of a maintainable artefact -> REST resource name.
log = logging.getLogger(__name__)

RESOURCE_OF_ELEMENT = {
    "AgencyScheme": "agencyscheme",
    "DataProviderScheme": "dataproviderscheme",
    "DataConsumerScheme": "dataconsumerscheme",
    "OrganisationUnitScheme": "organisationunitscheme",
    "Dataflow": "dataflow",
    "CategoryScheme": "categoryscheme",
    "Categorisation": "categorisation",
    "Codelist": "codelist",
    "HierarchicalCodelist": "hierarchicalcodelist",
    "ConceptScheme": "conceptscheme",
    "DataStructure": "datastructure",
    "ContentConstraint": "contentconstraint",
    "ProvisionAgreement": "provisionagreement",
}
ELEMENT_OF_RESOURCE = {v: k for k, v in RESOURCE_OF_ELEMENT.items()}

# Class of a referenced object -> REST resource of its maintainable artefact.
RESOURCE_OF_CLASS = {
    "Code": "codelist",
    "Concept": "conceptscheme",
    "Category": "categoryscheme",
    "Agency": "agencyscheme",
    "DataProvider": "dataproviderscheme",
    "DataConsumer": "dataconsumerscheme",
    "OrganisationUnit": "organisationunitscheme",
    **{cls: res for cls, res in RESOURCE_OF_ELEMENT.items()},
}
ITEM_CLASSES = {
    "Code",
    "Concept",
    "Category",
    "Agency",
    "DataProvider",
    "DataConsumer",
    "OrganisationUnit",
}

_ATTACHMENT = {
    "AttachmentGroup": "Group",
    "Dimension": "Series",
    "PrimaryMeasure": "Observation",
    "None": "DataSet",
}


def _q(ns: str, name: str) -> str:
    return f"{{{ns}}}{name}"


def read_structure_message(source: str | IO[bytes]) -> list[Artefact]:
    """Parse a structure message and return its maintainable artefacts.

    The message must be valid against the official SDMX-ML 2.1 schemas, so that
    everything stored can be served valid again.
    """
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    try:
        root = etree.parse(source, parser).getroot()
    except etree.XMLSyntaxError as error:
        raise InvalidMessage(f"not well-formed XML: {error}") from None
    if root.tag != _q(MES, "Structure"):
        raise InvalidMessage(
            f"expected an SDMX-ML 2.1 Structure message, found {root.tag}"
        )
    schema = message_schema_21()
    if not schema.validate(root):
        error = schema.error_log.last_error
        raise InvalidMessage(
            f"the structure message is not valid SDMX-ML 2.1 (line {error.line}): "
            f"{error.message}"
        )
    return structure_artefacts(root)


def structure_artefacts(root: etree._Element) -> list[Artefact]:
    """The maintainable artefacts of a schema-valid SDMX-ML 2.1 Structure message."""
    structures = root.find(_q(MES, "Structures"))
    if structures is None:
        return []
    return list(_artefacts(structures))


def _artefacts(structures: etree._Element) -> Iterator[Artefact]:
    for container in structures:
        for element in container:
            if not isinstance(element.tag, str):
                continue
            name = etree.QName(element).localname
            resource = RESOURCE_OF_ELEMENT.get(name)
            if resource is None:
                raise InvalidStructure(f"artefact type {name} is not supported yet")
            yield _artefact(resource, element)


def _artefact(resource: str, element: etree._Element) -> Artefact:
    ref = ArtefactRef(
        resource,
        element.get("agencyID", ""),
        element.get("id", ""),
        element.get("version", "1.0"),
    )
    if not ref.agency or not ref.id:
        raise InvalidStructure(f"a {resource} lacks agencyID or id")
    urn = element.get("urn")
    if urn is not None and not urn.endswith(f"={ref.triple}"):
        raise InvalidStructure(
            f"{resource} {ref.triple} carries the urn {urn[:200]}, which names "
            "another artefact; correct the urn or leave it out"
        )
    names = {
        n.get(XML_LANG, "en"): n.text or "" for n in element.iterfind(_q(COM, "Name"))
    }
    references = {r for r in _references(element) if r != ref}
    xml = etree.tostring(element, encoding="unicode")
    return Artefact(
        ref=ref,
        is_final=element.get("isFinal") == "true",
        names=names,
        xml=xml,
        stub_xml=_stub(element),
        references=references,
        model=_model(resource, element),
        formats=_other_formats(xml, resource),
    )


def _other_formats(xml: str, resource: str) -> dict[str, str]:
    """The artefact in the SDMX 3.0 formats, or nothing where it cannot be said."""
    from server.formats.structure_convert import convert_artefact

    try:
        return convert_artefact(xml, resource)
    except NotImplementedFeature as error:
        log.warning("%s kept in SDMX-ML 2.1 only: %s", resource, error.message)
        return {}


_URN = re.compile(
    r"^urn:sdmx:org\.sdmx\.infomodel\.[a-z]+\.(?P<cls>\w+)="
    r"(?P<agency>[^:]+):(?P<id>[^(]+)\((?P<version>[^)]+)\)"
)


def parse_urn(urn: str) -> ArtefactRef | None:
    """The maintainable artefact a URN points into, or None if it is not SDMX's."""
    match = _URN.match(urn.strip())
    if match is None:
        return None
    resource = RESOURCE_OF_CLASS.get(match["cls"])
    if resource is None:
        return None
    return ArtefactRef(resource, match["agency"], match["id"], match["version"])


def _references(element: etree._Element) -> Iterator[ArtefactRef]:
    for urn in element.iter("URN", _q(COM, "URN"), _q(STR, "URN")):
        ref = parse_urn(urn.text or "")
        if ref is not None:
            yield ref
    for ref in element.iter("Ref"):
        implied = IMPLIED_CLASS.get(etree.QName(ref.getparent()).localname, "")
        cls = ref.get("class") or implied
        resource = RESOURCE_OF_CLASS.get(cls)
        if resource is None:
            continue
        if cls in ITEM_CLASSES:
            parent_id = ref.get("maintainableParentID")
            version = ref.get("maintainableParentVersion", "1.0")
        else:
            parent_id, version = ref.get("id"), ref.get("version", "1.0")
        if parent_id:
            yield ArtefactRef(resource, ref.get("agencyID", ""), parent_id, version)


def _stub(element: etree._Element) -> str:
    """The artefact with identification and names only (detail=allstubs)."""
    stub = etree.Element(element.tag, nsmap=element.nsmap)
    for attribute in ("id", "urn", "agencyID", "version", "isFinal"):
        if element.get(attribute) is not None:
            stub.set(attribute, element.get(attribute))
    stub.set("isExternalReference", "true")
    for name in element.iterfind(_q(COM, "Name")):
        stub.append(_copy(name))
    for child in stub_references(element):
        stub.append(_copy(child))
    return etree.tostring(stub, encoding="unicode")


# References the SDMX-ML 2.1 schema requires even of a stub, by artefact element.
STUB_REFERENCES = {"ProvisionAgreement": ("StructureUsage", "DataProvider")}


def stub_references(element: etree._Element) -> list[etree._Element]:
    """The children of an artefact that its stub keeps (required references)."""
    kept = STUB_REFERENCES.get(etree.QName(element).localname, ())
    return [c for c in element if etree.QName(c).localname in kept]


def _copy(element: etree._Element) -> etree._Element:
    return etree.fromstring(etree.tostring(element))


def _model(resource: str, element: etree._Element) -> dict:
    if resource == "datastructure":
        return _dsd_model(element)
    if resource == "codelist":
        return {"codes": [c.get("id") for c in element.iterfind(_q(STR, "Code"))]}
    if resource == "dataflow":
        ref = element.find(f"{_q(STR, 'Structure')}/Ref")
        if ref is None:
            return {}
        return {"structure": [ref.get("agencyID"), ref.get("id"), ref.get("version")]}
    return {}


def _enumeration(component: etree._Element) -> list[str] | None:
    enumeration = component.find(
        f"{_q(STR, 'LocalRepresentation')}/{_q(STR, 'Enumeration')}"
    )
    if enumeration is None:
        return None
    ref = enumeration.find("Ref")
    if ref is not None:
        return [
            "codelist",
            ref.get("agencyID"),
            ref.get("id"),
            ref.get("version", "1.0"),
        ]
    urn = next(enumeration.iter("URN"), None)
    parsed = parse_urn(urn.text or "") if urn is not None else None
    return [parsed.type, parsed.agency, parsed.id, parsed.version] if parsed else None


def _dsd_model(element: etree._Element) -> dict:
    components = element.find(_q(STR, "DataStructureComponents"))
    if components is None:
        raise InvalidStructure(f"data structure {element.get('id')} has no components")
    listed = components.iterfind(f"{_q(STR, 'DimensionList')}/{_q(STR, 'Dimension')}")
    dimensions = [{"id": d.get("id"), "codelist": _enumeration(d)} for d in listed]
    if len(dimensions) > MAX_DIMENSIONS:
        raise InvalidStructure(
            f"data structure {element.get('id')} has {len(dimensions)} dimensions; "
            f"this server stores at most {MAX_DIMENSIONS} (see docs/limitations.md)"
        )
    time = components.find(f"{_q(STR, 'DimensionList')}/{_q(STR, 'TimeDimension')}")
    measure = components.find(f"{_q(STR, 'MeasureList')}/{_q(STR, 'PrimaryMeasure')}")
    attributes = [
        {
            "id": a.get("id"),
            "codelist": _enumeration(a),
            "attachment": _attachment(a),
            "mandatory": a.get("assignmentStatus") == "Mandatory",
        }
        for a in components.iterfind(
            f"{_q(STR, 'AttributeList')}/{_q(STR, 'Attribute')}"
        )
    ]
    return {
        "dimensions": dimensions,
        # SDMX-ML 2.1 fixes these ids; files may leave them out.
        "time_dimension": (time.get("id") if time is not None else None)
        or "TIME_PERIOD",
        "attributes": attributes,
        "measure": (measure.get("id") if measure is not None else None) or "OBS_VALUE",
    }


def _attachment(attribute: etree._Element) -> str:
    relationship = attribute.find(_q(STR, "AttributeRelationship"))
    if relationship is None or len(relationship) == 0:
        return "DataSet"
    first = etree.QName(relationship[0]).localname
    return _ATTACHMENT.get(first, "Series")
