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
