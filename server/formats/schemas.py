"""The official SDMX-ML 2.1 XSDs (copied into ``schemas/``), compiled once."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from lxml import etree

SCHEMA_DIR = Path(__file__).resolve().parents[2] / "schemas" / "sdmx-ml-2.1"


@cache
def message_schema_21() -> etree.XMLSchema:
    """The schema of every SDMX-ML 2.1 message (SDMXMessage.xsd)."""
    return etree.XMLSchema(etree.parse(str(SCHEMA_DIR / "SDMXMessage.xsd")))
