"""The data writer for a negotiated format, with its options and the names it shows.

SDMX-CSV 2.0 takes ``labels``, ``timeFormat`` and ``keys`` from the Accept header;
labelled CSV and SDMX-JSON show the English names of the dataflow, its components
(their concepts) and their codes, read from the stored structures.

``dimensionAtObservation`` is the time dimension (time series), ``AllDimensions``
(flat) or another dimension (cross-sectional data). SDMX-CSV, one row per
observation, is the same whatever it is; the time-series forms of SDMX-ML 2.1 hold
time series only. The other writers write the flat form themselves, and
cross-sectional data as time series of another shape, which
:mod:`server.formats.cross_section` gives them.
"""

from __future__ import annotations

import dataclasses
import functools
import json
from collections.abc import Callable

from flask import request
from lxml import etree

from server.errors import InvalidQuery, NotImplementedFeature
from server.formats.cross_section import cross_section, pivot
from server.formats.data_parts import Names
from server.formats.data_writers import ALL_DIMENSIONS
from server.formats.encoded import EncodedSeries
from server.formats.ns import COM, STR, XML_LANG
from server.formats.registry import DATA_WRITERS
from server.history import DataPart, changes_since, history
from server.model import ArtefactRef, DataStructure
from server.query import DataQuery, parameters

NAMED_WRITERS = {"csv20", "json10", "json20"}
# Writers that take ``dimension_at_observation`` and write the flat form.
FLAT_WRITERS = {"generic21", "specific21", "ml30", "json10", "json20"}
SAME_WRITERS = {"csv10", "csv20"}  # write the same whatever the form
CROSS_WRITERS = {"generic21", "specific21", "ml30", "json10", "json20"}
TIME_SERIES_WRITERS = {"generic21ts", "specific21ts"}
SERIES_ONLY = ("serieskeysonly", "nodata")


def requested_observation_dimension(dsd: DataStructure) -> str:
    """The request's ``dimensionAtObservation`` (the time dimension by default).

    Raises:
        InvalidQuery: It is neither a dimension of ``dsd`` nor ``AllDimensions``.
    """
    value = request.args.get("dimensionAtObservation", dsd.time_dimension)
    if value not in (dsd.time_dimension, ALL_DIMENSIONS, *dsd.dimension_ids):
        raise InvalidQuery(
            f"dimensionAtObservation={value!r} is not a dimension of "
            f"{dsd.ref.triple}; use {dsd.time_dimension}, {ALL_DIMENSIONS} or one "
            f"of {', '.join(dsd.dimension_ids)}"
        )
    return value


def observation_dimension(media, dsd: DataStructure) -> str:
    """The ``dimensionAtObservation`` of this request, checked against ``dsd`` and
    the negotiated format.

    Raises:
        InvalidQuery: It is neither a dimension of ``dsd`` nor ``AllDimensions``,
            or it is not the time dimension in a time-series form.
    """
    value = requested_observation_dimension(dsd)
    if value == dsd.time_dimension or media.writer in SAME_WRITERS:
        return value
    if media.writer in TIME_SERIES_WRITERS:
        raise InvalidQuery(
            f"{media.content_type} holds time series only, so dimensionAtObservation "
            f"must be {dsd.time_dimension}; ask for generic or structure-specific "
            f"data (not their time-series forms) for dimensionAtObservation={value}"
        )
    return value


def is_cross_section(media, dsd: DataStructure, at_observation: str) -> bool:
    """Whether the writer of ``media`` writes cross-sectional data here."""
    return at_observation in dsd.dimension_ids and media.writer in CROSS_WRITERS


def cross_query(
    media, dsd: DataStructure, at_observation: str, query: DataQuery
) -> DataQuery:
    """``query`` ordered for cross-sectional data when the writer writes them.

    Raises:
        NotImplementedFeature: For series keys without observations, which a
            cross-sectional message cannot key without their time periods.
    """
    if not is_cross_section(media, dsd, at_observation):
        return query
    if query.detail in SERIES_ONLY:
        asked = (
            f"detail={query.detail}"
            if request.blueprint != "rest2"
            else "measures=none"
            if query.detail == "nodata"
            else "series keys only"
        )
        raise NotImplementedFeature(
            f"{asked} with dimensionAtObservation={at_observation} is not supported: "
            "cross-sectional series are keyed by time periods, which come from "
            f"observations; use dimensionAtObservation={dsd.time_dimension}"
        )
    position = dsd.dimension_ids.index(at_observation)
    others = [p for p in range(len(dsd.dimensions)) if p != position]
    return dataclasses.replace(query, cross_section=(*others, position))


# Writers of several data sets with actions and validity dates (includeHistory),
# and those that can at least say what was deleted (updatedAfter).
HISTORY_WRITERS = {"generic21", "generic21ts", "specific21", "specific21ts", "ml30"}
HISTORY_WRITERS |= {"json10", "json20"}  # dataSets with action, validFrom, validTo
DELETION_WRITERS = HISTORY_WRITERS | {"csv20"}


def history_parts(
    store, flow, dsd: DataStructure, query: DataQuery, media, at_observation: str
) -> list[DataPart] | None:
    """The data sets that ``includeHistory`` or ``updatedAfter`` asks for, or None
    when the request asks for current data only (or its format cannot say more).

    Raises:
        NotImplementedFeature: ``includeHistory`` in a format or form that cannot
            carry several dated data sets.
    """
    history_asked = parameters.boolean(
        "includeHistory", request.args.get("includeHistory")
    )
    if not history_asked and query.updated_after is None:
        return None
    time_series = at_observation == dsd.time_dimension
    if history_asked:
        if media.writer not in HISTORY_WRITERS or not time_series:
            raise NotImplementedFeature(
                "includeHistory is served as time series in SDMX-ML 2.1 (generic or "
                "structure-specific), SDMX-ML 3.0 and SDMX-JSON, one data set per "
                f"dissemination with its validity dates; not in {media.content_type}"
                + ("" if time_series else " with another dimensionAtObservation")
            )
        return history(store.observation_versions(flow.pk, query), query.updated_after)
    if media.writer not in DELETION_WRITERS or not time_series:
        return None  # current observations changed since; deletions not said
    return changes_since(
        store.observation_versions(flow.pk, query), query.updated_after
    )


_CSV_DEFAULTS = {("labels", "id"), ("time_format", "original"), ("keys", "none")}
# Writers that can send whole series as kept text, and the text each sends.
ENCODED_WRITERS = {
    "generic21": "generic",
    "generic21ts": "generic",
    "specific21": "specific",
    "specific21ts": "specific",
    "ml30": "ml30",
    "csv10": "csv",
    "csv20": "csv",
}


def whole_series(
    store, flow, dsd: DataStructure, query: DataQuery, media, at_observation: str
) -> EncodedSeries | None:
    """The answer's series with their kept text (see :mod:`server.formats.encoded`)
    when the query asks for whole series of current data as time series in a
    format that keeps text, with every attribute; None when rows are needed."""
    from server.api.rest15 import csv_options

    encoding = ENCODED_WRITERS.get(media.writer)
    whole = (
        query.detail == "full"
        and query.start is None
        and query.end is None
        and query.first_n is None
        and query.last_n is None
        and query.updated_after is None
        and not query.filters
        and not query.sort
        and not query.time_descending
        and not query.offset
        and query.limit is None
        and not query.cross_section
    )
    # Flat generic data are made from the time series' text; other flat forms
    # and cross-sections take rows.
    flat_generic = at_observation == ALL_DIMENSIONS and media.writer == "generic21"
    if (
        encoding is None
        or not whole
        or (at_observation != dsd.time_dimension and not flat_generic)
        or parameters.boolean("includeHistory", request.args.get("includeHistory"))
        or (
            media.writer == "csv20"
            and csv_options(request.headers.get("Accept")).items() - _CSV_DEFAULTS
        )
    ):
        return None
    rows = store.select_series_text(flow.pk, query, encoding, dsd)
    return None if rows is None else EncodedSeries(encoding, rows)


def data_writer(
    media,
    store,
    flow,
    dsd: DataStructure,
    *,
    dimension_at_observation: str | None = None,
    parts: list[DataPart] | None = None,
) -> Callable:
    """The writer of ``media`` set up for this request."""
    writer = DATA_WRITERS[media.writer]
    if parts is not None:
        writer = functools.partial(writer, parts=parts)
    if dimension_at_observation is not None and media.writer in FLAT_WRITERS:
        writer = functools.partial(
            writer, dimension_at_observation=dimension_at_observation
        )
    if is_cross_section(media, dsd, dimension_at_observation):
        writer = _crossed(writer, dsd, dimension_at_observation)
    named = media.writer in NAMED_WRITERS
    if media.writer == "csv20":
        from server.api.rest15 import csv_options

        options = csv_options(request.headers.get("Accept"))
        writer = functools.partial(writer, **options)
        named = options.get("labels", "id") != "id"  # ids alone need no names
    if named:
        writer = functools.partial(writer, names=names_for(store, flow, dsd))
    return writer


def _crossed(writer: Callable, dsd: DataStructure, dimension: str) -> Callable:
    """``writer`` writing cross-sectional data with ``dimension`` at observation."""
    view = cross_section(dsd, dimension)

    def write(message, rows, **options):
        crossed = dataclasses.replace(message, dsd=view)
        return writer(crossed, pivot(rows, dsd, dimension), **options)

    return write


def names_for(store, flow, dsd: DataStructure) -> Names:
    """English names of a dataflow, its components and their codes."""
    components: dict[str, str] = {}
    for row in store.rows_for(store.children({dsd.ref})):
        if row.type == "conceptscheme":
            components.update(_item_names(row.xml, "Concept"))
    codes = {}
    for component in [*dsd.dimensions, *dsd.attributes]:
        if component.codelist is not None:
            codes[component.id] = _codelist_names(store, component.codelist)
    return Names(
        dataflow=json.loads(flow.names).get("en"),
        components=components,
        codes=codes,
    )


def _codelist_names(store, ref: ArtefactRef) -> dict[str, str]:
    rows = store.rows_for([ref])
    return _item_names(rows[0].xml, "Code") if rows else {}


@functools.lru_cache(maxsize=32)
def _item_names(xml: str, item: str) -> dict[str, str]:
    root = etree.fromstring(xml.encode("utf-8"))
    names = {}
    for element in root.iterfind(f"{{{STR}}}{item}"):
        texts = {
            n.get(XML_LANG, "en"): n.text or ""
            for n in element.iterfind(f"{{{COM}}}Name")
        }
        names[element.get("id")] = texts.get("en") or next(iter(texts.values()), "")
    return names
