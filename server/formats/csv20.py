"""Streaming writer of SDMX-CSV 2.0.0 data messages (SDMX 3.0).

One row per observation: ``STRUCTURE`` (always ``dataflow``), ``STRUCTURE_ID``
(``AGENCY:ID(VERSION)``), ``ACTION``, then the components in the order of the data
structure (DSD), grouped by kind: dimensions, the time dimension, the measure, the
attributes. Attribute values attached to the series or the data set are repeated on
each row; a series without observations has one row, with empty time period and value.
The three options of the media type are keyword arguments:

- ``labels``: ``id`` (the default), ``name`` (a name column after each id column,
  and ``STRUCTURE_NAME``) or ``both`` (``id: name`` in one cell);
- ``time_format`` (``timeFormat``): ``original`` (the default) or ``normalized``;
- ``keys``: ``none`` (the default), ``series`` (``SERIES_KEY``), ``obs`` (``OBS_KEY``)
  or ``both``.

A REST layer binds them from the Accept header, for example
``functools.partial(write_csv20, labels="both", keys="series")``, which leaves the
writer signature ``(message, rows)``.

The fields are separated by commas with ``.`` decimal points, whatever the language
asked for; no value is multi-valued or multilingual, so ``STRUCTURE`` carries no
sub-field separator. A missing observation value is an empty cell.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator
from datetime import date, timedelta

from server.formats.data_parts import (
    ACTIONS,
    Names,
    Observation,
    Series,
    check_action,
    group_series,
)
from server.formats.data_writers import DataMessage, encoded_csv, format_value
from server.formats.encoded import EncodedSeries
from server.history import DataPart

__all__ = ["KEYS", "LABELS", "TIME_FORMATS", "normalized_period", "write_csv20"]

LABELS = ("id", "name", "both")
TIME_FORMATS = ("original", "normalized")
KEYS = ("none", "obs", "series", "both")
_FLUSH = 256  # series per chunk

_REPORTING_PERIOD = re.compile(r"(\d{4})-([ASTQMWD])(\d{1,3})")
_MONTHS_IN = {"A": 12, "S": 6, "T": 4, "Q": 3, "M": 1}


def write_csv20(
    message: DataMessage,
    rows: Iterable,
    *,
    labels: str = "id",
    time_format: str = "original",
    keys: str = "none",
    names: Names | None = None,
    action: str = "Information",
    parts: list[DataPart] | None = None,
) -> Iterator[str]:
    """SDMX-CSV 2.0.0 data message, one row per observation.

    Args:
        message: The data structure, dataflow and sender.
        rows: Rows of a data query, ordered by series.
        labels: ``id``, ``name`` or ``both``.
        time_format: ``original`` or ``normalized``
            (see :func:`normalized_period`).
        keys: ``none``, ``obs``, ``series`` or ``both``.
        names: English names of the dataflow, components and codes, for labels;
            an unnamed component is labelled with its id, an unnamed code not at all.
        action: The data set action: Information, Append, Replace or Delete.

    Yields:
        The message in chunks of text, lines ended by CRLF as RFC 4180 has it.

    Raises:
        ValueError: For an option value the standard does not define.
    """
    _check("labels", labels, LABELS)
    _check("timeFormat", time_format, TIME_FORMATS)
    _check("keys", keys, KEYS)
    table = _Table(message, names or Names(), labels, time_format, keys)
    return table.chunks(rows, ACTIONS[check_action(action)], parts)


def normalized_period(period: str) -> str:
    """A time period as the ISO 8601 date of its first day.

    Years, months (``2014-01``) and reporting periods (``2014-Q2``, ``2014-S1``,
    ``2014-T3``, ``2014-M05``, ``2014-W07``, ``2014-D045``, ``2014-A1``) become the
    date they start on, the reporting year taken to start on 1 January; a time range
    becomes its start. Dates and date-times are kept, as are values in no SDMX time
    format. Every period is taken at its start: the moment within the period at
    which the data were collected is not known here.
    """
    start = period.split("/", 1)[0]
    if re.fullmatch(r"\d{4}", start):
        return f"{start}-01-01"
    if re.fullmatch(r"\d{4}-\d{2}", start):
        return f"{start}-01"
    match = _REPORTING_PERIOD.fullmatch(start)
    if match is None:
        return start
    try:
        return _reporting_start(int(match[1]), match[2], int(match[3])).isoformat()
    except ValueError:  # a period number out of range, as in 2014-Q5
        return period


def _reporting_start(year: int, kind: str, number: int) -> date:
    if kind == "W":
        return date.fromisocalendar(year, number, 1)
    if kind == "D":
        if number < 1:
            raise ValueError(f"day {number}")
        return date(year, 1, 1) + timedelta(days=number - 1)
    return date(year, (number - 1) * _MONTHS_IN[kind] + 1, 1)


def _check(option: str, value: str, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise ValueError(
            f"SDMX-CSV 2.0.0 option {option}={value!r} is not one of "
            f"{', '.join(allowed)}"
        )


class _Table:
    """The header and rows of one message, with its options."""

    def __init__(
        self,
        message: DataMessage,
        names: Names,
        labels: str,
        time_format: str,
        keys: str,
    ) -> None:
        self.message = message
        self.dsd = message.dsd
        self.names = names
        self.labels = labels
        self.normalized = time_format == "normalized"
        self.series_key = keys in ("series", "both")
        self.obs_key = keys in ("obs", "both")

    def chunks(
        self, rows: Iterable, letter: str, parts: list[DataPart] | None = None
    ) -> Iterator[str]:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(self._header())
        if isinstance(rows, EncodedSeries) and not parts and self._plain():
            yield out.getvalue()
            lead = self._structure() + [letter]
            yield from encoded_csv(rows, lambda key: [*lead, *key.split(".")])
            return
        sets = [(p.rows, ACTIONS[p.action]) for p in parts or []] or [(rows, letter)]
        numbered = (
            (series, action)
            for part_rows, action in sets
            for series in group_series(part_rows)
        )
        for count, (series, action) in enumerate(numbered, start=1):
            lead = [*self._structure(), action]
            # A series without observations still gives its key and attributes.
            observations = series.observations or [None]
            writer.writerows(self._row(lead, series, o) for o in observations)
            if count % _FLUSH == 0:
                yield out.getvalue()
                out.seek(0)
                out.truncate()
        yield out.getvalue()

    def _plain(self) -> bool:
        """Rows are ids, periods as given, no key columns: kept text serves."""
        return (
            self.labels == "id"
            and not self.normalized
            and not self.series_key
            and not self.obs_key
        )

    def _header(self) -> list[str]:
        dsd = self.dsd
        lead = ["STRUCTURE", "STRUCTURE_ID"]
        if self.labels == "name":
            lead.append("STRUCTURE_NAME")
        lead.append("ACTION")
        lead += ["SERIES_KEY"] if self.series_key else []
        lead += ["OBS_KEY"] if self.obs_key else []
        components = [
            *dsd.dimension_ids,
            dsd.time_dimension,
            dsd.measure,
            *(a.id for a in dsd.attributes),
        ]
        cells = (self._cell(c, self.names.component(c)) for c in components)
        return lead + [text for cell in cells for text in cell]

    def _structure(self) -> list[str]:
        return ["dataflow", *self._cell(self.message.flow.triple, self.names.dataflow)]

    def _row(
        self, lead: list[str], series: Series, obs: Observation | None
    ) -> list[str]:
        dsd = self.dsd
        obs = obs or Observation("", None, {})
        cells = list(lead)
        key = ".".join(series.key)
        cells += [key] if self.series_key else []
        cells += [f"{key}.{obs.period}" if obs.period else ""] if self.obs_key else []
        for dimension, code in zip(dsd.dimensions, series.key, strict=True):
            cells += self._cell(code, self.names.code(dimension.id, code))
        cells += self._period(obs.period)
        shown = "" if obs.value is None else format_value(obs.value)
        cells += self._cell(shown, None)
        values = {**series.attributes, **obs.attributes}
        for attribute in dsd.attributes:
            value = values.get(attribute.id, "")
            label = self.names.code(attribute.id, value) if attribute.codelist else None
            cells += self._cell(value, label)
        return cells

    def _period(self, period: str) -> list[str]:
        """The time period; its name, as reported, is the period itself."""
        if not period:
            return self._cell("", None)
        if self.normalized:
            return self._cell(normalized_period(period), None)
        return self._cell(period, period)

    def _cell(self, value: str, label: str | None) -> list[str]:
        """The cells of one value under the ``labels`` option: one, or two for name."""
        if self.labels == "name":
            return [value, label or ""]
        if self.labels == "both" and value and label:
            return [f"{value}: {label}"]
        return [value]
