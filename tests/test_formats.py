"""Every format negotiated on REST 1.5, each validated against its official schema."""

from __future__ import annotations

import csv
import io

import pytest
from lxml import etree

from server.formats.dsd_schema import validating_schema
from server.formats.dsd_schema30 import dataflow_schema
from server.formats.dsd_schema30 import validating_schema as validating_schema_30
from server.model import ArtefactRef
from tests.helpers import (
    SCHEMAS,
    assert_sdmx_error,
    assert_valid_json,
    assert_valid_sdmx_ml,
    assert_valid_sdmx_ml_30,
)

USA_BY_SEX = "A.MIG_STOCK.840.._T._T._T"
DATA = f"/rest/data/DF_IMS2020_SEX/{USA_BY_SEX}?startPeriod=2020"


def _sdmx(kind: str, version: str) -> str:
    return f"application/vnd.sdmx.{kind};version={version}"


def _values_json10(message: dict) -> dict[str, float]:
    structure = message["data"]["structure"]
    sexes = structure["dimensions"]["series"][3]["values"]
    found = {}
    for key, series in message["data"]["dataSets"][0]["series"].items():
        sex = sexes[int(key.split(":")[3])]["id"]
        for observation in series["observations"].values():
            found[sex] = observation[0]
    return found


def test_sdmx_json_10_data_is_valid_and_right(client):
    response = client.get(DATA, headers={"Accept": _sdmx("data+json", "1.0.0")})
    assert response.content_type == _sdmx("data+json", "1.0.0")
    message = assert_valid_json(response.data, "data", "1.0")
    found = _values_json10(message)
    assert found["_T"] == 50632836
    assert found["F"] == 26153840
    assert found["M"] == 50632836 - 26153840


def test_sdmx_json_20_data_is_valid_and_right(client):
    response = client.get(DATA, headers={"Accept": _sdmx("data+json", "2.0.0")})
    assert response.content_type == _sdmx("data+json", "2.0.0")
    message = assert_valid_json(response.data, "data", "2.0.0")
    structure = message["data"]["structures"][0]
    sexes = [v["id"] for v in structure["dimensions"]["series"][3]["values"]]
    found = {
        sexes[int(key.split(":")[3])]: list(series["observations"].values())[0][0]
        for key, series in message["data"]["dataSets"][0]["series"].items()
    }
    assert found["_T"] == 50632836
    assert found["F"] == 26153840


@pytest.mark.parametrize(
    ("accept", "value_column"),
    [
        (_sdmx("data+csv", "2.0.0"), "OBS_VALUE"),
        (_sdmx("data+csv", "2.0.0") + ";labels=both", "OBS_VALUE: "),
    ],
)
def test_sdmx_csv_20_data_carries_the_values(client, accept, value_column):
    response = client.get(DATA, headers={"Accept": accept})
    assert response.content_type == _sdmx("data+csv", "2.0.0")
    rows = list(csv.DictReader(io.StringIO(response.data.decode())))
    assert list(rows[0])[:3] == ["STRUCTURE", "STRUCTURE_ID", "ACTION"]
    assert rows[0]["STRUCTURE_ID"].startswith("UNDESA:DF_IMS2020_SEX(1.0)")
    (column,) = [name for name in rows[0] if name.startswith(value_column)]
    values = {row[column] for row in rows}
    assert {"50632836", "26153840"} <= values


def test_sdmx_csv_labels_show_the_names_of_concepts_codes_and_dataflow(client):
    accept = _sdmx("data+csv", "2.0.0") + ";labels=both"
    response = client.get(DATA, headers={"Accept": accept})
    rows = list(csv.DictReader(io.StringIO(response.data.decode())))
    assert rows[0]["STRUCTURE_ID"] == (
        "UNDESA:DF_IMS2020_SEX(1.0): International migrant stock by sex and "
        "destination, 2020 revision"
    )
    assert rows[0]["FREQ: Frequency"] == "A: Annual"
    assert {row["REF_AREA: Reference area"] for row in rows} == {
        "840: United States of America"
    }


def test_sdmx_csv_bad_option_is_400(client):
    response = client.get(
        DATA, headers={"Accept": _sdmx("data+csv", "2.0.0") + ";labels=x"}
    )
    assert_sdmx_error(response, 400, 140, "labels")


def test_sdmx_ml_30_data_is_valid_per_official_and_dataflow_schemas(app, client):
    response = client.get(DATA, headers={"Accept": _sdmx("data+xml", "3.0.0")})
    assert response.content_type == _sdmx("data+xml", "3.0.0")
    store = app.extensions["store"]
    flow = store.find_artefacts(["dataflow"], ["UNDESA"], ["DF_IMS2020_SEX"])[0]
    dsd = store.structure_of(flow)
    ref = ArtefactRef("dataflow", "UNDESA", "DF_IMS2020_SEX", "1.0")
    schema = validating_schema_30(
        SCHEMAS.parent / "sdmx-ml-3.0", dataflow_schema(dsd, ref)
    )
    document = etree.fromstring(response.data)
    assert schema.validate(document), schema.error_log.last_error
    values = {o.get("OBS_VALUE") for o in document.iter("Obs")}
    assert {"50632836", "26153840"} <= values


@pytest.mark.parametrize(
    "path",
    [
        "/rest/codelist/UNDESA/CL_SEX",
        "/rest/codelist/UNDESA/CL_AREA",
        "/rest/datastructure/UNDESA/DSD_MIG_STOCK?references=all",
        "/rest/dataflow/all/all/latest?detail=allstubs",
        "/rest/structure/UNDESA/all/latest",
    ],
)
def test_structures_in_sdmx_ml_30_and_json_20_are_valid(client, path):
    response = client.get(path, headers={"Accept": _sdmx("structure+xml", "3.0.0")})
    assert response.content_type == _sdmx("structure+xml", "3.0.0")
    assert_valid_sdmx_ml_30(response.data)
    response = client.get(path, headers={"Accept": _sdmx("structure+json", "2.0.0")})
    assert response.content_type == _sdmx("structure+json", "2.0.0")
    message = assert_valid_json(response.data, "structure", "2.0.0")
    assert message["data"]


def test_json_20_codelist_holds_the_area_names(client):
    response = client.get(
        "/rest/codelist/UNDESA/CL_AREA",
        headers={"Accept": _sdmx("structure+json", "2.0.0")},
    )
    codes = {c["id"]: c for c in response.json["data"]["codelists"][0]["codes"]}
    assert codes["840"]["name"] == "United States of America"
    assert codes["840"]["parent"] == "918"


@pytest.mark.parametrize("detail", ["allcompletestubs", "referencecompletestubs"])
def test_complete_stubs_carry_descriptions(client, detail):
    response = client.get(
        f"/rest/datastructure/UNDESA/DSD_MIG_STOCK?references=children&detail={detail}"
    )
    root = assert_valid_sdmx_ml(response.data)
    codelists = list(root.iter("{*}Codelist"))
    assert codelists and all(c.get("isExternalReference") == "true" for c in codelists)
    assert any(c.find("{*}Description") is not None for c in codelists)
    assert list(root.iter("{*}Code")) == []
    whole = detail == "referencecompletestubs"
    assert (root.find(".//{*}DataStructureComponents") is not None) == whole


def test_parentsandsiblings_brings_the_parents_and_what_they_use(client):
    root = assert_valid_sdmx_ml(
        client.get("/rest/codelist/UNDESA/CL_SEX?references=parentsandsiblings").data
    )
    assert [e.get("id") for e in root.iter("{*}DataStructure")] == ["DSD_MIG_STOCK"]
    codelists = {e.get("id") for e in root.iter("{*}Codelist")}
    assert {"CL_SEX", "CL_AREA", "CL_AGE"} <= codelists


def test_an_unservable_data_type_is_406(client):
    accept = _sdmx("data+json", "2.1.0")
    response = client.get(DATA, headers={"Accept": accept})
    assert_sdmx_error(response, 406, 406, "genericdata")


def test_generic_time_series_form_is_valid(client):
    accept = _sdmx("generictimeseriesdata+xml", "2.1")
    response = client.get(DATA, headers={"Accept": accept})
    assert response.content_type == accept
    root = assert_valid_sdmx_ml(response.data)
    assert etree.QName(root).localname == "GenericTimeSeriesData"
    values = {v.get("value") for v in root.iter("{*}ObsValue")}
    assert {"50632836", "26153840"} <= values


def test_structure_specific_time_series_form_is_valid(app, client):
    accept = _sdmx("structurespecifictimeseriesdata+xml", "2.1")
    response = client.get(DATA, headers={"Accept": accept})
    assert response.content_type == accept
    xsd = client.get("/rest/schema/dataflow/UNDESA/DF_IMS2020_SEX/1.0").data
    schema = validating_schema(SCHEMAS, xsd)
    document = etree.fromstring(response.data)
    assert etree.QName(document).localname == "StructureSpecificTimeSeriesData"
    assert schema.validate(document), schema.error_log.last_error


@pytest.mark.parametrize(("version", "schema"), [("1.0.0", "1.0"), ("2.0.0", "2.0.0")])
def test_sdmx_json_time_ranges_are_valid(client, version, schema):
    response = client.get(
        "/rest/data/DF_IMS2020_GROWTH/A.MIG_GROWTH.840._T._T._T._T",
        headers={"Accept": _sdmx("data+json", version)},
    )
    message = assert_valid_json(response.data, "data", schema)
    structure = message["data"].get("structure") or message["data"]["structures"][0]
    (time,) = structure["dimensions"]["observation"]
    first = time["values"][0]
    assert first["start"] == "1990-07-01T00:00:00Z"
    assert first["end"] == "1995-06-30T23:59:59Z"
    shown = first.get("value") or first.get("name")
    assert shown == "1990-07-01/P5Y"
