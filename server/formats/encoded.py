"""Series kept written out: the observations of a series as SDMX-CSV and SDMX-ML text.

Large answers are mostly whole series: a dataflow, or the series of a key, with no
period or value filter. Formatting each observation in Python is then most of the
cost of the answer. The store therefore keeps, beside each series' observation rows
(the record), its current observations already written in the forms that are the
same in every message: the SDMX-CSV cells from the time period on (the same in
SDMX-CSV 1.0 and 2.0), and the ``Obs`` elements of SDMX-ML 2.1 generic and
structure-specific data and of SDMX-ML 3.0 data. A writer then sends a series as
its key followed by that text.

The text is made by the functions the writers use for single observations, so an
answer is the same byte for byte whichever way it is made (tested). The store
rewrites the text of a series in the transaction of every write to it, and records
the layout of the data structure it was made for: text of another layout, or a
series without text, is answered the usual way.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from server.model import DataStructure

ENCODINGS = ("csv", "generic", "specific", "ml30")


def layout(dsd: DataStructure) -> str:
    """What the text of a series depends on in its data structure, as a digest."""
    parts = [
        dsd.dimension_ids,
        dsd.time_dimension,
        dsd.measure,
        [(a.id, a.attachment) for a in dsd.attributes],
    ]
    return hashlib.sha256(json.dumps(parts).encode()).hexdigest()[:32]


def encode(
    dsd: DataStructure, series_attributes: str | None, observations: Iterable
) -> dict[str, str | None]:
    """The text of one series' observations in each of :data:`ENCODINGS` (see
    :class:`Encoder`)."""
    return Encoder(dsd).encode(series_attributes, observations)


class Encoder:
    """Writes the text of series of one data structure.

    Observations share a few attribute texts across series: each pair of series
    and observation attribute texts is read and written once. A period or a value
    never needs quoting in SDMX-CSV, so rows are joined here.
    """

    def __init__(self, dsd: DataStructure) -> None:
        from server.formats.data_parts import Presentation

        self.dsd = dsd
        self.attributes = [a.id for a in dsd.attributes]
        self.presentation = Presentation.of(dsd)
        self.written: dict[tuple, tuple[str, str, str, str, bool]] = {}

    def encode(
        self, series_attributes: str | None, observations: Iterable
    ) -> dict[str, str | None]:
        """The text of one series' observations in each of :data:`ENCODINGS`.

        ``observations`` are rows of ``period``, ``value`` and ``attributes`` (JSON
        or None), ordered as answers order them (period start, then period). The
        SDMX-CSV text is None when a value holds a line break, which the writers'
        way of joining rows would split.
        """
        from server.formats.data_writers import (
            format_value,
            generic_observation,
            specific_observation,
        )

        dsd = self.dsd
        rows, generic, specific, ml30 = [], [], [], []
        breaks = False
        for period, value, text in observations:
            known = self.written.get((series_attributes, text))
            if known is None:
                known = self._attributes(series_attributes, text)
            breaks = breaks or known[4]
            shown = format_value(value)
            rows.append(f"{period},{'' if value is None else shown}{known[0]}\r\n")
            generic.append(generic_observation(period, shown, known[1]))
            specific.append(specific_observation(dsd, period, shown, known[2]))
            ml30.append(specific_observation(dsd, period, shown, known[3]))
        return {
            "csv": None if breaks else "".join(rows),
            "generic": "".join(generic),
            "specific": "".join(specific),
            "ml30": "".join(ml30),
        }

    def _attributes(
        self, series_attributes: str | None, text: str | None
    ) -> tuple[str, str, str, str, bool]:
        """What follows the value in each encoding, and whether a line breaks."""
        from server.formats.data_parts import attribute_values
        from server.formats.data_writers import (
            generic_attributes,
            observation_cells,
            xml_values,
        )
        from server.formats.ml30_data import observation_values

        obs_values = json.loads(text) if text else {}
        merged = {**json.loads(series_attributes or "{}"), **obs_values}
        cells = observation_cells("", None, merged, self.attributes)[2:]
        tail = csv_prefix(cells)[:-1] if cells else ""
        known = (
            "," + tail if cells else "",
            generic_attributes(obs_values),
            xml_values(obs_values),
            observation_values(self.presentation, attribute_values(text)),
            any("\n" in c or "\r" in c for c in cells),
        )
        if len(self.written) > 10_000:
            self.written.clear()
        self.written[(series_attributes, text)] = known
        return known


@dataclass
class EncodedSeries:
    """Whole series of a data query with their text in one encoding.

    ``rows`` give ``key`` (dotted codes), ``provider``, ``series_attributes``
    (JSON) and ``text``, ordered by key and provider as data queries order series.
    """

    encoding: str
    rows: Iterator

    def __iter__(self) -> Iterator:
        return iter(self.rows)

    def close(self) -> None:
        close = getattr(self.rows, "close", None)
        if close is not None:
            close()


def csv_lines(prefix: str, text: str) -> str:
    """The SDMX-CSV rows of one series: ``prefix`` (its leading cells, ending in a
    comma) before each row of its observations' text."""
    return prefix + text[:-2].replace("\r\n", "\r\n" + prefix) + "\r\n"


def csv_prefix(cells: list[str]) -> str:
    """The leading cells of rows, written as the csv module writes them."""
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerow([*cells, ""])
    return out.getvalue()[:-2]
