"""The data writer for a negotiated format, with its options and the names it shows.

SDMX-CSV 2.0 takes ``labels``, ``timeFormat`` and ``keys`` from the Accept header;
labelled CSV and SDMX-JSON show the English names of the dataflow, its components
(their concepts) and their codes, read from the stored structures.

``dimensionAtObservation`` is the time dimension (time series) or ``AllDimensions``
(flat): the SDMX-ML 2.1 generic and structure-specific writers write both forms, and
SDMX-CSV, one row per observation either way, does not change. Other formats and
cross-sectional data (another dimension at observation level) are answered 501.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable

from flask import request
from lxml import etree

from server.errors import InvalidQuery, NotImplementedFeature
from server.formats.data_parts import Names
from server.formats.data_writers import ALL_DIMENSIONS
from server.formats.ns import COM, STR, XML_LANG
from server.formats.registry import DATA_WRITERS
from server.model import ArtefactRef, DataStructure

NAMED_WRITERS = {"csv20", "json10", "json20"}
FLAT_WRITERS = {"generic21", "specific21"}  # take ``dimension_at_observation``
FLAT_SAME_WRITERS = {"csv10", "csv20"}  # write the same either way


def observation_dimension(media, dsd: DataStructure) -> str:
    """The ``dimensionAtObservation`` of this request, checked against ``dsd`` and
    the negotiated format.

    Raises:
        InvalidQuery: It is neither a dimension of ``dsd`` nor ``AllDimensions``.
        NotImplementedFeature: Cross-sectional data, or the flat form in a format
            whose writer does not write it.
    """
    value = request.args.get("dimensionAtObservation", dsd.time_dimension)
    if value == dsd.time_dimension:
        return value
    if value == ALL_DIMENSIONS:
        if media.writer in FLAT_WRITERS | FLAT_SAME_WRITERS:
            return value
        raise NotImplementedFeature(
            f"dimensionAtObservation={ALL_DIMENSIONS} is not supported yet in "
            f"{media.content_type}; it is served in SDMX-ML 2.1 generic and "
            "structure-specific data (not their time-series forms) and SDMX-CSV"
        )
    if value in dsd.dimension_ids:
        raise NotImplementedFeature(
            f"dimensionAtObservation={value} (cross-sectional data) is not supported "
            f"yet; use {dsd.time_dimension} or {ALL_DIMENSIONS}"
        )
    raise InvalidQuery(
        f"dimensionAtObservation={value!r} is not a dimension of {dsd.ref.triple}; "
        f"use {dsd.time_dimension}, {ALL_DIMENSIONS} or one of "
        f"{', '.join(dsd.dimension_ids)}"
    )


def data_writer(
    media,
    store,
    flow,
    dsd: DataStructure,
    *,
    dimension_at_observation: str | None = None,
) -> Callable:
    """The writer of ``media`` set up for this request."""
    writer = DATA_WRITERS[media.writer]
    if dimension_at_observation is not None and media.writer in FLAT_WRITERS:
        writer = functools.partial(
            writer, dimension_at_observation=dimension_at_observation
        )
    if media.writer == "csv20":
        from server.api.rest15 import csv_options

        writer = functools.partial(writer, **csv_options(request.headers.get("Accept")))
    if media.writer in NAMED_WRITERS:
        writer = functools.partial(writer, names=names_for(store, flow, dsd))
    return writer


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
