"""Faults found by trying to break the server, each pinned by the right answer."""

from __future__ import annotations

import pytest
from lxml import etree

from tests.conftest import FIXTURES
from tests.helpers import assert_sdmx_error, csv_rows, generic_observations

USA = "A.MIG_STOCK.840._T._T._T._T"
HEADER = (
    "DATAFLOW,FREQ,INDICATOR,REF_AREA,SEX,AGE,COB,CITIZENSHIP,TIME_PERIOD,OBS_VALUE"
)
FLOW = "UNDESA:DF_IMS2020_SEX(1.0)"
STRUCTURES = FIXTURES.parent.parent / "structures"


def _load(app, path):
    return app.test_cli_runner().invoke(args=["load", str(path)])


@pytest.fixture()
def sdmx_app(empty_app):
    """An empty store holding the bundled structures only."""
    order = ["agencies", "codelists", "areas", "concepts", "dsd", "dataflows"]
    result = empty_app.test_cli_runner().invoke(
        args=["load", *(str(STRUCTURES / f"{name}.xml") for name in order)]
    )
    assert result.exit_code == 0, result.output
    return empty_app


def test_a_final_artefact_cannot_be_redefined_by_a_load(sdmx_app, tmp_path):
    text = (STRUCTURES / "codelists.xml").read_text(encoding="utf-8")
    changed = tmp_path / "changed.xml"
    # A code id changes: refused. (Names may change: see the next test.)
    sex_f = 'CL_SEX(1.0).F" id="F"'
    assert sex_f in text
    changed.write_text(
        text.replace(sex_f, 'CL_SEX(1.0).FEM" id="FEM"'), encoding="utf-8"
    )
    result = _load(sdmx_app, changed)
    assert result.exit_code == 1
    assert "is final" in result.output and "new version" in result.output
    body = sdmx_app.test_client().get("/rest/codelist/UNDESA/CL_SEX").data
    assert b'id="F"' in body and b'id="FEM"' not in body


def test_a_final_artefact_takes_new_names_by_a_load(sdmx_app, tmp_path):
    text = (STRUCTURES / "codelists.xml").read_text(encoding="utf-8")
    renamed = tmp_path / "renamed.xml"
    renamed.write_text(text.replace(">Female<", ">Women<"), encoding="utf-8")
    assert _load(sdmx_app, renamed).exit_code == 0
    body = sdmx_app.test_client().get("/rest/codelist/UNDESA/CL_SEX").data
    assert b">Women<" in body


def test_a_schema_invalid_structure_message_is_refused(sdmx_app, tmp_path):
    text = (STRUCTURES / "codelists.xml").read_text(encoding="utf-8")
    broken = tmp_path / "broken.xml"
    broken.write_text(text.replace('id="CL_SEX"', 'id="CL SEX"', 1), encoding="utf-8")
    result = _load(sdmx_app, broken)
    assert result.exit_code == 1
    assert "not valid SDMX-ML 2.1" in result.output


def test_a_dsd_with_more_dimensions_than_stored_is_refused(sdmx_app, tmp_path):
    root = etree.parse(str(STRUCTURES / "dsd.xml"))
    dsd = root.find(".//{*}DataStructure")
    dsd.set("id", "DSD_WIDE")
    dsd.set("urn", dsd.get("urn").replace("DSD_MIG_STOCK", "DSD_WIDE"))
    dimension_list = dsd.find(".//{*}DimensionList")
    template = dimension_list.find("{*}Dimension")
    for number in range(20):
        copy = etree.fromstring(etree.tostring(template))
        copy.set("id", f"EXTRA{number}")
        copy.attrib.pop("urn", None)
        template.addnext(copy)
    for position, dimension in enumerate(dimension_list, start=1):
        dimension.set("position", str(position))
    path = tmp_path / "wide.xml"
    root.write(str(path))
    result = _load(sdmx_app, path)
    assert result.exit_code == 1
    assert "27 dimensions" in result.output
    assert "at most 20" in result.output


@pytest.mark.parametrize(
    ("row", "phrase"),
    [
        ("A,MIG_STOCK,8.4.0,_T,_T,_T,_T,2020,1", "REF_AREA '8.4.0' is not a code"),
        ("A,MIG_STOCK,840,_T,_T,_T,_T,2020,1e999", "not a finite number"),
        ("A,MIG_STOCK,840,_T,_T,_T,_T,9999-W52,1", "9999-W52"),
    ],
)
def test_bad_data_rows_are_refused_cleanly(app, tmp_path, row, phrase):
    client = app.test_client()
    before = client.get(f"/rest/data/DF_IMS2020_SEX/{USA}").data
    path = tmp_path / "bad.csv"
    path.write_text(f"{HEADER}\n{FLOW},{row}\n", encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["load", str(path)])
    assert result.exit_code == 1
    assert phrase in result.output
    after = client.get(f"/rest/data/DF_IMS2020_SEX/{USA}").data
    assert generic_observations(after) == generic_observations(before)


@pytest.mark.parametrize("path", ["/%EF%BF%BE", "/rest/dataflow?%EF%BF%BE=1"])
def test_non_characters_in_a_request_give_a_well_formed_error(client, path):
    response = client.get(path)
    assert response.status_code in (400, 404)
    assert_sdmx_error(
        response, response.status_code, response.status_code == 404 and 100 or 140
    )


@pytest.mark.parametrize(
    "period", ["9999-W52", "0001-D000", "2020-01-01/P99999999999D", "2020\n", "٢٠٢٠"]
)
def test_periods_out_of_range_or_not_ascii_are_400(client, period):
    response = client.get(
        f"/rest/data/DF_IMS2020_SEX/{USA}", query_string={"startPeriod": period}
    )
    assert_sdmx_error(response, 400, 140, "startPeriod")


def test_provider_ref_underscore_is_not_a_wildcard(client):
    response = client.get(f"/rest/data/DF_IMS2020_SEX/{USA}/DESA_P_")
    assert_sdmx_error(response, 404, 100)


@pytest.mark.parametrize("provider", ["all,DESA_PD", "UNDESA,all", "all"])
def test_provider_ref_all_matches_any(client, provider):
    response = client.get(f"/rest/data/DF_IMS2020_SEX/{USA}/{provider}")
    assert generic_observations(response.data)[(USA, "2020")][0] == "50632836"


def test_a_repeated_parameter_is_400(client):
    response = client.get("/rest/codelist/UNDESA/CL_SEX?detail=full&detail=allstubs")
    assert_sdmx_error(response, 400, 140, "detail", "more than once")


def test_rest_root_answers_without_a_redirect(client):
    assert_sdmx_error(client.get("/rest"), 400, 140, "name a resource")


def test_options_answers_a_cors_preflight(client):
    response = client.options(
        "/rest/codelist/UNDESA/CL_SEX",
        headers={
            "Origin": "http://example.test",
            "Access-Control-Request-Method": "GET",
        },
    )
    assert response.status_code == 204  # no content, no HTML
    assert "GET" in response.headers["Access-Control-Allow-Methods"]
    assert response.headers["Access-Control-Allow-Origin"] == "*"


def test_405_names_the_allowed_methods(client):
    response = client.post("/rest/dataflow")
    assert_sdmx_error(response, 405, 140)
    assert "GET" in response.headers["Allow"]


def test_rest_v2_is_served_beside_rest_15(client):
    assert client.get("/rest/v2/structure/codelist").status_code == 200
    assert_sdmx_error(client.get("/rest/v2"), 400, 140, "/rest/v2/structure/")


def test_no_data_for_an_unknown_code_says_which_code(client):
    response = client.get("/rest/data/DF_IMS2020_SEX/A.MIG_STOCK.DEU._T._T._T._T")
    assert_sdmx_error(response, 404, 100, "REF_AREA 'DEU' not in the codelist")


def test_no_data_names_an_unknown_provider_and_the_providers_with_data(client):
    response = client.get("/rest/data/DF_IMS2020_SEX/A.MIG_STOCK.840._T._T._T._T/NOPE")
    assert_sdmx_error(
        response, 404, 100, "provider NOPE", "providers with data: DESA_PD"
    )
    ok = client.get("/rest/data/DF_IMS2020_SEX/A.MIG_STOCK.840._T._T._T._T/DESA_PD")
    assert ok.status_code == 200


def test_availability_without_data_names_the_code_not_in_its_codelist(client):
    url = "/rest/availableconstraint/DF_IMS2020_SEX/A.MIG_STOCK.999._T._T._T._T"
    assert_sdmx_error(client.get(url), 404, 100, "REF_AREA '999'")


# --- faults found by an adversarial review of the read side ----------------------

SEX_V2 = "/rest/v2/data/dataflow/UNDESA/DF_IMS2020_SEX/1.0"


@pytest.mark.parametrize(
    "instant", ["0001-01-01T00:00:00%2B14:00", "9999-12-31T23:59:59-14:00"]
)
def test_updated_after_beyond_the_calendar_in_utc_is_400(client, instant):
    response = client.get(f"/rest/data/DF_IMS2020_SEX/all?updatedAfter={instant}")
    assert_sdmx_error(response, 400, 140, "outside the years 1 to 9999")


def test_text_filters_are_case_sensitive_on_every_backend(client):
    lower = client.get(f"{SEX_V2}/A.MIG_STOCK.840.*._T._T._T?c[SEX]=co:f")
    assert lower.status_code == 204
    upper = client.get(
        f"{SEX_V2}/A.MIG_STOCK.840.*._T._T._T?c[SEX]=co:F&format=csvdata"
    )
    assert {r["SEX"] for r in csv_rows(upper.data)} == {"F"}


def test_the_size_limit_counts_a_page_not_the_whole_result(app, client):
    app.config["MAX_RESULT_OBSERVATIONS"] = 20
    try:
        url = f"{SEX_V2}/A.MIG_STOCK.*.*._T._T._T?format=csvdata"
        assert_sdmx_error(client.get(url), 413, 510, "more than 20")
        page = client.get(f"{url}&offset=30&limit=10")
        assert page.status_code == 200
        assert len(csv_rows(page.data)) == 10
    finally:
        app.config.pop("MAX_RESULT_OBSERVATIONS")


@pytest.mark.parametrize(
    "url",
    [
        "/rest/data/DF_IMS2020_SEX/A.MIG_STOCK.+.F._T._T._T",
        "/rest/data/DF_IMS2020_SEX/A.MIG_STOCK.840++484.F._T._T._T",
        "/rest/data/DF_IMS2020_SEX/A.MIG_STOCK.840+.F._T._T._T",
        f"{SEX_V2}/A.MIG_STOCK.840,",
        f"{SEX_V2}/,A.MIG_STOCK.840",
    ],
)
def test_empty_codes_in_a_key_are_400_not_a_wildcard(client, url):
    assert_sdmx_error(client.get(url), 400, 140, "empty")


@pytest.mark.parametrize(
    ("url", "accept", "refused"),
    [
        (
            "/rest/data/DF_IMS2020_SEX/A.MIG_STOCK.840._T._T._T._T",
            "application/vnd.sdmx.genericdata+xml;version=2.1;q=0, */*",
            "genericdata",
        ),
        (
            "/rest/data/DF_IMS2020_SEX/A.MIG_STOCK.840._T._T._T._T",
            "application/xml;q=0, */*",
            "genericdata",
        ),
        (
            f"{SEX_V2}/A.MIG_STOCK.840._T._T._T._T",
            "application/vnd.sdmx.data+xml;version=3.0.0;q=0, */*",
            "data+xml",
        ),
    ],
)
def test_a_type_refused_with_q_0_is_not_served_through_a_wildcard(
    client, url, accept, refused
):
    response = client.get(url, headers={"Accept": accept})
    assert response.status_code == 200
    assert refused not in response.content_type


def test_preflight_has_no_content_and_allows_posting(client):
    response = client.options("/rest/v2/data")
    assert response.status_code == 204
    assert response.data == b""
    assert "POST" in response.headers["Access-Control-Allow-Methods"]


@pytest.mark.parametrize(
    "url", ["/rest//codelist", "/rest/codelist/UNDESA/CL_SEX%0A", "/rest/v2//data"]
)
def test_odd_paths_get_an_sdmx_error_not_html(client, url):
    response = client.get(url)
    assert 400 <= response.status_code < 500
    assert response.content_type.startswith("application/xml")
    assert b"\n" not in etree.fromstring(response.data).findtext(".//{*}Text").encode()
