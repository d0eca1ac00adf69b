"""REST 2.x availability queries (availability.md) against the DESA data."""

from __future__ import annotations

import pytest

from tests.helpers import assert_sdmx_error, assert_valid_json, assert_valid_sdmx_ml_30

V2 = "/rest/v2/availability"
FLOW = f"{V2}/dataflow/UNDESA/DF_IMS2020_SEX/1.0"
USA_BY_SEX = "A.MIG_STOCK.840.*._T._T._T"
ML30 = "application/vnd.sdmx.structure+xml;version=3.0.0"
STR30 = "http://www.sdmx.org/resources/sdmxml/schemas/v3_0/structure"


def _constraint(client, path: str) -> tuple[dict, dict, dict | None]:
    """Values by dimension, metrics and time range of the one data constraint."""
    response = client.get(path)
    assert response.status_code == 200, response.data[:300]
    assert response.content_type.startswith("application/vnd.sdmx.structure+json")
    data = assert_valid_json(response.data, "structure", "2.0.0")["data"]
    (constraint,) = data["dataConstraints"]
    assert constraint["role"] == "Actual"
    metrics = {
        a["id"]: int(a["title"])
        for a in constraint["annotations"]
        if a["type"] == "sdmx_metrics"
    }
    key_values = constraint["cubeRegions"][0]["keyValues"]
    values = {
        kv["id"]: [v["value"] for v in kv["values"]]
        for kv in key_values
        if "values" in kv
    }
    time = next((kv["timeRange"] for kv in key_values if "timeRange" in kv), None)
    return values, metrics, time


def test_exact_lists_codes_counts_and_time_range(client):
    values, metrics, time = _constraint(client, f"{FLOW}/{USA_BY_SEX}")
    assert values["REF_AREA"] == ["840"]
    assert values["SEX"] == ["F", "M", "_T"]
    assert metrics == {"series_count": 3, "obs_count": 21}
    assert time["startPeriod"]["period"] == "1990-01-01"
    assert time["endPeriod"]["period"] == "2020-12-31"


def test_available_mode_frees_each_dimension_in_turn(client):
    values, _, _ = _constraint(
        client, f"{FLOW}/A.MIG_STOCK.840.F._T._T._T?mode=available"
    )
    assert values["SEX"] == ["F", "M", "_T"]
    assert len(values["REF_AREA"]) > 100


def test_component_filters_and_time_period_narrow_the_data(client):
    path = f"{FLOW}/*?c[REF_AREA]=840&c[SEX]=F,M&c[TIME_PERIOD]=ge:2010%2Ble:2015"
    values, metrics, time = _constraint(client, path)
    assert values["SEX"] == ["F", "M"]
    assert metrics == {"series_count": 2, "obs_count": 4}  # 2010 and 2015
    assert time["startPeriod"]["period"] == "2010-01-01"


def test_component_id_keeps_one_dimension(client):
    values, _, time = _constraint(client, f"{FLOW}/{USA_BY_SEX}/SEX")
    assert list(values) == ["SEX"]
    assert time is None


def test_context_star_and_references_cut_codelists(client):
    response = client.get(
        f"{V2}/*/UNDESA/DF_IMS2020_SEX/+/{USA_BY_SEX}/SEX?references=codelist",
        headers={"Accept": ML30},
    )
    assert response.status_code == 200
    root = assert_valid_sdmx_ml_30(response.data)
    assert root.find(f".//{{{STR30}}}DataConstraint").get("role") == "Actual"
    sex = root.find(f".//{{{STR30}}}Codelist[@id='CL_SEX']")
    assert sex.get("isPartial") == "true"


def test_updated_after_in_the_future_is_204(client):
    response = client.get(f"{FLOW}/{USA_BY_SEX}?updatedAfter=2999-01-01T00:00:00Z")
    assert response.status_code == 204


def test_no_data_is_204(client):
    assert client.get(f"{FLOW}/A.MIG_STOCK.999").status_code == 204


@pytest.mark.parametrize(
    ("query", "phrase"),
    [
        ("?mode=some", "mode='some'"),
        ("?references=cousins", "references='cousins'"),
        ("?startPeriod=2000", "unknown query parameter"),
        ("/A.MIG_STOCK.840/SIZE", "componentId 'SIZE'"),
    ],
)
def test_bad_availability_queries_are_400(client, query, phrase):
    assert_sdmx_error(client.get(FLOW + query), 400, 140, phrase)


# -- clients over HTTP ---------------------------------------------------------------


@pytest.mark.live
def test_sdmx1_reads_availability_as_a_30_source(live_server):
    import sdmx

    sdmx.add_source(
        {
            "id": "UNDESA",
            "url": f"{live_server}/rest/v2",
            "name": "local migration server, REST 2.x",
            "versions": ["3.0.0"],
            "supports": {"availableconstraint": True},
        },
        override=True,
    )
    client = sdmx.Client("UNDESA")
    message = client.availableconstraint(
        "DF_IMS2020_SEX", key="A.MIG_STOCK.840", component_id="SEX"
    )
    (constraint,) = message.constraint.values()
    (region,) = constraint.data_content_region
    values = {dim.id: {v.value for v in kv.values} for dim, kv in region.member.items()}
    assert values == {"SEX": {"F", "M", "_T"}}


@pytest.mark.live
def test_pysdmx_availability_query_answers_json(live_server):
    from pysdmx.api.qb import ApiVersion, RestService
    from pysdmx.api.qb.availability import AvailabilityQuery
    from pysdmx.api.qb.data import DataContext

    service = RestService(f"{live_server}/rest/v2", ApiVersion.V2_0_0)
    query = AvailabilityQuery(
        DataContext.DATAFLOW,
        "UNDESA",
        "DF_IMS2020_SEX",
        "1.0",
        key="A.MIG_STOCK.840.*.*.*.*",
        component_id="SEX",
    )
    body = service.availability(query)
    data = assert_valid_json(body, "structure", "2.0.0")["data"]
    assert data["dataConstraints"][0]["id"] == "CC_AVAILABILITY_DF_IMS2020_SEX"
