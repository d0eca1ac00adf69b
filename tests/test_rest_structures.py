"""Structure queries of SDMX-REST 1.5 against the bundled structures."""

from __future__ import annotations

import pytest
from lxml import etree

from tests.helpers import NS, STR, assert_sdmx_error, assert_valid_sdmx_ml

STRUCTURE_21 = "application/vnd.sdmx.structure+xml;version=2.1"
DATAFLOWS = [
    "DF_IMS2019_ORIGIN",
    "DF_IMS2020_FEMALE",
    "DF_IMS2020_GROWTH",
    "DF_IMS2020_POP",
    "DF_IMS2020_REFUGEES",
    "DF_IMS2020_SEX",
    "DF_IMS2020_SHARE",
    "DF_MIG_NSO",
]


def artefacts(root: etree._Element, element: str) -> list[tuple[str, str, str]]:
    return sorted(
        (e.get("agencyID"), e.get("id"), e.get("version"))
        for e in root.iter(f"{{{STR}}}{element}")
        if e.get("agencyID")
    )


def test_dataflow_list_answers_at_the_documented_url(client):
    response = client.get("/rest/dataflow/all/all/latest")
    assert response.status_code == 200
    assert response.content_type == STRUCTURE_21
    root = assert_valid_sdmx_ml(response.data)
    assert [a[1] for a in artefacts(root, "Dataflow")] == DATAFLOWS


@pytest.mark.parametrize(
    "path",
    [
        "/rest/dataflow",
        "/rest/dataflow/",
        "/rest/dataflow/UNDESA",
        "/rest/dataflow/UNDESA/all",
        "/rest/dataflow/UNDESA/all/latest/",
        "/rest/dataflow/all/all/all",
        "/rest/dataflow/UNDESA/all/1.0",
    ],
)
def test_omitted_trailing_parts_and_slashes_mean_the_defaults(client, path):
    root = assert_valid_sdmx_ml(client.get(path).data)
    assert [a[1] for a in artefacts(root, "Dataflow")] == DATAFLOWS


@pytest.mark.parametrize(
    ("resource", "element", "ident"),
    [
        ("codelist", "Codelist", "CL_AREA"),
        ("codelist", "Codelist", "CL_SEX"),
        ("conceptscheme", "ConceptScheme", "CS_MIGRATION"),
        ("datastructure", "DataStructure", "DSD_MIG_STOCK"),
        ("dataflow", "Dataflow", "DF_IMS2020_SEX"),
        ("categoryscheme", "CategoryScheme", "CAT_MIGRATION"),
        ("contentconstraint", "ContentConstraint", "CC_IMS2020_SEX"),
        ("hierarchicalcodelist", "HierarchicalCodelist", "HCL_AREA_GROUPS"),
        ("dataproviderscheme", "DataProviderScheme", "DATA_PROVIDERS"),
    ],
)
def test_every_artefact_type_is_served_valid(client, resource, element, ident):
    response = client.get(f"/rest/{resource}/UNDESA/{ident}/1.0")
    assert response.status_code == 200, response.data[:300]
    root = assert_valid_sdmx_ml(response.data)
    assert artefacts(root, element) == [("UNDESA", ident, "1.0")]


def test_agency_scheme_and_categorisations_are_served(client):
    root = assert_valid_sdmx_ml(client.get("/rest/agencyscheme/SDMX/AGENCIES").data)
    agencies = {a.get("id") for a in root.iter(f"{{{STR}}}Agency")}
    assert {"SDMX", "UNDESA"} <= agencies
    root = assert_valid_sdmx_ml(client.get("/rest/categorisation/UNDESA").data)
    assert len(list(root.iter(f"{{{STR}}}Categorisation"))) >= len(DATAFLOWS)


def test_codelist_holds_the_desa_areas(client):
    root = assert_valid_sdmx_ml(client.get("/rest/codelist/UNDESA/CL_AREA/1.0").data)
    names = {
        c.get("id"): c.findtext("com:Name", namespaces=NS)
        for c in root.iter(f"{{{STR}}}Code")
    }
    assert names["840"] == "United States of America"
    assert names["900"] == "WORLD"
    assert names["004"] == "Afghanistan"
    assert {"_T", "STLS", "_U"} <= set(names)


def test_dsd_with_references_children_brings_codelists_and_concepts(client):
    response = client.get(
        "/rest/datastructure/UNDESA/DSD_MIG_STOCK/1.0?references=children"
    )
    root = assert_valid_sdmx_ml(response.data)
    codelists = {a[1] for a in artefacts(root, "Codelist")}
    assert {
        "CL_AREA",
        "CL_SEX",
        "CL_AGE",
        "CL_FREQ",
        "CL_MIG_INDICATOR",
        "CL_OBS_STATUS",
        "CL_UNIT_MULT",
        "CL_UNIT_MEASURE",
        "CL_DATA_BASIS",
    } <= codelists
    assert [a[1] for a in artefacts(root, "ConceptScheme")] == ["CS_MIGRATION"]
    assert artefacts(root, "Dataflow") == []


def test_dsd_with_references_parents_brings_its_dataflows(client):
    root = assert_valid_sdmx_ml(
        client.get("/rest/datastructure/UNDESA/DSD_MIG_STOCK?references=parents").data
    )
    assert [a[1] for a in artefacts(root, "Dataflow")] == DATAFLOWS
    assert artefacts(root, "Codelist") == []


def test_dataflow_with_references_all_brings_dsd_codelists_and_constraint(client):
    root = assert_valid_sdmx_ml(
        client.get("/rest/dataflow/UNDESA/DF_IMS2020_SEX/latest?references=all").data
    )
    assert [a[1] for a in artefacts(root, "DataStructure")] == ["DSD_MIG_STOCK"]
    assert "CL_AREA" in {a[1] for a in artefacts(root, "Codelist")}
    assert [a[1] for a in artefacts(root, "ContentConstraint")] == ["CC_IMS2020_SEX"]
    assert len(artefacts(root, "Categorisation")) >= 1


def test_dataflow_with_references_descendants_reaches_codelists(client):
    root = assert_valid_sdmx_ml(
        client.get("/rest/dataflow/UNDESA/DF_IMS2020_SEX?references=descendants").data
    )
    assert "CL_SEX" in {a[1] for a in artefacts(root, "Codelist")}
    assert artefacts(root, "ContentConstraint") == []


def test_references_by_type_keeps_only_that_type(client):
    root = assert_valid_sdmx_ml(
        client.get("/rest/dataflow/UNDESA/DF_IMS2020_SEX?references=codelist").data
    )
    assert artefacts(root, "DataStructure") == []
    assert "CL_AREA" in {a[1] for a in artefacts(root, "Codelist")}


def test_allstubs_carry_names_but_no_items(client):
    root = assert_valid_sdmx_ml(
        client.get("/rest/codelist/all/all?detail=allstubs").data
    )
    codelists = list(root.iter(f"{{{STR}}}Codelist"))
    assert len(codelists) >= 9
    assert all(c.get("isExternalReference") == "true" for c in codelists)
    assert list(root.iter(f"{{{STR}}}Code")) == []
    assert all(c.findtext("com:Name", namespaces=NS) for c in codelists)


def test_referencestubs_give_the_match_whole_and_references_as_stubs(client):
    root = assert_valid_sdmx_ml(
        client.get(
            "/rest/datastructure/UNDESA/DSD_MIG_STOCK?references=children"
            "&detail=referencestubs"
        ).data
    )
    assert root.find(".//str:DataStructureComponents", NS) is not None
    assert list(root.iter(f"{{{STR}}}Code")) == []
    assert len(artefacts(root, "Codelist")) >= 9


def test_structure_resource_returns_every_type(client):
    root = assert_valid_sdmx_ml(client.get("/rest/structure/UNDESA/all/latest").data)
    assert artefacts(root, "DataStructure") == [("UNDESA", "DSD_MIG_STOCK", "1.0")]
    assert len(artefacts(root, "Dataflow")) == len(DATAFLOWS)


def test_several_ids_joined_with_plus(client):
    root = assert_valid_sdmx_ml(client.get("/rest/codelist/UNDESA/CL_SEX+CL_AGE").data)
    assert [a[1] for a in artefacts(root, "Codelist")] == ["CL_AGE", "CL_SEX"]


@pytest.mark.parametrize(
    "accept", [None, "*/*", "application/xml", STRUCTURE_21, "text/html, */*;q=0.8"]
)
def test_default_and_xml_accept_give_sdmx_ml_21(client, accept):
    headers = {"Accept": accept} if accept else {}
    response = client.get("/rest/codelist/UNDESA/CL_SEX", headers=headers)
    assert response.status_code == 200
    assert response.content_type == STRUCTURE_21
    assert_valid_sdmx_ml(response.data)


def test_unknown_artefact_is_404(client):
    assert_sdmx_error(client.get("/rest/codelist/UNDESA/CL_NOPE"), 404, 100, "CL_NOPE")


def test_unknown_version_is_404(client):
    assert_sdmx_error(client.get("/rest/codelist/UNDESA/CL_SEX/9.9"), 404, 100, "9.9")


@pytest.mark.parametrize(
    ("query", "phrase"),
    [
        ("detail=everything", "detail='everything'"),
        ("references=cousins", "references='cousins'"),
        ("colour=blue", "colour"),
    ],
)
def test_bad_parameters_are_400_saying_what_is_allowed(client, query, phrase):
    response = client.get(f"/rest/codelist/UNDESA/CL_SEX?{query}")
    assert_sdmx_error(response, 400, 140, phrase)


def test_bad_version_syntax_is_400(client):
    assert_sdmx_error(client.get("/rest/codelist/UNDESA/CL_SEX/v1"), 400, 140, "v1")


def test_unknown_resource_is_400(client):
    assert_sdmx_error(client.get("/rest/codelists/UNDESA"), 400, 140, "codelists")


def test_unservable_accept_is_406(client):
    response = client.get(
        "/rest/codelist/UNDESA/CL_SEX", headers={"Accept": "image/png"}
    )
    assert_sdmx_error(response, 406, 406, "image/png")


def test_unsupported_standard_features_are_501(client):
    assert_sdmx_error(client.get("/rest/metadata/DF_IMS2020_SEX"), 501, 501)
