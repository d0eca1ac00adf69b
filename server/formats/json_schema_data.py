"""JSON schema (REST 2.x ``schema+json;version=2.0.0``, schema.md) of a dataflow or
data structure: a draft 2020-12 schema that validates SDMX-JSON 2.0.0 data messages
of it, with the codes its codelists and content constraints allow.

It checks what is specific to the structure and leaves the rest of the message to
the general SDMX-JSON 2.0.0 data schema: the components named in
``data.structures`` are those of the DSD, a coded dimension or attribute lists only
allowed codes among its ``values``, observation values are numbers or null, and
the keys and value indexes of series and observations are well formed.
"""

from __future__ import annotations

from typing import Any

from server.model import DataStructure

DRAFT = "https://json-schema.org/draft/2020-12/schema"
GENERAL_SCHEMA = (
    "https://raw.githubusercontent.com/sdmx-twg/sdmx-json/master/data-message/"
    "tools/schemas/2.0.0/sdmx-json-data-schema.json"
)
_KEY = r"^(0|[1-9][0-9]*)(:(0|[1-9][0-9]*))*$"
_INDEX = {"type": ["integer", "null"], "minimum": 0}
_DIMENSION_LEVELS = ("dataSet", "series", "observation")
_ATTRIBUTE_LEVELS = ("dataSet", "dimensionGroup", "series", "observation")


def json_data_schema(dsd: DataStructure, codes: dict[str, list[str]]) -> dict:
    """The JSON schema validating SDMX-JSON 2.0.0 data messages of ``dsd``.

    Args:
        dsd: The data structure (of the dataflow, when the schema is a flow's).
        codes: The allowed codes of each coded component, constraints applied.

    Returns:
        The schema, a JSON-able dict.
    """
    dimension_ids = [*dsd.dimension_ids, dsd.time_dimension]
    attribute_ids = [a.id for a in dsd.attributes]
    return {
        "$schema": DRAFT,
        "title": f"SDMX-JSON 2.0.0 data of {dsd.ref.agency}:{dsd.ref.id}"
        f"({dsd.ref.version})",
        "$comment": f"Structure-specific checks; see also {GENERAL_SCHEMA}",
        "type": "object",
        "required": ["data"],
        "properties": {
            "data": {
                "type": "object",
                "properties": {
                    "structures": {
                        "type": "array",
                        "items": {"$ref": "#/$defs/structure"},
                    },
                    "dataSets": {"type": "array", "items": {"$ref": "#/$defs/dataSet"}},
                },
            }
        },
        "$defs": {
            "structure": _structure(),
            "dimension": _component(dimension_ids, dsd.dimension_ids, codes),
            "attribute": _component(attribute_ids, attribute_ids, codes),
            "measure": {
                "type": "object",
                "required": ["id"],
                "properties": {"id": {"const": dsd.measure}},
            },
            "dataSet": _data_set(),
            "observations": {
                "type": "object",
                "propertyNames": {"pattern": _KEY},
                "additionalProperties": {
                    "type": "array",
                    "minItems": 1,
                    "prefixItems": [{"type": ["number", "null"]}],
                    "items": _INDEX,
                },
            },
            "indexes": {"type": "array", "items": _INDEX},
        },
    }


def _structure() -> dict:
    def levels(names: tuple[str, ...], component: str) -> dict:
        return {
            "type": "object",
            "properties": {
                name: {"type": "array", "items": {"$ref": f"#/$defs/{component}"}}
                for name in names
            },
        }

    return {
        "type": "object",
        "properties": {
            "dimensions": levels(_DIMENSION_LEVELS, "dimension"),
            "attributes": levels(_ATTRIBUTE_LEVELS, "attribute"),
            "measures": levels(("observation",), "measure"),
        },
    }


def _component(ids: list[str], coded: list[str], codes: dict[str, list[str]]) -> dict:
    """A dimension or attribute of ``ids``; those coded list allowed codes only."""
    rules: list[dict[str, Any]] = []
    for ident in coded:
        if ident not in codes:
            continue
        value = {
            "anyOf": [
                {"type": "null"},
                {
                    "type": "object",
                    "required": ["id"],
                    "properties": {"id": {"enum": list(codes[ident])}},
                },
            ]
        }
        rules.append(
            {
                "if": {"properties": {"id": {"const": ident}}},
                "then": {"properties": {"values": {"type": "array", "items": value}}},
            }
        )
    schema: dict[str, Any] = {
        "type": "object",
        "required": ["id"],
        "properties": {
            "id": {"enum": ids},
            "values": {"type": "array"},
        },
    }
    if rules:
        schema["allOf"] = rules
    return schema


def _data_set() -> dict:
    series = {
        "type": "object",
        "properties": {
            "attributes": {"$ref": "#/$defs/indexes"},
            "observations": {"$ref": "#/$defs/observations"},
        },
    }
    return {
        "type": "object",
        "properties": {
            "attributes": {"$ref": "#/$defs/indexes"},
            "series": {
                "type": "object",
                "propertyNames": {"pattern": _KEY},
                "additionalProperties": series,
            },
            "observations": {"$ref": "#/$defs/observations"},
        },
    }
