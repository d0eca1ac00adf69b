"""Cross-sectional data: a dimension other than time at observation level.

With ``dimensionAtObservation=REF_AREA`` a message groups observations by every
other dimension and the time period, and each observation is told apart by its
``REF_AREA`` code (SDMX 2.1 section 3B, "cross-sectional" data). The writers of time
series write this form unchanged when handed two things from this module:

- :func:`cross_section`, a view of the data structure (DSD) whose series key is the
  other dimensions in DSD order followed by the time dimension, and whose
  ``time_dimension`` names the dimension at observation level;
- :func:`pivot`, which turns the rows of a data query into rows of that view.

Attributes attached to the series (or to a group) relate to every dimension, the one
at observation level among them, so the view attaches them to the observation; those
attached to the data set or to the observation stay where they are. The rows must
come ordered by the other dimensions, then the period, then the dimension at
observation level, which :attr:`server.query.DataQuery.cross_section` asks of the
store.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from typing import NamedTuple

from server.model import Component, DataStructure

__all__ = ["CrossSection", "PivotedRow", "cross_section", "pivot"]


@dataclass(slots=True)
class CrossSection(DataStructure):
    """A DSD seen with ``time_dimension`` (a dimension) at observation level.

    Attributes:
        period_dimension: The DSD's time dimension, last in the series key.
        positions: The position of each dimension in the DSD's own key.
    """

    period_dimension: str = "TIME_PERIOD"
    positions: dict[str, int] = field(default_factory=dict)

    def is_period(self, component_id: str) -> bool:
        return component_id == self.period_dimension

    def key_position(self, component_id: str) -> int:
        return self.positions[component_id]


class PivotedRow(NamedTuple):
    """A row of a data query as the cross-sectional view sees it."""

    key: str
    series_attributes: str
    provider: str
    period: str
    value: float | None
    attributes: str


def cross_section(dsd: DataStructure, dimension: str) -> CrossSection:
    """The view of ``dsd`` with ``dimension`` at observation level.

    Raises:
        ValueError: When ``dimension`` is no dimension of ``dsd``.
    """
    if dimension not in dsd.dimension_ids:
        raise ValueError(f"{dimension!r} is no dimension of {dsd.ref.triple}")
    others = [d for d in dsd.dimensions if d.id != dimension]
    period = Component(dsd.time_dimension, None, "Series", True)
    attributes = [
        a if a.attachment in ("DataSet", "Observation") else _to_observation(a)
        for a in dsd.attributes
    ]
    positions = {d.id: p for p, d in enumerate(dsd.dimensions)}
    positions[dsd.time_dimension] = len(dsd.dimensions)
    return CrossSection(
        dsd.ref,
        [*others, period],
        dimension,
        attributes,
        dsd.measure,
        period_dimension=dsd.time_dimension,
        positions=positions,
    )


def _to_observation(attribute: Component) -> Component:
    return replace(attribute, attachment="Observation")


def pivot(rows: Iterable, dsd: DataStructure, dimension: str) -> Iterator[PivotedRow]:
    """Rows of a data query as rows of :func:`cross_section` ``(dsd, dimension)``.

    Each row's key becomes the other codes and the period; its period becomes the
    code of ``dimension``; its series attributes, but those attached to the data
    set, join its observation attributes. Rows without an observation (series keys
    only) have no place in the view and are left out.
    """
    position = dsd.dimension_ids.index(dimension)
    data_set = {a.id for a in dsd.attributes if a.attachment == "DataSet"}
    for row in rows:
        if row.period is None:
            continue
        codes = row.key.split(".")
        code = codes.pop(position)
        series_attributes = json.loads(row.series_attributes or "{}")
        kept = {k: v for k, v in series_attributes.items() if k in data_set}
        moved = {k: v for k, v in series_attributes.items() if k not in data_set}
        observation = {**moved, **json.loads(row.attributes or "{}")}
        yield PivotedRow(
            ".".join([*codes, row.period]),
            json.dumps(kept),
            row.provider,
            code,
            row.value,
            json.dumps(observation) if observation else None,
        )
