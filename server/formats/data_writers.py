"""Streaming writers of data messages: SDMX-ML 2.1 generic and structure-specific
(SDMX 2.1 section 3B) and SDMX-CSV 1.0.

Each writer takes the rows of one data query, ordered by series, and yields text in
chunks, so that no whole message is held in memory. The SDMX-ML writers write time
series (observations by TIME_PERIOD within series) or, with
``dimension_at_observation="AllDimensions"``, the flat form: observations directly in
the data set, each carrying every dimension and the attributes of its series. A
series without observations (``serieskeysonly``) has no place in the flat form and
is left out of it.
"""

from __future__ import annotations

import csv
import functools
import io
import json
import math
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from server.formats.encoded import EncodedSeries, csv_lines, csv_prefix
from server.formats.ns import COM, GEN, MES, SPEC, XSI
from server.formats.xmlutil import attr, header
from server.history import DELETE, DataPart
from server.model import ArtefactRef, DataStructure

_FLUSH = 256  # series per chunk
_ENCODED_CHUNK = 256 * 1024  # characters of kept text per chunk
ALL_DIMENSIONS = "AllDimensions"


@dataclass
class DataMessage:
    """What a data writer needs besides the rows."""

    dsd: DataStructure
    flow: ArtefactRef
    sender: str


def format_value(value: float | None) -> str:
    """An observation value as SDMX writes it: NaN when missing."""
    if value is None or math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "INF" if value > 0 else "-INF"
    if float(value).is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(float(value))


def generic_observation(period: str, shown: str, attributes: str) -> str:
    """One ``gen:Obs`` element of a generic time series: its period, its value as
    :func:`format_value` writes it and its ``gen:Attributes`` (or nothing)."""
    return (
        f"<gen:Obs><gen:ObsDimension value={attr(period)}/>"
        f'<gen:ObsValue value="{shown}"/>{attributes}</gen:Obs>'
    )


def generic_attributes(values: dict) -> str:
    """The ``gen:Attributes`` element of attribute values; nothing when none."""
    if not values:
        return ""
    return _generic_values(tuple((k, str(v)) for k, v in values.items()))


def observation_cells(
    period: str, value: float | None, values: dict, attributes: list[str]
) -> list[str]:
    """The SDMX-CSV cells of an observation from its time period on: period, value
    and the value of each attribute (series and observation values merged)."""
    shown = "" if value is None else format_value(value)
    cells = [period, shown]
    for attribute in attributes:
        given = values.get(attribute)
        cells.append("" if given is None else str(given))
    return cells


def _series(rows: Iterable) -> Iterator[tuple[str, dict, list]]:
    """Group rows by series: (key, series attributes, [(period, value, attrs)])."""
    current_key = None
    current_attrs: dict = {}
    observations: list = []
    for row in rows:
        ident = (row.key, row.provider)
        if ident != current_key:
            if current_key is not None:
                yield current_key[0], current_attrs, observations
            current_key = ident
            current_attrs = json.loads(row.series_attributes or "{}")
            observations = []
        if row.period is None:  # a series without observations
            continue
        attributes = json.loads(row.attributes) if row.attributes else {}
        observations.append((row.period, row.value, attributes))
    if current_key is not None:
        yield current_key[0], current_attrs, observations


def _structure_id(dsd: ArtefactRef) -> str:
    return f"{dsd.agency}_{dsd.id}_{dsd.version}".replace(".", "_")


def _structure_ref(dsd: ArtefactRef) -> str:
    return (
        f"<com:Structure><Ref agencyID={attr(dsd.agency)} id={attr(dsd.id)} "
        f"version={attr(dsd.version)}/></com:Structure>"
    )


def dsd_namespace(
    dsd: ArtefactRef, dimension_at_observation: str = "TIME_PERIOD"
) -> str:
    """The namespace of the DSD-specific schema for data with that dimension at
    observation level (time series by default, or ``AllDimensions``)."""
    return (
        "urn:sdmx:org.sdmx.infomodel.datastructure.DataStructure="
        f"{dsd.triple}:ObsLevelDim:{dimension_at_observation}"
    )


def write_generic(
    message: DataMessage,
    rows: Iterable,
    *,
    root: str = "GenericData",
    dimension_at_observation: str = "TIME_PERIOD",
    parts: list[DataPart] | None = None,
) -> Iterator[str]:
    """SDMX-ML 2.1 GenericData, series with observations by TIME_PERIOD.

    With ``root="GenericTimeSeriesData"`` it is the time-series form, which holds
    the same series under another root element. With
    ``dimension_at_observation="AllDimensions"`` it is the flat form.
    """
    dsd = message.dsd
    sid = _structure_id(dsd.ref)
    at_obs = attr(dimension_at_observation)
    yield (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<mes:{root} xmlns:mes="{MES}" xmlns:gen="{GEN}" xmlns:com="{COM}">'
        + header(
            message.sender,
            f'<mes:Structure structureID="{sid}" dimensionAtObservation={at_obs}>'
            + _structure_ref(dsd.ref)
            + "</mes:Structure>",
        )
    )
    for part in parts if parts is not None else [DataPart(None, rows)]:
        yield f'<mes:DataSet structureRef="{sid}"{_data_set_attributes(part)}>'
        if dimension_at_observation == ALL_DIMENSIONS:
            yield from _generic_flat(message, part.rows)
        else:
            yield from _generic_series(message, part.rows, part.action == DELETE)
        yield "</mes:DataSet>"
    yield f"</mes:{root}>"


def _data_set_attributes(part: DataPart, prefix: str = "") -> str:
    """The action and validity of a data set, as XML attributes (none by default)."""
    values = {
        f"{prefix}action": part.action,
        f"{prefix}validFromDate": part.valid_from,
        f"{prefix}validToDate": part.valid_to,
    }
    return "".join(f" {k}={attr(v)}" for k, v in values.items() if v)


def _generic_series(
    message: DataMessage, rows: Iterable, keys_only: bool
) -> Iterator[str]:
    """Series of a GenericData data set; in a Delete data set, keys only."""
    dims = message.dsd.dimension_ids
    if isinstance(rows, EncodedSeries) and not keys_only:
        yield from _generic_encoded(dims, rows)
        return
    buffer: list[str] = []
    for key, series_attrs, observations in _series(rows):
        buffer.append("<gen:Series><gen:SeriesKey>")
        buffer.extend(
            f"<gen:Value id={attr(d)} value={attr(c)}/>"
            for d, c in zip(dims, key.split("."), strict=True)
        )
        buffer.append("</gen:SeriesKey>")
        if not keys_only:
            buffer.append(generic_attributes(series_attrs))
        for period, value, obs_attrs in observations:
            if keys_only:
                buffer.append(
                    f"<gen:Obs><gen:ObsDimension value={attr(period)}/></gen:Obs>"
                )
                continue
            buffer.append(
                generic_observation(
                    period, format_value(value), generic_attributes(obs_attrs)
                )
            )
        buffer.append("</gen:Series>")
        if len(buffer) > _FLUSH * 8:
            yield "".join(buffer)
            buffer = []
    yield "".join(buffer)


def _generic_encoded(dims: list[str], rows: EncodedSeries) -> Iterator[str]:
    """Generic series whose observations are kept written (see
    :mod:`server.formats.encoded`)."""

    def series(row) -> str:  # noqa: ANN001
        head = "".join(
            f"<gen:Value id={attr(d)} value={attr(c)}/>"
            for d, c in zip(dims, row.key.split("."), strict=True)
        )
        series_attrs = generic_attributes(json.loads(row.series_attributes or "{}"))
        return (
            f"<gen:Series><gen:SeriesKey>{head}</gen:SeriesKey>{series_attrs}"
            f"{row.text}</gen:Series>"
        )

    return chunked(map(series, rows))


def chunked(pieces: Iterable[str]) -> Iterator[str]:
    """The pieces joined into chunks of about :data:`_ENCODED_CHUNK` characters."""
    buffer: list[str] = []
    size = 0
    for piece in pieces:
        buffer.append(piece)
        size += len(piece)
        if size > _ENCODED_CHUNK:
            yield "".join(buffer)
            buffer, size = [], 0
    yield "".join(buffer)


def _generic_flat(message: DataMessage, rows: Iterable) -> Iterator[str]:
    """The observations of a flat GenericData data set, each with its whole key."""
    dsd = message.dsd
    dims, time_id = dsd.dimension_ids, dsd.time_dimension
    if isinstance(rows, EncodedSeries):
        yield from _generic_flat_encoded(dims, time_id, rows)
        return
    buffer: list[str] = []
    for key, series_attrs, observations in _series(rows):
        series_key = "".join(
            f"<gen:Value id={attr(d)} value={attr(c)}/>"
            for d, c in zip(dims, key.split("."), strict=True)
        )
        for period, value, obs_attrs in observations:
            buffer.append(
                f"<gen:Obs><gen:ObsKey>{series_key}"
                f"<gen:Value id={attr(time_id)} value={attr(period)}/></gen:ObsKey>"
                f'<gen:ObsValue value="{format_value(value)}"/>'
                + generic_attributes({**series_attrs, **obs_attrs})
                + "</gen:Obs>"
            )
        if len(buffer) > _FLUSH * 8:
            yield "".join(buffer)
            buffer = []
    yield "".join(buffer)


def _generic_flat_encoded(
    dims: list[str], time_id: str, rows: EncodedSeries
) -> Iterator[str]:
    """Flat generic observations made from the kept text of whole series: each
    ``gen:ObsDimension`` becomes the whole ``gen:ObsKey``, and the series'
    attribute values go first into each observation's ``gen:Attributes`` (the two
    never share an attribute). Values are escaped, so the markup found is markup."""
    obs_head = "<gen:Obs><gen:ObsDimension value="
    time = attr(time_id)

    def observations(row) -> str:  # noqa: ANN001
        series_key = "".join(
            f"<gen:Value id={attr(d)} value={attr(c)}/>"
            for d, c in zip(dims, row.key.split("."), strict=True)
        )
        key = f"<gen:Obs><gen:ObsKey>{series_key}<gen:Value id={time} value="
        text = row.text.replace(obs_head, key).replace(
            "/><gen:ObsValue value=", "/></gen:ObsKey><gen:ObsValue value="
        )
        series_attrs = generic_attributes(json.loads(row.series_attributes or "{}"))
        if series_attrs:
            values = series_attrs[len("<gen:Attributes>") : -len("</gen:Attributes>")]
            text = text.replace("<gen:Attributes>", "<gen:Attributes>" + values)
            text = text.replace('"/></gen:Obs>', f'"/>{series_attrs}</gen:Obs>')
        return text

    return chunked(map(observations, rows))


@functools.lru_cache(maxsize=4096)
def _generic_values(pairs: tuple[tuple[str, str], ...]) -> str:
    """``gen:Attributes`` of attribute values; few sets repeat across observations."""
    inner = "".join(f"<gen:Value id={attr(k)} value={attr(v)}/>" for k, v in pairs)
    return f"<gen:Attributes>{inner}</gen:Attributes>"


def write_structure_specific(
    message: DataMessage,
    rows: Iterable,
    *,
    root: str = "StructureSpecificData",
    dimension_at_observation: str = "TIME_PERIOD",
    parts: list[DataPart] | None = None,
) -> Iterator[str]:
    """SDMX-ML 2.1 StructureSpecificData, series with observations by TIME_PERIOD.

    With ``root="StructureSpecificTimeSeriesData"`` it is the time-series form. With
    ``dimension_at_observation="AllDimensions"`` it is the flat form, in the
    namespace ending ``ObsLevelDim:AllDimensions``.
    """
    dsd = message.dsd
    sid = _structure_id(dsd.ref)
    namespace = dsd_namespace(dsd.ref, dimension_at_observation)
    at_obs = attr(dimension_at_observation)
    yield (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<mes:{root} xmlns:mes="{MES}" xmlns:ss="{SPEC}" '
        f'xmlns:com="{COM}" xmlns:xsi="{XSI}" xmlns:ns1={attr(namespace)}>'
        + header(
            message.sender,
            f'<mes:Structure structureID="{sid}" namespace={attr(namespace)} '
            f"dimensionAtObservation={at_obs}>"
            + _structure_ref(dsd.ref)
            + "</mes:Structure>",
        )
    )
    for part in parts if parts is not None else [DataPart(None, rows)]:
        yield (
            f'<mes:DataSet ss:structureRef="{sid}" xsi:type="ns1:DataSetType" '
            f'ss:dataScope="DataStructure"{_data_set_attributes(part, "ss:")}>'
        )
        if dimension_at_observation == ALL_DIMENSIONS:
            yield from _specific_flat(message, part.rows)
        else:
            yield from _specific_series(message, part.rows, part.action == DELETE)
        yield "</mes:DataSet>"
    yield f"</mes:{root}>"


def specific_observation(
    dsd: DataStructure, period: str, shown: str, extra: str
) -> str:
    """One ``Obs`` element of a structure-specific series: period, value as
    :func:`format_value` writes it, and its attributes as :func:`xml_values`
    writes them."""
    return f'<Obs {dsd.time_dimension}={attr(period)} {dsd.measure}="{shown}"{extra}/>'


def xml_values(values: dict) -> str:
    """Attribute values as XML attributes, `` ID="value"`` each, in their order."""
    return "".join(f" {k}={attr(str(v))}" for k, v in values.items())


def _specific_series(
    message: DataMessage, rows: Iterable, keys_only: bool
) -> Iterator[str]:
    """Series of a StructureSpecificData data set; in a Delete data set, keys only."""
    dsd = message.dsd
    dims = dsd.dimension_ids
    time_id = dsd.time_dimension
    if isinstance(rows, EncodedSeries) and not keys_only:
        yield from _specific_encoded(dims, rows)
        return
    buffer: list[str] = []
    for key, series_attrs, observations in _series(rows):
        pairs = list(zip(dims, key.split("."), strict=True))
        if not keys_only:
            pairs += series_attrs.items()
        buffer.append(
            "<Series " + " ".join(f"{k}={attr(str(v))}" for k, v in pairs) + ">"
        )
        for period, value, obs_attrs in observations:
            if keys_only:
                buffer.append(f"<Obs {time_id}={attr(period)}/>")
                continue
            shown = format_value(value)
            buffer.append(
                specific_observation(dsd, period, shown, xml_values(obs_attrs))
            )
        buffer.append("</Series>")
        if len(buffer) > _FLUSH * 8:
            yield "".join(buffer)
            buffer = []
    yield "".join(buffer)


def _specific_encoded(dims: list[str], rows: EncodedSeries) -> Iterator[str]:
    """Structure-specific series whose observations are kept written."""

    def series(row) -> str:  # noqa: ANN001
        pairs = [
            *zip(dims, row.key.split("."), strict=True),
            *json.loads(row.series_attributes or "{}").items(),
        ]
        head = " ".join(f"{k}={attr(str(v))}" for k, v in pairs)
        return f"<Series {head}>{row.text}</Series>"

    return chunked(map(series, rows))


def _specific_flat(message: DataMessage, rows: Iterable) -> Iterator[str]:
    """The observations of a flat StructureSpecificData data set: Obs elements with
    every dimension, the time period, the value and all attributes as XML attributes.
    """
    dsd = message.dsd
    dims = dsd.dimension_ids
    time_id, measure = dsd.time_dimension, dsd.measure
    buffer: list[str] = []
    for key, series_attrs, observations in _series(rows):
        series_part = " ".join(
            f"{d}={attr(c)}" for d, c in zip(dims, key.split("."), strict=True)
        )
        for period, value, obs_attrs in observations:
            merged = {**series_attrs, **obs_attrs}
            extra = "".join(f" {k}={attr(str(v))}" for k, v in merged.items())
            shown = format_value(value)
            buffer.append(
                f"<Obs {series_part} {time_id}={attr(period)} "
                f'{measure}="{shown}"{extra}/>'
            )
        if len(buffer) > _FLUSH * 8:
            yield "".join(buffer)
            buffer = []
    yield "".join(buffer)


def write_csv10(message: DataMessage, rows: Iterable) -> Iterator[str]:
    """SDMX-CSV 1.0: one row per observation, the dataflow in the first column."""
    dsd = message.dsd
    attributes = [a.id for a in dsd.attributes]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(
        ["DATAFLOW", *dsd.dimension_ids, dsd.time_dimension, dsd.measure, *attributes]
    )
    flow = message.flow.triple
    if isinstance(rows, EncodedSeries):
        yield out.getvalue()
        yield from encoded_csv(rows, lambda key: [flow, *key.split(".")])
        return
    for index, (key, series_attrs, observations) in enumerate(_series(rows)):
        codes = key.split(".")
        if not observations:  # serieskeysonly, nodata
            series_values = (series_attrs.get(a, "") for a in attributes)
            writer.writerow([flow, *codes, "", "", *series_values])
        for period, value, obs_attrs in observations:
            merged = {**series_attrs, **obs_attrs}
            cells = observation_cells(period, value, merged, attributes)
            writer.writerow([flow, *codes, *cells])
        if index % _FLUSH == _FLUSH - 1:
            yield out.getvalue()
            out.seek(0)
            out.truncate()
    yield out.getvalue()


DATA_WRITERS = {
    "generic21": write_generic,
    "specific21": write_structure_specific,
    "csv10": write_csv10,
}


def encoded_csv(rows: EncodedSeries, lead: Callable[[str], list[str]]) -> Iterator[str]:
    """SDMX-CSV rows of series whose observations are kept written: the cells
    ``lead`` gives for a series key, then each observation's text."""
    return chunked(csv_lines(csv_prefix(lead(row.key)), row.text) for row in rows)
