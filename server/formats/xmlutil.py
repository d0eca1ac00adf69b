"""Small helpers for writing SDMX-ML text incrementally."""

from __future__ import annotations

import functools
import re
import uuid
from datetime import UTC, datetime
from xml.sax.saxutils import escape as _escape
from xml.sax.saxutils import quoteattr

__all__ = ["attr", "escape", "header", "message_id", "prepared"]

# Characters that XML 1.0 cannot carry at all, even as references.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _xml_chars(text: str) -> str:
    return _NOT_XML.sub("", text)


def escape(text: str) -> str:
    """Escape character data; characters XML 1.0 cannot carry are dropped."""
    return _escape(_xml_chars(text))


@functools.lru_cache(maxsize=65536)
def attr(text: str) -> str:
    """A quoted, escaped attribute value (newlines and tabs kept as references)."""
    return quoteattr(_xml_chars(text), {"\n": "&#10;", "\r": "&#13;", "\t": "&#9;"})


def message_id() -> str:
    return "IREF" + uuid.uuid4().hex[:16].upper()


def prepared() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def header(sender: str, structure: str = "") -> str:
    """An SDMX-ML 2.1 message header; ``structure`` is inserted after Sender."""
    return (
        f"<mes:Header><mes:ID>{message_id()}</mes:ID><mes:Test>false</mes:Test>"
        f"<mes:Prepared>{prepared()}</mes:Prepared>"
        f"<mes:Sender id={attr(sender)}/>{structure}</mes:Header>"
    )
