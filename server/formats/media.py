"""The media types this server produces, and content negotiation (REST 1.5 4.6,
REST 2.x content_negotiation.md).

One table says what each kind of message can be served as in each REST generation;
the Accept header, the 406 answer and the Content-Type all come from it.
"""

from __future__ import annotations

from dataclasses import dataclass

from werkzeug.datastructures import MIMEAccept
from werkzeug.http import parse_accept_header

from server.errors import NotAcceptable


@dataclass(frozen=True)
class MediaType:
    """One representation: its ``format`` parameter name, media type and writer."""

    name: str
    content_type: str
    writer: str

    @property
    def base(self) -> str:
        return self.content_type.split(";")[0]

    @property
    def version(self) -> str:
        return self.content_type.rpartition("version=")[2]


def _sdmx(kind: str, version: str) -> str:
    return f"application/vnd.sdmx.{kind};version={version}"


STRUCTURE_21 = MediaType("structure", _sdmx("structure+xml", "2.1"), "structure21")
STRUCTURE_30 = MediaType("structure", _sdmx("structure+xml", "3.0.0"), "structure30")
STRUCTURE_JSON_20 = MediaType(
    "jsonstructure", _sdmx("structure+json", "2.0.0"), "structurejson20"
)
STRUCTURE_JSON_10 = MediaType(
    "jsonstructure", _sdmx("structure+json", "1.0.0"), "structurejson10"
)
GENERIC_21 = MediaType("genericdata", _sdmx("genericdata+xml", "2.1"), "generic21")
SPECIFIC_21 = MediaType(
    "structurespecificdata", _sdmx("structurespecificdata+xml", "2.1"), "specific21"
)
GENERIC_TS_21 = MediaType(
    "generictimeseriesdata", _sdmx("generictimeseriesdata+xml", "2.1"), "generic21ts"
)
SPECIFIC_TS_21 = MediaType(
    "structurespecifictimeseriesdata",
    _sdmx("structurespecifictimeseriesdata+xml", "2.1"),
    "specific21ts",
)
DATA_30 = MediaType("structurespecificdata", _sdmx("data+xml", "3.0.0"), "ml30")
JSON_10 = MediaType("jsondata", _sdmx("data+json", "1.0.0"), "json10")
JSON_20 = MediaType("jsondata", _sdmx("data+json", "2.0.0"), "json20")
CSV_10 = MediaType("csvdata", _sdmx("data+csv", "1.0.0"), "csv10")
CSV_20 = MediaType("csvdata", _sdmx("data+csv", "2.0.0"), "csv20")
SCHEMA_21 = MediaType("schema", _sdmx("schema+xml", "2.1"), "xsd21")
SCHEMA_30 = MediaType("schema", _sdmx("schema+xml", "3.0.0"), "xsd30")
SCHEMA_JSON_20 = MediaType("jsonschema", _sdmx("schema+json", "2.0.0"), "jsonschema20")


@dataclass(frozen=True)
class Offer:
    """What one REST generation serves for one kind of message.

    ``absent`` answers a request without Accept, ``wildcard`` one that accepts
    anything (``*/*``); ``xml`` and ``csv`` answer the plain types
    ``application/xml`` and ``text/csv``.
    """

    types: tuple[MediaType, ...]
    absent: MediaType
    wildcard: MediaType
    xml: MediaType
    csv: MediaType | None = None


OFFERS: dict[tuple[str, str], Offer] = {
    ("1.5", "structure"): Offer(
        (STRUCTURE_21, STRUCTURE_30, STRUCTURE_JSON_20, STRUCTURE_JSON_10),
        STRUCTURE_21,
        STRUCTURE_21,
        STRUCTURE_21,
    ),
    ("1.5", "data"): Offer(
        (
            GENERIC_21,
            SPECIFIC_21,
            GENERIC_TS_21,
            SPECIFIC_TS_21,
            JSON_10,
            CSV_10,
            DATA_30,
            JSON_20,
            CSV_20,
        ),
        GENERIC_21,
        GENERIC_21,
        GENERIC_21,
        CSV_10,
    ),
    ("1.5", "schema"): Offer((SCHEMA_21, SCHEMA_30), SCHEMA_21, SCHEMA_21, SCHEMA_21),
    ("2", "schema"): Offer(
        (SCHEMA_30, SCHEMA_21, SCHEMA_JSON_20), SCHEMA_30, SCHEMA_30, SCHEMA_30
    ),
    # REST 2.x defaults to SDMX-JSON; */* gives SDMX-ML 3.0, the one format that
    # every client sending */* (sdmx1 as a 3.0 source) can read.
    ("2", "structure"): Offer(
        (STRUCTURE_JSON_20, STRUCTURE_30, STRUCTURE_21, STRUCTURE_JSON_10),
        STRUCTURE_JSON_20,
        STRUCTURE_30,
        STRUCTURE_30,
    ),
    ("2", "data"): Offer(
        (
            JSON_20,
            DATA_30,
            CSV_20,
            CSV_10,
            JSON_10,
            SPECIFIC_21,
            GENERIC_21,
            SPECIFIC_TS_21,
            GENERIC_TS_21,
        ),
        JSON_20,
        DATA_30,
        DATA_30,
        CSV_20,
    ),
}
PLAIN = {"application/xml": "xml", "text/xml": "xml", "text/csv": "csv"}


def _version_matches(wanted: str | None, media: MediaType) -> bool:
    if wanted is None:
        return True
    offered = media.version
    # 1.0 and 1.0.0 name the same version; '+' ranges accept the offered one or later.
    normal = wanted.rstrip("+")
    return (
        offered == wanted
        or offered.startswith(normal + ".")
        or (wanted.endswith("+") and offered >= normal)
        or offered == normal.removesuffix(".0")
    )


def _parse(accepted: str) -> tuple[str, str | None]:
    base, _, params = accepted.partition(";")
    version = None
    for param in params.split(";"):
        name, _, value = param.partition("=")
        if name.strip().lower() == "version":
            version = value.strip().strip('"')
    return base.strip().lower(), version


def _choose(accepted: str, offer: Offer) -> MediaType | None:
    base, version = _parse(accepted)
    if base in ("*/*", "application/*"):
        return offer.wildcard
    plain = PLAIN.get(base)
    if plain:
        return getattr(offer, plain)
    for media in offer.types:
        if media.base == base and _version_matches(version, media):
            return media
    return None


def negotiate(
    kind: str, accept: str | None, format_param: str | None = None, api: str = "1.5"
) -> MediaType:
    """Choose the representation of a ``kind`` message for an Accept header.

    The non-standard ``format`` query parameter, when given, wins over the header.
    """
    offer = OFFERS[(api, kind)]
    if format_param:
        for media in offer.types:
            if media.name == format_param:
                return media
        names = sorted({m.name for m in offer.types})
        raise NotAcceptable(
            f"format={format_param!r} cannot be served for {kind} queries; "
            f"use one of {', '.join(names)}"
        )
    if not accept or not accept.strip():
        return offer.absent
    parsed: MIMEAccept = parse_accept_header(accept, MIMEAccept)
    # Types refused outright (q=0) are never served, even through a wildcard.
    refused = {
        m.content_type
        for value, quality in parsed
        if quality == 0
        for m in offer.types
        if m.base == _parse(value)[0] and _version_matches(_parse(value)[1], m)
    }
    refused |= {
        plain.content_type
        for value, quality in parsed
        if quality == 0 and _parse(value)[0] in PLAIN
        if (plain := getattr(offer, PLAIN[_parse(value)[0]])) is not None
    }
    for value, quality in sorted(parsed, key=lambda item: -item[1]):
        chosen = _choose(value, offer) if quality > 0 else None
        if chosen is not None and chosen.content_type in refused:
            wildcard = _parse(value)[0] in ("*/*", "application/*")
            chosen = next(
                (m for m in offer.types if wildcard and m.content_type not in refused),
                None,
            )
        if chosen is not None:
            return chosen
    raise NotAcceptable(
        f"cannot serve {kind} as {accept!r}; this server answers {kind} queries in "
        + ", ".join(m.content_type for m in offer.types)
    )
