"""Generated DSD-specific schemas check structure-specific data (SDMX-ML 2.1, 3B).

The ECB exchange-rate samples in ``fixtures/ecb`` are official: their data must pass
the schema generated from their data structure, and corrupted copies must not. Data
that ``write_structure_specific`` writes for a small made-up data structure must pass
too. Only the project's copy of the official schemas is used.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

import pytest
from lxml import etree

from server.formats.cross_section import cross_section
from server.formats.data_writers import (
    DataMessage,
    dsd_namespace,
    write_structure_specific,
)
from server.formats.dsd_schema import ALL_DIMENSIONS, dsd_schema, validating_schema
from server.formats.ns import MES, STR
from server.formats.structure_reader import read_structure_message
from server.formats.xsd_build import XS
from server.model import ArtefactRef, Component, DataStructure

SCHEMAS = Path(__file__).parents[1] / "schemas" / "sdmx-ml-2.1"
ECB = Path(__file__).parent / "fixtures" / "ecb"
EXR_DATA = Path(__file__).parent / "fixtures" / "exr_data"
NS = {"str": STR, "xs": XS}


# --- The official ECB samples ------------------------------------------------------


@pytest.fixture(scope="module")
def ecb_dsd() -> DataStructure:
    """ECB:ECB_EXR_NG(1.0) as the structure reader gives it, measure id mended."""
    artefacts = read_structure_message(str(ECB / "ecb_exr_ng_full.xml"))
    dsd = next(a for a in artefacts if a.ref.type == "datastructure")
    # The reader gives measure None when PrimaryMeasure has no id, as here; SDMX-ML
    # 2.1 fixes that id to OBS_VALUE (a fault of structure_reader.py, reported).
    model = {**dsd.model, "measure": dsd.model["measure"] or "OBS_VALUE"}
    return DataStructure.from_model(dsd.ref, model)


@pytest.fixture(scope="module")
def ecb_codes() -> dict[str, list[str]]:
    """Code ids of each coded component of ECB_EXR_NG, read from the fixture.

    A component takes its local representation, else its concept's core
    representation. The reader's model cannot give these here: it follows ``Ref``
    references only, and this file refers by ``URN``.
    """
    root = etree.parse(ECB / "ecb_exr_ng_full.xml")
    by_urn = {e.get("urn").strip(): e for e in root.iter() if e.get("urn")}
    components = root.xpath(
        "//str:DimensionList/str:Dimension | //str:AttributeList/str:Attribute",
        namespaces=NS,
    )
    codes: dict[str, list[str]] = {}
    for component in components:
        urn = _enumeration(component)
        if urn is None:
            identity = component.findtext("str:ConceptIdentity/URN", "", NS)
            concept = by_urn[identity.strip()]
            urn = _enumeration(concept)
        if urn is not None:
            codelist = by_urn[urn]
            codes[component.get("id")] = [
                code.get("id") for code in codelist.iterfind("str:Code", NS)
            ]
    return codes


def _enumeration(element: etree._Element) -> str | None:
    path = "str:*[self::str:LocalRepresentation or self::str:CoreRepresentation]"
    urns = element.xpath(f"{path}/str:Enumeration/URN/text()", namespaces=NS)
    return urns[0].strip() if urns else None


@pytest.fixture(scope="module")
def ecb_schema(ecb_dsd, ecb_codes) -> etree.XMLSchema:
    return validating_schema(SCHEMAS, dsd_schema(ecb_dsd, ecb_codes))


def test_official_time_series_sample_is_valid(ecb_schema):
    ecb_schema.assertValid(etree.parse(ECB / "ecb_exr_ng_ts.xml"))


def test_official_flat_sample_is_valid(ecb_dsd, ecb_codes):
    schema = validating_schema(SCHEMAS, dsd_schema(ecb_dsd, ecb_codes, ALL_DIMENSIONS))
    schema.assertValid(etree.parse(ECB / "ecb_exr_ng_flat.xml"))


@pytest.mark.parametrize(
    ("element", "name", "value"),
    [
        pytest.param("Series", "BONUS", "1", id="unknown attribute on a series"),
        pytest.param("Obs", "BONUS", "1", id="unknown attribute on an observation"),
        pytest.param("Obs", "OBS_VALUE", "1,3413", id="decimal comma in OBS_VALUE"),
        pytest.param("Obs", "OBS_VALUE", "n/a", id="text in OBS_VALUE"),
        pytest.param("Series", "CURRENCY", "XXX", id="dimension code not in codelist"),
        pytest.param("Obs", "OBS_STATUS", "Z", id="attribute code not in codelist"),
        pytest.param("Series", "FREQ", None, id="dimension missing"),
        pytest.param("Obs", "TITLE", "x", id="series attribute on an observation"),
        pytest.param("Obs", "TIME_PERIOD", None, id="time period missing"),
    ],
)
def test_corrupted_sample_is_invalid(ecb_schema, element, name, value):
    tree = etree.parse(ECB / "ecb_exr_ng_ts.xml")
    target = tree.find(f".//{element}")
    if value is None:
        del target.attrib[name]
    else:
        target.set(name, value)

    assert not ecb_schema.validate(tree)
    assert f"'{name}'" in str(ecb_schema.error_log)


def test_without_codes_any_code_passes_but_values_are_still_numbers(ecb_dsd):
    schema = validating_schema(SCHEMAS, dsd_schema(ecb_dsd))
    tree = etree.parse(ECB / "ecb_exr_ng_ts.xml")
    tree.find(".//Series").set("CURRENCY", "XXX")
    schema.assertValid(tree)

    tree.find(".//Obs").set("OBS_VALUE", "n/a")
    assert not schema.validate(tree)


def test_components_are_declared_where_the_official_sample_schema_has_them(
    ecb_dsd, ecb_codes
):
    # As in the sample schema samples/exr/ecb_exr_ng/structured/ecb_exr_ng_ts.xsd.
    required, optional, prohibited = "required", "optional", "prohibited"
    expected = {
        "DataSetType": {"REPORTING_YEAR_START_DAY": prohibited},
        "SeriesType": {
            **dict.fromkeys(
                ["FREQ", "CURRENCY", "CURRENCY_DENOM", "EXR_TYPE", "EXR_VAR"], required
            ),
            **dict.fromkeys(
                ["DECIMALS", "UNIT_MEASURE", "UNIT_MULT", "COLL_METHOD", "TITLE"],
                optional,
            ),
            "REPORTING_YEAR_START_DAY": prohibited,
        },
        "ObsType": {
            **dict.fromkeys(["OBS_VALUE", "CONF_STATUS_OBS", "OBS_STATUS"], optional),
            "REPORTING_YEAR_START_DAY": prohibited,
        },
    }
    schema = etree.fromstring(dsd_schema(ecb_dsd, ecb_codes))

    declared = {
        complex_type.get("name"): {
            a.get("name"): a.get("use")
            for a in complex_type.iterfind(".//xs:attribute", NS)
        }
        for complex_type in schema.iterfind("xs:complexType", NS)
    }
    assert declared == expected
    assert schema.get("targetNamespace") == dsd_namespace(ecb_dsd.ref)


def test_cross_sectional_schema_needs_the_cross_sectional_view(ecb_dsd):
    with pytest.raises(ValueError, match="'CURRENCY'.*ECB:ECB_EXR_NG.*cross_section"):
        dsd_schema(ecb_dsd, dimension_at_observation="CURRENCY")


def test_official_cross_sectional_sample_is_valid_with_series_attributes_moved(
    ecb_dsd, ecb_codes
):
    """The official sample keeps COLL_METHOD, which does not depend on CURRENCY, on
    the series; the model keeps no attribute relationships, so the cross-sectional
    view puts every series attribute on the observation. With that one attribute
    moved down, the rest of the sample passes the generated schema as it is."""
    view = cross_section(ecb_dsd, "CURRENCY")
    schema = validating_schema(SCHEMAS, dsd_schema(view, ecb_codes, "CURRENCY"))
    tree = etree.parse(EXR_DATA / "ecb_exr_ng_specific_xs.xml")
    assert not schema.validate(tree)
    assert "'COLL_METHOD'" in str(schema.error_log)
    for series in tree.iter("Series"):
        method = series.attrib.pop("COLL_METHOD")
        for obs in series.iter("Obs"):
            obs.set("COLL_METHOD", method)
    schema.assertValid(tree)
    # An observation without its CURRENCY, or a series without its period, fails.
    tree.find(".//Obs").attrib.pop("CURRENCY")
    assert not schema.validate(tree)
    tree = etree.parse(EXR_DATA / "ecb_exr_ng_specific_xs.xml")
    tree.find(".//Series").attrib.pop("TIME_PERIOD")
    assert not schema.validate(tree)


@pytest.mark.parametrize(
    ("codes", "message"),
    [
        pytest.param({"CURENCY": ["EUR"]}, "'CURENCY'", id="no such component"),
        pytest.param({"CURRENCY": []}, "empty code list", id="empty code list"),
    ],
)
def test_bad_codes_are_refused(ecb_dsd, codes, message):
    with pytest.raises(ValueError, match=message):
        dsd_schema(ecb_dsd, codes)


# --- Data written by write_structure_specific ---------------------------------------


@dataclass(frozen=True)
class Row:
    """A row of a data query, as the writers read it."""

    key: str
    series_attributes: str | None  # JSON
    provider: str
    period: str
    value: float | None
    attributes: str | None  # JSON


TINY = DataStructure(
    ArtefactRef("datastructure", "TEST", "DSD_TINY", "1.0"),
    [Component("FREQ"), Component("REF_AREA")],
    "TIME_PERIOD",
    [
        Component("UNIT_MEASURE", mandatory=True),
        Component("COMMENT_TS"),
        Component("UNIT_MULT", attachment="Group"),
        Component("DATA_SOURCE", attachment="DataSet"),
        Component("OBS_STATUS", attachment="Observation"),
    ],
    "OBS_VALUE",
)
TINY_CODES = {
    "FREQ": ["A"],
    "REF_AREA": ["FRA", "KEN", "MEX"],
    "UNIT_MEASURE": ["PS", "PT"],
    "OBS_STATUS": ["A", "E", "O"],
}
COMMENT = 'Il a dit "ça" & <l\'autre> — Ελληνικά, 中文, العربية, हिन्दी\tfin'
FRA = json.dumps({"UNIT_MEASURE": "PS", "UNIT_MULT": "3", "COMMENT_TS": COMMENT})
ROWS = [
    Row("A.FRA", FRA, "DESA_PD", "2015", 1.5, '{"OBS_STATUS": "E"}'),
    Row("A.FRA", FRA, "DESA_PD", "2020", None, '{"OBS_STATUS": "O"}'),
    Row("A.KEN", '{"UNIT_MEASURE": "PT"}', "DESA_PD", "2015", math.nan, None),
    Row("A.KEN", '{"UNIT_MEASURE": "PT"}', "DESA_PD", "2020", -0.25, None),
    Row("A.MEX", None, "DESA_PD", "2020", 1.2345678901234567e20, "{}"),
]


def _written(rows: list[Row]) -> etree._ElementTree:
    message = DataMessage(TINY, ArtefactRef("dataflow", "TEST", "DF_TINY", "1.0"), "T")
    text = "".join(write_structure_specific(message, rows))
    return etree.ElementTree(etree.fromstring(text.encode("utf-8")))


@pytest.fixture(scope="module")
def tiny_schema() -> etree.XMLSchema:
    return validating_schema(SCHEMAS, dsd_schema(TINY, TINY_CODES))


def test_written_data_is_valid(tiny_schema):
    tiny_schema.assertValid(_written(ROWS))


def test_written_empty_data_set_is_valid(tiny_schema):
    tiny_schema.assertValid(_written([]))


def test_missing_value_is_written_as_nan():
    values = [obs.get("OBS_VALUE") for obs in _written(ROWS).iter("Obs")]

    assert values == ["1.5", "NaN", "NaN", "-0.25", "1.2345678901234567e+20"]


def test_quotes_ampersand_and_non_latin_text_survive():
    series = _written(ROWS).find(".//Series")

    assert series.get("COMMENT_TS") == COMMENT


def test_infinite_value_is_written_as_xml_schema_infinity(tiny_schema):
    rows = [Row("A.FRA", None, "DESA_PD", "2020", math.inf, None)]

    tiny_schema.assertValid(_written(rows))


def test_data_set_attribute_belongs_on_the_data_set_not_a_series(tiny_schema):
    # SDMX-ML 2.1: an attribute attached to the data set is an XML attribute of the
    # DataSet element; the schema accepts it there only.
    tree = _written(ROWS)
    tree.find(f"{{{MES}}}DataSet").set("DATA_SOURCE", "census")
    tiny_schema.assertValid(tree)

    tree.find(".//Series").set("DATA_SOURCE", "census")
    assert not tiny_schema.validate(tree)
    assert "'DATA_SOURCE'" in str(tiny_schema.error_log)
