"""Schema queries: the XSD that validates a dataflow's data, constraints applied."""

from __future__ import annotations

import pytest
from lxml import etree

from server.formats.dsd_schema import validating_schema
from server.formats.dsd_schema30 import validating_schema as validating_schema_30
from tests.helpers import SCHEMAS, assert_sdmx_error

XS = "http://www.w3.org/2001/XMLSchema"
SPECIFIC = "application/vnd.sdmx.structurespecificdata+xml;version=2.1"


def _enumeration(xsd: bytes, component: str) -> set[str]:
    root = etree.fromstring(xsd)
    types = {t.get("name"): t for t in root.iter(f"{{{XS}}}simpleType")}
    for name, simple in types.items():
        if name and name.split(".")[0] == component:
            return {e.get("value") for e in simple.iter(f"{{{XS}}}enumeration")}
    return set()


def test_dataflow_schema_applies_the_constraint_and_validates_its_data(client):
    response = client.get("/rest/schema/dataflow/UNDESA/DF_IMS2020_SEX/1.0")
    assert response.status_code == 200, response.data[:300]
    assert response.content_type == "application/vnd.sdmx.schema+xml;version=2.1"
    assert "840" in _enumeration(response.data, "REF_AREA")
    assert _enumeration(response.data, "COB") == {"_T"}
    schema = validating_schema(SCHEMAS, response.data)
    data = client.get(
        "/rest/data/DF_IMS2020_SEX/A.MIG_STOCK.840+900.._T._T._T",
        headers={"Accept": SPECIFIC},
    )
    assert schema.validate(etree.fromstring(data.data)), schema.error_log.last_error


def test_dsd_schema_lists_every_code(client):
    response = client.get("/rest/schema/datastructure/UNDESA/DSD_MIG_STOCK")
    assert response.status_code == 200
    assert {"484", "840", "_T", "STLS"} <= _enumeration(response.data, "COB")


def test_schema_30_validates_sdmx_ml_30_data(client):
    accept = "application/vnd.sdmx.schema+xml;version=3.0.0"
    response = client.get(
        "/rest/schema/dataflow/UNDESA/DF_IMS2020_SEX", headers={"Accept": accept}
    )
    assert response.content_type == accept
    schema = validating_schema_30(SCHEMAS.parent / "sdmx-ml-3.0", response.data)
    data = client.get(
        "/rest/data/DF_IMS2020_SEX/A.MIG_STOCK.840.._T._T._T",
        headers={"Accept": "application/vnd.sdmx.data+xml;version=3.0.0"},
    )
    assert schema.validate(etree.fromstring(data.data)), schema.error_log.last_error


@pytest.mark.parametrize(
    ("path", "status", "code"),
    [
        ("/rest/schema/dataflow/UNDESA/DF_NOPE", 404, 100),
        ("/rest/schema/colour/UNDESA/DF_IMS2020_SEX", 400, 140),
        ("/rest/schema/dataflow/UNDESA/DF_IMS2020_SEX/all", 400, 140),
        ("/rest/schema/metadataflow/UNDESA/MF", 501, 501),
        ("/rest/schema/dataflow/UNDESA", 400, 140),
    ],
)
def test_schema_query_errors(client, path, status, code):
    assert_sdmx_error(client.get(path), status, code)
