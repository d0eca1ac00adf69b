"""Cross-sectional data: dimensionAtObservation names a dimension other than time.

Every form is checked against the time series of the same query: the same
observations, keyed the other way round.
"""

from __future__ import annotations

import io

import pytest
import sdmx
import sdmx.reader.xml.v30  # noqa: F401  (import before a 2.1 read registers namespaces)
from lxml import etree

from server.formats.dsd_schema import validating_schema
from server.formats.dsd_schema30 import validating_schema as validating_schema_30
from tests.helpers import (
    NS,
    SCHEMAS,
    assert_sdmx_error,
    assert_valid_json,
    assert_valid_sdmx_ml,
    csv_rows,
    generic_observations,
)

GENERIC = "application/vnd.sdmx.genericdata+xml;version=2.1"
SPECIFIC = "application/vnd.sdmx.structurespecificdata+xml;version=2.1"
ML30 = "application/vnd.sdmx.data+xml;version=3.0.0"
JSON10 = "application/vnd.sdmx.data+json;version=1.0.0"
JSON20 = "application/vnd.sdmx.data+json;version=2.0.0"
XSD30 = "application/vnd.sdmx.schema+xml;version=3.0.0"
KEY = "A.MIG_STOCK.840+124+900.F+M._T._T._T"
V1 = f"/rest/data/DF_IMS2020_SEX/{KEY}"
V2 = f"/rest/v2/data/dataflow/UNDESA/DF_IMS2020_SEX/1.0/{KEY}"
AREA = "dimensionAtObservation=REF_AREA"
DIMENSIONS = ["FREQ", "INDICATOR", "REF_AREA", "SEX", "AGE", "COB", "CITIZENSHIP"]


@pytest.fixture
def expected(client) -> dict[tuple[str, ...], str]:
    """{(codes in DSD order..., period): value} from the time series of V1."""
    body = client.get(V1, headers={"Accept": GENERIC}).data
    found = generic_observations(body)
    assert len(found) == 3 * 2 * 7  # three areas, two sexes, 1990 to 2020
    return {(*key.split("."), period): v for (key, period), (v, _) in found.items()}


def _generic_cross_section(body: bytes) -> dict[tuple[str, ...], str]:
    root = assert_valid_sdmx_ml(body)
    structure = root.find("mes:Header/mes:Structure", NS)
    assert structure.get("dimensionAtObservation") == "REF_AREA"
    found = {}
    for series in root.iterfind("mes:DataSet/gen:Series", NS):
        key = {v.get("id"): v.get("value") for v in series.find("gen:SeriesKey", NS)}
        assert list(key) == [d for d in DIMENSIONS if d != "REF_AREA"] + ["TIME_PERIOD"]
        for obs in series.iterfind("gen:Obs", NS):
            codes = {**key, "REF_AREA": obs.find("gen:ObsDimension", NS).get("value")}
            value = obs.find("gen:ObsValue", NS).get("value")
            found[(*(codes[d] for d in DIMENSIONS), key["TIME_PERIOD"])] = value
    return found


@pytest.mark.parametrize("url", [V1, V2])
def test_generic_cross_section_holds_the_time_series_observations(
    client, expected, url
):
    response = client.get(f"{url}?{AREA}", headers={"Accept": GENERIC})
    assert response.status_code == 200, response.data[:500]
    assert _generic_cross_section(response.data) == expected
    assert expected[("A", "MIG_STOCK", "840", "F", "_T", "_T", "_T", "2020")] == (
        "26153840"
    )


def test_series_attributes_move_to_the_observations(client):
    body = client.get(f"{V1}?{AREA}&startPeriod=2020", headers={"Accept": GENERIC})
    root = assert_valid_sdmx_ml(body.data)
    series = root.find("mes:DataSet/gen:Series", NS)
    assert series.find("gen:Attributes", NS) is None
    obs = {
        o.find("gen:ObsDimension", NS).get("value"): o
        for o in series.iterfind("gen:Obs", NS)
    }
    usa = {
        v.get("id"): v.get("value")
        for v in obs["840"].iterfind("gen:Attributes/gen:Value", NS)
    }
    # UNIT_MEASURE and the US footnote are series attributes in the time series.
    assert usa["UNIT_MEASURE"] == "PS"
    assert "Puerto Rico" in usa["COMMENT_TS"]
    canada = {v.get("id") for v in obs["124"].iterfind("gen:Attributes/gen:Value", NS)}
    assert "COMMENT_TS" not in canada


@pytest.mark.parametrize("url", [V1, V2])
def test_structure_specific_cross_section_is_valid_against_its_schema(
    client, expected, url
):
    schema_response = client.get(
        f"/rest/schema/dataflow/UNDESA/DF_IMS2020_SEX/1.0?{AREA}"
    )
    assert schema_response.status_code == 200, schema_response.data[:500]
    schema = validating_schema(SCHEMAS, schema_response.data)
    response = client.get(f"{url}?{AREA}", headers={"Accept": SPECIFIC})
    root = etree.fromstring(response.data)
    assert schema.validate(root), schema.error_log.last_error
    found = {}
    for series in root.iterfind("mes:DataSet/Series", NS):
        for obs in series.iterfind("Obs"):
            codes = {**series.attrib, **obs.attrib}
            found[(*(codes[d] for d in DIMENSIONS), codes["TIME_PERIOD"])] = codes[
                "OBS_VALUE"
            ]
    assert found == expected
    # The time-series message does not pass as cross-sectional data.
    plain = etree.fromstring(client.get(V1, headers={"Accept": SPECIFIC}).data)
    assert not schema.validate(plain)


def test_sdmx_ml_30_cross_section_is_valid_against_its_schema(client, expected):
    schema_response = client.get(
        f"/rest/v2/schema/dataflow/UNDESA/DF_IMS2020_SEX/1.0?{AREA}",
        headers={"Accept": XSD30},
    )
    assert schema_response.status_code == 200, schema_response.data[:500]
    schema = validating_schema_30(SCHEMAS.parent / "sdmx-ml-3.0", schema_response.data)
    response = client.get(f"{V2}?{AREA}", headers={"Accept": ML30})
    root = etree.fromstring(response.data)  # the official schemas with the flow's
    assert schema.validate(root), schema.error_log.last_error
    structure = root.find("{*}Header/{*}Structure")
    assert structure.get("namespace").endswith(":ObsLevelDim:REF_AREA")
    found = {}
    for series in root.iterfind("{*}DataSet/Series"):
        for obs in series.iterfind("Obs"):
            codes = {**series.attrib, **obs.attrib}
            key = (*(codes[d] for d in DIMENSIONS), codes["TIME_PERIOD"])
            found[key] = codes["OBS_VALUE"]
    assert found == expected


@pytest.mark.parametrize(("accept", "version"), [(JSON10, "1.0"), (JSON20, "2.0.0")])
def test_sdmx_json_cross_section_puts_the_dimension_at_observation(
    client, expected, accept, version
):
    response = client.get(f"{V1}?{AREA}", headers={"Accept": accept})
    message = assert_valid_json(response.data, "data", version)["data"]
    structure = message.get("structure") or message["structures"][0]
    dimensions = structure["dimensions"]
    (at_observation,) = dimensions["observation"]
    assert at_observation["id"] == "REF_AREA"
    assert at_observation["keyPosition"] == 2
    series_ids = [d["id"] for d in dimensions["series"]]
    assert series_ids == [d for d in DIMENSIONS if d != "REF_AREA"] + ["TIME_PERIOD"]
    time = dimensions["series"][-1]
    assert time["keyPosition"] == 7
    assert all("start" in v for v in time["values"])
    found = {}
    for key, series in message["dataSets"][0]["series"].items():
        codes = dict(
            zip(
                series_ids,
                (
                    dimensions["series"][n]["values"][int(i)]["id"]
                    for n, i in enumerate(key.split(":"))
                ),
                strict=True,
            )
        )
        for index, (value, *_) in series["observations"].items():
            codes["REF_AREA"] = at_observation["values"][int(index)]["id"]
            found[(*(codes[d] for d in DIMENSIONS), codes["TIME_PERIOD"])] = str(value)
    assert found == expected


@pytest.mark.parametrize("url", [V1, V2])
def test_csv_is_the_same_at_any_dimension_at_observation(client, url):
    crossed = client.get(f"{url}?{AREA}&format=csvdata")
    plain = client.get(f"{url}?format=csvdata")
    assert crossed.status_code == 200
    assert crossed.data == plain.data
    assert any(r["OBS_VALUE"] == "26153840" for r in csv_rows(crossed.data))


def test_first_observations_per_series_then_cross_section(client):
    response = client.get(
        f"{V1}?{AREA}&lastNObservations=1", headers={"Accept": GENERIC}
    )
    found = _generic_cross_section(response.data)
    assert {key[-1] for key in found} == {"2020"}
    assert len(found) == 6


@pytest.mark.parametrize(
    "accept",
    [
        "application/vnd.sdmx.generictimeseriesdata+xml;version=2.1",
        "application/vnd.sdmx.structurespecifictimeseriesdata+xml;version=2.1",
    ],
)
def test_time_series_forms_refuse_another_dimension_at_observation(client, accept):
    response = client.get(f"{V1}?{AREA}", headers={"Accept": accept})
    assert_sdmx_error(response, 400, 140, "time series only", "TIME_PERIOD")


def test_series_keys_only_cross_section_is_501(client):
    response = client.get(f"{V1}?{AREA}&detail=serieskeysonly")
    assert_sdmx_error(response, 501, 501, "serieskeysonly", "REF_AREA")


def test_sdmx1_reads_cross_sectional_data(client, expected):
    dsd_body = client.get(
        "/rest/datastructure/UNDESA/DSD_MIG_STOCK?references=children"
    )
    dsd = sdmx.read_sdmx(io.BytesIO(dsd_body.data)).structure["DSD_MIG_STOCK"]
    for url, accept in ((V1, GENERIC), (V1, SPECIFIC), (V2, ML30)):
        body = client.get(f"{url}?{AREA}", headers={"Accept": accept}).data
        series = sdmx.to_pandas(sdmx.read_sdmx(io.BytesIO(body), structure=dsd))
        found = {
            (
                *(dict(zip(series.index.names, k, strict=True))[d] for d in DIMENSIONS),
                k[-1],
            ): v
            for k, v in series.items()
        }
        assert found == {k: float(v) for k, v in expected.items()}, accept
