"""dimensionAtObservation=AllDimensions: flat data on REST 1.5 and 2.x, in SDMX-ML 2.1
and 3.0 and SDMX-JSON 1.0 and 2.0."""

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
JSON10 = "application/vnd.sdmx.data+json;version=1.0.0"
JSON20 = "application/vnd.sdmx.data+json;version=2.0.0"
ML30 = "application/vnd.sdmx.data+xml;version=3.0.0"
XSD30 = "application/vnd.sdmx.schema+xml;version=3.0.0"
DIMENSIONS = ["FREQ", "INDICATOR", "REF_AREA", "SEX", "AGE", "COB", "CITIZENSHIP"]
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


BY_SEX = "A.MIG_STOCK.840+124.._T._T._T"


@pytest.fixture
def by_sex(client) -> dict[tuple[str, ...], str]:
    """{(codes in DSD order..., period): value} of the time series of BY_SEX."""
    body = client.get(
        f"/rest/data/DF_IMS2020_SEX/{BY_SEX}", headers={"Accept": GENERIC}
    )
    found = generic_observations(body.data)
    assert len(found) == 2 * 3 * 7  # two areas, three sexes, 1990 to 2020
    return {(*k.split("."), p): value for (k, p), (value, _) in found.items()}


@pytest.mark.parametrize(("accept", "version"), [(JSON10, "1.0"), (JSON20, "2.0.0")])
def test_flat_sdmx_json_keys_each_observation_by_every_dimension(
    client, by_sex, accept, version
):
    url = f"/rest/data/DF_IMS2020_SEX/{BY_SEX}?{FLAT}"
    message = assert_valid_json(
        client.get(url, headers={"Accept": accept}).data, "data", version
    )["data"]
    structure = message.get("structure") or message["structures"][0]
    dimensions = structure["dimensions"]
    assert dimensions["series"] == []
    at_observation = dimensions["observation"]
    assert [d["id"] for d in at_observation] == [*DIMENSIONS, "TIME_PERIOD"]
    assert [d["keyPosition"] for d in at_observation] == list(range(8))
    (data_set,) = message["dataSets"]
    assert "series" not in data_set
    attributes = structure["attributes"]
    assert attributes["series"] == []
    names = [a["id"] for a in attributes["observation"]]
    found = {}
    for key, (value, *indexes) in data_set["observations"].items():
        codes = tuple(
            at_observation[n]["values"][int(i)]["id"]
            for n, i in enumerate(key.split(":"))
        )
        found[codes] = str(value)
        shown = dict(zip(names, indexes, strict=True))
        assert shown["UNIT_MEASURE"] is not None  # a series attribute, kept
    assert found == by_sex


def test_flat_sdmx_ml_30_is_valid_against_the_flat_schema(client, by_sex):
    schema_response = client.get(
        f"/rest/v2/schema/dataflow/UNDESA/DF_IMS2020_SEX/1.0?{FLAT}",
        headers={"Accept": XSD30},
    )
    assert schema_response.status_code == 200, schema_response.data[:300]
    schema = validating_schema_30(SCHEMAS.parent / "sdmx-ml-3.0", schema_response.data)
    url = f"/rest/v2/data/dataflow/UNDESA/DF_IMS2020_SEX/1.0/{BY_SEX}?{FLAT}"
    root = etree.fromstring(client.get(url, headers={"Accept": ML30}).data)
    assert schema.validate(root), schema.error_log.last_error
    structure = root.find("{*}Header/{*}Structure")
    assert structure.get("dimensionAtObservation") == "AllDimensions"
    assert structure.get("namespace").endswith(NAMESPACE_END)
    data_set = root.find("{*}DataSet")
    assert data_set.find("Series") is None
    found = {
        (*(o.get(d) for d in DIMENSIONS), o.get("TIME_PERIOD")): o.get("OBS_VALUE")
        for o in data_set.iterfind("Obs")
    }
    assert found == by_sex
    assert all(o.get("UNIT_MEASURE") == "PS" for o in data_set.iterfind("Obs"))
    # Time series do not pass the flat schema.
    plain = client.get(url.replace(f"?{FLAT}", ""), headers={"Accept": ML30})
    assert not schema.validate(etree.fromstring(plain.data))


@pytest.mark.parametrize(
    "accept",
    [
        "application/vnd.sdmx.generictimeseriesdata+xml;version=2.1",
        "application/vnd.sdmx.structurespecifictimeseriesdata+xml;version=2.1",
    ],
)
def test_time_series_forms_refuse_the_flat_form(client, accept):
    response = client.get(f"{V1}?{FLAT}", headers={"Accept": accept})
    assert_sdmx_error(response, 400, 140, "time series only")


def test_sdmx1_reads_flat_sdmx_ml_30(client, by_sex):
    dsd_body = client.get(
        "/rest/datastructure/UNDESA/DSD_MIG_STOCK?references=children"
    )
    dsd = sdmx.read_sdmx(io.BytesIO(dsd_body.data)).structure["DSD_MIG_STOCK"]
    url = f"/rest/v2/data/dataflow/UNDESA/DF_IMS2020_SEX/1.0/{BY_SEX}?{FLAT}"
    body = client.get(url, headers={"Accept": ML30}).data
    series = sdmx.to_pandas(sdmx.read_sdmx(io.BytesIO(body), structure=dsd))
    found = {
        (
            *(dict(zip(series.index.names, k, strict=True))[d] for d in DIMENSIONS),
            k[-1],
        ): v
        for k, v in series.items()
    }
    assert found == {k: float(v) for k, v in by_sex.items()}
