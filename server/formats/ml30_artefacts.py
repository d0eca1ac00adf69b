"""SDMX-ML 3.0 artefacts made from stored SDMX-ML 2.1 ones (SDMX 3.0 section 3A).

One maintainable artefact of an SDMX-ML 2.1 structure message becomes the element(s)
SDMX-ML 3.0.0 has for it. Most of the tree carries over with the namespace changed;
what SDMX 3.0 changed is done here:

- references are URN text (or a local id) instead of ``Ref``/``URN`` children, and
  every ``urn`` attribute is rebuilt in SDMX 3.0 form;
- a content constraint becomes a data constraint (``type`` becomes ``role``);
- a hierarchical codelist becomes one maintainable hierarchy per 2.1 hierarchy, with
  the agency and version of the codelist and the id of the hierarchy;
- in a DSD the primary measure becomes a measure, ``assignmentStatus`` becomes
  ``usage`` and the attribute relationships ``None``/``PrimaryMeasure`` become
  ``Dataflow``/``Observation``;
- ``isFinal`` goes (legacy two-part versions stay) and organisation schemes lose their
  ``version`` attribute, which SDMX-ML 3.0 prohibits;
- a code under several parents of one hierarchy gets a new hierarchical code id where
  it repeats, as the SDMX-ML 3.0.0 schema wants those ids unique in the hierarchy.

A code's parent is written as its id even when the id starts with a digit (M49 codes):
the SDMX-ML 3.0.0 schema types ``Parent`` too narrowly and rejects it, a known defect
(sdmx-twg/sdmx-ml issue 30, not fixed in a release), so readers that validate against
the schema (pysdmx by default) refuse such codelists. SDMX-JSON 2.0.0 accepts them.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from lxml import etree

from server.errors import NotImplementedFeature
from server.formats.ns import COM, STR, XML_LANG

logger = logging.getLogger(__name__)

_BASE30 = "http://www.sdmx.org/resources/sdmxml/schemas/v3_0/"
MES30 = _BASE30 + "message"
COM30 = _BASE30 + "common"
STR30 = _BASE30 + "structure"
NSMAP30 = {"str": STR30, "com": COM30}

# 2.1 maintainable element -> its 3.0 element and URN package.
MAINTAINABLES = {
    "AgencyScheme": ("AgencyScheme", "base"),
    "DataProviderScheme": ("DataProviderScheme", "base"),
    "DataConsumerScheme": ("DataConsumerScheme", "base"),
    "OrganisationUnitScheme": ("OrganisationUnitScheme", "base"),
    "Codelist": ("Codelist", "codelist"),
    "HierarchicalCodelist": ("Hierarchy", "codelist"),
    "ConceptScheme": ("ConceptScheme", "conceptscheme"),
    "CategoryScheme": ("CategoryScheme", "categoryscheme"),
    "Categorisation": ("Categorisation", "categoryscheme"),
    "DataStructure": ("DataStructure", "datastructure"),
    "Dataflow": ("Dataflow", "datastructure"),
    "ContentConstraint": ("DataConstraint", "registry"),
    "ProvisionAgreement": ("ProvisionAgreement", "registry"),
}
# SDMX-ML 3.0 gives organisation schemes no version; their URNs keep (1.0).
VERSIONLESS = {"AgencyScheme", "DataProviderScheme", "DataConsumerScheme"}
VERSIONLESS |= {"OrganisationUnitScheme"}

# Common-namespace elements that stay in the common namespace; the others (cube
# region members) moved to the structure namespace in SDMX-ML 3.0.
_COMMON_30 = {
    "Annotations",
    "Annotation",
    "AnnotationTitle",
    "AnnotationType",
    "AnnotationURL",
    "AnnotationText",
    "Name",
    "Description",
    "Link",
    "DataURL",
    "WSDLURL",
    "WADLURL",
}
# Element renamed by SDMX-ML 3.0, keyed by its 2.1 qualified name.
_RENAMED = {
    f"{{{STR}}}PrimaryMeasure": "Measure",
    f"{{{STR}}}StructureUsage": "Dataflow",
    f"{{{STR}}}ContentConstraint": "DataConstraint",
    f"{{{COM}}}Attribute": "Component",
}
# URN class of an identifiable element where it is not the element's name.
_URN_CLASS = {
    "DimensionList": "DimensionDescriptor",
    "AttributeList": "AttributeDescriptor",
    "MeasureList": "MeasureDescriptor",
    "Group": "GroupDimensionDescriptor",
    "Attribute": "DataAttribute",
    "PrimaryMeasure": "Measure",
}
# Identifiables whose URN path runs through their parents (nested items).
_NESTED = {"Category", "HierarchicalCode", "Level", "ReportingCategory"}
# Attributes SDMX-ML 3.0 no longer has.
_DROPPED = {"isFinal"}

# Class of a referenced object -> URN package, for 2.1 references without package.
_PACKAGE = {
    **{name: package for name, (_, package) in MAINTAINABLES.items()},
    "Agency": "base",
    "DataProvider": "base",
    "DataConsumer": "base",
    "OrganisationUnit": "base",
    "Code": "codelist",
    "Concept": "conceptscheme",
    "Category": "categoryscheme",
    "Dimension": "datastructure",
    "TimeDimension": "datastructure",
    "DataAttribute": "datastructure",
    "PrimaryMeasure": "datastructure",
}
# Referring element -> class of what a Ref without ``class`` points to (the class
# is optional in SDMX-ML 2.1: the referring element implies it).
IMPLIED_CLASS = {
    "ConceptIdentity": "Concept",
    "ConceptRole": "Concept",
    "Enumeration": "Codelist",
    "Structure": "DataStructure",
    "StructureUsage": "Dataflow",
    "Source": "Dataflow",
    "Target": "Category",
    "Dataflow": "Dataflow",
    "DataStructure": "DataStructure",
    "ProvisionAgreement": "ProvisionAgreement",
    "DataProvider": "DataProvider",
    "Code": "Code",
    "IncludedCodelist": "Codelist",
}
# Class names of SDMX 2.1 that SDMX 3.0 renamed.
_CLASS_30 = {"ContentConstraint": "DataConstraint", "PrimaryMeasure": "Measure"}
_ITEM_CLASSES = {"Agency", "DataProvider", "DataConsumer", "OrganisationUnit"}
_ITEM_CLASSES |= {"Code", "Concept", "Category", "ReportingCategory"}
_ITEM_CLASSES |= {"Dimension", "TimeDimension", "DataAttribute", "PrimaryMeasure"}

_USAGE = {"Mandatory": "mandatory", "Conditional": "optional"}
# 2.1 attribute relationship -> 3.0 element; None means dropped (see _relationship).
_RELATIONSHIP = {
    "None": "Dataflow",
    "Dimension": "Dimension",
    "AttachmentGroup": None,
    "Group": "Group",
    "PrimaryMeasure": "Observation",
}
# 2.1 parts that SDMX-ML 3.0 cannot carry at all.
_UNSUPPORTED = {
    "MeasureDimension": "measure dimensions (SDMX 3.0 has several measures instead)",
    "AttachmentConstraint": "groups defined by an attachment constraint",
    "DataSet": "constraints attached to a data set",
    "MetadataSet": "constraints attached to a metadata set",
    "MetadataStructure": "constraints attached to a metadata structure",
    "Metadataflow": "constraints attached to a metadataflow",
}
# 2.1 parts that SDMX-ML 3.0 has no place for; dropped with a warning.
_OMITTED = {"ReferencePeriod", "MetadataKeySet", "MetadataTargetRegion"}


def _local(element: etree._Element) -> str:
    return etree.QName(element).localname


def _q(ns: str, name: str) -> str:
    return f"{{{ns}}}{name}"


@dataclass(frozen=True)
class _Owner:
    """The maintainable artefact whose parts are being converted, for URNs."""

    package: str
    cls: str
    agency: str
    id: str
    version: str

    def urn(self, cls: str = "", path: str = "") -> str:
        """The SDMX 3.0 URN of the artefact, or of its part ``cls`` at ``path``."""
        base = (
            f"urn:sdmx:org.sdmx.infomodel.{self.package}.{cls or self.cls}="
            f"{self.agency}:{self.id}({self.version})"
        )
        return f"{base}.{path}" if path else base


def upgrade(element: etree._Element) -> list[etree._Element]:
    """The SDMX-ML 3.0 maintainable artefact(s) for one SDMX-ML 2.1 artefact.

    Args:
        element: A maintainable artefact of an SDMX-ML 2.1 structure message.

    Returns:
        One element, or one hierarchy per hierarchy of a hierarchical codelist.

    Raises:
        NotImplementedFeature: The artefact uses a 2.1 feature SDMX 3.0 lacks.
    """
    name = _local(element)
    if name == "HierarchicalCodelist":
        return list(_hierarchies(element))
    cls, package = MAINTAINABLES[name]
    owner = _Owner(
        package,
        cls,
        element.get("agencyID", ""),
        element.get("id", ""),
        element.get("version", "1.0"),
    )
    root = etree.Element(_q(STR30, cls), nsmap=NSMAP30)
    _attributes(element, root, owner, "")
    if name in VERSIONLESS:
        root.attrib.pop("version", None)
    _children(element, root, owner, "")
    return [root]


# SDMX-ML 3.0.0 types a code's Parent as an NCName (SingleNCNameIDType), which no
# id starting with a digit matches, M49 area codes among them.
_NCNAME = re.compile(r"[A-Za-z][A-Za-z0-9_-]*")
PARENT_ANNOTATION = "PARENT"


def with_valid_parents(element: etree._Element) -> etree._Element:
    """``element``, or a copy of it in which a code whose parent id SDMX-ML 3.0.0
    cannot hold keeps that id in a ``PARENT`` annotation instead of a Parent.

    The official 3.0.0 schema (and pysdmx, which validates with it) refuses such a
    message; SDMX-JSON 2.0.0 holds these parents, and is written from the
    unchanged element.
    """
    parents = element.findall(f"{{{STR30}}}Code/{{{STR30}}}Parent")
    if all(_NCNAME.fullmatch(p.text or "") for p in parents):
        return element
    copy = etree.fromstring(etree.tostring(element))
    for parent in copy.iterfind(f"{{{STR30}}}Code/{{{STR30}}}Parent"):
        if _NCNAME.fullmatch(parent.text or ""):
            continue
        code = parent.getparent()
        code.remove(parent)
        annotations = code.find(f"{{{COM30}}}Annotations")
        if annotations is None:
            annotations = etree.Element(_q(COM30, "Annotations"))
            code.insert(0, annotations)
        annotation = etree.SubElement(annotations, _q(COM30, "Annotation"))
        etree.SubElement(annotation, _q(COM30, "AnnotationTitle")).text = parent.text
        etree.SubElement(
            annotation, _q(COM30, "AnnotationType")
        ).text = PARENT_ANNOTATION
    return copy


def _attributes(
    source: etree._Element, target: etree._Element, owner: _Owner, path: str
) -> None:
    edit = _ATTRIBUTE_EDITS.get(_local(source))
    for key, value in source.attrib.items():
        if key == "urn":
            target.set("urn", _own_urn(source, owner, path))
        elif key not in _DROPPED:
            target.set(key, value)
    if edit is not None:
        edit(target)


def _own_urn(source: etree._Element, owner: _Owner, path: str) -> str:
    name = _local(source)
    if name in MAINTAINABLES:
        return owner.urn()
    return owner.urn(_URN_CLASS.get(name, name), path)


def _usage(target: etree._Element) -> None:
    status = target.attrib.pop("assignmentStatus", None)
    if status is not None:
        target.set("usage", _USAGE.get(status, "optional"))


def _role(target: etree._Element) -> None:
    target.set("role", target.attrib.pop("type", "Actual"))


def _no_position(target: etree._Element) -> None:
    target.attrib.pop("position", None)


_ATTRIBUTE_EDITS: dict[str, Callable[[etree._Element], None]] = {
    "Attribute": _usage,
    "ContentConstraint": _role,
    "TimeDimension": _no_position,
}


def _children(
    source: etree._Element, target: etree._Element, owner: _Owner, path: str
) -> None:
    """Convert the child elements of ``source`` into ``target``."""
    for child in source:
        if not isinstance(child.tag, str):
            continue
        name = _local(child)
        if name in _UNSUPPORTED:
            raise NotImplementedFeature(
                f"{owner.urn()} uses {_UNSUPPORTED[name]}, which SDMX 3.0 cannot "
                "express; serve it as SDMX-ML 2.1 instead"
            )
        if name in _OMITTED:
            logger.warning("%s: %s has no SDMX 3.0 form, left out", owner.urn(), name)
            continue
        _child(child, target, owner, path)


def _child(
    child: etree._Element, target: etree._Element, owner: _Owner, path: str
) -> None:
    converted = etree.SubElement(target, _name30(child))
    if _is_reference(child):
        converted.text = _reference(child, owner)
        return
    child_path = _path(child, path)
    _attributes(child, converted, owner, child_path)
    if _local(child) == "AttributeRelationship":
        _relationship(child, converted, owner)
    elif len(child) == 0:
        converted.text = child.text
    else:
        _children(child, converted, owner, child_path)


def _name30(element: etree._Element) -> str:
    qname = etree.QName(element)
    renamed = _RENAMED.get(element.tag, qname.localname)
    common = qname.namespace == COM and qname.localname in _COMMON_30
    return _q(COM30 if common else STR30, renamed)


def _path(element: etree._Element, path: str) -> str:
    """The URN path of an identifiable below the maintainable artefact."""
    item = element.get("id", "")
    if _local(element) in _NESTED and path:
        return f"{path}.{item}"
    return item


def _is_reference(element: etree._Element) -> bool:
    return len(element) == 1 and element[0].tag in ("Ref", "URN")


def _reference(element: etree._Element, owner: _Owner) -> str:
    """The URN, or local id, that a 2.1 ``Ref``/``URN`` child stands for."""
    ref = element[0]
    if ref.tag == "URN":
        return urn30(ref.text or "")
    if ref.get("agencyID") is None and ref.get("maintainableParentID") is None:
        return ref.get("id", "")
    cls = ref.get("class") or IMPLIED_CLASS.get(_local(element), "")
    return _ref_urn(ref, cls)


def _ref_urn(ref: etree._Element, cls: str) -> str:
    """The SDMX 3.0 URN of what a 2.1 ``Ref`` points to (an item: in its scheme)."""
    if cls in _ITEM_CLASSES:
        identity = (
            f"{ref.get('maintainableParentID')}"
            f"({ref.get('maintainableParentVersion', '1.0')}).{ref.get('id')}"
        )
    else:
        identity = f"{ref.get('id')}({ref.get('version', '1.0')})"
    package = ref.get("package") or _PACKAGE.get(cls, "")
    prefix = f"urn:sdmx:org.sdmx.infomodel.{package}.{_CLASS_30.get(cls, cls)}"
    return f"{prefix}={ref.get('agencyID')}:{identity}"


_URN_CLASS_RE = re.compile(r"^(urn:sdmx:org\.sdmx\.infomodel\.\w+\.)(\w+)=(.*)$")


def urn30(urn: str) -> str:
    """An SDMX 2.1 URN in SDMX 3.0 form (renamed classes, agencies in schemes).

    Args:
        urn: A URN as SDMX 2.1 writes it.

    Returns:
        The URN of the same object as SDMX 3.0 writes it.
    """
    match = _URN_CLASS_RE.match(urn.strip())
    if match is None:
        return urn.strip()
    prefix, cls, rest = match.groups()
    if cls == "Agency" and "(" not in rest:
        parent, _, agency = rest.rpartition(".")
        rest = f"{parent or 'SDMX'}:AGENCIES(1.0).{agency}"
    return f"{prefix}{_CLASS_30.get(cls, cls)}={rest}"


def _relationship(
    source: etree._Element, target: etree._Element, owner: _Owner
) -> None:
    """The 3.0 attribute relationship of a 2.1 one (SDMX 3.0 renamed two cases)."""
    for part in source:
        if not isinstance(part.tag, str):
            continue
        name = _RELATIONSHIP.get(_local(part))
        if name is None:
            logger.warning(
                "%s: attachment group %s dropped from an attribute relationship",
                owner.urn(),
                _reference(part, owner),
            )
            continue
        converted = etree.SubElement(target, _q(STR30, name))
        if name in ("Dimension", "Group"):
            converted.text = _reference(part, owner)


def _hierarchies(hcl: etree._Element) -> Iterator[etree._Element]:
    """One SDMX 3.0 hierarchy per hierarchy of a 2.1 hierarchical codelist."""
    aliases = {
        included.get("alias"): _reference(included, _hcl_owner(hcl, ""))
        for included in hcl.iterfind(_q(STR, "IncludedCodelist"))
    }
    for hierarchy in hcl.iterfind(_q(STR, "Hierarchy")):
        owner = _hcl_owner(hcl, hierarchy.get("id", ""))
        root = etree.Element(_q(STR30, "Hierarchy"), nsmap=NSMAP30)
        for key in _HIERARCHY_ATTRIBUTES:
            value = (hierarchy if key == "id" else hcl).get(key)
            if value is not None:
                root.set(key, value)
        root.set("urn", owner.urn())
        root.set("hasFormalLevels", hierarchy.get("leveled", "false"))
        _hierarchy_body(hcl, hierarchy, root, owner)
        _HierarchicalCodes(owner, aliases).add(hierarchy, root, "")
        yield root


_HIERARCHY_ATTRIBUTES = ("id", "agencyID", "version", "validFrom", "validTo")
_HIERARCHY_ATTRIBUTES += ("isExternalReference", "serviceURL", "structureURL")


def _hcl_owner(hcl: etree._Element, hierarchy_id: str) -> _Owner:
    return _Owner(
        "codelist",
        "Hierarchy",
        hcl.get("agencyID", ""),
        hierarchy_id or hcl.get("id", ""),
        hcl.get("version", "1.0"),
    )


def _hierarchy_body(
    hcl: etree._Element,
    hierarchy: etree._Element,
    root: etree._Element,
    owner: _Owner,
) -> None:
    """Annotations of both, names of the hierarchy, descriptions of either, level."""
    annotations = [
        a
        for source in (hcl, hierarchy)
        for a in source.iterfind(f"{_q(COM, 'Annotations')}/{_q(COM, 'Annotation')}")
    ]
    if annotations:
        holder = etree.Element(_q(COM, "Annotations"))
        holder.extend(_clone(a) for a in annotations)
        _child(holder, root, owner, "")
    descriptions = hierarchy.findall(_q(COM, "Description")) or hcl.findall(
        _q(COM, "Description")
    )
    for part in [*hierarchy.findall(_q(COM, "Name")), *descriptions]:
        _child(part, root, owner, "")
    level = hierarchy.find(_q(STR, "Level"))
    if level is not None:
        _child(level, root, owner, "")


def _clone(element: etree._Element) -> etree._Element:
    return etree.fromstring(etree.tostring(element))


class _HierarchicalCodes:
    """Hierarchical codes of one hierarchy, with ids unique in the hierarchy.

    SDMX-ML 3.0.0 requires hierarchical code ids to be unique in the whole hierarchy
    (a ``.//`` identity constraint), where SDMX 2.1 asked it among siblings only. A
    code placed under several parents keeps its id where it first occurs and becomes
    ``{parent id}_{id}`` elsewhere; the code it points to does not change.
    """

    def __init__(self, owner: _Owner, aliases: dict[str, str]) -> None:
        self.owner = owner
        self.aliases = aliases
        self.used: set[str] = set()

    def add(self, source: etree._Element, target: etree._Element, path: str) -> None:
        """Convert the hierarchical codes below ``source`` into ``target``."""
        for code in source.iterfind(_q(STR, "HierarchicalCode")):
            parent_id = target.get("id", "") if path else ""
            identifier = self._unique(code.get("id", ""), parent_id)
            child_path = f"{path}.{identifier}" if path else identifier
            converted = etree.SubElement(target, _q(STR30, "HierarchicalCode"))
            converted.set("id", identifier)
            converted.set("urn", self.owner.urn("HierarchicalCode", child_path))
            for key in ("validFrom", "validTo"):
                if code.get(key) is not None:
                    converted.set(key, code.get(key))
            self._body(code, converted, child_path)

    def _unique(self, identifier: str, parent_id: str) -> str:
        candidate = identifier
        if candidate in self.used:
            candidate = f"{parent_id}_{identifier}"
        suffix = 2
        while candidate in self.used:
            candidate, suffix = f"{parent_id}_{identifier}_{suffix}", suffix + 1
        self.used.add(candidate)
        return candidate

    def _body(self, code: etree._Element, target: etree._Element, path: str) -> None:
        annotations = code.find(_q(COM, "Annotations"))
        if annotations is not None:
            _child(annotations, target, self.owner, path)
        reference = etree.SubElement(target, _q(STR30, "Code"))
        reference.text = self._code_urn(code)
        self.add(code, target, path)
        level = code.find(_q(STR, "Level"))
        if level is not None:
            etree.SubElement(target, _q(STR30, "Level")).text = _reference(
                level, self.owner
            )

    def _code_urn(self, code: etree._Element) -> str:
        direct = code.find(_q(STR, "Code"))
        if direct is not None:
            return _reference(direct, self.owner)
        alias = code.findtext(_q(STR, "CodelistAliasRef"), "")
        codelist = self.aliases.get(alias, "")
        code_id = _reference(code.find(_q(STR, "CodeID")), self.owner)
        return codelist.replace(".Codelist=", ".Code=", 1) + f".{code_id}"


def stub(
    element: etree._Element, complete: bool = False, for_xml: bool = True
) -> etree._Element:
    """The stub of a 3.0 maintainable artefact: identity and names (REST detail).

    Args:
        element: An SDMX-ML 3.0 maintainable artefact made by :func:`upgrade`.
        complete: Keep annotations and descriptions too (``completestubs``).
        for_xml: Keep what SDMX-ML 3.0.0 requires even of a stub: a hierarchy's
            top-level hierarchical codes, without their children. SDMX-JSON
            requires none.

    Returns:
        A new element marked ``isExternalReference="true"``.
    """
    copy = etree.Element(element.tag, nsmap=NSMAP30)
    for key, value in element.attrib.items():
        if key != "isPartial":
            copy.set(key, value)
    copy.set("isExternalReference", "true")
    kept = {"Name", "Annotations", "Description"} if complete else {"Name"}
    if _local(element) == "ProvisionAgreement":  # required even of a stub
        kept |= {"Dataflow", "DataProvider"}
    for child in element:
        name = _local(child)
        if name in kept:
            copy.append(_clone(child))
        elif name == "HierarchicalCode" and for_xml:
            copy.append(_top_code(child))
    return copy


def _top_code(code: etree._Element) -> etree._Element:
    top = _clone(code)
    for nested in top.findall(_q(STR30, "HierarchicalCode")):
        top.remove(nested)
    return top


def xml_lang(element: etree._Element) -> str:
    """The language of a localised text element (SDMX-ML defaults it to English)."""
    return element.get(XML_LANG, "en")
