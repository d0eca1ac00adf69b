"""Streaming writer of SDMX-ML 3.0 structure-specific data (SDMX 3.0 section 3A).

The message refers to the dataflow by URN in its header (``common:StructureUsage``)
and names the dataflow-specific namespace
``urn:sdmx:org.sdmx.infomodel.datastructure.Dataflow=AGENCY:ID(VERSION):ObsLevelDim:
TIME_PERIOD``, whose ``DataSetType`` the ``DataSet`` element takes as ``xsi:type``;
:mod:`server.formats.dsd_schema30` generates the schema of that namespace. Series
carry the dimensions and the attributes attached to the series (or to a group) as XML
attributes; observations carry ``TIME_PERIOD``, the measure (``NaN`` when missing)
and the observation attributes; attributes attached to the data set sit on the
``DataSet`` element, with the values of the first series. With
``dimension_at_observation="AllDimensions"`` it writes the flat form instead: ``Obs``
elements directly in the data set, in the namespace ending
``ObsLevelDim:AllDimensions``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from server.formats.data_parts import (
    Presentation,
    Series,
    attribute_values,
    check_action,
    group_series,
    peek,
    urn,
)
from server.formats.data_writers import (
    ALL_DIMENSIONS,
    DataMessage,
    format_value,
    specific_observation,
)
from server.formats.encoded import EncodedSeries
from server.formats.xmlutil import attr, header
from server.history import DELETE, DataPart
from server.model import ArtefactRef, Component

__all__ = ["COM", "MES", "SPEC", "dataflow_namespace", "write_ml30"]

_BASE = "http://www.sdmx.org/resources/sdmxml/schemas/v3_0/"
MES = _BASE + "message"
COM = _BASE + "common"
SPEC = _BASE + "data/structurespecific"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
_FLUSH = 256  # series per chunk


def dataflow_namespace(flow: ArtefactRef, dimension_at_observation: str) -> str:
    """The namespace of the dataflow-specific schema for structure-specific data."""
    return f"{urn(flow)}:ObsLevelDim:{dimension_at_observation}"


def write_ml30(
    message: DataMessage,
    rows: Iterable,
    *,
    action: str = "Information",
    dimension_at_observation: str | None = None,
    parts: list[DataPart] | None = None,
) -> Iterator[str]:
    """SDMX-ML 3.0 StructureSpecificData, series with observations by time period.

    Args:
        message: The data structure, dataflow and sender.
        rows: Rows of a data query, ordered by series.
        action: The data set action: Information, Append, Replace or Delete.
        dimension_at_observation: ``AllDimensions`` for flat observations (``Obs``
            directly in the data set, each with every dimension and every
            attribute not attached to the data set); time series otherwise.

    Yields:
        The message in chunks of text.

    Raises:
        ValueError: For an action the standard does not define.
    """
    check_action(action)
    dsd = message.dsd
    flat = dimension_at_observation == ALL_DIMENSIONS
    presentation = (Presentation.flat if flat else Presentation.of)(dsd)
    write = _flat if flat else _series
    yield _head(message, ALL_DIMENSIONS if flat else dsd.time_dimension)

    for part in parts if parts is not None else [DataPart(action, rows)]:
        keys_only = part.action == DELETE
        encoded = isinstance(part.rows, EncodedSeries) and not keys_only and not flat
        if encoded:  # whole series kept written: (series, its observations' text)
            first_pair, pairs = peek(_with_text(part.rows))
            first = first_pair[0] if first_pair else None
            all_series = iter(())
        else:
            first, all_series = peek(group_series(part.rows))
            pairs = iter(())
        data_set = (
            ""
            if keys_only
            else _xml_attributes(
                presentation.data_set, first.attributes if first else {}
            )
        )
        validity = "".join(
            f" ss:{name}={attr(value)}"
            for name, value in (
                ("validFromDate", part.valid_from),
                ("validToDate", part.valid_to),
            )
            if value
        )
        yield (
            f'<mes:DataSet ss:structureRef="{_structure_id(message.flow)}" '
            f'xsi:type="ns1:DataSetType" ss:action="{part.action}"{validity}'
            f"{data_set}>"
        )
        buffer: list[str] = []
        for series, text in pairs:
            buffer.append(_series_head(message, presentation, series))
            buffer.append(text)
            buffer.append("</Series>")
            if len(buffer) >= _FLUSH:
                yield "".join(buffer)
                buffer = []
        for series in all_series:
            if keys_only:
                buffer.append(_keys(message, series))
            else:
                buffer.append(write(message, presentation, series))
            if len(buffer) >= _FLUSH:
                yield "".join(buffer)
                buffer = []
        buffer.append("</mes:DataSet>")
        yield "".join(buffer)
    yield "</mes:StructureSpecificData>"


def _keys(message: DataMessage, series: Series) -> str:
    """A series of a Delete data set: its key and the periods deleted."""
    dsd = message.dsd
    key = "".join(
        f" {d}={attr(c)}" for d, c in zip(dsd.dimension_ids, series.key, strict=True)
    )
    periods = "".join(
        f"<Obs {dsd.time_dimension}={attr(o.period)}/>" for o in series.observations
    )
    return f"<Series{key}>{periods}</Series>"


def _head(message: DataMessage, at_observation: str) -> str:
    """The XML declaration, the root element and the header."""
    namespace = attr(dataflow_namespace(message.flow, at_observation))
    structure = (
        f'<mes:Structure structureID="{_structure_id(message.flow)}" '
        f"namespace={namespace} dimensionAtObservation={attr(at_observation)}>"
        f"<com:StructureUsage>{urn(message.flow)}</com:StructureUsage>"
        "</mes:Structure>"
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<mes:StructureSpecificData xmlns:mes="{MES}" xmlns:ss="{SPEC}" '
        f'xmlns:com="{COM}" xmlns:xsi="{XSI}" xmlns:ns1={namespace}>'
        + header(message.sender, structure)
    )


def _structure_id(flow: ArtefactRef) -> str:
    return f"{flow.agency}_{flow.id}_{flow.version}".replace(".", "_")


def _series(message: DataMessage, presentation: Presentation, series: Series) -> str:
    dsd = message.dsd
    parts = [_series_head(message, presentation, series)]
    for obs in series.observations:
        values = _xml_attributes(presentation.observation, obs.attributes)
        shown = format_value(obs.value)
        parts.append(specific_observation(dsd, obs.period, shown, values))
    parts.append("</Series>")
    return "".join(parts)


def _series_head(
    message: DataMessage, presentation: Presentation, series: Series
) -> str:
    """The opening ``Series`` element: its key and series attributes."""
    key = "".join(
        f" {d}={attr(c)}"
        for d, c in zip(message.dsd.dimension_ids, series.key, strict=True)
    )
    return f"<Series{key}{_xml_attributes(presentation.series, series.attributes)}>"


def _with_text(rows: EncodedSeries) -> Iterator[tuple[Series, str]]:
    """Each kept series (without observations) and its observations' text."""
    for row in rows:
        attributes = attribute_values(row.series_attributes)
        yield Series(row.key.split("."), attributes, []), row.text


def observation_values(presentation: Presentation, values: dict[str, str]) -> str:
    """The observation attributes of an SDMX-ML 3.0 ``Obs`` element."""
    return _xml_attributes(presentation.observation, values)


def _flat(message: DataMessage, presentation: Presentation, series: Series) -> str:
    """The observations of one series, each with its whole key (flat form)."""
    dsd = message.dsd
    key = "".join(
        f" {d}={attr(c)}" for d, c in zip(dsd.dimension_ids, series.key, strict=True)
    )
    parts = []
    for obs in series.observations:
        merged = {**series.attributes, **obs.attributes}
        values = _xml_attributes(presentation.observation, merged)
        parts.append(
            f"<Obs{key} {dsd.time_dimension}={attr(obs.period)} "
            f'{dsd.measure}="{format_value(obs.value)}"{values}/>'
        )
    return "".join(parts)


def _xml_attributes(attributes: list[Component], values: dict[str, str]) -> str:
    """`` ID="value"`` for each attribute that has a value, in DSD order."""
    return "".join(
        f" {a.id}={attr(values[a.id])}" for a in attributes if a.id in values
    )
