"""The media types this server produces, and content negotiation (REST 1.5 4.6).

One table says what each kind of message can be served as; the Accept header, the
406 answer and the Content-Type all come from it.
"""

from __future__ import annotations

from dataclasses import dataclass

from werkzeug.datastructures import MIMEAccept
from werkzeug.http import parse_accept_header

from server.errors import NotAcceptable


@dataclass(frozen=True)
class MediaType:
    """One representation: its name, full media type and writer key."""

    name: str
    content_type: str
    writer: str


def _sdmx(kind: str, version: str) -> str:
    return f"application/vnd.sdmx.{kind};version={version}"


STRUCTURE_21 = MediaType("structure", _sdmx("structure+xml", "2.1"), "structure21")
GENERIC_21 = MediaType("genericdata", _sdmx("genericdata+xml", "2.1"), "generic21")
SPECIFIC_21 = MediaType(
    "structurespecificdata", _sdmx("structurespecificdata+xml", "2.1"), "specific21"
)
CSV_10 = MediaType("csvdata", _sdmx("data+csv", "1.0.0"), "csv10")

# Kind of message -> representations in order of preference (the first is the default).
REPRESENTATIONS: dict[str, list[MediaType]] = {
    "structure": [STRUCTURE_21],
    "data": [GENERIC_21, SPECIFIC_21, CSV_10],
}
# Plain types that mean the default representation of the family.
ALIASES = {
    "application/xml": "xml",
    "text/xml": "xml",
    "text/csv": "csv",
    "application/vnd.sdmx.structure+xml": "structure",
    "application/vnd.sdmx.genericdata+xml": "genericdata",
    "application/vnd.sdmx.structurespecificdata+xml": "structurespecificdata",
    "application/vnd.sdmx.data+csv": "csvdata",
}


def _matches(accepted: str, media: MediaType) -> bool:
    base, _, params = accepted.partition(";")
    base = base.strip().lower()
    version = None
    for param in params.split(";"):
        name, _, value = param.partition("=")
        if name.strip().lower() == "version":
            version = value.strip().strip('"')
    wanted_base, _, wanted_params = media.content_type.partition(";")
    if base in ("*/*", "application/*"):
        return True
    if base == wanted_base:
        return (
            version is None
            or wanted_params.endswith(f"={version}")
            or (version in ("1.0", "1.0.0") and media.writer == "csv10")
        )
    alias = ALIASES.get(base)
    if alias == "xml":
        return media.content_type.split(";")[0].endswith("+xml")
    if alias == "csv":
        return media.writer == "csv10"
    return alias == media.name and version is None


def negotiate(
    kind: str, accept: str | None, format_param: str | None = None
) -> MediaType:
    """Choose the representation of a ``kind`` message for an Accept header.

    The non-standard ``format`` query parameter, when given, wins over the header.
    """
    options = REPRESENTATIONS[kind]
    if format_param:
        for media in options:
            if media.name == format_param:
                return media
        raise NotAcceptable(
            f"format={format_param!r} cannot be served for {kind} queries; "
            f"use one of {', '.join(m.name for m in options)}"
        )
    if not accept or not accept.strip():
        return options[0]
    parsed: MIMEAccept = parse_accept_header(accept, MIMEAccept)
    for value, quality in sorted(parsed, key=lambda item: -item[1]):
        if quality <= 0:
            continue
        for media in options:
            if _matches(value, media):
                return media
    raise NotAcceptable(
        f"cannot serve {kind} as {accept!r}; this server answers {kind} queries in "
        + ", ".join(m.content_type for m in options)
    )
