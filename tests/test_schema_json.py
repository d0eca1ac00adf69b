"""Schema queries as JSON schemas (REST 2.x ``schema+json;version=2.0.0``)."""

from __future__ import annotations

import copy
import json

import pytest
from jsonschema import Draft202012Validator

SCHEMA_JSON = "application/vnd.sdmx.schema+json;version=2.0.0"
DATA_JSON = "application/vnd.sdmx.data+json;version=2.0.0"
FLOW = "UNDESA/DF_IMS2020_SEX/1.0"


@pytest.fixture()
def validator(client) -> Draft202012Validator:
    response = client.get(
        f"/rest/v2/schema/dataflow/{FLOW}", headers={"Accept": SCHEMA_JSON}
    )
    assert response.status_code == 200, response.data[:300]
    assert response.content_type == SCHEMA_JSON
    schema = json.loads(response.data)
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


@pytest.fixture()
def message(client) -> dict:
    response = client.get(
        f"/rest/v2/data/dataflow/{FLOW}/A.MIG_STOCK.840",
        headers={"Accept": DATA_JSON},
    )
    assert response.status_code == 200, response.data[:300]
    return json.loads(response.data)


def _component(message: dict, kind: str, ident: str) -> dict:
    structure = message["data"]["structures"][0]
    for components in structure[kind].values():
        for component in components:
            if component["id"] == ident:
                return component
    raise AssertionError(f"no {kind} {ident} in the message")


def test_json_schema_validates_the_flows_data(validator, message):
    errors = list(validator.iter_errors(message))
    assert not errors, errors[0].message


def test_json_schema_rejects_a_code_the_constraint_does_not_allow(validator, message):
    wrong = copy.deepcopy(message)
    _component(wrong, "dimensions", "COB")["values"][0]["id"] = "XYZ"
    assert not validator.is_valid(wrong)


def test_json_schema_rejects_a_code_outside_the_codelist_and_text_values(
    validator, message
):
    wrong = copy.deepcopy(message)
    _component(wrong, "attributes", "OBS_STATUS")["values"][0]["id"] = "XYZ"
    assert not validator.is_valid(wrong)
    wrong = copy.deepcopy(message)
    series = next(iter(wrong["data"]["dataSets"][0]["series"].values()))
    next(iter(series["observations"].values()))[0] = "many"
    assert not validator.is_valid(wrong)


def test_json_schema_of_a_data_structure_lists_every_code(client):
    response = client.get(
        "/rest/v2/schema/datastructure/UNDESA/DSD_MIG_STOCK/1.0",
        headers={"Accept": SCHEMA_JSON},
    )
    assert response.status_code == 200, response.data[:300]
    schema = json.loads(response.data)
    Draft202012Validator.check_schema(schema)
    rules = schema["$defs"]["dimension"]["allOf"]
    cob = next(r for r in rules if r["if"]["properties"]["id"]["const"] == "COB")
    allowed = cob["then"]["properties"]["values"]["items"]["anyOf"][1]
    assert {"484", "840", "_T"} <= set(allowed["properties"]["id"]["enum"])
