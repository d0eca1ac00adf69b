"""Reads SDMX-ML 3.0.0 structure messages into stored artefacts (SDMX 3.0 section 3A).

The store keeps artefacts as SDMX-ML 2.1 fragments, so a 3.0 message is validated
against the official SDMX-ML 3.0.0 schema, each maintainable artefact is turned into
its SDMX-ML 2.1 form, and the resulting 2.1 message is read as any other
(:func:`server.formats.structure_reader.read_structure_message`). This undoes what
:func:`server.formats.ml30_artefacts.upgrade` does:

- URN references (``urn:sdmx:org.sdmx.infomodel.codelist.Codelist=AG:ID(1.0)``) and
  local ids become ``Ref`` children; every ``urn`` attribute is rewritten in SDMX 2.1
  form (agencies as ``Agency=ID``, renamed classes);
- a data constraint becomes a content constraint (``role`` becomes ``type``);
- in a DSD the measure becomes the primary measure, ``usage`` becomes
  ``assignmentStatus``, the relationships ``Dataflow``/``Observation`` become
  ``None``/``PrimaryMeasure``, and the time dimension gets its position back;
- a code's ``PARENT`` annotation (how this service writes a parent id that SDMX-ML
  3.0.0 cannot hold, such as M49 ``902``) becomes its ``Parent`` again;
- a hierarchy becomes a hierarchical codelist of the same identity holding that one
  hierarchy;
- ``isFinal`` comes back: true for versioned artefacts (SDMX 3.0 has no final flag,
  a version without extension is stable), false for organisation schemes, which
  SDMX-ML 3.0 gives no version (2.1 gives them version 1.0).

A 3.0 message that holds what SDMX-ML 2.1 cannot express (several measures, links,
versions with an extension, metadata structures…) is refused, naming the artefact.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from functools import cache
from typing import IO

from lxml import etree

from server.errors import InvalidMessage, InvalidStructure
from server.formats.ml30_artefacts import (
    COM30,
    MES30,
    PARENT_ANNOTATION,
    STR30,
    VERSIONLESS,
)
from server.formats.ns import COM, MES, STR
from server.formats.schemas import SCHEMA_DIR, message_schema_21
from server.formats.structure_reader import structure_artefacts
from server.model import Artefact

SCHEMA_DIR_30 = SCHEMA_DIR.parent / "sdmx-ml-3.0"
_BASE30 = MES30.rsplit("/", 1)[0] + "/"  # every SDMX-ML 3.0 namespace starts so


@cache
def message_schema_30() -> etree.XMLSchema:
    """The schema of every SDMX-ML 3.0.0 message (the official SDMXMessage.xsd)."""
    return etree.XMLSchema(etree.parse(str(SCHEMA_DIR_30 / "SDMXMessage.xsd")))


def is_ml30(head: bytes) -> bool:
    """Whether a message starting with ``head`` is SDMX-ML 3.0 (its root's namespace).

    Args:
        head: The first bytes of the message (a few kilobytes are enough).

    Returns:
        True when the root element is in an SDMX-ML 3.0 namespace.
    """
    parser = etree.XMLPullParser(
        events=("start",), resolve_entities=False, no_network=True
    )
    try:
        parser.feed(head)
        for _, element in parser.read_events():
            return (etree.QName(element).namespace or "").startswith(_BASE30)
    except etree.XMLSyntaxError:
        return False
    return False


def read_structure_message_30(source: bytes | IO[bytes]) -> list[Artefact]:
    """The maintainable artefacts of an SDMX-ML 3.0.0 structure message, as stored.

    Args:
        source: The message, as bytes or a binary stream.

    Returns:
        The artefacts in their SDMX-ML 2.1 form, as
        :func:`server.formats.structure_reader.read_structure_message` makes them.

    Raises:
        InvalidMessage: Not well-formed, not a structure message, or not valid
            against the SDMX-ML 3.0.0 schema (400).
        InvalidStructure: An artefact has no SDMX-ML 2.1 form, or breaks a rule of
            the store (422).
    """
    root = _parse(source)
    message_21 = downgrade_message(root)
    schema = message_schema_21()
    if not schema.validate(message_21):
        error = schema.error_log.last_error
        raise InvalidStructure(
            f"{_artefact_at(message_21, error.path)} has no SDMX-ML 2.1 form, the form "
            f"this service stores structures in ({error.message}); leave out what "
            "only SDMX 3.0 has (see docs/limitations.md)"
        )
    return structure_artefacts(message_21)  # valid SDMX-ML 2.1, checked just above


def _parse(source: bytes | IO[bytes]) -> etree._Element:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    stream = io.BytesIO(source) if isinstance(source, bytes) else source
    try:
        root = etree.parse(stream, parser).getroot()
    except etree.XMLSyntaxError as error:
        raise InvalidMessage(f"not well-formed XML: {error}") from None
    if root.tag != f"{{{MES30}}}Structure":
        raise InvalidMessage(
            f"expected an SDMX-ML 3.0 Structure message, found {root.tag}"
        )
    schema = message_schema_30()
    if not schema.validate(root):
        error = schema.error_log.last_error
        hint = ""
        if "Parent" in error.message:
            hint = (
                "; a code parent whose id starts with a digit cannot be written in "
                "SDMX-ML 3.0.0 (sdmx-ml issue 30): send it as an annotation of type "
                f"{PARENT_ANNOTATION} holding the id in AnnotationTitle, as this "
                "service writes it, or send SDMX-ML 2.1"
            )
        raise InvalidMessage(
            f"the structure message is not valid SDMX-ML 3.0.0 (line {error.line}): "
            f"{error.message}{hint}"
        )
    return root


_PREFIXES_21 = {"mes": MES, "str": STR, "com": COM}


def _artefact_at(message: etree._Element, path: str | None) -> str:
    """The artefact holding the element at ``path`` (an XPath), for messages."""
    try:
        found = message.xpath(path, namespaces=_PREFIXES_21) if path else []
    except etree.XPathError:
        found = []
    element = found[0] if found and isinstance(found[0], etree._Element) else None
    structures = _q(MES, "Structures")
    while element is not None:
        container = element.getparent()
        holder = container.getparent() if container is not None else None
        if holder is not None and holder.tag == structures:
            return (
                f"{_local(element)} {element.get('agencyID')}:{element.get('id')}"
                f"({element.get('version', '1.0')})"
            )
        element = container
    return "an artefact of the message"


# -- the message ------------------------------------------------------------------

# SDMX-ML 2.1 container of each maintainable element, in the order of StructuresType.
_CONTAINERS_21 = {
    "AgencyScheme": "OrganisationSchemes",
    "DataConsumerScheme": "OrganisationSchemes",
    "DataProviderScheme": "OrganisationSchemes",
    "OrganisationUnitScheme": "OrganisationSchemes",
    "Dataflow": "Dataflows",
    "CategoryScheme": "CategorySchemes",
    "Categorisation": "Categorisations",
    "Codelist": "Codelists",
    "HierarchicalCodelist": "HierarchicalCodelists",
    "ConceptScheme": "Concepts",
    "DataStructure": "DataStructures",
    "ContentConstraint": "Constraints",
    "ProvisionAgreement": "ProvisionAgreements",
}
_ORDER_21 = list(dict.fromkeys(_CONTAINERS_21.values()))
# SDMX-ML 3.0 maintainable element -> its SDMX-ML 2.1 element (the others keep
# their names).
_RENAMED_21 = {
    "DataConstraint": "ContentConstraint",
    "Hierarchy": "HierarchicalCodelist",
}
_MAINTAINABLES_21 = {
    **{name: name for name in _CONTAINERS_21 if name not in _RENAMED_21.values()},
    **_RENAMED_21,
}


def downgrade_message(root: etree._Element) -> etree._Element:
    """The SDMX-ML 2.1 structure message holding the artefacts of a 3.0 one.

    Args:
        root: A valid SDMX-ML 3.0.0 ``Structure`` message.

    Returns:
        An SDMX-ML 2.1 ``Structure`` message (not yet validated).

    Raises:
        InvalidStructure: An artefact type that SDMX-ML 2.1 lacks, or a part of an
            artefact this conversion cannot express.
    """
    message = etree.Element(_q(MES, "Structure"), nsmap={"mes": MES, "str": STR})
    message.append(_header())
    structures = root.find(_q(MES30, "Structures"))
    by_container: dict[str, list[etree._Element]] = {}
    for element in _maintainables(structures):
        converted = downgrade(element)
        by_container.setdefault(_CONTAINERS_21[_local(converted)], []).append(converted)
    if by_container:
        holder = etree.SubElement(message, _q(MES, "Structures"))
        for name in _ORDER_21:
            if name in by_container:
                container = etree.SubElement(holder, _q(STR, name))
                container.extend(by_container[name])
    return message


def _header() -> etree._Element:
    """A 2.1 header: the reader of the 2.1 message reads none of it."""
    built = etree.Element(_q(MES, "Header"))
    for name, text in (("ID", "ML30"), ("Test", "false")):
        etree.SubElement(built, _q(MES, name)).text = text
    etree.SubElement(built, _q(MES, "Prepared")).text = "2000-01-01T00:00:00Z"
    etree.SubElement(built, _q(MES, "Sender")).set("id", "ML30")
    return built


def _maintainables(structures: etree._Element | None) -> Iterator[etree._Element]:
    if structures is None:
        return
    for container in structures:
        for element in container:
            if not isinstance(element.tag, str):
                continue
            if _local(element) not in _MAINTAINABLES_21:
                raise InvalidStructure(
                    f"artefact type {_local(element)} is not supported: this service "
                    "stores structures as SDMX-ML 2.1, which has no such artefact "
                    "(see docs/limitations.md)"
                )
            yield element


# -- one artefact -----------------------------------------------------------------


def downgrade(element: etree._Element) -> etree._Element:
    """The SDMX-ML 2.1 maintainable artefact for one SDMX-ML 3.0 artefact.

    Args:
        element: A maintainable artefact of a valid SDMX-ML 3.0.0 structure message.

    Returns:
        Its SDMX-ML 2.1 element (a hierarchy becomes a hierarchical codelist).

    Raises:
        InvalidStructure: The artefact uses what SDMX 2.1 cannot express.
    """
    name = _local(element)
    _check_version(element)
    if name == "Hierarchy":
        return _hierarchical_codelist(element)
    if name == "Codelist":
        element = _with_parents(element)
    context = _Context(element)
    root = etree.Element(_q(STR, _MAINTAINABLES_21[name]), nsmap=_NSMAP21)
    _maintainable_attributes(element, root)
    _children(element, root, context)
    return root


_NSMAP21 = {"str": STR, "com": COM}
# Extensions of SDMX 3.0 semantic versions (1.0.0-draft) have no SDMX 2.1 form.
_VERSION_21 = re.compile(r"[0-9]+(\.[0-9]+)*")


def _check_version(element: etree._Element) -> None:
    version = element.get("version", "1.0")
    if not _VERSION_21.fullmatch(version):
        raise InvalidStructure(
            f"{_local(element)} {element.get('agencyID')}:{element.get('id')}"
            f"({version}): SDMX 2.1 versions, which this service stores, are numbers "
            "joined by dots, without extension; publish a stable version"
        )


class _Context:
    """The artefact being converted: what its parts need to know of it."""

    def __init__(self, element: etree._Element, hierarchy: str = "") -> None:
        self.label = (
            f"{_local(element)} {element.get('agencyID')}:{element.get('id')}"
            f"({element.get('version', '1.0')})"
        )
        # A hierarchy's parts get its id in their 2.1 URNs (HCL.HIERARCHY.CODE).
        self.hierarchy = hierarchy
        measure = element.find(
            f"{_q(STR30, 'DataStructureComponents')}/{_q(STR30, 'MeasureList')}/"
            f"{_q(STR30, 'Measure')}"
        )
        self.measure = measure.get("id") if measure is not None else "OBS_VALUE"


def _maintainable_attributes(source: etree._Element, target: etree._Element) -> None:
    """The attributes of a 2.1 maintainable: version and ``isFinal`` restored."""
    name = _local(source)
    role = None
    for key, value in source.attrib.items():
        if key == "urn":
            target.set("urn", urn21(value))
        elif key == "role" and name == "DataConstraint":
            role = value
        else:
            target.set(key, value)
        if key == "version":
            target.set("isFinal", "false" if name in VERSIONLESS else "true")
    if target.get("version") is None:
        target.set("version", "1.0")
        target.set("isFinal", "false" if name in VERSIONLESS else "true")
    if role is not None:
        target.set("type", role)


# SDMX-ML 3.0 structure-namespace elements that SDMX-ML 2.1 has in the common
# namespace (parts of cube regions and data key sets), keyed by 3.0 name.
_COMMON_21 = {
    "KeyValue": "KeyValue",
    "Value": "Value",
    "Component": "Attribute",
    "TimeRange": "TimeRange",
    "BeforePeriod": "BeforePeriod",
    "AfterPeriod": "AfterPeriod",
    "StartPeriod": "StartPeriod",
    "EndPeriod": "EndPeriod",
}
_CONSTRAINT_PARTS = {"CubeRegion", "DataKeySet"}
# Elements whose text is the id of a part of the same artefact (a local reference).
_LOCAL_REFERENCES = {"Parent", "DimensionReference"}
_URN_PREFIX = "urn:sdmx:org.sdmx.infomodel."


def _children(
    source: etree._Element,
    target: etree._Element,
    context: _Context,
    in_constraint: bool = False,
) -> None:
    """Convert the child elements of ``source`` into ``target``."""
    for child in source:
        if isinstance(child.tag, str):
            _child(child, target, context, in_constraint)


def _child(
    child: etree._Element,
    target: etree._Element,
    context: _Context,
    in_constraint: bool,
) -> None:
    qname = etree.QName(child)
    name = qname.localname
    if qname.namespace == COM30:
        _copy_common(child, target)
        return
    if in_constraint and name in _COMMON_21:
        converted = etree.SubElement(target, _q(COM, _COMMON_21[name]))
        _attributes(child, converted, context)
        _content(child, converted, context, in_constraint)
        return
    converted = etree.SubElement(target, _q(STR, _name21(child)))
    if _is_reference(child):
        converted.append(_ref(child, context))
        return
    if name == "AttributeRelationship":
        _relationship(child, converted, context)
        return
    _attributes(child, converted, context)
    if name == "TimeDimension":
        _time_position(child, converted)
    _content(child, converted, context, in_constraint or name in _CONSTRAINT_PARTS)


def _content(
    child: etree._Element,
    converted: etree._Element,
    context: _Context,
    in_constraint: bool,
) -> None:
    if len(child) == 0:
        converted.text = child.text
    else:
        _children(child, converted, context, in_constraint)


def _copy_common(child: etree._Element, target: etree._Element) -> None:
    """Names, descriptions and annotations: the same elements in the 2.1 namespace."""
    converted = etree.SubElement(target, _q(COM, etree.QName(child).localname))
    for key, value in child.attrib.items():
        converted.set(key, value)
    if len(child) == 0:
        converted.text = child.text
    for part in child:
        if isinstance(part.tag, str):
            _copy_common(part, converted)


def _name21(element: etree._Element) -> str:
    """The SDMX-ML 2.1 name of a 3.0 structure element."""
    name = _local(element)
    parent = _local(element.getparent())
    if name == "Measure" and parent == "MeasureList":
        return "PrimaryMeasure"
    if name == "Dataflow" and parent == "ProvisionAgreement":
        return "StructureUsage"
    return name


def _is_reference(element: etree._Element) -> bool:
    if len(element) or element.attrib or element.text is None:
        return False
    if _local(element) == "Level":  # of a hierarchical code; a level has an id
        return True
    text = element.text.strip()
    return text.startswith(_URN_PREFIX) or _local(element) in _LOCAL_REFERENCES


def _attributes(
    source: etree._Element, target: etree._Element, context: _Context
) -> None:
    for key, value in source.attrib.items():
        if key == "urn":
            target.set("urn", urn21(value, context.hierarchy))
        elif key == "usage" and _local(source) == "Attribute":
            target.set("assignmentStatus", _ASSIGNMENT.get(value, "Conditional"))
        else:
            target.set(key, value)
    if _local(source) == "Attribute" and source.get("usage") is None:
        target.set("assignmentStatus", "Conditional")  # usage defaults to optional


_ASSIGNMENT = {"mandatory": "Mandatory", "optional": "Conditional"}


def _time_position(source: etree._Element, target: etree._Element) -> None:
    """The time dimension's 2.1 position: after the dimensions, when they have one."""
    dimensions = source.getparent().findall(_q(STR30, "Dimension"))
    if dimensions and all(d.get("position") for d in dimensions):
        positions = [int(d.get("position")) for d in dimensions]
        target.set("position", str(max(positions) + 1))


def _relationship(
    source: etree._Element, target: etree._Element, context: _Context
) -> None:
    """A 2.1 attribute relationship from a 3.0 one (two cases were renamed)."""
    for part in source:
        if not isinstance(part.tag, str):
            continue
        name = _local(part)
        if name == "Dataflow":
            etree.SubElement(target, _q(STR, "None"))
        elif name == "Observation":
            measure = etree.SubElement(target, _q(STR, "PrimaryMeasure"))
            measure.append(_local_ref(context.measure))
        else:  # Dimension or Group, by id
            if part.get("optional") == "true":
                raise InvalidStructure(
                    f"{context.label}: optional dimension relationships (dimension "
                    f"{part.text}) have no SDMX 2.1 form"
                )
            reference = etree.SubElement(target, _q(STR, name))
            reference.append(_local_ref((part.text or "").strip()))


# -- references and URNs ------------------------------------------------------------

_URN = re.compile(
    r"^urn:sdmx:org\.sdmx\.infomodel\.(?P<package>[a-z]+)\.(?P<cls>\w+)="
    r"(?P<agency>[^:]+):(?P<id>[^(]+)\((?P<version>[^)]*)\)(?:\.(?P<item>.+))?$"
)
# SDMX 3.0 class names that SDMX 2.1 calls otherwise.
_CLASS_21 = {"DataConstraint": "ContentConstraint", "Measure": "PrimaryMeasure"}


def _ref(element: etree._Element, context: _Context) -> etree._Element:
    """The 2.1 ``Ref`` for the URN or local id that is the text of ``element``."""
    text = (element.text or "").strip()
    if not text.startswith(_URN_PREFIX):
        return _local_ref(text)
    match = _URN.match(text)
    if match is None:
        raise InvalidStructure(f"{context.label}: {text!r} is not an SDMX URN")
    ref = etree.Element("Ref")
    ref.set("agencyID", match["agency"])
    if match["item"]:
        ref.set("maintainableParentID", match["id"])
        ref.set("maintainableParentVersion", match["version"])
        ref.set("id", match["item"])
    else:
        ref.set("id", match["id"])
        ref.set("version", match["version"])
    ref.set("package", match["package"])
    ref.set("class", _CLASS_21.get(match["cls"], match["cls"]))
    return ref


def _local_ref(identifier: str) -> etree._Element:
    ref = etree.Element("Ref")
    ref.set("id", identifier)
    return ref


def urn21(urn: str, hierarchy: str = "") -> str:
    """An SDMX 3.0 URN in SDMX 2.1 form (the inverse of ``ml30_artefacts.urn30``).

    Args:
        urn: A URN as SDMX 3.0 writes it.
        hierarchy: For the parts of a hierarchy stored as a hierarchical codelist,
            its id, which 2.1 URNs of hierarchical codes and levels name.

    Returns:
        The URN of the same object as SDMX 2.1 writes it.
    """
    match = _URN.match(urn.strip())
    if match is None:
        return urn.strip()
    cls, item = match["cls"], match["item"]
    prefix = f"urn:sdmx:org.sdmx.infomodel.{match['package']}"
    if cls == "Agency" and item:
        parent = match["agency"]
        return f"{prefix}.Agency={item if parent == 'SDMX' else f'{parent}.{item}'}"
    identity = f"{match['agency']}:{match['id']}({match['version']})"
    if cls == "Hierarchy" and not item:  # stored as a hierarchical codelist
        return f"{prefix}.HierarchicalCodelist={identity}"
    if hierarchy and item:
        item = f"{hierarchy}.{item}"
    tail = f".{item}" if item else ""
    return f"{prefix}.{_CLASS_21.get(cls, cls)}={identity}{tail}"


# -- code parents -------------------------------------------------------------------


def _with_parents(codelist: etree._Element) -> etree._Element:
    """``codelist``, or a copy of it whose codes have their ``PARENT`` annotations
    (see :func:`server.formats.ml30_artefacts.with_valid_parents`) as Parents."""
    found = [
        annotation
        for annotation in codelist.iterfind(
            f"{_q(STR30, 'Code')}/{_q(COM30, 'Annotations')}/{_q(COM30, 'Annotation')}"
        )
        if _is_parent_annotation(annotation)
    ]
    if not found:
        return codelist
    copy = etree.fromstring(etree.tostring(codelist))
    for annotation in list(
        copy.iterfind(
            f"{_q(STR30, 'Code')}/{_q(COM30, 'Annotations')}/{_q(COM30, 'Annotation')}"
        )
    ):
        if not _is_parent_annotation(annotation):
            continue
        annotations = annotation.getparent()
        code = annotations.getparent()
        annotations.remove(annotation)
        if not any(isinstance(a.tag, str) for a in annotations):
            code.remove(annotations)
        parent = etree.SubElement(code, _q(STR30, "Parent"))
        parent.text = annotation.findtext(_q(COM30, "AnnotationTitle"))
    return copy


def _is_parent_annotation(annotation: etree._Element) -> bool:
    """A ``PARENT`` annotation as this service writes it, on a code without Parent."""
    parts = [_local(p) for p in annotation if isinstance(p.tag, str)]
    code = annotation.getparent().getparent()
    return (
        sorted(parts) == ["AnnotationTitle", "AnnotationType"]
        and not annotation.attrib
        and annotation.findtext(_q(COM30, "AnnotationType")) == PARENT_ANNOTATION
        and code.find(_q(STR30, "Parent")) is None
    )


# -- hierarchies --------------------------------------------------------------------

_HCL_ATTRIBUTES = ("id", "agencyID", "validFrom", "validTo")
_HCL_ATTRIBUTES += ("isExternalReference", "serviceURL", "structureURL")


def _hierarchical_codelist(hierarchy: etree._Element) -> etree._Element:
    """A 2.1 hierarchical codelist of the hierarchy's identity holding it alone.

    The codelist takes the hierarchy's annotations, names and descriptions; its one
    hierarchy, of the same id, its names, descriptions, codes and levels. This is
    what ``ml30_artefacts.upgrade`` turns back into the same 3.0 hierarchy.
    """
    context = _Context(hierarchy, hierarchy.get("id", ""))
    hcl = etree.Element(_q(STR, "HierarchicalCodelist"), nsmap=_NSMAP21)
    urn = hierarchy.get("urn")
    if urn is not None:
        hcl.set("urn", urn21(urn))
    for key in _HCL_ATTRIBUTES:
        if hierarchy.get(key) is not None:
            hcl.set(key, hierarchy.get(key))
    hcl.set("version", hierarchy.get("version", "1.0"))
    hcl.set("isFinal", "true")
    texts = [c for c in hierarchy if etree.QName(c).namespace == COM30]
    for part in texts:
        _copy_common(part, hcl)
    inner = etree.SubElement(hcl, _q(STR, "Hierarchy"))
    if urn is not None:
        inner.set("urn", urn21(f"{urn}.{hierarchy.get('id')}"))
    inner.set("id", hierarchy.get("id", ""))
    if hierarchy.get("hasFormalLevels") == "true":
        inner.set("leveled", "true")
    for part in texts:
        if _local(part) in ("Name", "Description"):
            _copy_common(part, inner)
    parts = hierarchy.findall(_q(STR30, "HierarchicalCode"))
    for part in [*parts, *hierarchy.findall(_q(STR30, "Level"))]:
        _child(part, inner, context, False)  # 2.1 puts the level after the codes
    return hcl


def _local(element: etree._Element) -> str:
    return etree.QName(element).localname


def _q(ns: str, name: str) -> str:
    return f"{{{ns}}}{name}"
