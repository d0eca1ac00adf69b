"""UN DESA International Migrant Stock files as observations of DSD_MIG_STOCK.

Each dataflow of ``docs/model.md`` that DESA feeds has a loader here: the six tables
of the 2020 destination workbook and the 2019 origin x destination CSV. A loader reads
the folder of DESA files (``data/desa``) and yields :class:`Observation` values in the
key order of the data structure: FREQ, INDICATOR, REF_AREA, SEX, AGE, COB, CITIZENSHIP.

The files are read as published, quirks included (see ``docs/model.md``): header rows
found by their labels rather than by position, blocks of columns under merged labels,
footnote markers in names, symbols for missing values, duplicated aggregate rows, and
section headings without a location code. Nothing is invented and nothing is dropped
silently: a cell that cannot be placed in the model raises :class:`SourceError`, which
names the file, the row, the column and the value.
"""

from __future__ import annotations

import csv
import functools
import itertools
import logging
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import openpyxl
from openpyxl.utils import get_column_letter

from server.model import Observation

logger = logging.getLogger(__name__)

DEFAULT_FOLDER = Path(__file__).resolve().parent / "desa"
WORKBOOK_2020 = "undesa_pd_2020_ims_stock_by_sex_and_destination.xlsx"
WORKBOOK_2019 = "UN_MigrantStockTotal_2019.xlsx"
ORIGIN_CSV_2019 = "UN_MigrantStockByOriginAndDestination_2019.csv"
CORRESPONDENCE = "aggregates_correspondence_table_2020_1.xlsx"

TOTAL = "_T"
FIRST_AGGREGATE = 900  # DESA's own aggregate codes start here; countries are below


class SourceError(ValueError):
    """A cell of a DESA file that the loaders cannot place in the model.

    Attributes:
        file: The file name, with the sheet for a workbook.
        row: The row (workbook) or line (CSV) number, counted from 1; the
            message says "row" or "line" accordingly.
        column: The column letter or number, with its heading when there is one;
            empty when the whole row is at fault (a header without a heading).
        value: The offending cell value (None for a whole row).
    """

    def __init__(
        self, file: str, row: int, column: str, value: object, rule: str, unit="row"
    ):
        """Word the message: place, cell value, then the rule it breaks."""
        self.file, self.row, self.column, self.value = file, row, column, value
        place = f"{file}, {unit} {row}" + (f", column {column}" if column else "")
        cell = "the empty cell" if _is_blank(value) else repr(value)
        super().__init__(f"{place}: {cell if column else 'the row'} {rule}")


class _Rejected(ValueError):
    """A cell value broke a rule; the caller adds where the cell is."""


# --- What the files' symbols and codes mean --------------------------------------

_MISSING = (None, "O")
# DESA's symbols (Notes sheet of the 2020 workbook) -> (OBS_VALUE, OBS_STATUS).
_SYMBOLS: dict[str, tuple[float | None, str]] = {
    "..": _MISSING,  # not available, or not reported separately
    "~": (None, "Q"),  # suppressed for privacy: fewer than five
    "\u2014": (0.0, "N"),  # em dash: not zero, but rounds to zero
}
# The origin x destination CSV also has "-": four cells, Montenegro x Albania
# 1990-2005, in rows that are otherwise empty, for years in which DESA has no
# figure for Montenegro (Serbia's include it); read as not available, see
# docs/model.md.
_ORIGIN_SYMBOLS = {**_SYMBOLS, "-": _MISSING}

# CL_DATA_BASIS: DESA's "Type of data" with the letters joined by "_".
_DATA_BASES = frozenset({"B", "C", "B_R", "C_R", "C_B", "C_B_R", "I", "I_R"})

# Origin columns of the CSV that are not areas.
_SPECIAL_ORIGINS = {
    "Total": TOTAL,
    "Other South": "OTH_SOUTH",
    "Other North": "OTH_NORTH",
}

_NUMBER = re.compile(r"\d{1,3}(?:,\d{3})*|\d+")
_YEAR = re.compile(r"(\d{4})")
_YEAR_RANGE = re.compile(r"(\d{4})-(\d{4})")


@dataclass(frozen=True, slots=True)
class Unit:
    """UNIT_MEASURE and UNIT_MULT of a series."""

    measure: str
    mult: str


PERSONS = Unit("PS", "0")
THOUSANDS = Unit("PS", "3")
PERCENT = Unit("PT", "0")
RATE = Unit("PC_PA", "0")


@dataclass(frozen=True, slots=True)
class Block:
    """What the columns under one label of a 2020 table's block row hold."""

    indicator: str
    sex: str
    unit: Unit


@dataclass(frozen=True, slots=True)
class Table:
    """A sheet of the 2020 workbook and the blocks it must have, by label."""

    sheet: str
    blocks: dict[str, Block]


def _by_sex(
    measure: str, indicator: str, unit: Unit, after: str = ""
) -> dict[str, Block]:
    """Blocks labelled '<measure>, both sexes combined', '…, males', '…, females'."""
    sexes = {"both sexes combined": TOTAL, "males": "M", "females": "F"}
    return {
        f"{measure}, {words}{after}": Block(indicator, sex, unit)
        for words, sex in sexes.items()
    }


_REFUGEE_BLOCKS = {
    "Refugee and asylum seekers at mid-year, both sexes combined": Block(
        "REF_STOCK", TOTAL, PERSONS
    ),
    "Refugee and asylum seekers as a percentage of the international migrant "
    "stock": Block("REF_SHARE", TOTAL, PERCENT),
    "Annual rate of change of the refugee and asylum seekers, both sexes "
    "combined": Block("REF_GROWTH", TOTAL, RATE),
}

TABLES_2020 = {
    "DF_IMS2020_SEX": Table(
        "Table 1",
        _by_sex("International migrant stock at mid-year", "MIG_STOCK", PERSONS),
    ),
    "DF_IMS2020_POP": Table(
        "Table 2",
        _by_sex("Total population at mid-year", "POP", THOUSANDS, " (thousands)"),
    ),
    "DF_IMS2020_SHARE": Table(
        "Table 3",
        _by_sex(
            "International migrant stock as a percentage of the total population",
            "MIG_SHARE",
            PERCENT,
        ),
    ),
    "DF_IMS2020_FEMALE": Table(
        "Table 4",
        {
            "Female migrants as a percentage of the international migrant stock": (
                Block("MIG_FEM_SHARE", "F", PERCENT)
            )
        },
    ),
    "DF_IMS2020_GROWTH": Table(
        "Table 5",
        _by_sex("Annual rate of change of the migrant stock", "MIG_GROWTH", RATE),
    ),
    "DF_IMS2020_REFUGEES": Table("Table 6", _REFUGEE_BLOCKS),
}

_HEADINGS_2020 = {
    "name": "Region, development group, country or area",
    "notes": "Notes",
    "code": "Location code",
    "basis": "Type of data",
}
_HEADINGS_2019 = {
    "year": "Year",
    "name": "Major area, region, country or area of destination",
    "notes": "Notes",
    "code": "Code",
    "basis": "Type of data (a)",
}


# --- Cells ------------------------------------------------------------------------


def _is_blank(cell: Any) -> bool:
    """Whether a cell is empty (None or only spaces)."""
    return cell is None or (isinstance(cell, str) and not cell.strip())


def clean_name(name: str) -> str:
    """A DESA area name without hierarchy indent and footnote marker (``China*``)."""
    return name.strip().rstrip("*").strip()


def area_code(cell: Any) -> str:
    """The CL_AREA id of a DESA location code: countries zero-padded to 3 digits.

    Raises:
        _Rejected: The cell is not a whole number.
    """
    if isinstance(cell, str) and cell.strip().isdigit():
        cell = int(cell)
    if not isinstance(cell, int) or isinstance(cell, bool):
        raise _Rejected("is not a location code (a whole number)")
    return f"{cell:03d}" if cell < FIRST_AGGREGATE else str(cell)


def _is_aggregate(area: str) -> bool:
    return int(area) >= FIRST_AGGREGATE


def data_basis(cell: Any, area: str) -> str | None:
    """The DATA_BASIS code of a "Type of data" cell for an area.

    Returns:
        ``_Z`` for an aggregate, the code for a country (``'C B R'`` -> ``C_B_R``,
        ``'CR'`` -> ``C_R``, ``'B R '`` -> ``B_R``), None for a country with no
        type of data.

    Raises:
        _Rejected: An aggregate with a type of data, or letters that are no code.
    """
    letters = "" if _is_blank(cell) else str(cell).replace(" ", "")
    if _is_aggregate(area):
        if letters:
            raise _Rejected(f"is a type of data for aggregate {area}, which has none")
        return "_Z"
    code = "_".join(letters) or None
    if code is not None and code not in _DATA_BASES:
        raise _Rejected(f"is no type of data; known: {', '.join(sorted(_DATA_BASES))}")
    return code


def period(cell: Any) -> str:
    """The SDMX period of a column heading: ``1990`` or ``'1990-1995'`` (range).

    Raises:
        _Rejected: The heading is neither a year nor a range of years.
    """
    text = str(cell).strip() if cell is not None else ""
    if _YEAR.fullmatch(text):
        return text
    if match := _YEAR_RANGE.fullmatch(text):
        start, end = int(match[1]), int(match[2])
        if end > start:
            return f"{start}-07-01/P{end - start}Y"
    raise _Rejected("is not a year nor a range of years such as 1990-1995")


def _symbol(text: str, symbols: dict[str, tuple[float | None, str]]) -> tuple:
    """The (value, OBS_STATUS) of a symbol, or _Rejected naming the known ones."""
    try:
        return symbols[text.strip()]
    except KeyError:
        known = ", ".join(repr(s) for s in symbols)
        raise _Rejected(f"is not a number nor a known symbol ({known})") from None


def workbook_value(cell: Any) -> tuple[float | None, str]:
    """The (OBS_VALUE, OBS_STATUS) of a value cell of a 2020 table.

    Raises:
        _Rejected: An empty cell (the tables write ``..``) or an unknown symbol.
    """
    if isinstance(cell, (int, float)) and not isinstance(cell, bool):
        return float(cell), "A"
    if _is_blank(cell):
        raise _Rejected("is not allowed: the 2020 tables write '..' for no value")
    return _symbol(str(cell), _SYMBOLS)


def csv_value(cell: str) -> tuple[float | None, str] | None:
    """The (OBS_VALUE, OBS_STATUS) of an origin cell of the CSV, None if empty.

    Raises:
        _Rejected: Neither a number (``"153,011,473"``) nor a known symbol.
    """
    if not cell.strip():
        return None
    if _NUMBER.fullmatch(cell.strip()):
        return float(cell.replace(",", "")), "A"
    return _symbol(cell, _ORIGIN_SYMBOLS)


def _series(unit: Unit, attributes: dict[str, str]) -> dict[str, str]:
    """Series attributes: the unit first, then DATA_BASIS and COMMENT_TS."""
    return {"UNIT_MEASURE": unit.measure, "UNIT_MULT": unit.mult, **attributes}


def _row_attributes(basis: str | None, note: str | None) -> dict[str, str]:
    """DATA_BASIS and COMMENT_TS, each only when there is one."""
    pairs = (("DATA_BASIS", basis), ("COMMENT_TS", note))
    return {name: value for name, value in pairs if value is not None}


# --- Rows -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Row:
    """A row (workbook) or record (CSV) with where it is, to read cells in place."""

    where: str
    number: int
    cells: Sequence[Any]
    headings: Sequence[str] = ()
    letters: bool = True  # workbook columns are letters, CSV columns numbers

    def __getitem__(self, index: int) -> Any:
        return self.cells[index] if index < len(self.cells) else None

    def is_blank(self) -> bool:
        """Whether every cell is empty."""
        return all(_is_blank(cell) for cell in self.cells)

    def read(self, index: int, parse: Callable[..., Any], *args: Any) -> Any:
        """``parse(cell, *args)``, with a rejection turned into a SourceError."""
        try:
            return parse(self[index], *args)
        except _Rejected as bad:
            raise self.error(index, str(bad)) from None

    @property
    def unit(self) -> str:
        """What the row number counts: workbook rows or CSV lines."""
        return "row" if self.letters else "line"

    def error(self, index: int, rule: str) -> SourceError:
        """A SourceError for the cell at ``index``."""
        column, value = self.column(index), self[index]
        return SourceError(self.where, self.number, column, value, rule, self.unit)

    def column(self, index: int) -> str:
        """The column's letter or number, with its heading when there is one."""
        name = get_column_letter(index + 1) if self.letters else str(index + 1)
        heading = self.headings[index] if index < len(self.headings) else ""
        return f"{name} ({heading})" if heading else name

    def check_unused(self, used: frozenset[int], first: int) -> None:
        """Reject a value from column ``first`` on that no header column explains."""
        for index in range(first, len(self.cells)):
            if index not in used and not _is_blank(self.cells[index]):
                raise self.error(index, "is under no heading of the header")

    def check_repeat(self, seen: dict, key: Any, first: int) -> bool:
        """Whether the row repeats an earlier row of the same key (cells ``first``…).

        Raises:
            SourceError: The earlier row has different values.
        """
        cells = tuple(self.cells[first:])
        if key not in seen:
            seen[key] = (self.number, cells)
            return False
        number, earlier = seen[key]
        if earlier != cells:
            pairs = enumerate(zip(earlier, cells, strict=False))
            differ = (i for i, (old, new) in pairs if old != new)
            index = first + next(differ, min(len(earlier), len(cells)))
            rule = f"differs from {self.unit} {number}, which has the same area"
            raise self.error(index, rule)
        unit, row = self.unit, self.number
        logger.warning(
            "%s: %s %d repeats %s %d; loaded once", self.where, unit, row, unit, number
        )
        return True


def _headings(cells: Iterable[Any]) -> list[str]:
    """Header cells as one-line text ('' for empty ones)."""
    return [" ".join(str(c).split()) if c is not None else "" for c in cells]


def _roles(header: _Row, headings: dict[str, str]) -> dict[str, int]:
    """Positions of the named headings in a header row.

    Raises:
        SourceError: A heading is missing.
    """
    cells = _headings(header.cells)
    for text in headings.values():
        if text not in cells:
            rule = f"is the header, but has no heading {text!r}"
            raise SourceError(header.where, header.number, "", None, rule, header.unit)
    return {role: cells.index(text) for role, text in headings.items()}


def _note(cell: Any, notes: dict) -> str | None:
    """The note text of a Notes cell, None if blank.

    Raises:
        _Rejected: The marker is not in the notes.
    """
    if _is_blank(cell):
        return None
    key = cell.strip() if isinstance(cell, str) else cell
    if key not in notes:
        raise _Rejected("is not a note of the Notes sheet")
    return notes[key]


# --- 2020 workbook ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Layout2020:
    """Where a 2020 table's header puts each role and each (block, period)."""

    roles: dict[str, int]
    cells: tuple[tuple[int, Block, str], ...]  # (column index, block, period)
    headings: Sequence[str]

    @property
    def used(self) -> frozenset[int]:
        """Indexes of the period columns."""
        return frozenset(index for index, _, _ in self.cells)


def _find_header(rows: Iterator[tuple[int, tuple]], where: str) -> tuple[_Row, _Row]:
    """Consume rows up to the header (it has 'Location code'); return labels, header.

    The block labels are on the last non-empty row above the header (row 8).
    """
    labels = _Row(where, 0, ())
    for number, cells in rows:
        row = _Row(where, number, cells)
        if _HEADINGS_2020["code"] in _headings(cells):
            return labels, row
        if not row.is_blank():
            labels = row
    rule = "is the last one: no row has the heading 'Location code'"
    raise SourceError(where, labels.number, "", None, rule)


def _block(label: Any, table: Table) -> Block:
    """The block of a label, or _Rejected listing the expected labels."""
    block = table.blocks.get(" ".join(str(label).split()))
    if block is None:
        expected = "; ".join(table.blocks)
        raise _Rejected(f"is no block label of {table.sheet}; expected: {expected}")
    return block


def _layout_2020(rows: Iterator[tuple[int, tuple]], where: str, table: Table):
    """Read a 2020 table's block labels and header into a :class:`_Layout2020`."""
    labels, header = _find_header(rows, where)
    header = _Row(where, header.number, header.cells, _headings(header.cells))
    roles = _roles(header, _HEADINGS_2020)
    cells: list[tuple[int, Block, str]] = []
    block = None
    for index in range(roles["basis"] + 1, len(header.cells)):
        if not _is_blank(labels[index]):
            block = labels.read(index, _block, table)
        if _is_blank(header[index]) and _is_blank(labels[index]):
            continue
        if block is None:
            raise header.error(index, "has no block label above it")
        time = header.read(index, period)
        if any((block, time) == (b, t) for _, b, t in cells):
            raise header.error(index, "repeats a period of its block")
        cells.append((index, block, time))
    return _Layout2020(roles, tuple(cells), header.headings)


def _notes_2020(workbook: Any) -> dict[int, str]:
    """Country notes of the 2020 workbook's Notes sheet: number -> text."""
    notes = {}
    for row in workbook["Notes"].iter_rows(values_only=True):
        number, text = (tuple(row) + (None, None))[:2]
        if isinstance(number, int) and isinstance(text, str):
            notes[number] = text.strip()
    return notes


def _table_series(row: _Row, layout: _Layout2020, notes: dict, seen: dict):
    """The area and series attributes of a data row; None to skip the row.

    Skipped: a heading without a code whose values are all '..', and a repeat of
    an earlier row with the same code and values.
    """
    roles = layout.roles
    if _is_blank(row[roles["code"]]):
        if any(row[index] != ".." for index in layout.used):
            raise row.error(
                roles["code"], "leaves a row that has values without a code"
            )
        return None
    area = row.read(roles["code"], area_code)
    if row.check_repeat(seen, area, roles["notes"]):
        return None
    basis = row.read(roles["basis"], data_basis, area)
    note = row.read(roles["notes"], _note, notes)
    return area, _row_attributes(basis, note)


def _table_observations(rows, layout: _Layout2020, notes: dict, where: str):
    """Yield the observations of a 2020 table's data rows."""
    seen: dict = {}
    for number, cells in rows:
        row = _Row(where, number, cells, layout.headings)
        if row.is_blank():
            continue
        row.check_unused(layout.used, layout.roles["basis"] + 1)
        series = _table_series(row, layout, notes, seen)
        if series is None:
            continue
        area, attributes = series
        for index, block, time in layout.cells:
            value, status = row.read(index, workbook_value)
            key = ("A", block.indicator, area, block.sex, TOTAL, TOTAL, TOTAL)
            unit = _series(block.unit, attributes)
            yield Observation(key, time, value, {"OBS_STATUS": status}, unit)


def load_table_2020(table: Table, folder: Path) -> Iterator[Observation]:
    """Yield the observations of one table of the 2020 destination workbook.

    Args:
        table: The sheet and its blocks (one of :data:`TABLES_2020`).
        folder: The folder of DESA files.

    Raises:
        SourceError: A cell that cannot be placed in the model.
    """
    path = folder / WORKBOOK_2020
    workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    cells = workbook[table.sheet].iter_rows(values_only=True)
    try:
        notes = _notes_2020(workbook)
        where = f"{path.name}, sheet {table.sheet!r}"
        rows = enumerate(cells, 1)
        layout = _layout_2020(rows, where, table)
        yield from _table_observations(rows, layout, notes, where)
    finally:
        cells.close()  # releases the sheet's part of the archive when stopped early
        workbook.close()


# --- 2019 origin x destination CSV ------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Layout2019:
    """Roles of the CSV's columns and the origin id of each origin column."""

    roles: dict[str, int]
    origins: tuple[tuple[int, str], ...]  # (column index, origin id)
    headings: Sequence[str]

    @property
    def used(self) -> frozenset[int]:
        """Indexes of the origin columns."""
        return frozenset(index for index, _ in self.origins)


def _records(handle: Iterable[str]) -> Iterator[tuple[int, list[str]]]:
    """CSV records with the number of the (physical) line each one ends on.

    The numbers are those an editor shows: the header record spans two lines, so
    the origins record is on line 17 and the first data record on line 18.
    """
    reader = csv.reader(handle)
    for record in reader:
        yield reader.line_num, record


def _csv_header(records: Iterator[tuple[int, list[str]]], where: str):
    """Consume records through the two header records.

    The first header record names the destination columns (its "Sort order" cell
    spans two lines), the second names the origins.

    Returns:
        The roles' column indexes, the headings of all columns (for messages), and
        the origins record with the number of its line.
    """
    for number, record in records:
        if record and record[0].strip() == _HEADINGS_2019["year"]:
            roles = _roles(_Row(where, number, record, letters=False), _HEADINGS_2019)
            origins = next(records, (number + 1, []))
            pairs = itertools.zip_longest(_headings(record), _headings(origins[1]))
            return roles, [first or second or "" for first, second in pairs], origins
    rule = "is missing: no record starts with the heading 'Year'"
    raise SourceError(where, 0, "", None, rule, "line")


def _origin(name: str, names: dict[str, str]) -> str:
    """The origin id of an origin column heading.

    Raises:
        _Rejected: The name is no area of the CSV nor of the correspondence table.
    """
    if name in _SPECIAL_ORIGINS:
        return _SPECIAL_ORIGINS[name]
    if clean_name(name) in names:
        return names[clean_name(name)]
    raise _Rejected("is no destination name of the CSV nor of the correspondence table")


def _layout_2019(records, where: str, names: dict[str, str]) -> _Layout2019:
    """Read the CSV's two header records into a :class:`_Layout2019`."""
    roles, headings, (number, record) = _csv_header(records, where)
    row = _Row(where, number, record, headings, letters=False)
    origins = tuple(
        (index, row.read(index, _origin, names))
        for index in range(roles["basis"] + 1, len(record))
        if record[index].strip()
    )
    return _Layout2019(roles, origins, headings)


def _names_in_csv(path: Path) -> dict[str, str]:
    """Destination name -> area id, from the CSV rows that have a code."""
    names: dict[str, str] = {}
    with path.open(encoding="cp1252", newline="") as handle:
        records = _records(handle)
        roles, _, _ = _csv_header(records, path.name)
        for number, record in records:
            row = _Row(path.name, number, record, letters=False)
            if not _is_blank(row[roles["code"]]):
                area = row.read(roles["code"], area_code)
                names.setdefault(clean_name(row[roles["name"]]), area)
    return names


def _names_in_correspondence(path: Path) -> dict[str, str]:
    """Area name -> area id, from the correspondence table.

    Its rows give the locations; its group columns' headings (``'No income group
    available'`` over ``1518``, in one cell) also give groups that have no row of
    their own.
    """
    names: dict[str, str] = {}
    workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        for row in workbook["Annex"].iter_rows(values_only=True):
            for cell in row:
                if isinstance(cell, str) and (m := re.fullmatch(r"(.+)\n(\d+)", cell)):
                    names.setdefault(clean_name(m[1]), area_code(int(m[2])))
            if len(row) > 3 and isinstance(row[1], str) and isinstance(row[3], int):
                names.setdefault(clean_name(row[1]), area_code(row[3]))
    finally:
        workbook.close()
    return names


def area_names(folder: Path) -> dict[str, str]:
    """Area name -> area id, for the CSV's origins and code-less destinations.

    Names are matched exactly, case included: DESA writes a geographic region and
    an SDG region of the same name in different cases, with different codes. The
    CSV's own destination names win over the correspondence table's. No name needs
    a hand-made mapping: every origin heading of the 2019 CSV is also one of its
    destination names.
    """
    names = _names_in_correspondence(folder / CORRESPONDENCE)
    return names | _names_in_csv(folder / ORIGIN_CSV_2019)


def notes_2019(folder: Path) -> dict[str, str]:
    """Notes of the 2019 revision: marker (``'24'``, ``'b'``) -> text.

    The CSV is an export of DESA's 2019 origin x destination workbook, whose notes
    are not bundled. The 2019 destination workbook (same revision) carries the same
    markers on the same areas (a test checks this), and its NOTES sheet explains
    them.
    """
    notes = {}
    workbook = openpyxl.load_workbook(folder / WORKBOOK_2019, read_only=True)
    try:
        for row in workbook["NOTES"].iter_rows(values_only=True):
            marker, text = (tuple(row) + (None, None))[:2]
            if isinstance(marker, str) and (m := re.fullmatch(r"\((\w+)\)", marker)):
                notes[m[1]] = str(text).strip()
    finally:
        workbook.close()
    return notes


def _in_citizenship(basis: str) -> bool:
    """Whether a destination with this data basis counts origin by citizenship.

    The first of B and C in the basis decides; imputed (I, I_R) and aggregates (_Z)
    count by country of birth, the concept on which DESA imputes and sums.
    """
    first = next((letter for letter in basis.split("_") if letter in "BC"), "B")
    return first == "C"


def _origin_key(area: str, basis: str, origin: str) -> tuple[str, ...]:
    """The series key of the migrants in ``area`` from ``origin``."""
    cob, citizenship = origin, TOTAL
    if origin != TOTAL and _in_citizenship(basis):
        cob, citizenship = TOTAL, origin
    return ("A", "MIG_STOCK", area, TOTAL, TOTAL, cob, citizenship)


def _destination_area(row: _Row, layout: _Layout2019, names: dict) -> str | None:
    """The area of a data record; None for a heading (no code, all values '..').

    A record with values but no code is placed by its name, as DESA left the code
    out of one group in the CSV ("No income group available", 1518).
    """
    roles = layout.roles
    if not _is_blank(row[roles["code"]]):
        return row.read(roles["code"], area_code)
    if all(row[index] == ".." for index in layout.used):
        return None
    name = clean_name(str(row[roles["name"]]))
    if name not in names:
        rule = f"leaves a row that has values without a code, and {name!r} is no area"
        raise row.error(roles["code"], rule + " of the CSV or the correspondence table")
    logger.warning(
        "%s: line %d has no code; %r is %s", row.where, row.number, name, names[name]
    )
    return names[name]


def _destination(row: _Row, layout: _Layout2019, names: dict, notes: dict, seen: dict):
    """The period, area, data basis and attributes of a data record.

    Returns None for a heading and for a repeat of an earlier record.
    """
    roles = layout.roles
    time = row.read(roles["year"], period)
    area = _destination_area(row, layout, names)
    if area is None or row.check_repeat(seen, (time, area), roles["notes"]):
        return None
    basis = row.read(roles["basis"], data_basis, area)
    if basis is None:
        raise row.error(roles["basis"], "is empty; placing the origins needs it")
    note = row.read(roles["notes"], _note, notes)
    return time, area, basis, _row_attributes(basis, note)


def _origin_observations(records, layout: _Layout2019, names, notes, where: str):
    """Yield the observations of the CSV's data records."""
    seen: dict = {}
    for number, record in records:
        row = _Row(where, number, record, layout.headings, letters=False)
        if row.is_blank():
            continue
        row.check_unused(layout.used, layout.roles["basis"] + 1)
        destination = _destination(row, layout, names, notes, seen)
        if destination is None:
            continue
        time, area, basis, attributes = destination
        for index, origin in layout.origins:
            read = row.read(index, csv_value)
            if read is not None:
                key = _origin_key(area, basis, origin)
                status, series = {"OBS_STATUS": read[1]}, _series(PERSONS, attributes)
                yield Observation(key, time, read[0], status, series)


def load_origin_2019(folder: Path) -> Iterator[Observation]:
    """Yield the observations of the 2019 origin x destination CSV.

    Args:
        folder: The folder of DESA files.

    Raises:
        SourceError: A cell that cannot be placed in the model.
    """
    names, notes = area_names(folder), notes_2019(folder)
    path = folder / ORIGIN_CSV_2019
    with path.open(encoding="cp1252", newline="") as handle:
        records = _records(handle)
        layout = _layout_2019(records, path.name, names)
        yield from _origin_observations(records, layout, names, notes, path.name)


# --- Dataflows --------------------------------------------------------------------

DATAFLOWS: dict[str, Callable[[Path], Iterator[Observation]]] = {
    **{
        flow: functools.partial(load_table_2020, table)
        for flow, table in TABLES_2020.items()
    },
    "DF_IMS2019_ORIGIN": load_origin_2019,
}


def load(dataflow_id: str, folder: Path = DEFAULT_FOLDER) -> Iterator[Observation]:
    """Yield the observations of a DESA dataflow.

    Args:
        dataflow_id: A key of :data:`DATAFLOWS`, e.g. ``'DF_IMS2020_SEX'``.
        folder: The folder of DESA files.

    Raises:
        KeyError: No DESA file feeds the dataflow.
        SourceError: A cell that cannot be placed in the model (while iterating).
    """
    if dataflow_id not in DATAFLOWS:
        known = ", ".join(DATAFLOWS)
        raise KeyError(f"dataflow {dataflow_id!r} has no DESA loader; known: {known}")
    logger.info("loading %s from %s", dataflow_id, folder)
    return DATAFLOWS[dataflow_id](folder)
