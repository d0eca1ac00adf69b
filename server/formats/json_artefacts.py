"""SDMX-JSON 2.0.0 structure objects made from SDMX-ML 3.0 artefacts (SDMX 3.0).

SDMX-JSON 2.0.0 and SDMX-ML 3.0 describe the same SDMX 3.0 information model, so each
object here is read off an element made by :mod:`server.formats.ml30_artefacts`:
element names become camel-case properties, repeated elements become arrays, texts
become ``name``/``names`` pairs. Localised texts are written as the English text where
there is one (else the first), beside the object of all languages; the server does
not negotiate languages yet.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from lxml import etree

from server.formats.ml30_artefacts import COM30, STR30, VERSIONLESS, xml_lang

JsonObject = dict[str, Any]

# Item element -> property holding the items of its scheme (and of a parent item).
ITEMS = {
    "Code": "codes",
    "Concept": "concepts",
    "Category": "categories",
    "Agency": "agencies",
    "DataProvider": "dataProviders",
    "DataConsumer": "dataConsumers",
    "OrganisationUnit": "organisationUnits",
}
# Text-format attributes that are not strings in SDMX-JSON.
_BOOLEAN = {"isSequence", "isMultiLingual", "isInclusive", "include", "removePrefix"}
_NUMBER = {"interval", "startValue", "endValue", "minValue", "maxValue"}
_INTEGER = {"minLength", "maxLength", "decimals", "minOccurs"}
_CONTACT_LISTS = {
    "Telephone": "telephones",
    "Fax": "faxes",
    "X400": "x400s",
    "URI": "uris",
    "Email": "emails",
}


def _local(element: etree._Element) -> str:
    return etree.QName(element).localname


def _s(name: str) -> str:
    return f"{{{STR30}}}{name}"


def _c(name: str) -> str:
    return f"{{{COM30}}}{name}"


def artefact_object(element: etree._Element) -> JsonObject:
    """The SDMX-JSON 2.0.0 object of an SDMX-ML 3.0 maintainable artefact.

    Args:
        element: A maintainable artefact as :mod:`server.formats.ml30_artefacts`
            makes it (stubs included).

    Returns:
        The object, for the array of its type in the message's ``data``.
    """
    found = _maintainable(element)
    found.update(_BODIES[_local(element)](element))
    return found


def _maintainable(element: etree._Element) -> JsonObject:
    found = _nameable(element)
    for key in ("agencyID", "version", "validFrom", "validTo"):
        if element.get(key) is not None:
            found[key] = element.get(key)
    if _local(element) in VERSIONLESS:
        found["version"] = "1.0"  # the one version SDMX-JSON allows them
    if element.get("isExternalReference") == "true":
        found["isExternalReference"] = True
    if element.get("urn"):
        found["links"] = [{"rel": "self", "urn": element.get("urn")}]
    return found


def _nameable(element: etree._Element) -> JsonObject:
    found: JsonObject = {"id": element.get("id")}
    found.update(_texts(element, _c("Name"), "name"))
    found.update(_texts(element, _c("Description"), "description"))
    found.update(_annotations(element))
    return found


def _texts(element: etree._Element, tag: str, key: str) -> JsonObject:
    """``key`` (English, else the first) and ``key + 's'`` (every language)."""
    texts = {xml_lang(t): t.text or "" for t in element.iterfind(tag)}
    if not texts:
        return {}
    return {key: texts.get("en", next(iter(texts.values()))), f"{key}s": texts}


def _annotations(element: etree._Element) -> JsonObject:
    annotations = [
        _annotation(a)
        for a in element.iterfind(f"{_c('Annotations')}/{_c('Annotation')}")
    ]
    return {"annotations": annotations} if annotations else {}


def _annotation(annotation: etree._Element) -> JsonObject:
    found: JsonObject = {}
    if annotation.get("id"):
        found["id"] = annotation.get("id")
    for tag, key in (("AnnotationTitle", "title"), ("AnnotationType", "type")):
        if annotation.find(_c(tag)) is not None:
            found[key] = annotation.findtext(_c(tag))
    if annotation.find(_c("AnnotationValue")) is not None:
        found["value"] = annotation.findtext(_c("AnnotationValue"))
    found.update(_texts(annotation, _c("AnnotationText"), "text"))
    links = [_url_link(url) for url in annotation.iterfind(_c("AnnotationURL"))]
    if links:
        found["links"] = links
    return found


def _url_link(url: etree._Element) -> JsonObject:
    """An annotation URL as a link (``rel`` ``self``, as pysdmx reads it back)."""
    link: JsonObject = {"href": (url.text or "").strip(), "rel": "self"}
    if url.get("{http://www.w3.org/XML/1998/namespace}lang"):
        link["hreflang"] = xml_lang(url)
    return link


def _item_scheme(element: etree._Element) -> JsonObject:
    found: JsonObject = {}
    if element.get("isPartial") == "true":
        found["isPartial"] = True
    found.update(_items(element))
    return found


def _items(element: etree._Element) -> JsonObject:
    found: JsonObject = {}
    for child in element:
        key = ITEMS.get(_local(child)) if isinstance(child.tag, str) else None
        if key is not None:
            found.setdefault(key, []).append(_item(child))
    return found


def _item(element: etree._Element) -> JsonObject:
    found = _nameable(element)
    if element.find(_s("Parent")) is not None:
        found["parent"] = element.findtext(_s("Parent"))
    contacts = [_contact(c) for c in element.iterfind(_s("Contact"))]
    if contacts:
        found["contacts"] = contacts
    core = element.find(_s("CoreRepresentation"))
    if core is not None:
        found["coreRepresentation"] = _representation(core)
    iso = element.find(_s("ISOConceptReference"))
    if iso is not None:
        found["isoConceptReference"] = {
            _camel(_local(part)): part.text or "" for part in iso
        }
    found.update(_items(element))
    return found


def _contact(contact: etree._Element) -> JsonObject:
    found: JsonObject = {}
    if contact.get("id"):
        found["id"] = contact.get("id")
    found.update(_texts(contact, _c("Name"), "name"))
    found.update(_texts(contact, _s("Department"), "department"))
    found.update(_texts(contact, _s("Role"), "role"))
    for child in contact:
        key = _CONTACT_LISTS.get(_local(child))
        if key is not None:
            found.setdefault(key, []).append(child.text or "")
    return found


def _camel(name: str) -> str:
    if name.startswith("ISO"):
        return "iso" + name[3:]
    return name[:1].lower() + name[1:]


def _representation(element: etree._Element) -> JsonObject:
    """A local or core representation: enumeration or format, with occurrences."""
    found: JsonObject = {}
    if element.find(_s("Enumeration")) is not None:
        found["enumeration"] = element.findtext(_s("Enumeration"))
    for tag, key in (("EnumerationFormat", "enumerationFormat"), ("TextFormat", "")):
        text_format = element.find(_s(tag))
        if text_format is not None:
            found[key or "format"] = _format(text_format)
    if element.get("minOccurs") is not None:
        found["minOccurs"] = int(element.get("minOccurs"))
    if element.get("maxOccurs") is not None:
        found["maxOccurs"] = _occurs(element.get("maxOccurs"))
    return found


def _occurs(value: str) -> int | str:
    return value if value == "unbounded" else int(value)


def _format(text_format: etree._Element) -> JsonObject:
    found: JsonObject = {}
    for key, value in text_format.attrib.items():
        found["dataType" if key == "textType" else key] = _typed(key, value)
    sentinels = [_sentinel(s) for s in text_format.iterfind(_s("SentinelValue"))]
    if sentinels:
        found["sentinelValues"] = sentinels
    return found


def _sentinel(element: etree._Element) -> JsonObject:
    found: JsonObject = {"value": element.get("value")}
    found.update(_texts(element, _c("Name"), "name"))
    found.update(_texts(element, _c("Description"), "description"))
    return found


def _typed(key: str, value: str) -> bool | int | float | str:
    """An XML attribute value with the JSON type SDMX-JSON gives that facet."""
    if key in _BOOLEAN:
        return value == "true"
    if key in _INTEGER:
        return int(value)
    if key in _NUMBER:
        number = float(value)
        return int(number) if number.is_integer() else number
    return value


def _data_structure(element: etree._Element) -> JsonObject:
    components = element.find(_s("DataStructureComponents"))
    if components is None:
        return {}
    found: JsonObject = {"dimensionList": _dimension_list(components)}
    groups = [_group(g) for g in components.iterfind(_s("Group"))]
    if groups:
        found["groups"] = groups
    attributes = components.find(_s("AttributeList"))
    if attributes is not None:
        found["attributeList"] = _component_list(attributes, "attributes", _attribute)
    measures = components.find(_s("MeasureList"))
    if measures is not None:
        found["measureList"] = _component_list(measures, "measures", _component)
    return {"dataStructureComponents": found}


def _component_list(
    element: etree._Element, key: str, convert: Callable[[etree._Element], JsonObject]
) -> JsonObject:
    found: JsonObject = {"id": element.get("id") or _LIST_IDS[_local(element)]}
    found.update(_annotations(element))
    components = [convert(c) for c in element if _local(c) in ("Attribute", "Measure")]
    if components:
        found[key] = components
    return found


_LIST_IDS = {
    "DimensionList": "DimensionDescriptor",
    "AttributeList": "AttributeDescriptor",
    "MeasureList": "MeasureDescriptor",
}


def _dimension_list(components: etree._Element) -> JsonObject:
    element = components.find(_s("DimensionList"))
    found: JsonObject = {"id": "DimensionDescriptor"}
    found.update(_annotations(element))
    found["dimensions"] = [
        _component(d, position)
        for position, d in enumerate(element.iterfind(_s("Dimension")))
    ]
    time = element.find(_s("TimeDimension"))
    if time is not None:
        found["timeDimension"] = _component(time)
    return found


def _component(element: etree._Element, position: int | None = None) -> JsonObject:
    """A dimension, time dimension or measure (and the shared part of attributes)."""
    found: JsonObject = {"id": element.get("id")}
    found.update(_annotations(element))
    if position is not None:
        found["position"] = position  # SDMX-JSON counts dimensions from 0
    if element.get("usage"):
        found["usage"] = element.get("usage")
    found["conceptIdentity"] = element.findtext(_s("ConceptIdentity"))
    roles = [r.text for r in element.iterfind(_s("ConceptRole"))]
    if roles:
        found["conceptRoles"] = roles
    representation = element.find(_s("LocalRepresentation"))
    if representation is not None:
        found["localRepresentation"] = _representation(representation)
    return found


def _attribute(element: etree._Element) -> JsonObject:
    found = _component(element)
    found["attributeRelationship"] = _relationship(
        element.find(_s("AttributeRelationship"))
    )
    measures = [m.text for m in element.iterfind(f"{_s('MeasureRelationship')}/*")]
    if measures:
        found["measureRelationship"] = measures
    return found


def _relationship(element: etree._Element) -> JsonObject:
    dimensions = element.findall(_s("Dimension"))
    if dimensions:
        found: JsonObject = {"dimensions": [d.text for d in dimensions]}
        if any(d.get("optional") == "true" for d in dimensions):
            found["areDimensionsOptional"] = [
                d.get("optional") == "true" for d in dimensions
            ]
        return found
    if element.find(_s("Group")) is not None:
        return {"group": element.findtext(_s("Group"))}
    if element.find(_s("Observation")) is not None:
        return {"observation": {}}
    return {"dataflow": {}}


def _group(element: etree._Element) -> JsonObject:
    found: JsonObject = {"id": element.get("id")}
    found.update(_annotations(element))
    found["groupDimensions"] = [
        d.text for d in element.iterfind(f"{_s('GroupDimension')}/*")
    ]
    return found


def _references(*names: str) -> Callable[[etree._Element], JsonObject]:
    """A body of ``name`` -> URN for each of ``names`` the artefact has."""

    def body(element: etree._Element) -> JsonObject:
        return {
            _camel(name): element.findtext(_s(name))
            for name in names
            if element.find(_s(name)) is not None
        }

    return body


def _hierarchy(element: etree._Element) -> JsonObject:
    found: JsonObject = {"hasFormalLevels": element.get("hasFormalLevels") == "true"}
    level = element.find(_s("Level"))
    if level is not None:
        found["level"] = _level(level)
    codes = [_hierarchical_code(c) for c in element.iterfind(_s("HierarchicalCode"))]
    if codes:
        found["hierarchicalCodes"] = codes
    return found


def _level(element: etree._Element) -> JsonObject:
    found = _nameable(element)
    coding = element.find(_s("CodingFormat"))
    if coding is not None:
        found["codingFormat"] = _format(coding)
    child = element.find(_s("Level"))
    if child is not None:
        found["level"] = _level(child)
    return found


def _hierarchical_code(element: etree._Element) -> JsonObject:
    found: JsonObject = {"id": element.get("id")}
    found.update(_annotations(element))
    for key in ("validFrom", "validTo"):
        if element.get(key):
            found[key] = element.get(key)
    found["code"] = element.findtext(_s("Code"))
    children = [_hierarchical_code(c) for c in element.iterfind(_s("HierarchicalCode"))]
    if children:
        found["hierarchicalCodes"] = children
    if element.find(_s("Level")) is not None:
        found["level"] = element.findtext(_s("Level"))
    return found


def _data_constraint(element: etree._Element) -> JsonObject:
    found: JsonObject = {"role": element.get("role")}
    attachment = element.find(_s("ConstraintAttachment"))
    if attachment is not None:
        found["constraintAttachment"] = _attachment(attachment)
    calendar = element.find(_s("ReleaseCalendar"))
    if calendar is not None:
        found["releaseCalendar"] = {_camel(_local(p)): p.text or "" for p in calendar}
    key_sets = [_key_set(k) for k in element.iterfind(_s("DataKeySet"))]
    if key_sets:
        found["dataKeySets"] = key_sets
    regions = [_region(r) for r in element.iterfind(_s("CubeRegion"))]
    if regions:
        found["cubeRegions"] = regions
    return found


_ATTACHMENT_ARRAYS = {
    "DataStructure": "dataStructures",
    "Dataflow": "dataflows",
    "ProvisionAgreement": "provisionAgreements",
    "SimpleDataSource": "simpleDataSources",
    "QueryableDataSource": "queryableDataSources",
}


def _attachment(element: etree._Element) -> JsonObject:
    found: JsonObject = {}
    for part in element:
        name = _local(part)
        if name == "DataProvider":
            found["dataProvider"] = part.text
        elif name == "QueryableDataSource":
            found.setdefault("queryableDataSources", []).append(_queryable(part))
        else:
            found.setdefault(_ATTACHMENT_ARRAYS[name], []).append(part.text)
    return found


def _queryable(element: etree._Element) -> JsonObject:
    found: JsonObject = {
        key: element.get(key) == "true"
        for key in ("isRESTDatasource", "isWebServiceDatasource")
    }
    for part in element:
        found[_URL_KEYS[_local(part)]] = part.text or ""
    return found


_URL_KEYS = {"DataURL": "dataURL", "WSDLURL": "wsdlURL", "WADLURL": "wadlURL"}


def _key_set(element: etree._Element) -> JsonObject:
    keys = []
    for key in element.iterfind(_s("Key")):
        found: JsonObject = _annotations(key)
        found["keyValues"] = [
            {"id": v.get("id"), "value": v.findtext(_s("Value"))}
            for v in key.iterfind(_s("KeyValue"))
        ]
        components = [_member(c) for c in key.iterfind(_s("Component"))]
        if components:
            found["components"] = components
        keys.append(found)
    return {"isIncluded": element.get("isIncluded") == "true", "keys": keys}


def _region(element: etree._Element) -> JsonObject:
    found: JsonObject = {"include": element.get("include", "true") == "true"}
    found.update(_annotations(element))
    for tag, key in (("KeyValue", "keyValues"), ("Component", "components")):
        members = [_member(m) for m in element.iterfind(_s(tag))]
        if members:
            found[key] = members
    return found


def _member(element: etree._Element) -> JsonObject:
    """A cube region key value or component value set."""
    found: JsonObject = {
        key: _typed(key, value) for key, value in element.attrib.items()
    }
    values = [_value(v) for v in element.iterfind(_s("Value"))]
    if values:
        found["values"] = values
    time_range = element.find(_s("TimeRange"))
    if time_range is not None:
        found["timeRange"] = _time_range(time_range)
    return found


def _value(element: etree._Element) -> JsonObject:
    """A selected value, in the object form (pysdmx reads no other)."""
    found: JsonObject = {"value": element.text or ""}
    for key, value in element.attrib.items():
        if key.endswith("}lang"):
            found["lang"] = value
        elif key == "cascadeValues":
            found[key] = value if value == "excluderoot" else value == "true"
        else:
            found[key] = value
    return found


def _time_range(element: etree._Element) -> JsonObject:
    found: JsonObject = {}
    for part in element:
        period: JsonObject = {"period": part.text or ""}
        if part.get("isInclusive") is not None:
            period["isInclusive"] = part.get("isInclusive") == "true"
        found[_camel(_local(part))] = period
    return found


_BODIES: dict[str, Callable[[etree._Element], JsonObject]] = {
    "AgencyScheme": _item_scheme,
    "DataProviderScheme": _item_scheme,
    "DataConsumerScheme": _item_scheme,
    "OrganisationUnitScheme": _item_scheme,
    "Codelist": _item_scheme,
    "ConceptScheme": _item_scheme,
    "CategoryScheme": _item_scheme,
    "Hierarchy": _hierarchy,
    "Categorisation": _references("Source", "Target"),
    "DataStructure": _data_structure,
    "Dataflow": _references("Structure"),
    "DataConstraint": _data_constraint,
    "ProvisionAgreement": _references("Dataflow", "DataProvider"),
}
