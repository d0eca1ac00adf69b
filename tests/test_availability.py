"""Availability queries (REST 1.5 /availableconstraint) against the DESA data."""

from __future__ import annotations

import pytest

from tests.helpers import NS, STR, assert_sdmx_error, assert_valid_sdmx_ml

USA_BY_SEX = "A.MIG_STOCK.840.._T._T._T"


def _constraint(client, path: str):
    response = client.get(path)
    assert response.status_code == 200, response.data[:300]
    root = assert_valid_sdmx_ml(response.data)
    constraint = root.find(".//str:ContentConstraint", NS)
    assert constraint.get("type") == "Actual"
    values = {
        kv.get("id"): [v.text for v in kv.iterfind("com:Value", NS)]
        for kv in constraint.iterfind(".//com:KeyValue", NS)
    }
    metrics = {
        a.get("id"): int(a.findtext("com:AnnotationTitle", namespaces=NS))
        for a in constraint.iterfind(".//com:Annotation", NS)
    }
    time = constraint.find(".//com:TimeRange", NS)
    span = None
    if time is not None:
        span = (
            time.findtext("com:StartPeriod", namespaces=NS),
            time.findtext("com:EndPeriod", namespaces=NS),
        )
    return root, values, metrics, span


def test_exact_availability_lists_the_codes_present(client):
    _, values, metrics, span = _constraint(
        client, f"/rest/availableconstraint/DF_IMS2020_SEX/{USA_BY_SEX}"
    )
    assert values["REF_AREA"] == ["840"]
    assert sorted(values["SEX"]) == ["F", "M", "_T"]
    assert metrics == {"series_count": 3, "obs_count": 21}
    assert span == ("1990-01-01", "2020-12-31")


def test_available_mode_ignores_a_dimension_own_filter(client):
    _, values, metrics, _ = _constraint(
        client,
        f"/rest/availableconstraint/DF_IMS2020_SEX/{USA_BY_SEX}?mode=available",
    )
    allowed = client.get("/rest/contentconstraint/UNDESA/CC_IMS2020_SEX").data
    root = assert_valid_sdmx_ml(allowed)
    areas = [
        v.text for v in root.iterfind(".//com:KeyValue[@id='REF_AREA']/com:Value", NS)
    ]
    assert sorted(values["REF_AREA"]) == sorted(areas)
    assert metrics["series_count"] == 3


def test_period_filter_narrows_counts_and_range(client):
    _, _, metrics, span = _constraint(
        client,
        f"/rest/availableconstraint/DF_IMS2020_SEX/{USA_BY_SEX}"
        "?startPeriod=2010&endPeriod=2015",
    )
    assert metrics == {"series_count": 3, "obs_count": 6}
    assert span == ("2010-01-01", "2015-12-31")


def test_component_id_keeps_one_dimension(client):
    _, values, _, _ = _constraint(
        client, f"/rest/availableconstraint/DF_IMS2020_SEX/{USA_BY_SEX}/all/SEX"
    )
    assert list(values) == ["SEX"]
    _, values, _, span = _constraint(
        client, f"/rest/availableconstraint/DF_IMS2020_SEX/{USA_BY_SEX}/all/TIME_PERIOD"
    )
    assert values == {"TIME_PERIOD": []}
    assert span == ("1990-01-01", "2020-12-31")


def test_references_codelist_cuts_codelists_to_the_codes_found(client):
    root, _, _, _ = _constraint(
        client,
        "/rest/availableconstraint/DF_IMS2019_ORIGIN/A.MIG_STOCK.840._T._T.484._T"
        "?references=codelist",
    )
    areas = root.find(".//str:Codelist[@id='CL_AREA']", NS)
    assert areas.get("isPartial") == "true"
    codes = {c.get("id") for c in areas.iter(f"{{{STR}}}Code")}
    assert {"840", "484", "_T"} <= codes
    assert "004" not in codes
    parent = areas.find("str:Code[@id='840']/str:Parent/Ref", NS).get("id")
    assert parent in codes


def test_references_all_brings_the_dataflow_and_dsd(client):
    root, _, _, _ = _constraint(
        client, f"/rest/availableconstraint/DF_IMS2020_SEX/{USA_BY_SEX}?references=all"
    )
    assert root.find(".//str:Dataflow[@id='DF_IMS2020_SEX']", NS) is not None
    assert root.find(".//str:DataStructure[@id='DSD_MIG_STOCK']", NS) is not None


@pytest.mark.parametrize(
    ("path", "status", "code"),
    [
        ("/rest/availableconstraint/DF_NOPE", 404, 100),
        ("/rest/availableconstraint/DF_IMS2020_SEX/all/all/all?mode=maybe", 400, 140),
        ("/rest/availableconstraint/DF_IMS2020_SEX/all/all/COLOUR", 400, 140),
        (
            "/rest/availableconstraint/DF_IMS2020_SEX/A.MIG_STOCK.999._T._T._T._T",
            404,
            100,
        ),
        ("/rest/availableconstraint/DF_IMS2020_SEX/A.B", 400, 140),
    ],
)
def test_availability_errors(client, path, status, code):
    assert_sdmx_error(client.get(path), status, code)
