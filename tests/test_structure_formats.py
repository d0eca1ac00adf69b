"""The bundled structures as SDMX-ML 3.0 and SDMX-JSON 2.0.0 structure messages.

Every artefact of ``structures/*.xml`` is converted as at load time, written alone and
all together, whole and as (complete) stubs, validated against the official schemas
(project copies) and read back by pysdmx and sdmx1.
"""

from __future__ import annotations

import io
import json
import logging
from functools import cache
from pathlib import Path
from types import SimpleNamespace

import jsonschema
import pytest
import sdmx
from lxml import etree
from pysdmx.io import read_sdmx

from server.errors import InvalidStructure, NotImplementedFeature
from server.formats import structure_json, structure_ml30, structure_writer
from server.formats.ml30_artefacts import COM30, STR30, urn30
from server.formats.structure_convert import (
    COMPLETE_STUB_XML21,
    FRAGMENT_KEYS,
    RESOURCE_21,
    RESOURCE_30,
    convert_artefact,
)
from server.formats.structure_reader import read_structure_message
from server.model import Artefact

ROOT = Path(__file__).resolve().parent.parent
NS30 = {"str": STR30, "com": COM30}
STRUCTURE_FILES = sorted((ROOT / "structures").glob("*.xml"))
ARTEFACTS: list[Artefact] = [
    artefact for path in STRUCTURE_FILES for artefact in read_structure_message(path)
]
DETAILS = ["full", "allstubs", "allcompletestubs"]


def _row(artefact: Artefact) -> SimpleNamespace:
    """A store row as the writers get it: 2.1 fragments plus converted ones."""
    return SimpleNamespace(
        type=artefact.ref.type,
        xml=artefact.xml,
        stub_xml=artefact.stub_xml,
        **convert_artefact(artefact.xml, artefact.ref.type),
    )


@pytest.fixture(scope="module")
def rows() -> list[SimpleNamespace]:
    return [_row(a) for a in ARTEFACTS]


def _write(writer, rows: list, detail: str) -> str:
    """A whole message as the REST layer would ask for ``detail``."""
    if detail == "allstubs":
        return "".join(writer("UNDESA", [], rows))
    if detail == "allcompletestubs":
        return "".join(writer("UNDESA", [], [], rows))
    return "".join(writer("UNDESA", rows))


@cache
def _ml30_schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(ROOT / "schemas/sdmx-ml-3.0/SDMXMessage.xsd"))


@cache
def _json_schema() -> jsonschema.Draft202012Validator:
    path = ROOT / "schemas/sdmx-json/2.0.0/sdmx-json-structure-schema.json"
    return jsonschema.Draft202012Validator(json.loads(path.read_text()))


def assert_valid_ml30(text: str) -> etree._Element:
    """Parse an SDMX-ML 3.0 message and assert it is valid."""
    root = etree.fromstring(text.encode())
    schema = _ml30_schema()
    schema.validate(root)
    errors = list(schema.error_log)
    assert not errors, errors[:5]
    return root


def assert_valid_json20(text: str) -> dict:
    """Parse an SDMX-JSON 2.0.0 structure message and assert it is schema-valid."""
    message = json.loads(text)
    errors = list(_json_schema().iter_errors(message))
    assert not errors, [(list(e.absolute_path), e.message[:200]) for e in errors[:5]]
    assert message["meta"]["schema"] == structure_json.SCHEMA_20
    return message


def _ml30(rows, detail="full") -> etree._Element:
    return assert_valid_ml30(_write(structure_ml30.write_structure, rows, detail))


def _json20(rows, detail="full") -> dict:
    return assert_valid_json20(_write(structure_json.write_structure, rows, detail))


def _by_id(rows, identifier: str) -> SimpleNamespace:
    return next(
        r for r, a in zip(rows, ARTEFACTS, strict=True) if a.ref.id == identifier
    )


@pytest.mark.parametrize(
    "index", [pytest.param(i, id=a.ref.triple) for i, a in enumerate(ARTEFACTS)]
)
@pytest.mark.parametrize("detail", DETAILS)
def test_each_artefact_is_valid_in_both_formats(rows, index, detail):
    _ml30([rows[index]], detail)
    message = _json20([rows[index]], detail)
    assert len(message["data"]) == 1


@pytest.mark.parametrize("detail", DETAILS)
def test_all_artefacts_in_one_message_are_valid(rows, detail):
    root = _ml30(rows, detail)
    message = _json20(rows, detail)

    # Every 2.1 artefact is there; the hierarchical codelist gives four hierarchies.
    maintainables = root.find("mes:Structures", {"mes": root.nsmap["mes"]})
    assert sum(len(container) for container in maintainables) == len(ARTEFACTS) + 3
    assert sum(len(v) for v in message["data"].values()) == len(ARTEFACTS) + 3


def test_converted_fragments_have_every_key(rows):
    for row in rows:
        for key in (*FRAGMENT_KEYS, COMPLETE_STUB_XML21):
            assert getattr(row, key), (row.type, key)


def test_rest_type_names_map_between_versions():
    assert RESOURCE_30["contentconstraint"] == "dataconstraint"
    assert RESOURCE_30["hierarchicalcodelist"] == "hierarchy"
    assert RESOURCE_21["dataconstraint"] == "contentconstraint"
    assert RESOURCE_30["codelist"] == "codelist"


def test_code_840_has_its_name_and_parent(rows):
    row = _by_id(rows, "CL_AREA")
    root = _ml30([row])
    code = root.find(".//str:Codelist/str:Code[@id='840']", NS30)
    assert code.findtext("com:Name", namespaces=NS30) == "United States of America"
    # SDMX-ML 3.0.0 cannot hold a numeric Parent: it is in a PARENT annotation.
    assert code.find("str:Parent", NS30) is None
    assert (
        code.findtext(
            "com:Annotations/com:Annotation/com:AnnotationTitle", namespaces=NS30
        )
        == "918"
    )

    codes = _json20([row])["data"]["codelists"][0]["codes"]
    found = next(c for c in codes if c["id"] == "840")
    assert found["name"] == "United States of America"
    assert found["names"] == {"en": "United States of America"}
    assert found["parent"] == "918"


DIMENSIONS = ["FREQ", "INDICATOR", "REF_AREA", "SEX", "AGE", "COB", "CITIZENSHIP"]


def test_data_structure_keeps_dimension_order_and_attachment(rows):
    row = _by_id(rows, "DSD_MIG_STOCK")
    root = _ml30([row])
    dimensions = root.findall(".//str:DimensionList/str:Dimension", NS30)
    assert [d.get("id") for d in dimensions] == DIMENSIONS
    obs_status = root.find(".//str:Attribute[@id='OBS_STATUS']", NS30)
    assert obs_status.get("usage") == "optional"
    assert (
        obs_status.find("str:AttributeRelationship/str:Observation", NS30) is not None
    )
    assert root.find(".//str:MeasureList/str:Measure", NS30).get("id") == "OBS_VALUE"

    components = _json20([row])["data"]["dataStructures"][0]["dataStructureComponents"]
    dimension_list = components["dimensionList"]
    assert [d["id"] for d in dimension_list["dimensions"]] == DIMENSIONS
    assert [d["position"] for d in dimension_list["dimensions"]] == list(range(7))
    assert dimension_list["timeDimension"]["id"] == "TIME_PERIOD"
    unit = components["attributeList"]["attributes"][0]
    assert unit["usage"] == "mandatory"
    assert unit["attributeRelationship"] == {"dimensions": DIMENSIONS}


DSD_URN = (
    "urn:sdmx:org.sdmx.infomodel.datastructure.DataStructure=UNDESA:DSD_MIG_STOCK(1.0)"
)


def test_dataflow_refers_to_its_data_structure(rows):
    row = _by_id(rows, "DF_IMS2020_SEX")
    assert _ml30([row]).findtext(".//str:Dataflow/str:Structure", namespaces=NS30) == (
        DSD_URN
    )
    assert _json20([row])["data"]["dataflows"][0]["structure"] == DSD_URN


def _cube_values_21(identifier: str) -> dict[str, list[str]]:
    artefact = next(a for a in ARTEFACTS if a.ref.id == identifier)
    element = etree.fromstring(artefact.xml)
    com21 = element.nsmap["com"]
    return {
        key.get("id"): [v.text for v in key.iterfind(f"{{{com21}}}Value")]
        for key in element.iter(f"{{{com21}}}KeyValue")
    }


def test_constraint_becomes_a_data_constraint_with_its_cube_region(rows):
    row = _by_id(rows, "CC_IMS2020_SEX")
    expected = _cube_values_21("CC_IMS2020_SEX")
    assert expected["FREQ"] == ["A"] and "840" in expected["REF_AREA"]

    constraint = _ml30([row]).find(".//str:DataConstraint", NS30)
    assert constraint.get("role") == "Allowed"
    assert ".registry.DataConstraint=UNDESA:CC_IMS2020_SEX(1.0)" in constraint.get(
        "urn"
    )
    found = {
        key.get("id"): [v.text for v in key.iterfind("str:Value", NS30)]
        for key in constraint.iterfind("str:CubeRegion/str:KeyValue", NS30)
    }
    assert found == expected

    data = _json20([row])["data"]["dataConstraints"][0]
    assert data["role"] == "Allowed"
    assert data["constraintAttachment"]["dataflows"] == [
        "urn:sdmx:org.sdmx.infomodel.datastructure.Dataflow=UNDESA:DF_IMS2020_SEX(1.0)"
    ]
    region = data["cubeRegions"][0]
    assert region["include"] is True
    assert {
        k["id"]: [v["value"] for v in k["values"]] for k in region["keyValues"]
    } == (expected)


def _code_references_21() -> dict[str, list[str]]:
    artefact = next(a for a in ARTEFACTS if a.ref.type == "hierarchicalcodelist")
    element = etree.fromstring(artefact.xml)
    str21 = element.nsmap["str"]
    return {
        hierarchy.get("id"): sorted(
            ref.get("id")
            for ref in hierarchy.iter("Ref")
            if ref.getparent().tag == f"{{{str21}}}Code"
        )
        for hierarchy in element.iterfind(f"{{{str21}}}Hierarchy")
    }


def test_hierarchical_codelist_becomes_one_hierarchy_per_hierarchy(rows):
    row = _by_id(rows, "HCL_AREA_GROUPS")
    expected = _code_references_21()
    hierarchies = _ml30([row]).findall(".//str:Hierarchy", NS30)
    assert [h.get("id") for h in hierarchies] == list(expected)
    for hierarchy in hierarchies:
        assert hierarchy.get("agencyID") == "UNDESA"
        assert hierarchy.get("version") == "1.0"
        codes = hierarchy.findall(".//str:HierarchicalCode", NS30)
        # SDMX-ML 3.0.0 wants hierarchical code ids unique in the hierarchy.
        assert len({c.get("id") for c in codes}) == len(codes)
        referenced = sorted(
            c.findtext("str:Code", namespaces=NS30).rsplit(".", 1)[1] for c in codes
        )
        assert referenced == expected[hierarchy.get("id")]

    data = _json20([row])["data"]["hierarchies"]
    assert [h["id"] for h in data] == list(expected)
    assert data[0]["hierarchicalCodes"][0]["code"].endswith(
        "Code=UNDESA:CL_AREA(1.0).903"
    )


def test_repeated_hierarchical_code_is_renamed_after_its_parent(rows):
    hierarchy = next(
        h
        for h in _ml30([_by_id(rows, "HCL_AREA_GROUPS")]).findall(
            ".//str:Hierarchy", NS30
        )
        if h.get("id") == "INCOME_GROUPS"
    )
    moldova = [
        c
        for c in hierarchy.iter(f"{{{STR30}}}HierarchicalCode")
        if c.findtext("str:Code", namespaces=NS30).endswith(".498")
    ]
    assert [c.get("id") for c in moldova][1:] == ["1501_498"]
    assert moldova[1].get("urn").endswith("INCOME_GROUPS(1.0).1501.1501_498")


def test_stubs_hold_names_and_complete_stubs_descriptions(rows):
    row = _by_id(rows, "DSD_MIG_STOCK")
    for detail, has_description in (("allstubs", False), ("allcompletestubs", True)):
        dsd = _ml30([row], detail).find(".//str:DataStructure", NS30)
        assert dsd.get("isExternalReference") == "true"
        assert dsd.find("str:DataStructureComponents", NS30) is None
        assert (dsd.find("com:Description", NS30) is not None) is has_description

        data = _json20([row], detail)["data"]["dataStructures"][0]
        assert data["isExternalReference"] is True
        assert "dataStructureComponents" not in data
        assert ("description" in data) is has_description


def test_hierarchy_stub_keeps_top_level_codes_only_in_xml(rows):
    row = _by_id(rows, "HCL_AREA_GROUPS")
    hierarchy = _ml30([row], "allstubs").find(".//str:Hierarchy", NS30)
    assert hierarchy.findall("str:HierarchicalCode", NS30)
    assert hierarchy.find("str:HierarchicalCode/str:HierarchicalCode", NS30) is None
    assert (
        "hierarchicalCodes" not in _json20([row], "allstubs")["data"]["hierarchies"][0]
    )


def test_complete_stubs_in_sdmx_ml_21_are_valid_and_keep_descriptions(rows):
    stub = etree.fromstring(_by_id(rows, "CL_AREA").completestub_xml)
    assert stub.get("isExternalReference") == "true"
    assert len(stub) == 2  # name and description, no codes
    assert etree.QName(stub[1]).localname == "Description"

    # The SDMX-ML 2.1 writer takes them in place of plain stubs.
    as_stubs = [
        SimpleNamespace(type=r.type, xml=r.xml, stub_xml=r.completestub_xml)
        for r in rows
    ]
    text = "".join(structure_writer.write_structure("UNDESA", [], as_stubs))
    schema = etree.XMLSchema(etree.parse(ROOT / "schemas/sdmx-ml-2.1/SDMXMessage.xsd"))
    assert schema.validate(etree.fromstring(text.encode())), schema.error_log


def test_rows_stored_before_conversion_are_converted_when_written(rows):
    row = _by_id(rows, "CS_MIGRATION")
    bare = SimpleNamespace(type=row.type, xml=row.xml, stub_xml=row.stub_xml)
    assert _json20([bare])["data"] == _json20([row])["data"]
    assert etree.tostring(_ml30([bare])[1]) == etree.tostring(_ml30([row])[1])


def _with_french_names(artefact: Artefact) -> str:
    return artefact.xml.replace(
        '<com:Name xml:lang="en">Frequency</com:Name>',
        '<com:Name xml:lang="en">Frequency</com:Name>'
        '<com:Name xml:lang="fr">Fréquence</com:Name>',
    )


def test_names_in_every_language_are_kept():
    artefact = next(a for a in ARTEFACTS if a.ref.id == "CS_MIGRATION")
    fragments = convert_artefact(_with_french_names(artefact), "conceptscheme")
    concept = json.loads(fragments["json20"])[0]["concepts"][0]
    assert concept["name"] == "Frequency"
    assert concept["names"] == {"en": "Frequency", "fr": "Fréquence"}
    assert "Fréquence</com:Name>" in fragments["xml30"]


ANNOTATIONS = (
    '<com:Annotations><com:Annotation id="A1">'
    "<com:AnnotationTitle>Order</com:AnnotationTitle>"
    "<com:AnnotationType>ORDER</com:AnnotationType>"
    "<com:AnnotationURL>https://example.org/order</com:AnnotationURL>"
    '<com:AnnotationText xml:lang="en">one</com:AnnotationText>'
    '<com:AnnotationText xml:lang="fr">un</com:AnnotationText>'
    "</com:Annotation></com:Annotations>"
)


def _annotated_codelist() -> SimpleNamespace:
    """CL_SEX with annotations on the codelist and on its first code."""
    artefact = next(a for a in ARTEFACTS if a.ref.id == "CL_SEX")
    head, _, rest = artefact.xml.partition("<com:Name")
    code_head, _, code_rest = rest.partition("<str:Code ")
    code_open, _, code_body = code_rest.partition(">")
    xml = (
        f"{head}{ANNOTATIONS}<com:Name{code_head}<str:Code {code_open}>"
        f"{ANNOTATIONS}{code_body}"
    )
    return SimpleNamespace(
        type="codelist", xml=xml, **convert_artefact(xml, "codelist")
    )


def test_annotations_are_kept_in_full_and_complete_stubs():
    row = _annotated_codelist()
    codelist = _ml30([row]).find(".//str:Codelist", NS30)
    kind = "com:Annotations/com:Annotation/com:AnnotationType"
    assert codelist.findtext(kind, namespaces=NS30) == "ORDER"
    assert codelist.find("str:Code/com:Annotations", NS30) is not None
    assert _ml30([row], "allstubs").find(".//com:Annotations", NS30) is None
    assert _ml30([row], "allcompletestubs").find(".//com:Annotations", NS30) is not None

    data = _json20([row])["data"]["codelists"][0]
    expected = {
        "id": "A1",
        "title": "Order",
        "type": "ORDER",
        "text": "one",
        "texts": {"en": "one", "fr": "un"},
        "links": [{"href": "https://example.org/order", "rel": "self"}],
    }
    assert data["annotations"] == [expected]
    assert data["codes"][0]["annotations"] == [expected]
    assert "annotations" not in _json20([row], "allstubs")["data"]["codelists"][0]
    read = read_sdmx(_write(structure_json.write_structure, [row], "full"))
    assert read.structures[0].annotations[0].url == "https://example.org/order"


def test_wrong_resource_is_refused():
    artefact = next(a for a in ARTEFACTS if a.ref.id == "CL_SEX")
    with pytest.raises(InvalidStructure, match="must be an SDMX-ML 2.1"):
        convert_artefact(artefact.xml, "conceptscheme")


STR21 = "http://www.sdmx.org/resources/sdmxml/schemas/v2_1/structure"


def test_measure_dimension_has_no_sdmx_30_form():
    dsd = next(a for a in ARTEFACTS if a.ref.type == "datastructure").xml
    element = etree.fromstring(dsd)
    dimension_list = element.find(f".//{{{STR21}}}DimensionList")
    etree.SubElement(dimension_list, f"{{{STR21}}}MeasureDimension", id="MEASURE")
    with pytest.raises(NotImplementedFeature, match="measure dimensions"):
        convert_artefact(etree.tostring(element, encoding="unicode"), "datastructure")


def test_reference_period_is_left_out_with_a_warning(caplog):
    constraint = next(a for a in ARTEFACTS if a.ref.type == "contentconstraint")
    element = etree.fromstring(constraint.xml)
    etree.SubElement(
        element, f"{{{STR21}}}ReferencePeriod", startTime="2000", endTime="2020"
    )
    with caplog.at_level(logging.WARNING):
        fragments = convert_artefact(
            etree.tostring(element, encoding="unicode"), "contentconstraint"
        )
    assert "ReferencePeriod has no SDMX 3.0 form" in caplog.text
    assert "ReferencePeriod" not in fragments["xml30"]


def test_urns_take_their_sdmx_30_class_names():
    assert urn30("urn:sdmx:org.sdmx.infomodel.base.Agency=UNDESA") == (
        "urn:sdmx:org.sdmx.infomodel.base.Agency=SDMX:AGENCIES(1.0).UNDESA"
    )
    assert urn30("urn:sdmx:org.sdmx.infomodel.registry.ContentConstraint=A:B(1.0)") == (
        "urn:sdmx:org.sdmx.infomodel.registry.DataConstraint=A:B(1.0)"
    )


# --- Clients -------------------------------------------------------------------------

ALL_TYPES = {
    "AgencyScheme": 1,
    "DataProviderScheme": 1,
    "Codelist": 9,
    "Hierarchy": 4,
    "ConceptScheme": 1,
    "CategoryScheme": 1,
    "Categorisation": 8,
    "Dataflow": 8,
    "DataConstraint": 13,  # 8 on dataflows, 5 on the offices' agreements
    "DataStructureDefinition": 1,
    "ProvisionAgreement": 12,
}


def _type_counts(structures) -> dict[str, int]:
    counts: dict[str, int] = {}
    for structure in structures:
        name = type(structure).__name__
        counts[name] = counts.get(name, 0) + 1
    return counts


def _pysdmx_content(structures) -> None:
    """Assert what pysdmx read: a code name, dimension order, the DSD of a flow."""
    by_id = {s.id: s for s in structures}
    assert by_id["CL_AREA"]["840"].name == "United States of America"
    dimensions = [c.id for c in by_id["DSD_MIG_STOCK"].components.dimensions]
    assert dimensions == [*DIMENSIONS, "TIME_PERIOD"]
    structure = by_id["DF_IMS2020_SEX"].structure
    assert getattr(structure, "id", structure).endswith("DSD_MIG_STOCK") or (
        "DSD_MIG_STOCK(1.0)" in structure
    )


def test_pysdmx_reads_the_json_message(rows):
    text = _write(structure_json.write_structure, rows, "full")
    structures = read_sdmx(text).structures
    assert _type_counts(structures) == ALL_TYPES
    _pysdmx_content(structures)


def test_pysdmx_reads_the_sdmx_ml_30_message_without_validation(rows):
    text = _write(structure_ml30.write_structure, rows, "full")
    structures = read_sdmx(text, validate=False).structures
    assert _type_counts(structures) == ALL_TYPES
    _pysdmx_content(structures)


def test_pysdmx_validates_and_reads_the_sdmx_ml_30_message(rows):
    text = _write(structure_ml30.write_structure, rows, "full")
    structures = read_sdmx(text, validate=True).structures
    assert _type_counts(structures) == ALL_TYPES
    _pysdmx_content(structures)


def test_numeric_parents_become_parent_annotations_in_sdmx_ml_30_only(rows):
    """SDMX-ML 3.0.0 types a code's Parent as an NCName, so an M49 parent such as
    902 cannot be written there (sdmx-twg/sdmx-ml issue 30); it goes into a PARENT
    annotation. SDMX-JSON 2.0.0 and SDMX-ML 2.1 keep the Parent itself."""
    (area,) = [r for r, a in zip(rows, ARTEFACTS, strict=True) if a.ref.id == "CL_AREA"]
    root = assert_valid_ml30(_write(structure_ml30.write_structure, [area], "full"))
    code = root.find(".//{*}Code[@id='934']")
    assert code.find("{*}Parent") is None
    annotation = code.find("{*}Annotations/{*}Annotation")
    assert annotation.findtext("{*}AnnotationType") == "PARENT"
    assert annotation.findtext("{*}AnnotationTitle") == "902"
    message = json.loads(_write(structure_json.write_structure, [area], "full"))
    codes = {c["id"]: c for c in message["data"]["codelists"][0]["codes"]}
    assert codes["934"]["parent"] == "902"
    assert "annotations" not in codes["934"]
    assert 'id="934"' in area.xml and '<Ref id="902"/>' in area.xml


@pytest.mark.parametrize("detail", ["allstubs", "allcompletestubs"])
def test_pysdmx_reads_json_stubs_except_data_structures(rows, detail):
    readable = [r for r in rows if r.type != "datastructure"]
    assert read_sdmx(_write(structure_json.write_structure, readable, detail))
    # pysdmx needs dataStructureComponents, which a stub does not have.
    dsd = [r for r in rows if r.type == "datastructure"]
    with pytest.raises(AttributeError):
        read_sdmx(_write(structure_json.write_structure, dsd, detail))


@pytest.mark.parametrize("detail", ["allstubs", "allcompletestubs"])
def test_pysdmx_reads_sdmx_ml_30_stubs_except_categorisations(rows, detail):
    readable = [r for r in rows if r.type != "categorisation"]
    assert read_sdmx(_write(structure_ml30.write_structure, readable, detail))
    # pysdmx needs Source and Target, which a stub does not have.
    categorisations = [r for r in rows if r.type == "categorisation"]
    with pytest.raises(KeyError, match="Source"):
        read_sdmx(_write(structure_ml30.write_structure, categorisations, detail))


def _sdmx1(text: str):
    return sdmx.read_sdmx(io.BytesIO(text.encode()))


@pytest.mark.parametrize("detail", DETAILS)
def test_sdmx1_reads_the_sdmx_ml_30_message(rows, detail):
    # Provision agreements refer to data providers, which sdmx1 cannot read here.
    unreadable = ("dataproviderscheme", "provisionagreement")
    readable = [r for r in rows if r.type not in unreadable]
    message = _sdmx1(_write(structure_ml30.write_structure, readable, detail))
    codelists = {a.ref.id for a in ARTEFACTS if a.ref.type == "codelist"}
    assert codelists == set(message.codelist)
    assert len(message.hierarchy) == 4
    assert len(message.constraint) == 8 + 5
    if detail != "full":
        return
    code = message.codelist["CL_AREA"]["840"]
    assert str(code.name) == "United States of America"
    # The numeric parent travels as a PARENT annotation in SDMX-ML 3.0.
    (annotation,) = code.annotations
    assert (annotation.type, annotation.title) == ("PARENT", "918")
    dsd = message.structure["DSD_MIG_STOCK"]
    assert [d.id for d in dsd.dimensions] == [*DIMENSIONS, "TIME_PERIOD"]
    assert message.dataflow["DF_IMS2020_SEX"].structure is dsd


def test_sdmx1_cannot_read_data_provider_schemes(rows):
    # sdmx1 2.28 knows no str:DataProviderSchemes container in SDMX-ML 3.0.
    providers = [r for r in rows if r.type == "dataproviderscheme"]
    with pytest.raises(Exception, match="DataProviderSchemes"):
        _sdmx1(_write(structure_ml30.write_structure, providers, "full"))
