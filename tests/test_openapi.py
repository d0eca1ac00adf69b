"""The server describes its own API in OpenAPI and shows it on a page."""

from __future__ import annotations

from openapi_spec_validator import validate


def test_openapi_description_is_valid_and_lists_the_queries(client):
    response = client.get("/openapi.json")
    assert response.status_code == 200
    spec = response.json
    validate(spec)
    assert "/rest/data/{flowRef}/{key}/{providerRef}" in spec["paths"]
    data = spec["paths"]["/rest/data/{flowRef}/{key}/{providerRef}"]["get"]
    names = {p["name"] for p in data["parameters"]}
    assert {"startPeriod", "lastNObservations", "detail"} <= names


def test_docs_page_needs_no_network(client):
    response = client.get("/docs")
    assert response.status_code == 200
    assert response.content_type.startswith("text/html")
    page = response.data.decode()
    assert "/rest/data/{flowRef}/{key}/{providerRef}" in page
    assert "<script" not in page
    assert "http://" not in page and "https://" not in page


def test_both_apis_are_described(client):
    paths = client.get("/openapi.json").json["paths"]
    data_2 = paths["/rest/v2/data/{context}/{agencyID}/{resourceID}/{version}/{key}"]
    names = {p["name"] for p in data_2["get"]["parameters"]}
    assert {"c", "updatedAfter", "offset", "limit", "sort", "attributes"} <= names
    assert "204" in data_2["get"]["responses"]
    assert any(p.startswith("/rest/v2/availability/") for p in paths)
    assert any(p.startswith("/rest/v2/schema/") for p in paths)
    structure = paths["/rest/{resource}/{agencyID}/{resourceID}/{version}"]["get"]
    (detail,) = [p for p in structure["parameters"] if p["name"] == "detail"]
    assert "referencepartial" in detail["schema"]["enum"]


def test_docs_page_with_a_trailing_slash(client):
    response = client.get("/docs/")
    assert response.status_code == 200
    assert "/rest/v2/data/" in response.data.decode()


def test_the_write_side_is_described_beside_the_reads(client):
    paths = client.get("/openapi.json").json["paths"]
    one = paths["/rest/v2/structure/{artefactType}/{agencyID}/{resourceID}/{version}"]
    assert {"get", "put", "delete"} <= set(one)
    assert "422" in paths["/rest/v2/data"]["post"]["responses"]
    page = client.get("/docs").data.decode()
    assert "POST <code>/rest/v2/data</code>" in page
