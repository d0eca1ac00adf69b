"""Tests of data.desa: the DESA files read as observations of DSD_MIG_STOCK.

Right values are read off the bundled files; counts are computed here with pandas,
independently of the loaders; corrupted copies of the files go to ``tmp_path``.
"""

from __future__ import annotations

import collections
import functools
import shutil
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from data import desa
from data.desa import Observation, SourceError, load

FOLDER = desa.DEFAULT_FOLDER
CSV_2019 = FOLDER / desa.ORIGIN_CSV_2019
WORKBOOK_2020 = FOLDER / desa.WORKBOOK_2020


def key(indicator: str, area: str, sex: str = "_T", cob: str = "_T", cit: str = "_T"):
    """A DSD_MIG_STOCK series key with AGE _T."""
    return ("A", indicator, area, sex, "_T", cob, cit)


@pytest.fixture(scope="module")
def observations() -> dict[str, list[Observation]]:
    """Every observation of every DESA dataflow, loaded once."""
    return {flow: list(load(flow)) for flow in desa.DATAFLOWS}


@pytest.fixture(scope="module")
def indexed(observations) -> dict[str, dict[tuple, Observation]]:
    """Observations of each dataflow by (key, period)."""
    return {
        flow: {(o.key, o.period): o for o in found}
        for flow, found in observations.items()
    }


# --- Right values ---------------------------------------------------------------


RIGHT_VALUES = [
    # (id, dataflow, series key, period, value as printed in the file)
    ("world-both-sexes", "DF_IMS2020_SEX", key("MIG_STOCK", "900"), "2020", 280598105),
    ("world-male", "DF_IMS2020_SEX", key("MIG_STOCK", "900", "M"), "2020", 145655844),
    ("world-female", "DF_IMS2020_SEX", key("MIG_STOCK", "900", "F"), "2020", 134942261),
    ("usa-both-sexes", "DF_IMS2020_SEX", key("MIG_STOCK", "840"), "2020", 50632836),
    ("usa-female", "DF_IMS2020_SEX", key("MIG_STOCK", "840", "F"), "2020", 26153840),
    ("afghanistan-padded", "DF_IMS2020_SEX", key("MIG_STOCK", "004"), "1990", 57686),
    ("world-pop-thousands", "DF_IMS2020_POP", key("POP", "900"), "2020", 7794798.729),
    ("world-refugees", "DF_IMS2020_REFUGEES", key("REF_STOCK", "900"), "2020",
     33807795),
    ("usa-from-mexico", "DF_IMS2019_ORIGIN", key("MIG_STOCK", "840", cob="484"), "2019",
     11489684),
    ("world-from-mexico", "DF_IMS2019_ORIGIN", key("MIG_STOCK", "900", cob="484"),
     "2019", 11796178),
    ("world-1990-rev2019", "DF_IMS2019_ORIGIN", key("MIG_STOCK", "900"), "1990",
     153011473),
    ("no-income-group-1518", "DF_IMS2019_ORIGIN", key("MIG_STOCK", "1518"), "2019",
     520496),
]  # fmt: skip


@pytest.mark.parametrize(
    ("flow", "series", "period", "value"),
    [pytest.param(*case[1:], id=case[0]) for case in RIGHT_VALUES],
)
def test_right_value(indexed, flow, series, period, value):
    observation = indexed[flow][(series, period)]
    assert observation.value == pytest.approx(value, rel=1e-12)
    assert observation.obs_attributes == {"OBS_STATUS": "A"}


def test_south_sudan_before_2010_is_missing_not_absent(indexed):
    """Table 1 writes '..' for South Sudan 1990-2005: observations with status O."""
    found = [
        o
        for (k, t), o in indexed["DF_IMS2020_SEX"].items()
        if k[2] == "728" and t < "2010"
    ]
    assert len(found) == 4 * 3  # four years, three sexes
    assert {(o.value, o.obs_attributes["OBS_STATUS"]) for o in found} == {(None, "O")}
    assert indexed["DF_IMS2020_SEX"][(key("MIG_STOCK", "728"), "2010")].value == 230732


def test_suppressed_refugees_have_status_q(indexed):
    """Table 6 writes '~' for Tuvalu's refugees (fewer than five)."""
    observation = indexed["DF_IMS2020_REFUGEES"][(key("REF_STOCK", "798"), "2020")]
    assert observation.value is None
    assert observation.obs_attributes == {"OBS_STATUS": "Q"}


def test_hyphen_cells_are_missing_values(indexed):
    """The four '-' cells (Montenegro x Albania, 1990-2005) read as not available."""
    montenegro_from_albania = key("MIG_STOCK", "499", cob="008")
    for year in ("1990", "1995", "2000", "2005"):
        observation = indexed["DF_IMS2019_ORIGIN"][(montenegro_from_albania, year)]
        assert observation.value is None
        assert observation.obs_attributes == {"OBS_STATUS": "O"}
    montenegro_1990 = [
        o
        for o in indexed["DF_IMS2019_ORIGIN"].values()
        if o.key[2] == "499" and o.period == "1990"
    ]
    assert len(montenegro_1990) == 1  # the row is otherwise empty: nothing else


# --- Keys and attributes --------------------------------------------------------


@pytest.mark.parametrize(
    ("area", "basis", "origin_dimension"),
    [
        pytest.param("840", "B", 5, id="usa-foreign-born"),
        pytest.param("384", "C_B", 6, id="cote-divoire-citizens-then-born"),
        pytest.param("887", "C_R", 6, id="yemen-CR-without-space"),
        pytest.param("084", "B_R", 5, id="belize-trailing-space"),
        pytest.param("900", "_Z", 5, id="world-aggregate"),
    ],
)
def test_origin_goes_to_cob_or_citizenship(observations, area, basis, origin_dimension):
    other = 11 - origin_dimension  # COB is position 5, CITIZENSHIP 6
    series = [o for o in observations["DF_IMS2019_ORIGIN"] if o.key[2] == area]
    assert {o.series_attributes["DATA_BASIS"] for o in series} == {basis}
    assert {o.key[other] for o in series} == {"_T"}
    origins = {o.key[origin_dimension] for o in series}
    assert {"_T", "OTH_SOUTH", "OTH_NORTH"} <= origins


@pytest.mark.parametrize(
    ("flow", "units"),
    [
        ("DF_IMS2020_SEX", {("PS", "0")}),
        ("DF_IMS2020_POP", {("PS", "3")}),
        ("DF_IMS2020_SHARE", {("PT", "0")}),
        ("DF_IMS2020_FEMALE", {("PT", "0")}),
        ("DF_IMS2020_GROWTH", {("PC_PA", "0")}),
        ("DF_IMS2020_REFUGEES", {("PS", "0"), ("PT", "0"), ("PC_PA", "0")}),
        ("DF_IMS2019_ORIGIN", {("PS", "0")}),
    ],
)
def test_units(observations, flow, units):
    found = {
        (o.series_attributes["UNIT_MEASURE"], o.series_attributes["UNIT_MULT"])
        for o in observations[flow]
    }
    assert found == units


def test_female_share_is_sex_f(observations):
    assert {o.key[3] for o in observations["DF_IMS2020_FEMALE"]} == {"F"}


def test_refugees_have_three_indicators_and_ranges_for_growth(observations):
    by_indicator = collections.defaultdict(set)
    for o in observations["DF_IMS2020_REFUGEES"]:
        by_indicator[o.key[1]].add(o.period)
    assert set(by_indicator) == {"REF_STOCK", "REF_SHARE", "REF_GROWTH"}
    assert "2020" in by_indicator["REF_SHARE"]
    assert by_indicator["REF_GROWTH"] == {
        f"{y}-07-01/P5Y" for y in range(1990, 2016, 5)
    }


def test_growth_periods_are_time_ranges(observations):
    periods = {o.period for o in observations["DF_IMS2020_GROWTH"]}
    assert periods == {f"{y}-07-01/P5Y" for y in range(1990, 2016, 5)}


def test_area_codes_padded_and_aggregates_as_is(observations):
    areas = {o.key[2] for o in observations["DF_IMS2020_SEX"]}
    assert {"004", "840", "900", "947", "1833", "1503"} <= areas
    assert all(len(a) >= 3 and a.isdigit() for a in areas)


def test_comment_ts_is_the_note_text(indexed):
    """The USA row's note number resolves to the text of the Notes sheet."""
    table = pd.read_excel(WORKBOOK_2020, sheet_name="Table 1", header=None)
    notes = pd.read_excel(WORKBOOK_2020, sheet_name="Notes", header=None)
    number = table.loc[table[3] == 840, 2].item()
    text = notes.loc[notes[0] == number, 1].item().strip()
    observation = indexed["DF_IMS2020_SEX"][(key("MIG_STOCK", "840"), "2020")]
    assert observation.series_attributes["COMMENT_TS"] == text
    assert observation.series_attributes["DATA_BASIS"] == "B"


def test_country_without_type_of_data_has_no_data_basis(indexed):
    """Taiwan Province of China (158) has an empty Type of data in 2020."""
    observation = indexed["DF_IMS2020_SEX"][(key("MIG_STOCK", "158"), "2020")]
    assert "DATA_BASIS" not in observation.series_attributes


def test_csv_note_markers_are_those_of_the_2019_destination_workbook():
    """notes_2019 explains the CSV's markers with the 2019 workbook's NOTES sheet."""
    csv_rows = _csv_data()
    csv_notes = {
        (row.code, row.name.strip()): row.notes for row in csv_rows.itertuples()
    }
    workbook = pd.read_excel(
        FOLDER / desa.WORKBOOK_2019,
        sheet_name="Table 1",
        header=None,
        skiprows=16,
        dtype=object,
    )
    table_notes = {
        ("" if pd.isna(code) else str(int(code)), str(name).strip()): (
            "" if pd.isna(note) else str(note)
        )
        for name, note, code in zip(workbook[1], workbook[2], workbook[3], strict=True)
        if not pd.isna(name)
    }
    # The CSV alone leaves out the code of "No income group available" (1518).
    table_notes[("", "No income group available")] = table_notes.pop(
        ("1518", "No income group available")
    )
    assert csv_notes == table_notes
    assert set(csv_rows.notes) - {""} <= set(desa.notes_2019(FOLDER))


# --- Counts and uniqueness ------------------------------------------------------


def _table_count(sheet: str) -> int:
    """Observations a 2020 table holds: distinct location codes x period columns."""
    frame = pd.read_excel(WORKBOOK_2020, sheet_name=sheet, header=None, dtype=object)
    header_at = frame.index[frame.eq("Location code").any(axis=1)][0]
    header = list(frame.loc[header_at])
    code, basis = header.index("Location code"), header.index("Type of data")
    periods = sum(1 for cell in header[basis + 1 :] if not pd.isna(cell))
    codes = frame.loc[header_at + 1 :, code].dropna()
    return codes.nunique() * periods


def _csv_frame() -> pd.DataFrame:
    return pd.read_csv(
        CSV_2019, encoding="cp1252", header=None, dtype=str, keep_default_na=False
    )


def _csv_data() -> pd.DataFrame:
    """The CSV's data records (non-empty year), with named destination columns."""
    frame = _csv_frame()
    data = frame[frame[0].str.fullmatch(r"\d{4}")]
    named = data.rename(columns={0: "year", 2: "name", 3: "notes", 4: "code"})
    return named


def _origin_count() -> int:
    """Non-empty origin cells of distinct (year, destination), headings left out."""
    frame = _csv_frame()
    header_at = frame.index[frame[0] == "Year"][0]
    origins = [c for c in frame.columns if frame.loc[header_at + 1, c].strip()]
    data = _csv_data()
    heading = (data["code"] == "") & data[origins].eq("..").all(axis=1)
    data = data[~heading].drop_duplicates(subset=["year", "code", *origins])
    assert not data.duplicated(subset=["year", "code"]).any()
    return int(data[origins].ne("").to_numpy().sum())


EXPECTED_COUNTS = {
    "DF_IMS2020_SEX": 5922,
    "DF_IMS2020_POP": 5922,
    "DF_IMS2020_SHARE": 5922,
    "DF_IMS2020_FEMALE": 1974,
    "DF_IMS2020_GROWTH": 5076,
    "DF_IMS2020_REFUGEES": 5640,
    "DF_IMS2019_ORIGIN": 159115,
}
COUNTERS: dict[str, Callable[[], int]] = {
    **{
        flow: functools.partial(_table_count, table.sheet)
        for flow, table in desa.TABLES_2020.items()
    },
    "DF_IMS2019_ORIGIN": _origin_count,
}


@pytest.mark.parametrize("flow", list(EXPECTED_COUNTS))
def test_count(observations, flow):
    assert COUNTERS[flow]() == EXPECTED_COUNTS[flow]
    assert len(observations[flow]) == EXPECTED_COUNTS[flow]


def test_every_dataflow_is_loaded():
    assert set(desa.DATAFLOWS) == set(EXPECTED_COUNTS)


@pytest.mark.parametrize("flow", list(EXPECTED_COUNTS))
def test_no_duplicate_key_and_period(observations, flow):
    counts = collections.Counter((o.key, o.period) for o in observations[flow])
    assert [k for k, n in counts.items() if n > 1] == []


def test_unknown_dataflow():
    with pytest.raises(KeyError, match="DF_NOPE"):
        load("DF_NOPE")


# --- Corrupted copies -----------------------------------------------------------


@pytest.fixture
def folder_copy(tmp_path: Path) -> Path:
    """A folder holding a copy of every DESA file, to corrupt one of them."""
    for path in FOLDER.iterdir():
        if path.is_file():
            shutil.copy(path, tmp_path / path.name)
    return tmp_path


def _edit_csv(folder: Path, line: int, old: str, new: str) -> None:
    """Replace the first ``old`` on a (1-based) line of the copied CSV."""
    path = folder / desa.ORIGIN_CSV_2019
    lines = path.read_bytes().decode("cp1252").split("\n")  # CRLF, one bare LF
    assert old in lines[line - 1]
    lines[line - 1] = lines[line - 1].replace(old, new, 1)
    path.write_bytes("\n".join(lines).encode("cp1252"))


def _edit_workbook(folder: Path, sheet: str, cell: str, value: object) -> None:
    """Set one cell of the copied 2020 workbook."""
    path = folder / desa.WORKBOOK_2020
    workbook = openpyxl.load_workbook(path)
    workbook[sheet][cell] = value
    workbook.save(path)


CSV_CORRUPTIONS = [
    # (id, line, [(old, new), ...] edits on that line, message part)
    ("bad-number", 18, [('"153,011,473"', "12x")],
     "line 18, column 7 (Total): '12x' is not a number"),
    ("unknown-origin", 17, [("Albania", "Albanie")],
     "line 17, column 11 (Albanie): 'Albanie' is no destination name"),
    ("basis-on-aggregate", 18, [("WORLD,,900,", "WORLD,,900,X")],
     "line 18, column 6 (Type of data (a)): 'X' is a type of data for aggregate"),
    ("bad-basis", 45, [(",B R,", ",B Q,")],
     "line 45, column 6 (Type of data (a)): 'B Q' is no type of data"),
    ("values-without-code-or-known-name", 19,
     [(",..,", ",5,"), ("UN development groups", "UN development grups")],
     "line 19, column 5 (Code): the empty cell leaves a row that has values without"
     " a code, and 'UN development grups' is no area"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("line", "edits", "message"),
    [pytest.param(*case[1:], id=case[0]) for case in CSV_CORRUPTIONS],
)
def test_corrupted_csv(folder_copy, line, edits, message):
    for old, new in edits:
        _edit_csv(folder_copy, line, old, new)
    with pytest.raises(SourceError) as raised:
        list(load("DF_IMS2019_ORIGIN", folder_copy))
    assert str(raised.value).startswith(desa.ORIGIN_CSV_2019)
    assert message in str(raised.value)
    assert raised.value.row == line


WORKBOOK_CORRUPTIONS = [
    # (id, cell of Table 1, new value, message part)
    ("bad-value", "F12", "n/a", "row 12, column F (1990): 'n/a' is not a number"),
    ("empty-value", "F12", None,
     "row 12, column F (1990): the empty cell is not allowed"),
    ("duplicate-aggregate-differs", "G268", 1,
     "row 268, column G (1995): 1 differs from row 19"),
    ("bad-basis", "E35", "B Q", "row 35, column E (Type of data): 'B Q' is no type"),
    ("unknown-note", "C35", 99, "row 35, column C (Notes): 99 is not a note"),
    ("unknown-block-label", "M8", "Migrants, males",
     "row 8, column M: 'Migrants, males' is no block label of Table 1"),
    ("value-without-code", "D35", None,
     "row 35, column D (Location code): the empty cell leaves a row"),
    ("value-beyond-header", "AA35", 7, "row 35, column AA: 7 is under no heading"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("cell", "value", "message"),
    [pytest.param(*case[1:], id=case[0]) for case in WORKBOOK_CORRUPTIONS],
)
def test_corrupted_workbook(folder_copy, cell, value, message):
    _edit_workbook(folder_copy, "Table 1", cell, value)
    with pytest.raises(SourceError) as raised:
        list(load("DF_IMS2020_SEX", folder_copy))
    assert str(raised.value).startswith(f"{desa.WORKBOOK_2020}, sheet 'Table 1'")
    assert message in str(raised.value)
