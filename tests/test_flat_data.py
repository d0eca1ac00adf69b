"""dimensionAtObservation=AllDimensions: flat SDMX-ML 2.1 data on REST 1.5 and 2.x."""

from __future__ import annotations

import pytest
from lxml import etree

from server.formats.dsd_schema import validating_schema
from tests.helpers import NS, SCHEMAS, assert_sdmx_error, assert_valid_sdmx_ml, csv_rows

GENERIC = "application/vnd.sdmx.genericdata+xml;version=2.1"
SPECIFIC = "application/vnd.sdmx.structurespecificdata+xml;version=2.1"
JSON = "application/vnd.sdmx.data+json;version=1.0.0"
USA = "A.MIG_STOCK.840._T._T._T._T"
FLAT = "dimensionAtObservation=AllDimensions"
V1 = f"/rest/data/DF_IMS2020_SEX/{USA}"
V2 = f"/rest/v2/data/dataflow/UNDESA/DF_IMS2020_SEX/1.0/{USA}"
SCHEMA_URL = f"/rest/schema/dataflow/UNDESA/DF_IMS2020_SEX/1.0?{FLAT}"
NAMESPACE_END = ":ObsLevelDim:AllDimensions"


def _flat_generic(body: bytes) -> dict[str, tuple[dict, str, dict]]:
    """{TIME_PERIOD: (key values, value, attributes)} of a flat generic message."""
    root = assert_valid_sdmx_ml(body)
    structure = root.find("mes:Header/mes:Structure", NS)
    assert structure.get("dimensionAtObservation") == "AllDimensions"
    data_set = root.find("mes:DataSet", NS)
    assert data_set.find("gen:Series", NS) is None
    found = {}
    for obs in data_set.findall("gen:Obs", NS):
        key = {v.get("id"): v.get("value") for v in obs.find("gen:ObsKey", NS)}
        attributes = {
            v.get("id"): v.get("value")
            for v in obs.iterfind("gen:Attributes/gen:Value", NS)
        }
        value = obs.find("gen:ObsValue", NS).get("value")
        found[key["TIME_PERIOD"]] = (key, value, attributes)
    return found


@pytest.mark.parametrize("url", [V1, V2])
def test_flat_generic_is_valid_with_every_dimension(client, url):
    response = client.get(f"{url}?{FLAT}", headers={"Accept": GENERIC})
    assert response.status_code == 200, response.data[:500]
    found = _flat_generic(response.data)
    key, value, attributes = found["2020"]
    assert value == "50632836"
    assert key["REF_AREA"] == "840"
    assert list(key)[-1] == "TIME_PERIOD"
    assert ".".join(list(key.values())[:-1]) == USA
    assert attributes  # series and observation attributes together


@pytest.mark.parametrize("url", [V1, V2])
def test_flat_generic_holds_the_observations_of_the_time_series(client, url):
    flat = _flat_generic(client.get(f"{url}?{FLAT}", headers={"Accept": GENERIC}).data)
    series = client.get(url, headers={"Accept": GENERIC}).data
    root = assert_valid_sdmx_ml(series)
    periods = {
        o.get("value")
        for o in root.iterfind("mes:DataSet/gen:Series/gen:Obs/gen:ObsDimension", NS)
    }
    assert set(flat) == periods


@pytest.fixture
def flat_schema(client) -> etree.XMLSchema:
    response = client.get(SCHEMA_URL)
    assert response.status_code == 200, response.data[:500]
    return validating_schema(SCHEMAS, response.data)


@pytest.mark.parametrize("url", [V1, V2])
def test_flat_structure_specific_is_valid_against_the_flat_schema(
    client, flat_schema, url
):
    response = client.get(f"{url}?{FLAT}", headers={"Accept": SPECIFIC})
    assert response.status_code == 200, response.data[:500]
    root = etree.fromstring(response.data)
    flat_schema.assertValid(root)
    structure = root.find("mes:Header/mes:Structure", NS)
    assert structure.get("dimensionAtObservation") == "AllDimensions"
    assert structure.get("namespace").endswith(NAMESPACE_END)
    data_set = root.find("mes:DataSet", NS)
    assert data_set.find("Series") is None
    observations = {o.get("TIME_PERIOD"): o for o in data_set.findall("Obs")}
    obs = observations["2020"]
    assert obs.get("OBS_VALUE") == "50632836"
    assert obs.get("REF_AREA") == "840"
    assert obs.get("FREQ") == "A"


def test_time_series_structure_specific_is_not_valid_against_the_flat_schema(
    client, flat_schema
):
    response = client.get(V1, headers={"Accept": SPECIFIC})
    assert not flat_schema.validate(etree.fromstring(response.data))


@pytest.mark.parametrize("url", [V1, V2])
def test_csv_is_the_same_flat_or_not(client, url):
    flat = client.get(f"{url}?{FLAT}&format=csvdata")
    plain = client.get(f"{url}?format=csvdata")
    assert flat.status_code == 200
    assert flat.data == plain.data
    assert any(r["OBS_VALUE"] == "50632836" for r in csv_rows(flat.data))


@pytest.mark.parametrize("url", [V1, V2])
def test_unknown_dimension_at_observation_is_400(client, url):
    response = client.get(f"{url}?dimensionAtObservation=NOPE")
    assert_sdmx_error(response, 400, 140, "NOPE")


@pytest.mark.parametrize("url", [V1, V2])
def test_flat_sdmx_json_is_501(client, url):
    response = client.get(f"{url}?{FLAT}", headers={"Accept": JSON})
    assert_sdmx_error(response, 501, 501, "AllDimensions")
