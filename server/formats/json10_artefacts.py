"""SDMX-JSON 1.0 structure messages (SDMX 2.1), written from the stored SDMX-ML 2.1.

SDMX-JSON 1.0 follows the SDMX-ML 2.1 schemas element for element, so one walk of an
artefact's 2.1 element writes it: XML attributes become members of the same name
(``include`` becomes ``isIncluded``), ``Name`` and ``Description`` become
``name``/``names`` and ``description``/``descriptions``, repeated children become
arrays under their plural (``codes``, ``dimensions``, ``cubeRegions``…), other
children objects under their camel-cased name, and references become URNs (the id
alone where 1.0 wants an id: a code's ``parent``, the dimensions and measure of an
attribute relationship). The artefact's own URN is its ``self`` link.

Artefacts are converted when asked for, not stored: the 2.1 element is already kept
and parsing it costs little beside the query that found it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any

from lxml import etree

from server.formats.ml30_artefacts import IMPLIED_CLASS, MAINTAINABLES
from server.formats.xmlutil import message_id, prepared

__all__ = ["SCHEMA_10", "artefact_object", "write_structure"]

SCHEMA_10 = (
    "https://raw.githubusercontent.com/sdmx-twg/sdmx-json/master/structure-message/"
    "tools/schemas/1.0/sdmx-json-structure-schema.json"
)
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"

# REST 1.5 resource -> member of ``data``, in the order of the 1.0 schema.
MEMBERS = {
    "datastructure": "dataStructures",
    "categoryscheme": "categorySchemes",
    "conceptscheme": "conceptSchemes",
    "codelist": "codelists",
    "hierarchicalcodelist": "hierarchicalCodelists",
    "agencyscheme": "agencySchemes",
    "dataproviderscheme": "dataProviderSchemes",
    "dataconsumerscheme": "dataConsumerSchemes",
    "organisationunitscheme": "organisationUnitSchemes",
    "dataflow": "dataflows",
    "provisionagreement": "provisionAgreements",
    "categorisation": "categorisations",
    "contentconstraint": "contentConstraints",
}
# Repeated children -> the array that holds them.
_PLURAL = {
    "Code": "codes",
    "Concept": "concepts",
    "Category": "categories",
    "Agency": "agencies",
    "DataProvider": "dataProviders",
    "DataConsumer": "dataConsumers",
    "OrganisationUnit": "organisationUnits",
    "Contact": "contacts",
    "Dimension": "dimensions",
    "TimeDimension": "timeDimensions",
    "MeasureDimension": "measureDimensions",
    "Attribute": "attributes",
    "Group": "groups",
    "GroupDimension": "groupDimensions",
    "AttachmentGroup": "attachmentGroups",
    "ConceptRole": "conceptRoles",
    "CubeRegion": "cubeRegions",
    "KeyValue": "keyValues",
    "DataKeySet": "dataKeySets",
    "Key": "keys",
    "Value": "values",
    "Hierarchy": "hierarchies",
    "HierarchicalCode": "hierarchicalCodes",
    "Dataflow": "dataflows",
    "DataStructure": "dataStructures",
    "ProvisionAgreement": "provisionAgreements",
}
# Repeated children that stay single inside these parents.
_SINGLE_IN = {
    ("MeasureList", "PrimaryMeasure"),
    ("HierarchicalCode", "Code"),
    ("ProvisionAgreement", "DataProvider"),
    ("ContentConstraint", "DataProvider"),
}
# References given by id rather than URN, by (parent, child).
_BY_ID = {
    ("Code", "Parent"),
    ("AttributeRelationship", "Dimension"),
    ("AttributeRelationship", "PrimaryMeasure"),
    ("AttributeRelationship", "AttachmentGroup"),
    ("AttributeRelationship", "Group"),
    ("GroupDimension", "DimensionReference"),
    ("HierarchicalCode", "CodelistAliasRef"),
    ("HierarchicalCode", "CodeID"),
}
_RENAMED = {"include": "isIncluded", "DimensionReference": "dimensionReference"}
_INTEGERS = {"position", "maxLength", "minLength", "decimals"}
_NUMBERS = {"minValue", "maxValue", "startValue", "endValue", "interval"}
_PACKAGES = {
    "Code": "codelist",
    "Codelist": "codelist",
    "Concept": "conceptscheme",
    "ConceptScheme": "conceptscheme",
    "Category": "categoryscheme",
    "CategoryScheme": "categoryscheme",
    "DataStructure": "datastructure",
    "Dataflow": "datastructure",
    "Agency": "base",
    "DataProvider": "base",
    "ProvisionAgreement": "registry",
}
_ITEMS = {"Code", "Concept", "Category", "Agency", "DataProvider"}


def write_structure(
    sender: str, full: Iterable, stubs: Iterable = (), complete_stubs: Iterable = ()
) -> Iterator[str]:
    """Yield an SDMX-JSON 1.0 structure message of stored artefacts.

    Args:
        sender: The id of the sending agency, for ``meta.sender``.
        full: Store rows of the artefacts to write whole (``type``, ``xml``).
        stubs: Store rows to write as stubs (their ``stub_xml``).
        complete_stubs: Store rows to write as complete stubs (the 2.1 complete
            stub among their ``formats``).
    """
    members: dict[str, list[dict]] = {}
    for rows, text in (
        (full, lambda row: row.xml),
        (stubs, lambda row: row.stub_xml),
        (complete_stubs, _complete_stub),
    ):
        for row in rows:
            element = etree.fromstring(text(row).encode("utf-8"))
            members.setdefault(MEMBERS[row.type], []).append(artefact_object(element))
    meta = {
        "schema": SCHEMA_10,
        "id": message_id(),
        "test": False,
        "prepared": prepared(),
        "sender": {"id": sender},
    }
    data = {name: members[name] for name in MEMBERS.values() if name in members}
    yield json.dumps({"meta": meta, "data": data}, ensure_ascii=False)


def _complete_stub(row) -> str:
    from server.formats.structure_convert import (
        COMPLETE_STUB_XML21,
        complete_stub_21,
    )

    stored = json.loads(getattr(row, "formats", None) or "{}").get(COMPLETE_STUB_XML21)
    if stored is not None:
        return stored
    return complete_stub_21(etree.fromstring(row.xml.encode("utf-8")))


def artefact_object(element: etree._Element) -> dict[str, Any]:
    """The SDMX-JSON 1.0 object of an SDMX-ML 2.1 artefact element."""
    return _object(element)


def _local(element: etree._Element) -> str:
    return etree.QName(element).localname


def _camel(name: str) -> str:
    return _RENAMED.get(name, name[:1].lower() + name[1:])


def _object(element: etree._Element) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in element.attrib.items():
        if key == "urn":
            result.setdefault("links", []).append({"rel": "self", "urn": value})
        elif key != "isExternalReference" or value == "true":
            result[_camel(key)] = _typed(key, value)
    for child in element:
        if isinstance(child.tag, str):  # not a comment
            _child(result, _local(element), child)
    return result


def _child(result: dict[str, Any], parent: str, child: etree._Element) -> None:
    """Put what one child element says into its parent's object."""
    local = _local(child)
    if local in ("Name", "Description"):
        _text(result, child, _camel(local))
    elif local == "Annotations":
        result["annotations"] = [_annotation(a) for a in child]
    elif local == "None":
        result["none"] = {}
    elif local == "Value" and parent == "KeyValue":
        result.setdefault("values", []).append(child.text or "")
    elif local in ("CodeID", "CodelistAliasRef"):
        text = (child.text or "").strip()
        result[_camel(local)] = _reference(child, by_id=True) if len(child) else text
    elif local == "IncludedCodelist":
        alias = child.get("alias") or child[0].get("id")
        result.setdefault("includedCodelists", {})[alias] = _reference(child)
    elif _is_reference(child):
        value = _reference(child, by_id=(parent, local) in _BY_ID)
        _put(result, parent, local, value)
    else:
        _put(result, parent, local, _object(child))


def _put(result: dict[str, Any], parent: str, local: str, value: Any) -> None:
    if local in _PLURAL and (parent, local) not in _SINGLE_IN:
        result.setdefault(_PLURAL[local], []).append(value)
    else:
        result[_camel(local)] = value


def _typed(key: str, value: str) -> Any:
    if value in ("true", "false") and (key.startswith("is") or key == "include"):
        return value == "true"
    if key in _INTEGERS:
        return int(value)
    if key in _NUMBERS:
        number = float(value)
        return int(number) if number.is_integer() else number
    return value


def _text(result: dict[str, Any], element: etree._Element, key: str) -> None:
    """``name`` and ``names`` (or description…): the first language is the best,
    as structure messages keep the best first (:mod:`server.formats.language`)."""
    language = element.get(XML_LANG, "en")
    result.setdefault(f"{key}s", {})[language] = element.text or ""
    result.setdefault(key, element.text or "")


def _annotation(element: etree._Element) -> dict[str, Any]:
    annotation: dict[str, Any] = {}
    if element.get("id"):
        annotation["id"] = element.get("id")
    for child in element:
        local = _local(child)
        if local == "AnnotationTitle":
            annotation["title"] = child.text or ""
        elif local == "AnnotationType":
            annotation["type"] = child.text or ""
        elif local == "AnnotationURL":
            annotation.setdefault("links", []).append(
                {"rel": "self", "href": child.text or ""}
            )
        elif local == "AnnotationText":
            _text(annotation, child, "text")
    return annotation


def _is_reference(element: etree._Element) -> bool:
    return len(element) == 1 and element[0].tag in ("Ref", "URN")


def _reference(element: etree._Element, by_id: bool = False) -> str:
    """The URN (or id) that a reference element's ``Ref`` or ``URN`` stands for."""
    ref = element[0]
    if ref.tag == "URN":
        urn = (ref.text or "").strip()
        return urn.rpartition(".")[2].rpartition("=")[2] if by_id else urn
    if by_id or (
        ref.get("agencyID") is None and ref.get("maintainableParentID") is None
    ):
        return ref.get("id", "")
    cls = ref.get("class") or IMPLIED_CLASS.get(_local(element), "")
    package = ref.get("package") or _PACKAGES.get(
        cls, MAINTAINABLES.get(cls, ("", ""))[1]
    )
    if cls in _ITEMS:
        identity = (
            f"{ref.get('maintainableParentID')}"
            f"({ref.get('maintainableParentVersion', '1.0')}).{ref.get('id')}"
        )
    else:
        identity = f"{ref.get('id')}({ref.get('version', '1.0')})"
    return (
        f"urn:sdmx:org.sdmx.infomodel.{package}.{cls}={ref.get('agencyID')}:{identity}"
    )
