"""Writes SDMX error messages (SDMX-ML 2.1 message:Error, REST 1.5 section 4.7)."""

from __future__ import annotations

from server.formats.ns import COM, MES
from server.formats.xmlutil import escape


def write_error_xml(code: int, message: str) -> str:
    """An SDMX-ML 2.1 Error message with one coded, English message."""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<mes:Error xmlns:mes="{MES}" xmlns:com="{COM}">'
        f'<mes:ErrorMessage code="{code}">'
        f'<com:Text xml:lang="en">{escape(message)}</com:Text>'
        "</mes:ErrorMessage></mes:Error>"
    )
