"""Assertions shared by the tests: schema validity, the SDMX error shape, values."""

from __future__ import annotations

import csv
import io
from functools import cache
from pathlib import Path

from lxml import etree

SCHEMAS = Path(__file__).resolve().parent.parent / "schemas" / "sdmx-ml-2.1"
MES = "http://www.sdmx.org/resources/sdmxml/schemas/v2_1/message"
COM = "http://www.sdmx.org/resources/sdmxml/schemas/v2_1/common"
GEN = "http://www.sdmx.org/resources/sdmxml/schemas/v2_1/data/generic"
STR = "http://www.sdmx.org/resources/sdmxml/schemas/v2_1/structure"
NS = {"mes": MES, "com": COM, "gen": GEN, "str": STR}


@cache
def message_schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(SCHEMAS / "SDMXMessage.xsd")))


def assert_valid_sdmx_ml(body: bytes) -> etree._Element:
    """Parse ``body`` and assert it is valid per the official SDMX-ML 2.1 XSDs."""
    assert not body.startswith(b"\xef\xbb\xbf"), "a byte-order mark precedes the XML"
    root = etree.fromstring(body)
    schema = message_schema()
    assert schema.validate(root), schema.error_log.last_error
    return root


def assert_sdmx_error(response, status: int, code: int, *phrases: str) -> str:
    """Assert an SDMX-ML error message with this status and code; return its text."""
    assert response.status_code == status, response.data[:500]
    assert response.content_type.startswith("application/xml")
    root = assert_valid_sdmx_ml(response.data)
    assert root.tag == f"{{{MES}}}Error"
    message = root.find("mes:ErrorMessage", NS)
    assert message.get("code") == str(code)
    text = message.findtext("com:Text", namespaces=NS)
    for phrase in phrases:
        assert phrase in text, text
    return text


def generic_observations(body: bytes) -> dict[tuple[str, str], tuple[str, dict]]:
    """{(series key, period): (value, attributes)} of a generic data message."""
    root = etree.fromstring(body)
    found = {}
    for series in root.iter(f"{{{GEN}}}Series"):
        key = ".".join(v.get("value") for v in series.find("gen:SeriesKey", NS))
        for obs in series.iterfind("gen:Obs", NS):
            period = obs.find("gen:ObsDimension", NS).get("value")
            value = obs.find("gen:ObsValue", NS).get("value")
            attributes = {
                v.get("id"): v.get("value")
                for v in obs.iterfind("gen:Attributes/gen:Value", NS)
            }
            found[(key, period)] = (value, attributes)
    return found


def csv_rows(body: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(body.decode("utf-8"))))


@cache
def json_schema(kind: str, version: str):
    """The official SDMX-JSON schema of ``kind`` (data, structure) and version."""
    import json

    import jsonschema

    path = SCHEMAS.parent / "sdmx-json" / version / f"sdmx-json-{kind}-schema.json"
    schema = json.loads(path.read_text(encoding="utf-8"))
    return jsonschema.Draft202012Validator(schema)


def assert_valid_json(body: bytes, kind: str, version: str) -> dict:
    """Parse ``body`` and assert it is valid per the official SDMX-JSON schema."""
    import json

    message = json.loads(body)
    errors = list(json_schema(kind, version).iter_errors(message))
    assert errors == [], errors[0].message
    return message


@cache
def message_schema_30() -> etree.XMLSchema:
    path = SCHEMAS.parent / "sdmx-ml-3.0" / "SDMXMessage.xsd"
    return etree.XMLSchema(etree.parse(str(path)))


def assert_valid_sdmx_ml_30(body: bytes) -> etree._Element:
    """Parse ``body`` and assert it is valid per the official SDMX-ML 3.0 XSDs."""
    root = etree.fromstring(body)
    schema = message_schema_30()
    assert schema.validate(root), schema.error_log.last_error
    return root
