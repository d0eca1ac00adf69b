"""Typed structure and data queries (SDMX-REST 1.5 sections 4.3 and 4.4, 2.x).

The API layer turns a request path and query string into one of these objects; the
store and the formats work on them only, whatever REST generation was used.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from server.errors import InvalidQuery, NotImplementedFeature
from server.model import DataStructure
from server.query.filters import ComponentFilter

ALL = "all"
LATEST = "latest"

AGENCY_RE = re.compile(r"[A-Za-z][A-Za-z0-9_-]*(\.[A-Za-z][A-Za-z0-9_-]*)*")
ID_RE = re.compile(r"[A-Za-z0-9_@$-]+")
VERSION_RE = re.compile(r"[0-9]+(\.[0-9]+)*(-[A-Za-z0-9.]+)?")
CODE_RE = re.compile(r"[A-Za-z0-9_@$-]+")
# An item id, nested ones joined with '.' (common:NestedIDType).
ITEM_RE = re.compile(r"[A-Za-z0-9_@$-]+(\.[A-Za-z0-9_@$-]+)*")

# What each REST generation allows, one table per parameter (REST 1.5 4.3, 2.x).
STRUCTURE_DETAIL = {
    "1.5": (
        "full",
        "allstubs",
        "referencestubs",
        "allcompletestubs",
        "referencecompletestubs",
        "referencepartial",
    ),
    # raw is full without resolving codelist extensions, which the store never has.
    "2": (
        "full",
        "allstubs",
        "referencestubs",
        "allcompletestubs",
        "referencecompletestubs",
        "referencepartial",
        "raw",
    ),
}
STRUCTURE_REFERENCES = {
    "1.5": ("none", "parents", "parentsandsiblings", "children", "descendants", "all"),
    "2": (
        "none",
        "parents",
        "parentsandsiblings",
        "ancestors",
        "children",
        "descendants",
        "all",
    ),
}
# REST 2.x artefact types (structures.md, the OpenAPI enum of 2.2.2).
STRUCTURE_TYPES_2 = (
    "datastructure",
    "metadatastructure",
    "dataflow",
    "metadataflow",
    "provisionagreement",
    "metadataprovisionagreement",
    "process",
    "categorisation",
    "dataconstraint",
    "metadataconstraint",
    "conceptscheme",
    "codelist",
    "valuelist",
    "categoryscheme",
    "hierarchy",
    "hierarchyassociation",
    "agencyscheme",
    "dataproviderscheme",
    "metadataproviderscheme",
    "dataconsumerscheme",
    "organisationunitscheme",
    "reportingtaxonomy",
    "transformationscheme",
    "rulesetscheme",
    "userdefinedoperatorscheme",
    "customtypescheme",
    "namepersonalisationscheme",
    "vtlmappingscheme",
    "structuremap",
    "representationmap",
    "conceptschememap",
    "categoryschememap",
    "organisationschememap",
    "reportingtaxonomymap",
)
# Types that the 2.x references parameter also accepts (its OpenAPI enum).
REFERENCE_TYPES_2 = (*STRUCTURE_TYPES_2, "structureset", "namealiasscheme")
DATA_DETAIL = {
    "1.5": ("full", "dataonly", "serieskeysonly", "nodata"),
}
STANDARD_BUT_UNSUPPORTED = {
    "detail": (),
    "references": (),
}


@dataclass(frozen=True)
class StructureQuery:
    """A query for maintainable artefacts: ``/{type}/{agency}/{id}/{version}``."""

    types: tuple[str, ...]
    agencies: tuple[str, ...] = (ALL,)
    ids: tuple[str, ...] = (ALL,)
    versions: tuple[str, ...] = (LATEST,)
    item_ids: tuple[str, ...] = (ALL,)
    detail: str = "full"
    references: str = "none"


@dataclass(frozen=True)
class DataQuery:
    """A data query: one dataflow, a key filter, providers and a time window."""

    agency: str
    flow_id: str
    version: str
    key: tuple[tuple[str, ...], ...] | None  # per dimension: allowed codes, () = any
    providers: tuple[tuple[str, str], ...] = ()  # (agency or '', provider id)
    start: date | None = None
    end: date | None = None
    raw_key: str = ALL
    first_n: int | None = None
    last_n: int | None = None
    updated_after: str | None = None  # UTC, ISO 8601 with microseconds
    detail: str = "full"
    params: dict[str, str] = field(default_factory=dict)
    # REST 2.x: several keys (OR), component filters (AND), order and paging.
    keys: tuple[tuple[tuple[str, ...], ...], ...] = ()
    filters: tuple[ComponentFilter, ...] = ()
    sort: tuple[tuple[int, bool], ...] = ()  # (dimension position, descending)
    time_descending: bool = False
    offset: int = 0
    limit: int | None = None
    # Cross-sectional data: dimension positions, the one at observation level last;
    # rows come ordered by the others, the period, then that one.
    cross_section: tuple[int, ...] = ()

    def key_filters(self) -> tuple[tuple[tuple[str, ...], ...], ...]:
        """Every key filter (ORed); empty when any key selects everything."""
        keys = self.keys or ((self.key,) if self.key is not None else ())
        if any(key is None or not any(key) for key in keys):
            return ()
        return keys


def check_identifier(kind: str, value: str, pattern: re.Pattern[str]) -> str:
    """Return ``value`` or raise a 400 naming what kind of identifier was wrong."""
    if value == ALL or pattern.fullmatch(value):
        return value
    raise InvalidQuery(
        f"{kind} {value!r} is not a valid SDMX identifier "
        f"(expected {pattern.pattern} or 'all')"
    )


def split_multi(kind: str, value: str, pattern: re.Pattern[str]) -> tuple[str, ...]:
    """Split a path segment holding several values joined with ``+``."""
    return tuple(check_identifier(kind, v, pattern) for v in value.split("+"))


def parse_flow_ref(text: str) -> tuple[str, str, str]:
    """Parse ``ID``, ``AGENCY,ID`` or ``AGENCY,ID,VERSION`` into its three parts."""
    parts = text.split(",")
    if len(parts) == 1:
        parts = [ALL, parts[0], LATEST]
    elif len(parts) == 2:
        parts.append(LATEST)
    elif len(parts) != 3:
        raise InvalidQuery(
            f"flowRef {text!r} has {len(parts)} comma-separated parts; use ID, "
            "AGENCY,ID or AGENCY,ID,VERSION"
        )
    defaults = (ALL, "", LATEST)
    agency, flow_id, version = (p or d for p, d in zip(parts, defaults, strict=True))
    check_identifier("agency", agency, AGENCY_RE)
    if flow_id in ("", ALL):
        raise InvalidQuery(f"flowRef {text!r} names no dataflow id")
    check_identifier("dataflow id", flow_id, ID_RE)
    if version not in (ALL, LATEST):
        check_identifier("version", version, VERSION_RE)
    return agency, flow_id, version


def parse_key(text: str, dimensions: list[str]) -> tuple[tuple[str, ...], ...] | None:
    """Parse a dotted series key against the dimensions of a data structure.

    Returns None for ``all``; otherwise one tuple of allowed codes per dimension,
    empty where the position is a wildcard.
    """
    if text in (ALL, ""):
        return None
    positions = text.split(".")
    if len(positions) != len(dimensions):
        raise InvalidQuery(
            f"key {text!r} has {len(positions)} parts, but the data structure has "
            f"{len(dimensions)} dimensions ({'.'.join(dimensions)}); give one "
            "position per dimension, empty for any value"
        )
    parsed = []
    for dimension, position in zip(dimensions, positions, strict=True):
        parts = position.split("+")
        if len(parts) > 1 and "" in parts:
            raise InvalidQuery(
                f"key {text!r}: the position of {dimension} ({position!r}) has an "
                "empty code between '+' signs; join codes as 840+484, or leave the "
                "whole position empty for any code"
            )
        codes = tuple(c for c in parts if c not in ("", "*"))
        for code in codes:
            if not CODE_RE.fullmatch(code):
                raise InvalidQuery(
                    f"key {text!r}: {code!r} is not a valid code for {dimension}"
                )
        parsed.append(codes)
    return tuple(parsed)


def parse_provider_ref(text: str) -> tuple[tuple[str, str], ...]:
    """Parse ``PROVIDER``, ``AGENCY,PROVIDER``, several joined with ``+``."""
    if text in (ALL, ""):
        return ()
    providers = []
    for part in text.split("+"):
        agency, _, provider = part.rpartition(",")
        check_identifier("data provider", provider, ID_RE)
        if agency:
            check_identifier("data provider agency", agency, AGENCY_RE)
        providers.append((agency, provider))
    return tuple(providers)


# -- REST 2.x ------------------------------------------------------------------------


Key = tuple[tuple[str, ...], ...]  # per dimension: allowed codes, () = any
SortOrder = tuple[tuple[int, bool], ...]  # (dimension position, descending)


def parse_keys(text: str, dimensions: list[str]) -> tuple[Key, ...]:
    """Parse the key of a REST 2.x data query: keys joined with ``,`` (OR).

    Positions left out at the end are wildcards (``A.MIG_STOCK`` is
    ``A.MIG_STOCK.*.*…``); ``*`` or an empty position matches any code, and ``+``
    inside a position joins several codes, as REST 1.5 does. Returns () for ``*``.
    """
    if text in ("*", ""):
        return ()
    keys = []
    for key in text.split(","):
        if not key:
            raise InvalidQuery(
                f"key {text!r} has an empty key between ',' signs; join whole keys "
                "with ',' (A.MIG_STOCK.840,A.MIG_STOCK.484) or use * for any"
            )
        positions = key.split(".")
        if len(positions) > len(dimensions):
            raise InvalidQuery(
                f"key {key!r} has {len(positions)} parts, but the data structure has "
                f"{len(dimensions)} dimensions ({'.'.join(dimensions)}); give at most "
                "one position per dimension, * for any value"
            )
        positions += ["*"] * (len(dimensions) - len(positions))
        keys.append(parse_key(".".join(positions), dimensions) or ())
    return tuple(keys)


def parse_sort(text: str, dsd: DataStructure) -> tuple[SortOrder, bool]:
    """Parse ``sort`` (REST 2.2 data.md) for a time-series message.

    Returns:
        (dimension position, descending) pairs in order, and whether periods run
        backwards within each series.

    Raises:
        InvalidQuery: An item is malformed or names no component of ``dsd``.
        NotImplementedFeature: An item sorts by an attribute or the measure, or
            puts a dimension after the time period: a time-series message keeps
            the observations of each series together.
    """
    order: dict[int, bool] = {}  # the first mention of a dimension wins
    time_descending: bool | None = None
    for item in text.split("+"):
        name, _, direction = item.partition(":")
        if direction not in ("", "asc", "desc") or not name:
            raise InvalidQuery(
                f"sort item {item!r} is not valid; write COMPONENT[:asc|:desc], * or "
                "series_key, several joined with '+'"
            )
        descending = direction == "desc"
        positions = _sort_positions(name, dsd)
        if positions and time_descending is not None:
            raise NotImplementedFeature(
                f"sort={text}: sorting by a dimension after {dsd.time_dimension} is "
                "not supported; a time series keeps its observations together"
            )
        for position in positions:
            order.setdefault(position, descending)
        if name in ("*", dsd.time_dimension) and time_descending is None:
            time_descending = descending
    return tuple(order.items()), bool(time_descending)


def _sort_positions(name: str, dsd: DataStructure) -> list[int]:
    """The positions of the series dimensions that one sort item names."""
    dimensions = dsd.dimension_ids
    if name in ("*", "series_key"):
        return list(range(len(dimensions)))
    if name in dimensions:
        return [dimensions.index(name)]
    if name != dsd.time_dimension:
        _unsortable(name, dsd)
    return []


def _unsortable(name: str, dsd: DataStructure) -> None:
    if name == dsd.measure or name in [a.id for a in dsd.attributes]:
        raise NotImplementedFeature(
            f"sorting by {name} is not supported yet; sort by dimensions, * or "
            f"series_key and {dsd.time_dimension}"
        )
    raise InvalidQuery(
        f"sort: {name!r} is not a component of data structure {dsd.ref.triple}; "
        f"its dimensions are {', '.join(dsd.dimension_ids)}, {dsd.time_dimension}"
    )
