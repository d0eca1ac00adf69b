"""SDMX-JSON 1.0 structure messages: valid, and saying what the SDMX-ML 2.1 says."""

from __future__ import annotations

import json

import pytest
from lxml import etree

from tests.helpers import NS, assert_valid_json

JSON10 = "application/vnd.sdmx.structure+json;version=1.0.0"
XML21 = "application/vnd.sdmx.structure+xml;version=2.1"
URN = "urn:sdmx:org.sdmx.infomodel"


@pytest.fixture
def everything(client) -> dict:
    response = client.get("/rest/structure/all/all/latest", headers={"Accept": JSON10})
    assert response.status_code == 200
    assert response.content_type == JSON10
    return assert_valid_json(response.data, "structure", "1.0")["data"]


def test_every_artefact_of_the_sdmx_ml_message_is_there(client, everything):
    xml = client.get("/rest/structure/all/all/latest", headers={"Accept": XML21})
    root = etree.fromstring(xml.data)
    expected = {
        (e.get("agencyID"), e.get("id"), e.get("version"))
        for e in root.find("mes:Structures", NS).iterfind("*/*")
    }
    found = {
        (a["agencyID"], a["id"], a["version"])
        for artefacts in everything.values()
        for a in artefacts
    }
    assert found == expected
    assert len(found) == 39 + 12 + 5  # agreements and their constraints


def test_codelists_hold_the_codes_names_and_parents_of_sdmx_ml(client, everything):
    xml = client.get("/rest/codelist/UNDESA/CL_AREA/1.0", headers={"Accept": XML21})
    codes = etree.fromstring(xml.data).find(".//str:Codelist", NS)
    expected = {
        c.get("id"): (
            c.findtext("com:Name", namespaces=NS),
            c.find("str:Parent/Ref", NS).get("id")
            if c.find("str:Parent", NS) is not None
            else None,
        )
        for c in codes.iterfind("str:Code", NS)
    }
    (area,) = [c for c in everything["codelists"] if c["id"] == "CL_AREA"]
    found = {c["id"]: (c["name"], c.get("parent")) for c in area["codes"]}
    assert found == expected
    assert found["934"] == (
        "Less developed regions, excluding least developed countries",
        "902",
    )
    assert found["840"][0] == "United States of America"


def test_the_data_structure_in_sdmx_json_10_terms(everything):
    (dsd,) = everything["dataStructures"]
    components = dsd["dataStructureComponents"]
    dimensions = components["dimensionList"]["dimensions"]
    assert [d["id"] for d in dimensions] == [
        "FREQ",
        "INDICATOR",
        "REF_AREA",
        "SEX",
        "AGE",
        "COB",
        "CITIZENSHIP",
    ]
    assert [d["position"] for d in dimensions] == list(range(1, 8))
    assert dimensions[2]["localRepresentation"]["enumeration"] == (
        f"{URN}.codelist.Codelist=UNDESA:CL_AREA(1.0)"
    )
    (time,) = components["dimensionList"]["timeDimensions"]
    assert time["id"] == "TIME_PERIOD"
    assert components["measureList"]["primaryMeasure"]["id"] == "OBS_VALUE"
    attributes = {a["id"]: a for a in components["attributeList"]["attributes"]}
    assert attributes["OBS_STATUS"]["attributeRelationship"] == {
        "primaryMeasure": "OBS_VALUE"
    }
    assert attributes["UNIT_MEASURE"]["assignmentStatus"] == "Mandatory"
    assert (
        "REF_AREA" in attributes["UNIT_MEASURE"]["attributeRelationship"]["dimensions"]
    )


def test_constraints_categorisations_and_hierarchies(everything):
    (constraint,) = [
        c for c in everything["contentConstraints"] if c["id"] == "CC_IMS2020_SEX"
    ]
    assert constraint["type"] == "Allowed"
    assert constraint["constraintAttachment"]["dataflows"] == [
        f"{URN}.datastructure.Dataflow=UNDESA:DF_IMS2020_SEX(1.0)"
    ]
    (region,) = constraint["cubeRegions"]
    assert region["isIncluded"] is True
    values = {k["id"]: k["values"] for k in region["keyValues"]}
    assert {"840", "900"} <= set(values["REF_AREA"])
    assert set(values["SEX"]) == {"_T", "M", "F"}

    sources = {c["source"] for c in everything["categorisations"]}
    assert f"{URN}.datastructure.Dataflow=UNDESA:DF_IMS2020_SEX(1.0)" in sources

    (groups,) = everything["hierarchicalCodelists"]
    assert groups["includedCodelists"] == {
        "AREA": f"{URN}.codelist.Codelist=UNDESA:CL_AREA(1.0)"
    }
    top = groups["hierarchies"][0]["hierarchicalCodes"][0]
    assert top["code"].startswith(f"{URN}.codelist.Code=UNDESA:CL_AREA(1.0).")


@pytest.mark.parametrize(
    "url",
    [
        "/rest/datastructure/UNDESA/DSD_MIG_STOCK?references=all&detail=referencestubs",
        "/rest/dataflow/all/all/latest?detail=allcompletestubs",
        "/rest/codelist/UNDESA/CL_AREA/1.0/840",
        "/rest/dataflow/UNDESA/DF_IMS2020_SEX?references=all&detail=referencepartial",
        "/rest/v2/structure/datastructure/UNDESA/DSD_MIG_STOCK/~?references=children",
    ],
)
def test_every_detail_is_valid(client, url):
    response = client.get(url, headers={"Accept": JSON10})
    assert response.status_code == 200
    message = assert_valid_json(response.data, "structure", "1.0")
    assert message["meta"]["schema"].endswith("1.0/sdmx-json-structure-schema.json")


def test_stubs_carry_names_only(client):
    url = "/rest/datastructure/UNDESA/DSD_MIG_STOCK"
    url += "?references=codelist&detail=referencestubs"
    data = json.loads(client.get(url, headers={"Accept": JSON10}).data)["data"]
    assert "dataStructureComponents" in data["dataStructures"][0]
    for codelist in data["codelists"]:
        assert "codes" not in codelist
        assert codelist["isExternalReference"] is True
        assert codelist["name"]


def test_an_item_query_keeps_the_item_and_its_parents(client):
    url = "/rest/codelist/UNDESA/CL_AREA/1.0/840"
    data = json.loads(client.get(url, headers={"Accept": JSON10}).data)["data"]
    (codelist,) = data["codelists"]
    assert codelist["isPartial"] is True
    ids = [c["id"] for c in codelist["codes"]]
    assert "840" in ids
    assert len(ids) < 10
