"""Data queries of SDMX-REST 1.5 against the bundled DESA data: right values back."""

from __future__ import annotations

import pytest
from lxml import etree

from server.formats.dsd_schema import dsd_schema, validating_schema
from tests.helpers import (
    NS,
    SCHEMAS,
    assert_sdmx_error,
    assert_valid_sdmx_ml,
    csv_rows,
    generic_observations,
)

GENERIC = "application/vnd.sdmx.genericdata+xml;version=2.1"
SPECIFIC = "application/vnd.sdmx.structurespecificdata+xml;version=2.1"
CSV = "application/vnd.sdmx.data+csv;version=1.0.0"
WORLD = "A.MIG_STOCK.900._T._T._T._T"
USA = "A.MIG_STOCK.840._T._T._T._T"
DIMENSIONS = "FREQ.INDICATOR.REF_AREA.SEX.AGE.COB.CITIZENSHIP"


def values(client, path: str) -> dict[tuple[str, str], tuple[str, dict]]:
    response = client.get(path)
    assert response.status_code == 200, response.data[:400]
    assert response.content_type == GENERIC
    assert_valid_sdmx_ml(response.data)
    return generic_observations(response.data)


@pytest.mark.parametrize(
    ("key", "period", "expected"),
    [
        (WORLD, "2020", "280598105"),
        ("A.MIG_STOCK.900.M._T._T._T", "2020", "145655844"),
        ("A.MIG_STOCK.900.F._T._T._T", "2020", "134942261"),
        (USA, "2020", "50632836"),
        ("A.MIG_STOCK.840.F._T._T._T", "2020", "26153840"),
        (WORLD, "1990", "152986157"),
    ],
)
def test_ims2020_by_sex_gives_the_desa_values(client, key, period, expected):
    found = values(client, f"/rest/data/UNDESA,DF_IMS2020_SEX,1.0/{key}")
    assert found[(key, period)][0] == expected
    assert found[(key, period)][1] == {"OBS_STATUS": "A"}


def test_south_sudan_has_no_value_before_2010(client):
    found = values(client, "/rest/data/DF_IMS2020_SEX/A.MIG_STOCK.728._T._T._T._T")
    by_period = {period: value for (_, period), (value, _) in found.items()}
    assert {p for p, v in by_period.items() if v != "NaN"} == {"2010", "2015", "2020"}
    assert all(by_period[p] == "NaN" for p in by_period if p < "2010")


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("A.MIG_STOCK.840._T._T.484._T", "11489684"),  # USA, born in Mexico
        ("A.MIG_STOCK.900._T._T.484._T", "11796178"),  # WORLD, from Mexico
    ],
)
def test_ims2019_by_origin_gives_the_desa_values(client, key, expected):
    found = values(client, f"/rest/data/DF_IMS2019_ORIGIN/{key}?startPeriod=2019")
    assert found == {(key, "2019"): (expected, {"OBS_STATUS": "A"})}


@pytest.mark.parametrize(
    "flow_ref",
    [
        "DF_IMS2020_SEX",
        "UNDESA,DF_IMS2020_SEX",
        "UNDESA,DF_IMS2020_SEX,1.0",
        "UNDESA%2CDF_IMS2020_SEX%2C1.0",
        "all,DF_IMS2020_SEX,latest",
    ],
)
def test_every_flow_ref_form_reaches_the_dataflow(client, flow_ref):
    found = values(client, f"/rest/data/{flow_ref}/{USA}")
    assert found[(USA, "2020")][0] == "50632836"


def test_plus_joins_codes_and_empty_positions_are_wildcards(client):
    found = values(client, "/rest/data/DF_IMS2020_SEX/A.MIG_STOCK.840+900.M+F._T._T._T")
    assert {key for key, _ in found} == {
        "A.MIG_STOCK.840.M._T._T._T",
        "A.MIG_STOCK.840.F._T._T._T",
        "A.MIG_STOCK.900.M._T._T._T",
        "A.MIG_STOCK.900.F._T._T._T",
    }
    found = values(client, "/rest/data/DF_IMS2020_SEX/A.MIG_STOCK.840.._T._T._T")
    assert {key.split(".")[3] for key, _ in found} == {"_T", "M", "F"}


def test_all_key_and_omitted_key_return_the_whole_dataflow(client):
    whole = values(client, "/rest/data/DF_IMS2020_FEMALE/all")
    assert whole == values(client, "/rest/data/DF_IMS2020_FEMALE")
    assert len({key for key, _ in whole}) > 200


@pytest.mark.parametrize(
    ("query", "periods"),
    [
        ("startPeriod=2010&endPeriod=2015", {"2010", "2015"}),
        ("startPeriod=2015-Q3", {"2015", "2020"}),
        ("endPeriod=1995-01", {"1990", "1995"}),
        ("startPeriod=2020-01-01&endPeriod=2020-12-31", {"2020"}),
    ],
)
def test_period_filters_compare_spans(client, query, periods):
    found = values(client, f"/rest/data/DF_IMS2020_SEX/{USA}?{query}")
    assert {period for _, period in found} == periods


def test_provider_ref_selects_the_provider(client):
    found = values(client, f"/rest/data/DF_IMS2020_SEX/{USA}/UNDESA,DESA_PD")
    assert found[(USA, "2020")][0] == "50632836"
    assert values(client, f"/rest/data/DF_IMS2020_SEX/{USA}/DESA_PD") == found
    response = client.get(f"/rest/data/DF_IMS2020_SEX/{USA}/NSO_MEX")
    assert_sdmx_error(response, 404, 100)


def test_structure_specific_data_carries_the_same_values(client):
    response = client.get(
        f"/rest/data/DF_IMS2020_SEX/{USA}", headers={"Accept": SPECIFIC}
    )
    assert response.status_code == 200
    assert response.content_type == SPECIFIC
    root = etree.fromstring(response.data)
    observations = {o.get("TIME_PERIOD"): o.get("OBS_VALUE") for o in root.iter("Obs")}
    assert observations["2020"] == "50632836"
    series = next(root.iter("Series"))
    assert series.get("REF_AREA") == "840"
    assert series.get("UNIT_MEASURE") == "PS"


def test_csv_carries_the_same_values(client):
    response = client.get(f"/rest/data/DF_IMS2020_SEX/{WORLD}", headers={"Accept": CSV})
    assert response.status_code == 200
    assert response.content_type == CSV
    rows = csv_rows(response.data)
    assert list(rows[0])[:9] == ["DATAFLOW", *DIMENSIONS.split("."), "TIME_PERIOD"]
    by_period = {row["TIME_PERIOD"]: row for row in rows}
    assert by_period["2020"]["OBS_VALUE"] == "280598105"
    assert by_period["2020"]["DATAFLOW"] == "UNDESA:DF_IMS2020_SEX(1.0)"
    assert by_period["2020"]["UNIT_MEASURE"] == "PS"


def test_format_parameter_overrides_accept(client):
    response = client.get(
        f"/rest/data/DF_IMS2020_SEX/{WORLD}?format=csvdata", headers={"Accept": GENERIC}
    )
    assert response.content_type == CSV


@pytest.mark.parametrize("accept", [None, "*/*", "application/xml"])
def test_default_data_format_is_generic(client, accept):
    headers = {"Accept": accept} if accept else {}
    response = client.get(f"/rest/data/DF_IMS2020_SEX/{WORLD}", headers=headers)
    assert response.content_type == GENERIC


def test_a_key_with_the_wrong_number_of_dimensions_is_400_naming_them(client):
    response = client.get("/rest/data/DF_IMS2020_SEX/A.MIG_STOCK.840")
    assert_sdmx_error(response, 400, 140, "3 parts", "7 dimensions", DIMENSIONS)


def test_a_valid_query_without_data_is_404_code_100(client):
    response = client.get("/rest/data/DF_IMS2020_SEX/A.MIG_STOCK.999._T._T._T._T")
    assert_sdmx_error(response, 404, 100, "no data")
    response = client.get(f"/rest/data/DF_IMS2020_SEX/{USA}?startPeriod=2030")
    assert_sdmx_error(response, 404, 100)


def test_an_unknown_dataflow_is_404(client):
    assert_sdmx_error(client.get("/rest/data/DF_NOPE/all"), 404, 100, "DF_NOPE")


@pytest.mark.parametrize(
    ("query", "phrase"),
    [
        ("startPeriod=20-20", "startPeriod='20-20'"),
        ("endPeriod=2021-W53", "2021-W53"),
        ("startPeriod=2020&endPeriod=2010", "after"),
        ("foo=bar", "foo"),
    ],
)
def test_bad_parameters_are_400(client, query, phrase):
    response = client.get(f"/rest/data/DF_IMS2020_SEX/{USA}?{query}")
    assert_sdmx_error(response, 400, 140, phrase)


def test_bad_flow_ref_and_key_syntax_are_400(client):
    assert_sdmx_error(client.get("/rest/data/A,B,C,D/all"), 400, 140, "4")
    assert_sdmx_error(
        client.get("/rest/data/DF_IMS2020_SEX/A.MIG_STOCK.8$0.<>._T._T._T"), 400, 140
    )


def test_include_history_of_the_bundle_is_one_dissemination(client):
    response = client.get(f"/rest/data/DF_IMS2020_SEX/{USA}?includeHistory=true")
    assert response.status_code == 200
    root = assert_valid_sdmx_ml(response.data)
    (data_set,) = root.findall("{*}DataSet")
    assert data_set.get("action") == "Replace"
    assert data_set.get("validFromDate")
    plain = generic_observations(client.get(f"/rest/data/DF_IMS2020_SEX/{USA}").data)
    assert generic_observations(response.data) == plain


USA_BY_SEX = "A.MIG_STOCK.840.._T._T._T"


@pytest.mark.parametrize(
    ("query", "periods"),
    [
        ("lastNObservations=1", {"2020"}),
        ("firstNObservations=2", {"1990", "1995"}),
        ("firstNObservations=1&lastNObservations=1", {"1990", "2020"}),
        ("lastNObservations=2&startPeriod=2000&endPeriod=2010", {"2005", "2010"}),
    ],
)
def test_first_and_last_n_observations_per_series(client, query, periods):
    found = values(client, f"/rest/data/DF_IMS2020_SEX/{USA_BY_SEX}?{query}")
    by_series: dict[str, set[str]] = {}
    for key, period in found:
        by_series.setdefault(key, set()).add(period)
    assert len(by_series) == 3
    assert all(p == periods for p in by_series.values())


def test_detail_serieskeysonly_gives_series_without_observations(client):
    response = client.get(
        f"/rest/data/DF_IMS2020_SEX/{USA_BY_SEX}?detail=serieskeysonly"
    )
    root = assert_valid_sdmx_ml(response.data)
    series = list(root.iter(f"{{{NS['gen']}}}Series"))
    assert len(series) == 3
    assert list(root.iter(f"{{{NS['gen']}}}Obs")) == []
    assert list(root.iter(f"{{{NS['gen']}}}Attributes")) == []


def test_detail_nodata_keeps_series_attributes(client):
    response = client.get(f"/rest/data/DF_IMS2020_SEX/{USA}?detail=nodata")
    root = assert_valid_sdmx_ml(response.data)
    assert list(root.iter(f"{{{NS['gen']}}}Obs")) == []
    ids = {v.get("id") for v in root.iterfind(".//gen:Attributes/gen:Value", NS)}
    assert {"UNIT_MEASURE", "UNIT_MULT"} <= ids


def test_detail_dataonly_drops_attributes(client):
    found = values(client, f"/rest/data/DF_IMS2020_SEX/{USA}?detail=dataonly")
    assert found[(USA, "2020")] == ("50632836", {})


def test_updated_after_returns_what_changed_since(client):
    found = values(client, f"/rest/data/DF_IMS2020_SEX/{USA}?updatedAfter=2001-01-01")
    assert found[(USA, "2020")][0] == "50632836"
    response = client.get(
        f"/rest/data/DF_IMS2020_SEX/{USA}?updatedAfter=2999-01-01T00:00:00%2B01:00"
    )
    assert_sdmx_error(response, 404, 100)


@pytest.mark.parametrize(
    ("query", "phrase"),
    [
        ("firstNObservations=0", "firstNObservations"),
        ("lastNObservations=x", "lastNObservations"),
        ("updatedAfter=yesterday", "updatedAfter"),
        ("includeHistory=maybe", "includeHistory"),
        ("detail=everything", "detail"),
    ],
)
def test_bad_data_parameter_values_are_400(client, query, phrase):
    response = client.get(f"/rest/data/DF_IMS2020_SEX/{USA}?{query}")
    assert_sdmx_error(response, 400, 140, phrase)


def _codes(client, dsd) -> dict[str, list[str]]:
    """Code ids of every coded component, read through the REST API."""
    codes = {}
    for component in [*dsd.dimensions, *dsd.attributes]:
        if component.codelist is None:
            continue
        ref = component.codelist
        root = etree.fromstring(
            client.get(f"/rest/codelist/{ref.agency}/{ref.id}/{ref.version}").data
        )
        codes[component.id] = [
            code.get("id") for code in root.iter(f"{{{NS['str']}}}Code")
        ]
    return codes


@pytest.mark.parametrize(
    "flow",
    [
        "DF_IMS2020_SEX",
        "DF_IMS2020_GROWTH",
        "DF_IMS2020_REFUGEES",
        "DF_IMS2019_ORIGIN",
    ],
)
def test_structure_specific_data_is_valid_per_official_and_dsd_schemas(
    app, client, flow
):
    store = app.extensions["store"]
    dsd = store.structure_of(store.find_artefacts(["dataflow"], ["UNDESA"], [flow])[0])
    schema = validating_schema(SCHEMAS, dsd_schema(dsd, _codes(client, dsd)))
    key = "A..840+900+484...." if flow == "DF_IMS2019_ORIGIN" else "all"
    response = client.get(f"/rest/data/{flow}/{key}", headers={"Accept": SPECIFIC})
    assert response.status_code == 200
    document = etree.fromstring(response.data)
    assert schema.validate(document), schema.error_log.last_error
    assert len(list(document.iter("Obs"))) > 100
