"""Streaming writers of SDMX-JSON data messages 1.0 (SDMX 2.1) and 2.0.0 (SDMX 3.0).

Both write one data set of time series (dimension at observation ``TIME_PERIOD``),
of flat observations (``AllDimensions``: ``observations`` keyed by every dimension
and the period, every attribute but those of the data set with each observation), or
of cross-sectional series (through :mod:`server.formats.cross_section`).
SDMX-JSON puts the values of each dimension and attribute in the structure and refers
to them by index from the data set: a series key such as ``"0:1:0"`` holds indexes
into the ``values`` of the series dimensions. Since the order of object members is
free, the writers put ``dataSets`` first and the structure (``data.structure`` in
1.0, ``data.structures`` in 2.0.0) after it, collecting the values while the rows
stream: memory grows with the number of distinct codes and attribute values, not
with the number of observations.

Every dimension of the data structure (DSD) is presented at series level, the time
dimension at observation level; attributes where
:class:`~server.formats.data_parts.Presentation` puts them. Coded values carry their
English name when given one in :class:`~server.formats.data_parts.Names`, else their
id as name. A missing or non-finite observation value is ``null``: JSON has no NaN or
infinity.

Known gaps:

- An empty result writes dimensions with no values, which SDMX-JSON 2.0.0 does not
  allow (``values`` needs at least one item); REST answers an empty result before
  any writer runs. Series without observations (``detail=serieskeysonly``) are
  written with empty ``observations``, and the time dimension is then left out.
- Time periods are value ids; date-times and time ranges (``:`` and ``/``) do not
  match the id pattern of the official schemas.
- Values of attributes attached to the data set are those of the first series.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from datetime import date
from typing import Any, ClassVar

from server.formats.data_parts import (
    Names,
    Presentation,
    Series,
    check_action,
    group_series,
    number,
    urn,
)
from server.formats.data_writers import ALL_DIMENSIONS, DataMessage
from server.formats.xmlutil import message_id, prepared
from server.history import DataPart
from server.model import Component
from server.query.periods import period_span

_ID = re.compile(r"[A-Za-z0-9_@$-]+")

__all__ = ["SCHEMA_10", "SCHEMA_20", "write_json10", "write_json20"]

_SCHEMAS = "https://raw.githubusercontent.com/sdmx-twg/sdmx-json/master/data-message"
SCHEMA_10 = f"{_SCHEMAS}/tools/schemas/1.0/sdmx-json-data-schema.json"
SCHEMA_20 = f"{_SCHEMAS}/tools/schemas/2.0.0/sdmx-json-data-schema.json"
LANGUAGE = "en"
_FLUSH = 256  # series per chunk


def write_json10(
    message: DataMessage,
    rows: Iterable,
    *,
    names: Names | None = None,
    action: str = "Information",
    dimension_at_observation: str | None = None,
    parts: list[DataPart] | None = None,
) -> Iterator[str]:
    """SDMX-JSON 1.0 data message, time series, structure in ``data.structure``.

    Args:
        message: The data structure, dataflow and sender.
        rows: Rows of a data query, ordered by series.
        names: English names of the dataflow, components and codes.
        action: The data set action: Information, Append, Replace or Delete.
        dimension_at_observation: ``AllDimensions`` for flat observations keyed
            by every dimension; time series otherwise.
        parts: Several data sets (actions, validity), as history answers have
            them; ``rows`` is then not read.

    Yields:
        The message in chunks of text.

    Raises:
        ValueError: For an action the standard does not define.
    """
    flat = dimension_at_observation == ALL_DIMENSIONS
    return _Json10(message, names, action, flat).chunks(rows, parts)


def write_json20(
    message: DataMessage,
    rows: Iterable,
    *,
    names: Names | None = None,
    action: str = "Information",
    dimension_at_observation: str | None = None,
    parts: list[DataPart] | None = None,
) -> Iterator[str]:
    """SDMX-JSON 2.0.0 data message, time series, structure in ``data.structures``.

    Args:
        message: The data structure, dataflow and sender.
        rows: Rows of a data query, ordered by series.
        names: English names of the dataflow, components and codes.
        action: The data set action: Information, Append, Replace or Delete.
        dimension_at_observation: ``AllDimensions`` for flat observations keyed
            by every dimension; time series otherwise.
        parts: Several data sets (actions, validity), as history answers have
            them; ``rows`` is then not read.

    Yields:
        The message in chunks of text.

    Raises:
        ValueError: For an action the standard does not define.
    """
    flat = dimension_at_observation == ALL_DIMENSIONS
    return _Json20(message, names, action, flat).chunks(rows, parts)


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


class _Distinct:
    """The distinct values of one component, in order of first use."""

    def __init__(self) -> None:
        self.positions: dict[str, int] = {}

    def index(self, value: str) -> int:
        return self.positions.setdefault(value, len(self.positions))


class _JsonData:
    """One message being written; subclasses give what differs between versions."""

    schema: ClassVar[str]

    def __init__(
        self, message: DataMessage, names: Names | None, action: str, flat: bool
    ):
        self.message = message
        self.dsd = message.dsd
        self.names = names or Names()
        self.action = check_action(action)
        self.flat = flat
        self.presentation = (Presentation.flat if flat else Presentation.of)(self.dsd)
        self.codes = [_Distinct() for _ in self.dsd.dimensions]
        self.periods = _Distinct()
        self.values = {a.id: _Distinct() for a in self.dsd.attributes}
        self.data_set_values: list[int | None] | None = None

    def chunks(
        self, rows: Iterable, parts: list[DataPart] | None = None
    ) -> Iterator[str]:
        """The message: meta, each data set as its rows come, then the structure."""
        parts = parts if parts is not None else [DataPart(None, rows)]
        self.data_set_count = len(parts)
        yield f'{{"meta":{_dumps(self._meta())},"data":{{"dataSets":['
        for index, part in enumerate(parts):
            if index:
                yield ","
            yield from self._data_set(part)  # streamed, never joined whole
        yield f"],{self._structure_member(self._structure())}}}}}"

    def _data_set(self, part: DataPart) -> Iterator[str]:
        data_set = {**self._data_set_head(), "action": part.action or self.action}
        if part.valid_from:
            data_set["validFrom"] = part.valid_from
        if part.valid_to:
            data_set["validTo"] = part.valid_to
        data_set["links"] = [{"urn": urn(self.message.flow), "rel": "dataflow"}]
        # The data set object is left open for its series (or observations).
        member = "observations" if self.flat else "series"
        yield f'{_dumps(data_set)[:-1]},"{member}":{{'
        buffer: list[str] = []
        written = 0  # members yielded so far
        for series in group_series(part.rows):
            if self.flat:
                buffer.extend(self._observation_members(series))
            else:
                buffer.append(self._series_member(series))
            if len(buffer) >= _FLUSH:
                yield ("," if written else "") + ",".join(buffer)
                written += len(buffer)
                buffer = []
        rest = ("," if written and buffer else "") + ",".join(buffer)
        yield f"{rest}}}{self._data_set_attributes()}}}"

    def _meta(self) -> dict:
        return {
            "schema": self.schema,
            "id": message_id(),
            "test": False,
            "prepared": prepared(),
            "contentLanguages": [LANGUAGE],
            "sender": {"id": self.message.sender},
        }

    # --- The data set ---------------------------------------------------------------

    def _series_member(self, series: Series) -> str:
        """``"0:1:0":{...}``: one series with its attributes and observations."""
        if self.data_set_values is None:
            self.data_set_values = self._indexes(
                self.presentation.data_set, series.attributes
            )
        key = ":".join(
            str(index.index(code))
            for index, code in zip(self.codes, series.key, strict=True)
        )
        body: dict[str, Any] = {}
        if self.presentation.series:
            body["attributes"] = self._indexes(
                self.presentation.series, series.attributes
            )
        body["observations"] = {
            str(self.periods.index(o.period)): [
                number(o.value),
                *self._indexes(self.presentation.observation, o.attributes),
            ]
            for o in series.observations
        }
        return f"{_dumps(key)}:{_dumps(body)}"

    def _observation_members(self, series: Series) -> Iterator[str]:
        """``"0:1:0:3":[...]``: each observation of a series, keyed by every
        dimension and the period (flat messages)."""
        if self.data_set_values is None:
            self.data_set_values = self._indexes(
                self.presentation.data_set, series.attributes
            )
        codes = [
            str(index.index(code))
            for index, code in zip(self.codes, series.key, strict=True)
        ]
        for o in series.observations:
            key = ":".join([*codes, str(self.periods.index(o.period))])
            attributes = {**series.attributes, **o.attributes}
            value = [
                number(o.value),
                *self._indexes(self.presentation.observation, attributes),
            ]
            yield f"{_dumps(key)}:{_dumps(value)}"

    def _indexes(
        self, attributes: list[Component], values: dict[str, str]
    ) -> list[int | None]:
        """Indexes of attribute values in their ``values`` arrays; None when absent."""
        return [
            self.values[a.id].index(values[a.id]) if a.id in values else None
            for a in attributes
        ]

    def _data_set_attributes(self) -> str:
        if not self.presentation.data_set:
            return ""
        indexes = self.data_set_values or [None] * len(self.presentation.data_set)
        return f',"attributes":{_dumps(indexes)}'

    # --- The structure --------------------------------------------------------------

    def _structure(self) -> dict:
        structure: dict[str, Any] = {}
        if self.names.dataflow:
            structure["name"] = self.names.dataflow
            structure["names"] = {LANGUAGE: self.names.dataflow}
        structure["links"] = [
            {"urn": urn(self.message.flow), "rel": "dataflow"},
            {"urn": urn(self.dsd.ref), "rel": "datastructure"},
        ]
        structure["dimensions"] = self._dimensions()
        structure["attributes"] = {
            level: [self._attribute(a) for a in attributes]
            for level, attributes in (
                ("dataSet", self.presentation.data_set),
                ("series", self.presentation.series),
                ("observation", self.presentation.observation),
            )
        }
        return structure

    def _dimensions(self) -> dict[str, list]:
        """Every dimension at series level; the time dimension, last, at observation
        (another dimension for cross-sectional data, through
        :func:`server.formats.cross_section.cross_section`).

        The time dimension is left out when no observation gives it a value, since
        SDMX-JSON 2.0.0 wants one value at least.
        """
        dsd = self.dsd
        at_observation = dsd.time_dimension
        time = {
            **self._named(at_observation),
            "keyPosition": dsd.key_position(at_observation),
            "values": [self._value(at_observation, p) for p in self.periods.positions],
        }
        series = [self._dimension(p) for p in range(len(dsd.dimensions))]
        # Series without observations (serieskeysonly) give no time period to list.
        observation = [time] if time["values"] else []
        if self.flat:  # every dimension at observation level
            return {"dataSet": [], "series": [], "observation": [*series, time]}
        return {"dataSet": [], "series": series, "observation": observation}

    def _named(self, component_id: str) -> dict[str, Any]:
        name = self.names.component(component_id)
        return {"id": component_id, "name": name, "names": {LANGUAGE: name}}

    def _code(self, component_id: str, code: str) -> dict[str, Any]:
        name = self.names.code(component_id, code) or code
        return {"id": code, "name": name, "names": {LANGUAGE: name}}

    def _period(self, period: str) -> dict[str, Any]:
        """A time period with the first and last instant it covers."""
        start, end = period_span(period)
        value: dict[str, Any] = (
            {"id": period, "name": period, "names": {LANGUAGE: period}}
            if _ID.fullmatch(period)
            else self._unidentified_period(period, start)
        )
        value["start"] = f"{start.isoformat()}T00:00:00Z"
        value["end"] = f"{end.isoformat()}T23:59:59Z"
        return value

    def _dimension(self, position: int) -> dict[str, Any]:
        dimension = self.dsd.dimensions[position]
        codes = self.codes[position].positions
        return {
            **self._named(dimension.id),
            "keyPosition": self.dsd.key_position(dimension.id),
            "values": [self._value(dimension.id, code) for code in codes],
        }

    def _value(self, component_id: str, value: str) -> dict[str, Any]:
        """A dimension value: a period of the time dimension, else a code."""
        if self.dsd.is_period(component_id):
            return self._period(value)
        return self._code(component_id, value)

    def _attribute(self, attribute: Component) -> dict[str, Any]:
        values = [
            self._code(attribute.id, v) if attribute.codelist else self._text(v)
            for v in self.values[attribute.id].positions
        ]
        # The relationship says what the attribute depends on, wherever a flat
        # message presents it.
        natural = {"DataSet": "dataSet", "Observation": "observation"}
        described = {
            **self._named(attribute.id),
            "relationship": self._relationship(
                natural.get(attribute.attachment, "series")
            ),
        }
        return self._with_values(described, values)

    def _series_dimensions(self) -> dict[str, list[str]]:
        return {"dimensions": self.dsd.dimension_ids}

    # --- What differs between versions ---------------------------------------------

    def _unidentified_period(self, period: str, start: date) -> dict[str, Any]:
        """SDMX-JSON 2.0 gives a period that is no valid id (a range) as a value."""
        return {"value": period}

    def _data_set_head(self) -> dict:
        raise NotImplementedError

    def _relationship(self, level: str) -> dict:
        raise NotImplementedError

    def _text(self, text: str) -> dict:
        raise NotImplementedError

    def _with_values(self, attribute: dict, values: list[dict]) -> dict:
        raise NotImplementedError

    def _structure_member(self, structure: dict) -> str:
        raise NotImplementedError


class _Json10(_JsonData):
    """SDMX-JSON 1.0: ``data.structure``; uncoded values as names."""

    schema = SCHEMA_10

    def _unidentified_period(self, period: str, start: date) -> dict[str, Any]:
        # SDMX-JSON 1.0 has no value form: the id is the first day, the name and
        # the start and end give the range (a 1.0 id cannot hold '/' or ':').
        return {"id": start.isoformat(), "name": period, "names": {LANGUAGE: period}}

    def _data_set_head(self) -> dict:
        return {}

    def _relationship(self, level: str) -> dict:
        if level == "dataSet":
            return {"none": {}}
        if level == "observation":
            return {"primaryMeasure": self.dsd.measure}
        return self._series_dimensions()

    def _text(self, text: str) -> dict:
        return {"name": text, "names": {LANGUAGE: text}}

    def _with_values(self, attribute: dict, values: list[dict]) -> dict:
        return {**attribute, "values": values}

    def _structure_member(self, structure: dict) -> str:
        return f'"structure":{_dumps(structure)}'


class _Json20(_JsonData):
    """SDMX-JSON 2.0.0: ``data.structures``, measures, uncoded values as values."""

    schema = SCHEMA_20

    def _data_set_head(self) -> dict:
        return {"structure": 0}

    def _relationship(self, level: str) -> dict:
        if level == "dataSet":
            return {"dataflow": {}}
        if level == "observation":
            return {"observation": {}}
        return self._series_dimensions()

    def _text(self, text: str) -> dict:
        return {"value": text}

    def _with_values(self, attribute: dict, values: list[dict]) -> dict:
        # ``values`` needs one item at least; without it, the (all null) entries in
        # the data set are read as values themselves, which null still is.
        return {**attribute, "values": values} if values else attribute

    def _structure_member(self, structure: dict) -> str:
        measure = self._named(self.dsd.measure)
        structure = {**structure, "measures": {"observation": [measure]}}
        structure["dataSets"] = list(range(self.data_set_count))
        return f'"structures":[{_dumps(structure)}]'
