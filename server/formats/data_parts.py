"""What the SDMX-JSON, SDMX-CSV 2.0 and SDMX-ML 3.0 data writers share (time series).

The rows of a data query come ordered by series; :func:`group_series` turns them into
one :class:`Series` at a time, so a writer holds one series, never the data set.
:class:`Presentation` says where a time-series message presents each attribute of a
data structure (DSD), :class:`Names` carries the optional English names of labelled
messages, and :data:`ACTIONS` lists the data set actions of the standard.
"""

from __future__ import annotations

import functools
import itertools
import json
import math
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field

from server.model import ArtefactRef, Component, DataStructure

__all__ = [
    "ACTIONS",
    "Names",
    "Observation",
    "Presentation",
    "Series",
    "attribute_values",
    "check_action",
    "group_series",
    "number",
    "peek",
    "urn",
]

# URN classes (SDMX 2.1 and 3.0 section 5) by REST resource name.
_URN_CLASSES = {
    "dataflow": "datastructure.Dataflow",
    "datastructure": "datastructure.DataStructure",
}

# Data set actions (SDMX 2.1 and 3.0 ActionType) and their SDMX-CSV 2.0 letters.
ACTIONS = {"Information": "I", "Append": "A", "Replace": "R", "Delete": "D"}


@dataclass(frozen=True, slots=True)
class Observation:
    """One observation of a series: time period, value and observation attributes."""

    period: str
    value: float | None
    attributes: dict[str, str]


@dataclass(slots=True)
class Series:
    """One series: its key (codes in DSD dimension order), attributes, observations."""

    key: list[str]
    attributes: dict[str, str]
    observations: list[Observation]


@dataclass(frozen=True)
class Names:
    """English names for labelled messages; whatever is left out shows its id.

    Attributes:
        dataflow: The name of the dataflow.
        components: Names of dimensions, the time dimension, the measure and
            attributes, by component id.
        codes: Names of codes, by component id, then code id.
    """

    dataflow: str | None = None
    components: Mapping[str, str] = field(default_factory=dict)
    codes: Mapping[str, Mapping[str, str]] = field(default_factory=dict)

    def component(self, component_id: str) -> str:
        """The name of a component, else its id."""
        return self.components.get(component_id, component_id)

    def code(self, component_id: str, code: str) -> str | None:
        """The name of a code of a component, or None when not known."""
        return self.codes.get(component_id, {}).get(code)


@dataclass(frozen=True)
class Presentation:
    """Where a time-series message presents each attribute of a DSD.

    Attributes attached to the data set are presented once for the data set; those
    attached to observations with each observation; all others (series and group
    attributes) with each series, since the model keeps no group definitions.
    """

    data_set: list[Component]
    series: list[Component]
    observation: list[Component]

    @classmethod
    def of(cls, dsd: DataStructure) -> Presentation:
        """The presentation of the attributes of ``dsd``, each level in DSD order."""
        by_level: dict[str, list[Component]] = {"DataSet": [], "Observation": []}
        series: list[Component] = []
        for attribute in dsd.attributes:
            by_level.get(attribute.attachment, series).append(attribute)
        return cls(by_level["DataSet"], series, by_level["Observation"])

    @classmethod
    def flat(cls, dsd: DataStructure) -> Presentation:
        """The presentation of flat messages (``AllDimensions``): what is not
        attached to the data set goes with each observation, in DSD order."""
        data_set = [a for a in dsd.attributes if a.attachment == "DataSet"]
        others = [a for a in dsd.attributes if a.attachment != "DataSet"]
        return cls(data_set, [], others)


def group_series(rows: Iterable) -> Iterator[Series]:
    """Group rows ordered by series into :class:`Series`, one at a time.

    Rows are those of a data query: ``key`` (dotted codes), ``series_attributes``
    (JSON text), ``provider``, ``period``, ``value`` and ``attributes`` (JSON text or
    None); a row whose period is None stands for a series without observations (as
    ``detail=serieskeysonly`` and ``nodata`` give). Series of the same key from
    different providers stay apart. Attribute values that are empty strings are left
    out, as values not given.
    """
    for _, group in itertools.groupby(rows, key=lambda row: (row.key, row.provider)):
        first = next(group)
        series = Series(
            first.key.split("."), attribute_values(first.series_attributes), []
        )
        for row in itertools.chain([first], group):
            if row.period is None:
                continue
            observation = Observation(
                row.period, row.value, attribute_values(row.attributes)
            )
            series.observations.append(observation)
        yield series


def attribute_values(text: str | None) -> dict[str, str]:
    """Attribute values kept as JSON, as text; empty values left out."""
    return dict(_values(text)) if text else {}


@functools.lru_cache(maxsize=4096)
def _values(text: str) -> tuple[tuple[str, str], ...]:
    """The values of a JSON text; few texts repeat across many rows."""
    values = json.loads(text)
    return tuple((k, str(v)) for k, v in values.items() if v is not None and v != "")


def peek(series: Iterator[Series]) -> tuple[Series | None, Iterator[Series]]:
    """The first series (None if there is none) and an iterator over all of them."""
    first = next(series, None)
    if first is None:
        return None, iter(())
    return first, itertools.chain([first], series)


def check_action(action: str) -> str:
    """Return ``action`` if it is a data set action of the standard.

    Raises:
        ValueError: For any other action.
    """
    if action not in ACTIONS:
        raise ValueError(
            f"data set action {action!r} is not one of {', '.join(ACTIONS)}"
        )
    return action


def number(value: float | None) -> int | float | None:
    """An observation value as a JSON number: None when missing or not finite.

    Whole numbers become integers (``12`` rather than ``12.0``) below 10**15, where a
    float still holds them exactly.
    """
    if value is None or not math.isfinite(value):
        return None
    if float(value).is_integer() and abs(value) < 1e15:
        return int(value)
    return float(value)


def urn(ref: ArtefactRef) -> str:
    """The URN of a dataflow or data structure.

    Raises:
        KeyError: For a reference to any other kind of artefact.
    """
    return f"urn:sdmx:org.sdmx.infomodel.{_URN_CLASSES[ref.type]}={ref.triple}"
