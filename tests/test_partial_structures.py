"""Item queries and detail=referencepartial on REST 1.5 and 2.x: partial item schemes.

An item scheme cut to some items carries ``isPartial="true"`` and the ancestors of
the kept codes, in SDMX-ML 2.1, SDMX-ML 3.0 and SDMX-JSON 2.0.0 alike.
"""

from __future__ import annotations

import pytest

from tests.helpers import (
    NS,
    assert_sdmx_error,
    assert_valid_json,
    assert_valid_sdmx_ml,
    assert_valid_sdmx_ml_30,
)

V2 = "/rest/v2"
JSON20 = "application/vnd.sdmx.structure+json;version=2.0.0"
ML30 = "application/vnd.sdmx.structure+xml;version=3.0.0"
ML21 = "application/vnd.sdmx.structure+xml;version=2.1"
STR30 = "http://www.sdmx.org/resources/sdmxml/schemas/v3_0/structure"
ITEM_PATHS = [
    "/rest/codelist/UNDESA/CL_AREA/1.0/840+484",
    f"{V2}/structure/codelist/UNDESA/CL_AREA/1.0/840,484",
]


def _codes_21(client, path: str) -> tuple[str | None, set[str]]:
    response = client.get(path, headers={"Accept": ML21})
    assert response.status_code == 200, response.data[:300]
    codelist = assert_valid_sdmx_ml(response.data).find(".//str:Codelist", NS)
    codes = {code.get("id") for code in codelist.iterfind("str:Code", NS)}
    return codelist.get("isPartial"), codes


def _codes_30(client, path: str) -> tuple[str | None, set[str]]:
    response = client.get(path, headers={"Accept": ML30})
    assert response.status_code == 200, response.data[:300]
    codelist = assert_valid_sdmx_ml_30(response.data).find(f".//{{{STR30}}}Codelist")
    codes = {code.get("id") for code in codelist.iterfind(f"{{{STR30}}}Code")}
    return codelist.get("isPartial"), codes


def _json(client, path: str) -> dict:
    response = client.get(path, headers={"Accept": JSON20})
    assert response.status_code == 200, response.data[:300]
    return assert_valid_json(response.data, "structure", "2.0.0")["data"]


def _ancestors_of_840(client) -> set[str]:
    _, every = _codes_21(client, "/rest/codelist/UNDESA/CL_AREA/1.0")
    assert "840" in every
    return every


@pytest.mark.parametrize("path", ITEM_PATHS)
def test_item_query_keeps_the_items_and_their_parents_in_every_format(client, path):
    partial, codes = _codes_21(client, path)
    assert partial == "true"
    assert {"840", "484"} <= codes
    assert len(codes) < len(_ancestors_of_840(client))
    assert _codes_30(client, path) == ("true", codes)
    codelist = _json(client, path)["codelists"][0]
    assert codelist["isPartial"] is True
    assert {code["id"] for code in codelist["codes"]} == codes
    # every parent a kept code names is kept too
    parents = {c["parent"] for c in codelist["codes"] if "parent" in c}
    assert parents <= codes


def test_item_query_of_a_top_level_code_keeps_only_it(client):
    assert _codes_21(client, "/rest/codelist/UNDESA/CL_SEX/1.0/F") == ("true", {"F"})


def test_unknown_items_are_404_on_rest15_and_204_on_rest2(client):
    response = client.get("/rest/codelist/UNDESA/CL_AREA/1.0/NOPE")
    assert_sdmx_error(response, 404, 100, "NOPE")
    response = client.get(f"{V2}/structure/codelist/UNDESA/CL_AREA/1.0/NOPE")
    assert response.status_code == 204


@pytest.mark.parametrize(
    "path",
    [
        "/rest/dataflow/UNDESA/DF_IMS2020_SEX/1.0/X",
        "/rest/structure/UNDESA/CL_SEX/1.0/F",
        f"{V2}/structure/dataflow/UNDESA/DF_IMS2020_SEX/1.0/X",
        f"{V2}/structure/datastructure/UNDESA/DSD_MIG_STOCK/1.0/FREQ",
    ],
)
def test_item_queries_on_other_types_are_400(client, path):
    assert_sdmx_error(client.get(path), 400, 140, "only item schemes")


def test_item_query_of_a_nested_category_keeps_its_parent(client):
    data = _json(client, f"{V2}/structure/categoryscheme/UNDESA/*/*/MIGRATION.STOCK")
    scheme = data["categorySchemes"][0]
    assert scheme["isPartial"] is True
    (top,) = scheme["categories"]
    assert top["id"] == "MIGRATION"
    assert [c["id"] for c in top["categories"]] == ["STOCK"]


# -- detail=referencepartial ---------------------------------------------------------

DSD_PARTIAL = (
    "/structure/datastructure/UNDESA/DSD_MIG_STOCK/1.0"
    "?detail=referencepartial&references=descendants"
)
FLOW_PARTIAL = (
    "/structure/dataflow/UNDESA/DF_IMS2020_SEX/1.0"
    "?detail=referencepartial&references=all"
)


def test_referencepartial_of_a_dsd_cuts_concepts_and_keeps_codelists(client):
    data = _json(client, V2 + DSD_PARTIAL)
    (scheme,) = data["conceptSchemes"]
    assert scheme["isPartial"] is True
    components = data["dataStructures"][0]["dataStructureComponents"]
    used = {
        d["conceptIdentity"].rsplit(".", 1)[-1]
        for d in components["dimensionList"]["dimensions"]
    }
    assert used <= {c["id"] for c in scheme["concepts"]}
    assert all("isPartial" not in c for c in data["codelists"])


@pytest.mark.parametrize("prefix", ["/rest", V2])
def test_referencepartial_of_a_constrained_flow_cuts_codelists(client, prefix):
    path = FLOW_PARTIAL if prefix == V2 else FLOW_PARTIAL.replace("/structure", "")
    data = _json(client, prefix + path)
    codelists = {c["id"]: c for c in data["codelists"]}
    sex = codelists["CL_SEX"]
    assert {c["id"] for c in sex["codes"]} <= {"F", "M", "_T"}
    indicators = {c["id"] for c in codelists["CL_MIG_INDICATOR"]["codes"]}
    assert indicators == {"MIG_STOCK"}
    assert codelists["CL_MIG_INDICATOR"]["isPartial"] is True
    area = codelists["CL_AREA"]
    kept = {c["id"] for c in area["codes"]}
    assert {c["parent"] for c in area["codes"] if "parent" in c} <= kept


@pytest.mark.parametrize("accept", [ML21, ML30])
def test_referencepartial_is_valid_sdmx_ml(client, accept):
    response = client.get(V2 + FLOW_PARTIAL, headers={"Accept": accept})
    assert response.status_code == 200
    check = assert_valid_sdmx_ml if accept == ML21 else assert_valid_sdmx_ml_30
    root = check(response.data)
    assert 'isPartial="true"' in response.get_data(as_text=True)
    assert root is not None


# -- pysdmx over HTTP ----------------------------------------------------------------


@pytest.fixture()
def registry(live_server):
    from pysdmx.api.fmr import RegistryClient

    return RegistryClient(f"{live_server}{V2}")


@pytest.mark.live
@pytest.mark.parametrize("detail", ["all", "schema", "providers", "core"])
def test_pysdmx_reads_dataflow_details(registry, detail):
    details = registry.get_dataflow_details(
        "UNDESA", "DF_IMS2020_SEX", "1.0", detail=detail
    )
    assert details.id == "DF_IMS2020_SEX"
    if detail in ("all", "schema"):
        assert "REF_AREA" in {c.id for c in details.components}


@pytest.mark.live
def test_pysdmx_reads_the_schema_and_the_dsd(registry):
    schema = registry.get_schema("dataflow", "UNDESA", "DF_IMS2020_SEX", "1.0")
    sex = {c.id: c for c in schema.components}["SEX"]
    assert {code.id for code in sex.enumeration} == {"F", "M", "_T"}
    (dsd,) = registry.get_data_structures("UNDESA", "DSD_MIG_STOCK", "1.0")
    assert dsd.components["REF_AREA"].enumeration is not None
