"""SDMX-REST 2.x under /rest/v2 against the bundled DESA content: right values back.

Structure and data queries, every parameter, the official schemas, and real clients
(sdmx1 as an SDMX 3.0 source, pysdmx at REST 2.x) over a live server.
"""

from __future__ import annotations

from dataclasses import replace

import pytest
from lxml import etree

from server.formats.dsd_schema30 import dataflow_schema, validating_schema
from server.model import ArtefactRef
from tests.helpers import (
    SCHEMAS,
    assert_sdmx_error,
    assert_valid_json,
    assert_valid_sdmx_ml,
    assert_valid_sdmx_ml_30,
    csv_rows,
)

V2 = "/rest/v2"
STRUCTURE_JSON = "application/vnd.sdmx.structure+json;version=2.0.0"
STRUCTURE_30 = "application/vnd.sdmx.structure+xml;version=3.0.0"
STRUCTURE_21 = "application/vnd.sdmx.structure+xml;version=2.1"
DATA_JSON = "application/vnd.sdmx.data+json;version=2.0.0"
DATA_30 = "application/vnd.sdmx.data+xml;version=3.0.0"
CSV = "application/vnd.sdmx.data+csv;version=2.0.0"
SEX_FLOW = f"{V2}/data/dataflow/UNDESA/DF_IMS2020_SEX/1.0"
ORIGIN_FLOW = f"{V2}/data/dataflow/UNDESA/DF_IMS2019_ORIGIN/1.0"
WORLD = "A.MIG_STOCK.900._T._T._T._T"
USA = "A.MIG_STOCK.840._T._T._T._T"
USA_FEMALE = "A.MIG_STOCK.840.F._T._T._T"
USA_FROM_MEXICO = "A.MIG_STOCK.840._T._T.484._T"


# -- helpers -------------------------------------------------------------------------


def structures(client, path: str, accept: str | None = None) -> dict:
    """The ``data`` of an SDMX-JSON 2.0.0 structure message, checked by its schema."""
    response = client.get(path, headers={"Accept": accept} if accept else {})
    assert response.status_code == 200, response.data[:400]
    assert response.content_type == STRUCTURE_JSON
    return assert_valid_json(response.data, "structure", "2.0.0")["data"]


def ids(data: dict, member: str) -> set[str]:
    return {artefact["id"] for artefact in data.get(member, [])}


def json_values(message: dict) -> dict[tuple[str, str], float | None]:
    """{(series key, period): value} of an SDMX-JSON 2.0.0 data message."""
    structure = message["data"]["structures"][0]["dimensions"]
    series_dimensions = structure["series"]
    (time,) = structure["observation"]
    found = {}
    for data_set in message["data"]["dataSets"]:
        for key, series in data_set["series"].items():
            codes = ".".join(
                series_dimensions[i]["values"][int(index)]["id"]
                for i, index in enumerate(key.split(":"))
            )
            for index, observation in series["observations"].items():
                found[(codes, time["values"][int(index)]["id"])] = observation[0]
    return found


def data(client, path: str) -> dict[tuple[str, str], float | None]:
    """The values of a data query answered in SDMX-JSON 2.0.0 (the default)."""
    response = client.get(path)
    assert response.status_code == 200, response.data[:400]
    assert response.content_type == DATA_JSON
    return json_values(assert_valid_json(response.data, "data", "2.0.0"))


def rows(client, path: str, accept: str = CSV) -> list[dict[str, str]]:
    """The rows of a data query answered in SDMX-CSV 2.0.0, in their order."""
    response = client.get(path, headers={"Accept": accept})
    assert response.status_code == 200, response.data[:400]
    assert response.content_type.startswith("application/vnd.sdmx.data+csv")
    return csv_rows(response.data)


def keyed(found: list[dict[str, str]]) -> list[tuple[str, str, str]]:
    """(REF_AREA, SEX, TIME_PERIOD) of CSV rows, in order."""
    return [(r["REF_AREA"], r["SEX"], r["TIME_PERIOD"]) for r in found]


def assert_valid_data_30(app, body: bytes, attributes=None) -> etree._Element:
    """Validate SDMX-ML 3.0 data of DF_IMS2020_SEX per the schema of the dataflow.

    ``attributes``, when given, are the attribute ids the message was asked for.
    """
    store = app.extensions["store"]
    flow = store.find_artefacts(["dataflow"], ["UNDESA"], ["DF_IMS2020_SEX"])[0]
    dsd = store.structure_of(flow)
    if attributes is not None:
        dsd = replace(dsd, attributes=[a for a in dsd.attributes if a.id in attributes])
    ref = ArtefactRef("dataflow", "UNDESA", "DF_IMS2020_SEX", "1.0")
    xsd = dataflow_schema(dsd, ref)
    schema = validating_schema(SCHEMAS.parent / "sdmx-ml-3.0", xsd)
    document = etree.fromstring(body)
    assert schema.validate(document), schema.error_log.last_error
    return document


def assert_no_content(response) -> None:
    assert response.status_code == 204, response.data[:400]
    assert response.data == b""


# -- structure queries ---------------------------------------------------------------


def test_dataflows_default_to_sdmx_json_valid_per_the_official_schema(client):
    found = structures(client, f"{V2}/structure/dataflow")
    assert ids(found, "dataflows") >= {"DF_IMS2020_SEX", "DF_IMS2019_ORIGIN"}


@pytest.mark.parametrize("accept", ["*/*", STRUCTURE_30, "application/xml"])
def test_any_type_and_sdmx_ml_30_give_valid_sdmx_ml_30(client, accept):
    response = client.get(
        f"{V2}/structure/codelist/UNDESA/CL_SEX", headers={"Accept": accept}
    )
    assert response.status_code == 200
    assert response.content_type == STRUCTURE_30
    root = assert_valid_sdmx_ml_30(response.data)
    codes = root.findall(".//{*}Codelist/{*}Code")
    assert {c.get("id") for c in codes} >= {"_T", "M", "F"}


def test_sdmx_ml_21_is_served_on_request(client):
    response = client.get(
        f"{V2}/structure/codelist/UNDESA/CL_SEX/1.0", headers={"Accept": STRUCTURE_21}
    )
    assert response.content_type == STRUCTURE_21
    assert_valid_sdmx_ml(response.data)


@pytest.mark.parametrize(
    "path",
    [
        "/structure",
        "/structure/",
        "/structure/codelist",
        "/structure/codelist/*",
        "/structure/codelist/UNDESA",
        "/structure/codelist/UNDESA/CL_SEX/",
        "/structure/codelist/*/CL_SEX/~",
        "/structure/codelist/UNDESA/CL_SEX/1.0/*",
    ],
)
def test_omitted_trailing_segments_mean_the_defaults(client, path):
    assert client.get(V2 + path).status_code == 200


def test_several_agencies_and_ids_join_with_commas(client):
    found = structures(client, f"{V2}/structure/codelist/SDMX,UNDESA/CL_SEX,CL_FREQ")
    assert ids(found, "codelists") == {"CL_SEX", "CL_FREQ"}


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/structure/codelist/SDMX/CL_FREQ/2.0", 200),
        ("/structure/codelist/SDMX/CL_FREQ/2.0.0", 200),
        ("/structure/codelist/SDMX/CL_FREQ/+", 200),
        ("/structure/codelist/SDMX/CL_FREQ/2.+.0", 200),
        ("/structure/codelist/SDMX/CL_FREQ/1.+.0", 204),
        ("/structure/codelist/SDMX/CL_FREQ/2.*", 200),
        ("/structure/codelist/SDMX/CL_FREQ/1.*", 204),
        ("/structure/codelist/SDMX/CL_FREQ/1~.0.0", 200),
        ("/structure/codelist/SDMX/CL_FREQ/3*.0.0", 204),
        ("/structure/codelist/SDMX/CL_FREQ/1.0,2.0", 200),
        # The agency scheme is not final: the latest stable version excludes it.
        ("/structure/agencyscheme/SDMX/AGENCIES/~", 200),
        ("/structure/agencyscheme/SDMX/AGENCIES/*", 200),
        ("/structure/agencyscheme/SDMX/AGENCIES/+", 204),
    ],
)
def test_semantic_version_queries(client, path, status):
    response = client.get(V2 + path)
    assert response.status_code == status, response.data[:300]


@pytest.mark.parametrize("version", ["latest", "+.0", "2.3+", "1.+.3", "~.0.*"])
def test_bad_version_syntax_is_400(client, version):
    response = client.get(f"{V2}/structure/codelist/SDMX/CL_FREQ/{version}")
    assert_sdmx_error(response, 400, 140, "version", "is not valid")


@pytest.mark.parametrize(
    ("artefact_type", "member", "expected"),
    [
        ("dataconstraint", "dataConstraints", "CC_IMS2020_SEX"),
        ("hierarchy", "hierarchies", "GEO_REGIONS"),
        ("datastructure", "dataStructures", "DSD_MIG_STOCK"),
        ("conceptscheme", "conceptSchemes", "CS_MIGRATION"),
        ("categorisation", "categorisations", "DF_IMS2020_SEX_STOCK"),
        ("dataproviderscheme", "dataProviderSchemes", "DATA_PROVIDERS"),
    ],
)
def test_rest_2_type_names_reach_the_stored_artefacts(
    client, artefact_type, member, expected
):
    found = structures(client, f"{V2}/structure/{artefact_type}/*/*/*")
    assert expected in ids(found, member)


def test_star_type_gives_every_kind_of_artefact(client):
    found = structures(client, f"{V2}/structure/*/UNDESA")
    assert {"codelists", "dataflows", "dataStructures", "dataConstraints"} <= set(found)


@pytest.mark.parametrize("artefact_type", ["metadatastructure", "valuelist"])
def test_types_the_store_does_not_hold_are_empty(client, artefact_type):
    assert_no_content(client.get(f"{V2}/structure/{artefact_type}"))


@pytest.mark.parametrize(
    ("artefact_type", "phrase"),
    [
        ("contentconstraint", "REST 1.5 name of dataconstraint"),
        ("hierarchicalcodelist", "REST 1.5 name of hierarchy"),
        ("structure", "use * for every type"),
        ("codelists", "not an SDMX-REST 2.x artefact type"),
    ],
)
def test_unknown_types_are_400_with_a_hint(client, artefact_type, phrase):
    response = client.get(f"{V2}/structure/{artefact_type}")
    assert_sdmx_error(response, 400, 140, phrase)


def test_unknown_artefact_is_204_without_body(client):
    assert_no_content(client.get(f"{V2}/structure/codelist/UNDESA/CL_NOPE"))
    assert_no_content(client.get(f"{V2}/structure/codelist/UNDESA/CL_SEX/9.9"))


@pytest.mark.parametrize(
    ("references", "member", "expected"),
    [
        ("none", "codelists", set()),
        ("children", "codelists", {"CL_SEX", "CL_AREA", "CL_FREQ"}),
        ("children", "conceptSchemes", {"CS_MIGRATION"}),
        ("descendants", "codelists", {"CL_SEX", "CL_OBS_STATUS"}),
        ("parents", "dataflows", {"DF_IMS2020_SEX", "DF_IMS2019_ORIGIN"}),
        ("ancestors", "dataConstraints", {"CC_IMS2020_SEX"}),
        ("ancestors", "categorisations", {"DF_IMS2020_SEX_STOCK"}),
        ("all", "dataflows", {"DF_IMS2020_SEX"}),
        ("all", "codelists", {"CL_SEX"}),
        ("codelist", "codelists", {"CL_SEX", "CL_AREA"}),
        ("dataflow", "dataflows", {"DF_IMS2020_SEX"}),
        ("parents,children", "dataflows", {"DF_IMS2020_SEX"}),
        ("parents,children", "codelists", {"CL_SEX"}),
    ],
)
def test_references_of_the_dsd(client, references, member, expected):
    found = structures(
        client,
        f"{V2}/structure/datastructure/UNDESA/DSD_MIG_STOCK?references={references}",
    )
    assert ids(found, "dataStructures") == {"DSD_MIG_STOCK"}
    assert ids(found, member) >= expected
    if not expected:
        assert member not in found


def test_references_by_type_keep_only_that_type(client):
    found = structures(
        client,
        f"{V2}/structure/dataflow/UNDESA/DF_IMS2020_SEX?references=dataconstraint",
    )
    assert set(found) == {"dataflows", "dataConstraints"}
    assert ids(found, "dataConstraints") == {"CC_IMS2020_SEX"}


def test_ancestors_of_a_codelist_reach_the_dataflows_over_the_dsd(client):
    found = structures(
        client, f"{V2}/structure/codelist/UNDESA/CL_SEX?references=ancestors"
    )
    assert ids(found, "dataStructures") == {"DSD_MIG_STOCK"}
    assert ids(found, "dataflows") >= {"DF_IMS2020_SEX"}
    parents = structures(
        client, f"{V2}/structure/codelist/UNDESA/CL_SEX?references=parents"
    )
    assert "dataflows" not in parents


@pytest.mark.parametrize(
    ("detail", "codes_in_match", "codes_in_references"),
    [
        ("full", True, True),
        ("raw", True, True),
        ("allstubs", False, False),
        ("referencestubs", True, False),
        ("allcompletestubs", False, False),
        ("referencecompletestubs", True, False),
    ],
)
def test_detail(client, detail, codes_in_match, codes_in_references):
    found = structures(
        client,
        f"{V2}/structure/codelist/UNDESA/CL_SEX,CL_AREA?references=parents"
        f"&detail={detail}",
    )
    assert all(("codes" in c) == codes_in_match for c in found["codelists"])
    dsd = found["dataStructures"][0]
    assert ("dataStructureComponents" in dsd) == codes_in_references


def test_complete_stubs_keep_descriptions_that_stubs_drop(client):
    path = f"{V2}/structure/codelist/UNDESA/CL_SEX?detail="
    assert "description" not in structures(client, path + "allstubs")["codelists"][0]
    complete = structures(client, path + "allcompletestubs")["codelists"][0]
    assert "description" in complete


def test_referencepartial_without_referenced_item_schemes_is_full(client):
    path = f"{V2}/structure/dataflow/UNDESA/DF_IMS2020_SEX/1.0"
    found = structures(client, path + "?detail=referencepartial")
    assert list(found) == ["dataflows"]


@pytest.mark.parametrize(
    ("query", "phrase"),
    [
        ("?detail=everything", "detail='everything' is not allowed"),
        ("?references=cousins", "references='cousins' is not allowed"),
        ("?references=contentconstraint", "references='contentconstraint'"),
        ("?startPeriod=2000", "unknown query parameter(s) startPeriod"),
        ("?asOf=2020-01-01", "unknown query parameter(s) asOf"),
        ("?detail=full&detail=allstubs", "given more than once"),
    ],
)
def test_bad_structure_parameters_are_400(client, query, phrase):
    response = client.get(f"{V2}/structure/codelist{query}")
    assert_sdmx_error(response, 400, 140, phrase)


@pytest.mark.parametrize(
    ("path", "phrase"),
    [
        ("/structure/codelist/UN DESA", "agency 'UN DESA'"),
        ("/structure/codelist/UNDESA/CL SEX", "resource id 'CL SEX'"),
        ("/structure/codelist/UNDESA/CL_SEX/1.0/_T/more", "too many path segments"),
        ("/structure/dataflow/UNDESA/DF_IMS2020_SEX/1.0/X", "only item schemes"),
        ("", "name a resource"),
        ("/dataflow", "not an SDMX-REST 2.x resource"),
    ],
)
def test_bad_structure_paths_are_400(client, path, phrase):
    assert_sdmx_error(client.get(V2 + path), 400, 140, phrase)


@pytest.mark.parametrize(
    "path",
    [
        "/metadata/metadataflow",
        "/registration/id/X",
    ],
)
def test_standard_features_not_built_are_501(client, path):
    assert_sdmx_error(client.get(V2 + path), 501, 501, "not supported yet")


def test_unservable_accept_is_406(client):
    response = client.get(
        f"{V2}/structure/codelist", headers={"Accept": "application/pdf"}
    )
    assert_sdmx_error(response, 406, 406, "structure+json;version=2.0.0")


def test_head_answers_without_a_body(client):
    response = client.head(f"{V2}/structure/codelist/UNDESA/CL_SEX")
    assert response.status_code == 200
    assert response.data == b""


# -- data queries: values ------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "period", "expected"),
    [
        (WORLD, "2020", 280598105),
        (USA, "2020", 50632836),
        (USA_FEMALE, "2020", 26153840),
    ],
)
def test_ims2020_values_in_sdmx_json(client, key, period, expected):
    assert data(client, f"{SEX_FLOW}/{key}")[(key, period)] == expected


def test_ims2019_usa_from_mexico(client):
    found = data(client, f"{ORIGIN_FLOW}/{USA_FROM_MEXICO}?c[TIME_PERIOD]=2019")
    assert found == {(USA_FROM_MEXICO, "2019"): 11489684}


def test_sdmx_ml_30_data_is_valid_and_holds_the_value(app, client):
    response = client.get(f"{SEX_FLOW}/{USA_FEMALE}", headers={"Accept": "*/*"})
    assert response.content_type == DATA_30
    root = assert_valid_data_30(app, response.data)
    observations = {o.get("TIME_PERIOD"): o.get("OBS_VALUE") for o in root.iter("Obs")}
    assert observations["2020"] == "26153840"


def test_sdmx_csv_20_holds_the_value(client):
    found = rows(client, f"{SEX_FLOW}/{USA_FEMALE}")
    assert {(r["TIME_PERIOD"], r["OBS_VALUE"]) for r in found} >= {("2020", "26153840")}
    assert found[0]["STRUCTURE_ID"] == "UNDESA:DF_IMS2020_SEX(1.0)"


def test_sdmx_ml_21_data_is_still_served(client):
    response = client.get(
        f"{SEX_FLOW}/{USA}",
        headers={"Accept": "application/vnd.sdmx.genericdata+xml;version=2.1"},
    )
    assert response.status_code == 200
    assert_valid_sdmx_ml(response.data)


@pytest.mark.parametrize(
    ("kind", "accept"),
    [
        ("structure", "application/vnd.sdmx.structure+json;version=2.1.0"),
        ("structure", "application/vnd.sdmx.structure+xml;version=3.1.0"),
        ("data", "application/vnd.sdmx.data+json;version=2.1.0"),
        ("data", "application/vnd.sdmx.data+csv;version=2.1.0"),
    ],
)
def test_sdmx_31_formats_are_406(client, kind, accept):
    path = f"{V2}/structure/codelist" if kind == "structure" else f"{SEX_FLOW}/{USA}"
    assert_sdmx_error(client.get(path, headers={"Accept": accept}), 406, 406)


def test_unservable_data_accept_is_406(client):
    response = client.get(f"{SEX_FLOW}/{USA}", headers={"Accept": "text/html"})
    assert_sdmx_error(response, 406, 406, "data+json;version=2.0.0")


# -- data queries: keys --------------------------------------------------------------


@pytest.mark.parametrize(
    "key",
    [
        "A.MIG_STOCK.840.*._T._T._T",
        "A.MIG_STOCK.840.._T._T._T",
        "A.MIG_STOCK.840.F+M+_T._T._T._T",
        "A.MIG_STOCK.840.F%2BM%2B_T._T._T._T",
        f"{USA},A.MIG_STOCK.840.F._T._T._T,A.MIG_STOCK.840.M._T._T._T",
    ],
)
def test_key_wildcards_plus_and_several_keys(client, key):
    found = rows(client, f"{SEX_FLOW}/{key}?c[TIME_PERIOD]=2020")
    assert {(r["SEX"], r["OBS_VALUE"]) for r in found} == {
        ("_T", "50632836"),
        ("F", "26153840"),
        ("M", "24478996"),
    }


def test_positions_left_out_at_the_end_are_wildcards(client):
    found = rows(client, f"{SEX_FLOW}/A.MIG_STOCK.840?c[TIME_PERIOD]=2020")
    assert {r["SEX"] for r in found} == {"_T", "F", "M"}


@pytest.mark.parametrize("path", [SEX_FLOW, f"{SEX_FLOW}/*", f"{SEX_FLOW}/"])
def test_no_key_gives_the_whole_dataflow(client, path):
    found = rows(client, f"{path}?c[REF_AREA]=840&c[TIME_PERIOD]=2020")
    assert len(found) == 3


def test_a_key_longer_than_the_dsd_is_400(client):
    response = client.get(f"{SEX_FLOW}/A.MIG_STOCK.840.F._T._T._T.X")
    assert_sdmx_error(response, 400, 140, "8 parts", "7 dimensions")


@pytest.mark.parametrize(
    "path",
    [
        f"{SEX_FLOW}/A.MIG_STOCK.999",  # a code outside the codelist
        f"{SEX_FLOW}/{USA}?c[TIME_PERIOD]=1850",
        f"{V2}/data/dataflow/UNDESA/DF_NOPE",
        f"{V2}/data/dataflow/UNDESA/DF_IMS2020_SEX/9.9",
        f"{V2}/data/provisionagreement/UNDESA/PA_NOPE",
    ],
)
def test_empty_results_are_204_without_body(client, path):
    assert_no_content(client.get(path))


# -- data queries: contexts and versions ---------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        f"{V2}/data/*/UNDESA/DF_IMS2020_SEX/+/{USA}",  # as sdmx1 asks
        f"{V2}/data/dataflow/UNDESA/DF_IMS2020_SEX/~/{USA}",
        f"{V2}/data/dataflow/*/DF_IMS2020_SEX/*/{USA}",
        f"{V2}/data/dataflow/UNDESA/DF_IMS2020_SEX/1.0.0/{USA}",
        f"{V2}/data/dataflow/UNDESA/DF_IMS2020_SEX,DF_IMS2020_POP/*/{USA}",
    ],
)
def test_contexts_and_versions_reach_the_dataflow(client, path):
    assert data(client, path)[(USA, "2020")] == 50632836


def test_datastructure_context_serves_the_one_dataflow_with_matching_data(client):
    found = rows(client, f"{V2}/data/datastructure/UNDESA/DSD_MIG_STOCK/1.0/A.POP.840")
    assert {r["STRUCTURE_ID"] for r in found} == {"UNDESA:DF_IMS2020_POP(1.0)"}


def test_data_of_several_dataflows_is_501_naming_them(client):
    response = client.get(f"{V2}/data/datastructure/UNDESA/DSD_MIG_STOCK/1.0/{USA}")
    assert_sdmx_error(
        response, 501, 501, "UNDESA:DF_IMS2019_ORIGIN(1.0)", "UNDESA:DF_IMS2020_SEX"
    )


def test_unknown_context_is_400(client):
    response = client.get(f"{V2}/data/flow/UNDESA/DF_IMS2020_SEX")
    assert_sdmx_error(response, 400, 140, "context 'flow'")


# -- data queries: component filters -------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        "c[TIME_PERIOD]=ge:2010%2Ble:2015",  # %2B, as pysdmx sends it
        "c[TIME_PERIOD]=ge:2010+le:2015",  # a literal +, a space once form-decoded
        "c%5BTIME_PERIOD%5D=ge%3A2010%2Ble%3A2015",
        "c[TIME_PERIOD]=2010,2015",
        "c[TIME_PERIOD]=gt:2005+lt:2020",
        "c[TIME_PERIOD]=ge:2010-01-01T00:00:00+le:2015-12-31T00:00:00",
        "c[TIME_PERIOD]=ge:2009-07+le:2015-Q2",
        "c[TIME_PERIOD]=sw:201,eq:2010",
    ],
)
def test_time_period_filters(client, query):
    found = rows(client, f"{SEX_FLOW}/{USA}?{query}")
    assert [r["TIME_PERIOD"] for r in found] == ["2010", "2015"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("c[SEX]=F", {"F"}),
        ("c[SEX]=F,M", {"F", "M"}),
        ("c[SEX]=ne:_T", {"F", "M"}),
        ("c[SEX]=ne:_T+ne:M", {"F"}),
        ("c[SEX]=ne:F,M", {"M", "_T"}),
        ("c[SEX]=sw:_", {"_T"}),
        ("c[SEX]=nc:_", {"F", "M"}),
        ("c[SEX]=lt:M", {"F"}),
        ("c[OBS_VALUE]=ge:26000000", {"_T", "F"}),
        ("c[OBS_VALUE]=gt:24478996+lt:50632836", {"F"}),
        ("c[OBS_STATUS]=A", {"_T", "F", "M"}),
        ("c[OBS_STATUS]=ne:A", set()),
        ("c[UNIT_MEASURE]=PS", {"_T", "F", "M"}),
        ("c[COMMENT_TS]=co:Puerto Rico", {"_T", "F", "M"}),
        ("c[COMMENT_TS]=co:Puerto%20Rico", {"_T", "F", "M"}),
        ("c[DATA_BASIS]=ew:X", set()),
    ],
)
def test_component_filters(client, query, expected):
    response = client.get(
        f"{SEX_FLOW}/A.MIG_STOCK.840?c[TIME_PERIOD]=2020&{query}",
        headers={"Accept": CSV},
    )
    if not expected:
        assert_no_content(response)
        return
    assert {r["SEX"] for r in csv_rows(response.data)} == expected


def test_filters_and_key_combine(client):
    found = rows(
        client,
        f"{SEX_FLOW}/A.MIG_STOCK.840+900.F?c[REF_AREA]=ne:840&c[TIME_PERIOD]=2020",
    )
    assert [(r["REF_AREA"], r["OBS_VALUE"]) for r in found] == [("900", "134942261")]


def test_attribute_filter_on_observations(client):
    found = rows(client, f"{SEX_FLOW}?c[OBS_STATUS]=O")
    assert found and {r["OBS_STATUS"] for r in found} == {"O"}


@pytest.mark.parametrize(
    ("query", "phrase"),
    [
        ("c[NOPE]=1", "NOPE is not a component"),
        ("c[OBS_VALUE]=co:1", "compare it with eq"),
        ("c[OBS_VALUE]=many", "is not a number"),
        ("c[TIME_PERIOD]=ge:20x0", "not a valid SDMX time period"),
        ("c[SEX]=F&c[SEX]=M", "more than once"),
        ("c[SEX]=", "without a value"),
        ("c[SEX]=F+", "without a value"),
        ("c=TIME_PERIOD", "is not a component filter"),
        ("c[]=F", "is not a component filter"),
    ],
)
def test_bad_component_filters_are_400(client, query, phrase):
    response = client.get(f"{SEX_FLOW}/{USA}?{query}")
    assert_sdmx_error(response, 400, 140, phrase)


# -- data queries: other parameters --------------------------------------------------


def test_first_and_last_n_observations(client):
    first = rows(client, f"{SEX_FLOW}/{USA}?firstNObservations=2")
    assert [r["TIME_PERIOD"] for r in first] == ["1990", "1995"]
    last = rows(client, f"{SEX_FLOW}/{USA}?lastNObservations=1")
    assert [(r["TIME_PERIOD"], r["OBS_VALUE"]) for r in last] == [("2020", "50632836")]


def test_updated_after(client):
    assert rows(client, f"{SEX_FLOW}/{USA}?updatedAfter=2000-01-01T00:00:00Z")
    future = client.get(f"{SEX_FLOW}/{USA}?updatedAfter=2999-01-01T00:00:00%2B01:00")
    assert_no_content(future)


@pytest.mark.parametrize(
    ("attributes", "columns"),
    [
        (
            "dsd",
            {"UNIT_MEASURE", "UNIT_MULT", "DATA_BASIS", "COMMENT_TS", "OBS_STATUS"},
        ),
        (
            "all",
            {"UNIT_MEASURE", "UNIT_MULT", "DATA_BASIS", "COMMENT_TS", "OBS_STATUS"},
        ),
        ("none", set()),
        ("msd", set()),
        ("obs", {"OBS_STATUS"}),
        ("series", {"UNIT_MEASURE", "UNIT_MULT", "DATA_BASIS", "COMMENT_TS"}),
        ("dataset", set()),
        ("OBS_STATUS,UNIT_MEASURE", {"OBS_STATUS", "UNIT_MEASURE"}),
    ],
)
def test_attributes_choose_the_attributes_shown(client, attributes, columns):
    found = rows(client, f"{SEX_FLOW}/{USA}?attributes={attributes}")
    shown = set(found[0]) - {
        "STRUCTURE",
        "STRUCTURE_ID",
        "ACTION",
        *"FREQ INDICATOR REF_AREA SEX AGE COB CITIZENSHIP".split(),
        "TIME_PERIOD",
        "OBS_VALUE",
    }
    assert shown == columns
    assert all(r[c] for r in found for c in columns & {"OBS_STATUS", "UNIT_MEASURE"})
    assert found[-1]["OBS_VALUE"] == "50632836"


def test_attributes_subset_in_sdmx_json_and_ml_30(app, client):
    path = f"{SEX_FLOW}/{USA}?attributes=OBS_STATUS"
    message = assert_valid_json(client.get(path).data, "data", "2.0.0")
    structure = message["data"]["structures"][0]["attributes"]
    assert [a["id"] for a in structure.get("observation", [])] == ["OBS_STATUS"]
    assert not structure.get("series")
    response = client.get(path, headers={"Accept": DATA_30})
    root = assert_valid_data_30(app, response.data, {"OBS_STATUS"})
    series = next(root.iter("Series"))
    assert "UNIT_MEASURE" not in series.attrib
    assert next(root.iter("Obs")).get("OBS_STATUS") == "A"


def test_measures_none_gives_series_without_observations(client):
    found = rows(client, f"{SEX_FLOW}/A.MIG_STOCK.840?measures=none")
    assert len(found) == 3
    assert {r["OBS_VALUE"] for r in found} == {""}
    assert {r["UNIT_MEASURE"] for r in found} == {"PS"}
    keys_only = rows(
        client, f"{SEX_FLOW}/A.MIG_STOCK.840?measures=none&attributes=none"
    )
    assert len(keys_only) == 3
    assert "UNIT_MEASURE" not in keys_only[0]


def test_measures_by_id_is_all(client):
    assert rows(client, f"{SEX_FLOW}/{USA}?measures=OBS_VALUE")[-1]["OBS_VALUE"] == (
        "50632836"
    )


@pytest.mark.parametrize(
    ("query", "phrase"),
    [
        ("attributes=NOPE", "attributes='NOPE' is not allowed"),
        ("measures=COUNT", "measures='COUNT' is not allowed"),
        ("offset=-1", "offset='-1'"),
        ("limit=0", "limit='0'"),
        ("firstNObservations=0", "firstNObservations='0'"),
        ("updatedAfter=yesterday", "updatedAfter='yesterday'"),
        ("sort=NOPE", "'NOPE' is not a component"),
        ("sort=REF_AREA:up", "sort item 'REF_AREA:up' is not valid"),
        ("reportingYearStartDay=July", "reportingYearStartDay='July'"),
        ("startPeriod=2000", "unknown query parameter(s) startPeriod"),
        ("detail=dataonly", "unknown query parameter(s) detail"),
        ("limit=1&limit=2", "given more than once"),
    ],
)
def test_bad_data_parameters_are_400(client, query, phrase):
    response = client.get(f"{SEX_FLOW}/{USA}?{query}")
    assert_sdmx_error(response, 400, 140, phrase)


def test_offset_and_limit_page_the_observations(client):
    every = rows(client, f"{SEX_FLOW}/{USA}")
    assert rows(client, f"{SEX_FLOW}/{USA}?limit=2") == every[:2]
    assert rows(client, f"{SEX_FLOW}/{USA}?offset=2&limit=3") == every[2:5]
    assert rows(client, f"{SEX_FLOW}/{USA}?offset=6") == every[6:]
    assert_no_content(client.get(f"{SEX_FLOW}/{USA}?offset=100"))


def test_limit_counts_series_keys_when_measures_are_left_out(client):
    found = rows(client, f"{SEX_FLOW}/A.MIG_STOCK.840?measures=none&limit=2")
    assert [r["SEX"] for r in found] == ["F", "M"]


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("series_key", [("840", "F"), ("840", "M"), ("900", "F"), ("900", "M")]),
        ("*", [("840", "F"), ("840", "M"), ("900", "F"), ("900", "M")]),
        ("*:desc", [("900", "M"), ("900", "F"), ("840", "M"), ("840", "F")]),
        ("series_key:desc", [("900", "M"), ("900", "F"), ("840", "M"), ("840", "F")]),
        ("REF_AREA:desc", [("900", "F"), ("900", "M"), ("840", "F"), ("840", "M")]),
        (
            "REF_AREA:desc+SEX:desc",
            [("900", "M"), ("900", "F"), ("840", "M"), ("840", "F")],
        ),
        ("SEX:desc+REF_AREA", [("840", "M"), ("900", "M"), ("840", "F"), ("900", "F")]),
    ],
)
def test_sort_orders_the_series(client, sort, expected):
    found = rows(
        client,
        f"{SEX_FLOW}/A.MIG_STOCK.840+900.F+M?c[TIME_PERIOD]=2020&sort={sort}",
    )
    assert [(r["REF_AREA"], r["SEX"]) for r in found] == expected


@pytest.mark.parametrize("sort", ["TIME_PERIOD:desc", "series_key+TIME_PERIOD:desc"])
def test_sort_by_time_period_descending(client, sort):
    found = rows(client, f"{SEX_FLOW}/{USA}?sort={sort}&limit=3")
    assert [r["TIME_PERIOD"] for r in found] == ["2020", "2015", "2010"]


def test_sort_with_first_n_and_series_only(client):
    path = f"{SEX_FLOW}/A.MIG_STOCK.840+900._T?sort=REF_AREA:desc"
    assert keyed(rows(client, path + "&firstNObservations=1")) == [
        ("900", "_T", "1990"),
        ("840", "_T", "1990"),
    ]
    assert [r["REF_AREA"] for r in rows(client, path + "&measures=none")] == [
        "900",
        "840",
    ]


@pytest.mark.parametrize(
    ("query", "phrase"),
    [
        ("sort=OBS_VALUE", "sorting by OBS_VALUE"),
        ("sort=OBS_STATUS:desc", "sorting by OBS_STATUS"),
        ("sort=TIME_PERIOD+REF_AREA", "after TIME_PERIOD"),
        ("asOf=2020-01-01T00:00:00Z", "asOf"),
        ("reportingYearStartDay=--07-01", "reportingYearStartDay"),
    ],
)
def test_unsupported_data_parameters_are_501(client, query, phrase):
    response = client.get(f"{SEX_FLOW}/{USA}?{query}")
    assert_sdmx_error(response, 501, 501, phrase)


@pytest.mark.parametrize(
    "query",
    [
        "includeHistory=false",
        "dimensionAtObservation=TIME_PERIOD",
        "reportingYearStartDay=--01-01",
        "format=csvdata",
    ],
)
def test_default_values_of_unsupported_parameters_are_accepted(client, query):
    assert client.get(f"{SEX_FLOW}/{USA}?{query}").status_code == 200


def test_csv_options_of_the_media_type(client):
    found = rows(client, f"{SEX_FLOW}/{USA}", accept=CSV + ";keys=series")
    assert found[0]["SERIES_KEY"] == USA


# -- real clients over HTTP ----------------------------------------------------------


@pytest.fixture()
def sdmx1_30(live_server):
    """sdmx1 reading the server as an SDMX 3.0 source (REST 2.x paths)."""
    import sdmx

    sdmx.add_source(
        {
            "id": "UNDESA",
            "url": f"{live_server}{V2}",
            "name": "local migration server, REST 2.x",
            "versions": ["3.0.0"],
        },
        override=True,
    )
    return sdmx.Client("UNDESA")


@pytest.fixture()
def registry(live_server):
    from pysdmx.api.fmr import RegistryClient

    return RegistryClient(f"{live_server}{V2}")


@pytest.mark.live
def test_sdmx1_30_lists_the_dataflows(sdmx1_30):
    message = sdmx1_30.dataflow()
    assert set(message.dataflow) >= {"DF_IMS2020_SEX", "DF_IMS2019_ORIGIN"}
    assert sdmx1_30.dataflow(dry_run=True).url.endswith(
        "/structure/dataflow/UNDESA/*/+"
    )


@pytest.mark.live
def test_sdmx1_30_reads_a_codelist_and_the_dsd(sdmx1_30):
    codelist = sdmx1_30.codelist("CL_SEX").codelist["CL_SEX"]
    assert {"_T", "M", "F"} <= set(codelist)
    dsd = sdmx1_30.datastructure("DSD_MIG_STOCK").structure["DSD_MIG_STOCK"]
    assert [d.id for d in dsd.dimensions][:3] == ["FREQ", "INDICATOR", "REF_AREA"]


@pytest.mark.live
def test_sdmx1_30_reads_data_without_periods(sdmx1_30):
    """sdmx1 2.28 drops startPeriod for 3.0 sources (a client bug): no periods here."""
    import sdmx

    message = sdmx1_30.data("DF_IMS2020_SEX", key=USA_FEMALE)
    frame = sdmx.to_pandas(message).reset_index().set_index("TIME_PERIOD")["value"]
    assert frame["2020"] == 26153840
    assert len(frame) == 7
    origin = sdmx1_30.data("DF_IMS2019_ORIGIN", key=USA_FROM_MEXICO)
    values = sdmx.to_pandas(origin).reset_index().set_index("TIME_PERIOD")["value"]
    assert values["2019"] == 11489684


@pytest.mark.live
def test_sdmx1_30_cannot_read_an_empty_result(sdmx1_30):
    """204 has no body and no content type, so sdmx1 finds no reader for it."""
    with pytest.raises(ValueError, match="can't determine a reader"):
        sdmx1_30.data("DF_IMS2020_SEX", key="A.MIG_STOCK.999")


@pytest.mark.live
def test_pysdmx_registry_client_reads_codes_concepts_and_dataflows(registry):
    codes = registry.get_codes("UNDESA", "CL_SEX", "1.0")
    assert {code.id for code in codes} >= {"_T", "M", "F"}
    concepts = registry.get_concepts("UNDESA", "CS_MIGRATION", "1.0")
    assert "REF_AREA" in {concept.id for concept in concepts}
    flows = registry.get_dataflows("UNDESA")
    assert {flow.id for flow in flows} >= {"DF_IMS2020_SEX"}


@pytest.mark.live
def test_pysdmx_registry_client_reads_dataflow_details(registry):
    details = registry.get_dataflow_details(
        "UNDESA", "DF_IMS2020_SEX", "1.0", detail="core"
    )
    assert details.id == "DF_IMS2020_SEX"
    assert details.dsd_ref.endswith("DataStructure=UNDESA:DSD_MIG_STOCK(1.0)")


@pytest.mark.live
def test_pysdmx_registry_client_cannot_read_a_missing_codelist_as_not_found(registry):
    """A missing codelist is 204 (status.md); pysdmx expects 404 and fails to decode."""
    import msgspec

    with pytest.raises(msgspec.DecodeError):
        registry.get_codes("UNDESA", "CL_NOPE", "1.0")


@pytest.mark.live
@pytest.mark.parametrize("api", ["V2_1_0", "V2_0_0"])
def test_pysdmx_reads_csv_20_data_with_a_key_and_a_period_filter(live_server, api):
    from pysdmx.api.dc.query import Operator, TextFilter
    from pysdmx.api.qb import (
        ApiVersion,
        DataContext,
        DataFormat,
        DataQuery,
        RestService,
    )
    from pysdmx.io import read_sdmx

    service = RestService(
        f"{live_server}{V2}", ApiVersion[api], data_format=DataFormat.SDMX_CSV_2_0_0
    )
    query = DataQuery(
        DataContext.DATAFLOW,
        "UNDESA",
        "DF_IMS2020_SEX",
        "1.0",
        key="A.MIG_STOCK.840+900.F._T._T._T",
        components=TextFilter("TIME_PERIOD", Operator.BETWEEN, ["2015", "2020"]),
    )
    frame = read_sdmx(service.data(query).decode()).data[0].data
    found = {
        (area, period): float(value)
        for area, period, value in frame[
            ["REF_AREA", "TIME_PERIOD", "OBS_VALUE"]
        ].itertuples(index=False)
    }
    assert found == {
        ("840", "2015"): 24732004,
        ("840", "2020"): 26153840,
        ("900", "2015"): 119720586,
        ("900", "2020"): 134942261,
    }


@pytest.mark.live
def test_pysdmx_reads_sdmx_ml_30_structures_and_data(live_server):
    from pysdmx.api.qb import (
        ApiVersion,
        DataContext,
        DataFormat,
        DataQuery,
        RestService,
        StructureFormat,
        StructureQuery,
        StructureType,
    )
    from pysdmx.io import read_sdmx

    service = RestService(
        f"{live_server}{V2}",
        ApiVersion.V2_1_0,
        structure_format=StructureFormat.SDMX_ML_3_0,
        data_format=DataFormat.SDMX_ML_3_0,
    )
    query = StructureQuery(StructureType.CODELIST, "UNDESA", "CL_SEX", "1.0")
    codelist = read_sdmx(service.structure(query).decode()).get_codelists()[0]
    assert {code.id for code in codelist.codes} >= {"_T", "M", "F"}
    data_query = DataQuery(
        DataContext.DATAFLOW, "UNDESA", "DF_IMS2019_ORIGIN", "1.0", key=USA_FROM_MEXICO
    )
    frame = read_sdmx(service.data(data_query).decode()).data[0].data
    value = frame.loc[frame.TIME_PERIOD == "2019", "OBS_VALUE"].iloc[0]
    assert float(value) == 11489684


@pytest.mark.live
def test_sdmx_json_data_over_http_is_valid(live_server):
    import requests

    response = requests.get(
        f"{live_server}{SEX_FLOW}/{WORLD}?c%5BTIME_PERIOD%5D=2020",
        headers={"Accept": DATA_JSON},
        timeout=30,
    )
    message = assert_valid_json(response.content, "data", "2.0.0")
    assert json_values(message) == {(WORLD, "2020"): 280598105}
