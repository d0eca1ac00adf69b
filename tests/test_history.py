"""History: updatedAfter says what changed since, deletions included, and
includeHistory gives every dissemination with its validity dates."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest
from lxml import etree

from server.formats.dsd_schema import validating_schema
from server.formats.dsd_schema30 import validating_schema as validating_schema_30
from tests.helpers import (
    NS,
    SCHEMAS,
    assert_valid_json,
    assert_valid_sdmx_ml,
    csv_rows,
)
from tests.test_submission import MEXICO, NSO, message, post, server  # noqa: F401

GENERIC = "application/vnd.sdmx.genericdata+xml;version=2.1"
SPECIFIC = "application/vnd.sdmx.structurespecificdata+xml;version=2.1"
ML30 = "application/vnd.sdmx.data+xml;version=3.0.0"
CSV20 = "application/vnd.sdmx.data+csv;version=2.0.0"
V1 = "/rest/data/UNDESA,DF_MIG_NSO,1.0/all"
V2 = "/rest/v2/data/dataflow/UNDESA/DF_MIG_NSO/1.0/*"


def _instant() -> str:
    moment = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    time.sleep(0.01)
    return moment


@pytest.fixture
def revised(server):  # noqa: F811
    """Mexico's three observations, then a revision of one and a deletion of
    another; returns the app and the instants before and between them."""
    token = server.tokens["mex"]
    before = _instant()
    assert post(server, message(*MEXICO), token).status_code == 200
    between = _instant()
    revision = MEXICO[0].replace(",1197624,", ",1200000,")
    deletion = f"{NSO},D,A,MIG_STOCK,484,F,_T,_T,_T,2020,,,,,"
    assert post(server, message(revision, deletion), token).status_code == 200
    after = _instant()
    return server, before, between, after


def get(app, url: str, accept: str):
    headers = {"Accept": accept, "Authorization": f"Bearer {app.tokens['reader']}"}
    return app.test_client().get(url, headers=headers)


def _data_sets(root) -> list[tuple[str | None, dict]]:
    """(action, {(SEX, period): value or None}) of each generic data set."""
    found = []
    for data_set in root.iterfind("mes:DataSet", NS):
        values = {}
        for series in data_set.iterfind("gen:Series", NS):
            key = {
                v.get("id"): v.get("value") for v in series.find("gen:SeriesKey", NS)
            }
            for obs in series.iterfind("gen:Obs", NS):
                period = obs.find("gen:ObsDimension", NS).get("value")
                value = obs.find("gen:ObsValue", NS)
                values[(key["SEX"], period)] = (
                    None if value is None else value.get("value")
                )
        found.append((data_set.get("action"), values))
    return found


@pytest.mark.parametrize("url", [V1, V2])
def test_updated_after_gives_the_revision_and_the_deletion(revised, url):
    app, _, between, _ = revised
    response = get(app, f"{url}?updatedAfter={between}", GENERIC)
    assert response.status_code == 200
    root = assert_valid_sdmx_ml(response.data)
    assert _data_sets(root) == [
        ("Replace", {("_T", "2020"): "1200000"}),
        ("Delete", {("F", "2020"): None}),
    ]


def test_updated_after_in_sdmx_csv_20_marks_each_row(revised):
    app, _, between, _ = revised
    response = get(app, f"{V1}?updatedAfter={between}", CSV20)
    rows = [(r["ACTION"], r["SEX"], r["OBS_VALUE"]) for r in csv_rows(response.data)]
    assert rows == [("R", "_T", "1200000"), ("D", "F", "")]


def test_updated_after_from_the_start_leaves_out_what_came_and_went(revised):
    app, before, _, after = revised
    root = assert_valid_sdmx_ml(get(app, f"{V1}?updatedAfter={before}", GENERIC).data)
    # Written and deleted within the window: nothing for a replica to delete.
    assert _data_sets(root) == [
        ("Replace", {("_T", "2020"): "1200000", ("M", "2020"): "600624"}),
        ("Delete", {("F", "2020"): None}),
    ]
    assert get(app, f"{V1}?updatedAfter={after}", GENERIC).status_code == 404
    assert get(app, f"{V2}?updatedAfter={after}", GENERIC).status_code == 204


def test_include_history_gives_each_dissemination_in_order(revised):
    app, *_ = revised
    response = get(app, f"{V1}?includeHistory=true", GENERIC)
    root = assert_valid_sdmx_ml(response.data)
    assert _data_sets(root) == [
        (
            "Replace",
            {
                ("_T", "2020"): "1197624",
                ("F", "2020"): "597000",
                ("M", "2020"): "600624",
            },
        ),
        ("Delete", {("F", "2020"): None}),
        ("Replace", {("_T", "2020"): "1200000"}),
    ]
    sets = root.findall("mes:DataSet", NS)
    assert sets[0].get("validFromDate") < sets[2].get("validFromDate")
    assert sets[1].get("validToDate") == sets[2].get("validFromDate")


def test_history_in_structure_specific_sdmx_ml_21_and_30_is_valid(revised):
    app, *_ = revised
    client = app.test_client()
    schema_21 = validating_schema(
        SCHEMAS, client.get("/rest/schema/dataflow/UNDESA/DF_MIG_NSO/1.0").data
    )
    body = get(app, f"{V1}?includeHistory=true", SPECIFIC).data
    assert schema_21.validate(etree.fromstring(body)), schema_21.error_log.last_error
    xsd_30 = client.get(
        "/rest/v2/schema/dataflow/UNDESA/DF_MIG_NSO/1.0",
        headers={"Accept": "application/vnd.sdmx.schema+xml;version=3.0.0"},
    ).data
    schema_30 = validating_schema_30(SCHEMAS.parent / "sdmx-ml-3.0", xsd_30)
    root = etree.fromstring(get(app, f"{V2}?includeHistory=true", ML30).data)
    assert schema_30.validate(root), schema_30.error_log.last_error
    actions = [d.get(f"{{{root.nsmap['ss']}}}action") for d in root.iter("{*}DataSet")]
    assert actions == ["Replace", "Delete", "Replace"]


def test_include_history_in_a_format_without_validity_dates_is_501(revised):
    app, *_ = revised
    response = get(app, f"{V1}?includeHistory=true", CSV20)
    assert response.status_code == 501
    assert b"includeHistory is served" in response.data


@pytest.mark.parametrize(
    ("accept", "version"),
    [
        ("application/vnd.sdmx.data+json;version=1.0.0", "1.0"),
        ("application/vnd.sdmx.data+json;version=2.0.0", "2.0.0"),
    ],
)
def test_history_and_changes_in_sdmx_json_are_valid_data_sets(revised, accept, version):
    app, _, between, _ = revised
    history = assert_valid_json(
        get(app, f"{V2}?includeHistory=true", accept).data, "data", version
    )["data"]
    sets = history["dataSets"]
    assert [d["action"] for d in sets] == ["Replace", "Delete", "Replace"]
    assert sets[1]["validTo"] == sets[2]["validFrom"]
    if version == "2.0.0":
        assert history["structures"][0]["dataSets"] == [0, 1, 2]
    changes = assert_valid_json(
        get(app, f"{V2}?updatedAfter={between}", accept).data, "data", version
    )["data"]
    assert [d["action"] for d in changes["dataSets"]] == ["Replace", "Delete"]
