"""SDMX-ML 2.1 structure messages (mes:Structure) for the migrant-stock server.

Writes the artefacts that docs/model.md fixes into ``structures/``, one message per
file, then validates every file against the SDMX-ML 2.1 schemas in
``schemas/sdmx-ml-2.1``:

- ``agencies.xml``: agency scheme SDMX:AGENCIES, data provider scheme
  UNDESA:DATA_PROVIDERS;
- ``codelists.xml``: SDMX:CL_FREQ, SDMX:CL_OBS_STATUS and SDMX:CL_UNIT_MULT (copied
  from the SDG global DSD), and UNDESA's CL_SEX, CL_AGE, CL_MIG_INDICATOR,
  CL_UNIT_MEASURE and CL_DATA_BASIS;
- ``areas.xml``: UNDESA:CL_AREA and the hierarchical codelist UNDESA:HCL_AREA_GROUPS,
  read from the DESA files in ``data/desa``;
- ``concepts.xml``: UNDESA:CS_MIGRATION;
- ``dsd.xml``: UNDESA:DSD_MIG_STOCK;
- ``dataflows.xml``: the dataflows, the category scheme UNDESA:CAT_MIGRATION, the
  categorisations and one allowed content constraint per dataflow, whose cube region
  lists the codes that the dataflow's source table holds.

The three SDMX codelists are not UNDESA's: they are kept as copied into
``structures/codelists.xml`` and carried over unchanged on every run. To copy them
afresh, pass the SDG global DSD as published in the SDMX Global Registry
(``SDG_DSD.xml``, IAEG-SDGs:SDG(1.4)) with ``--sdg-dsd PATH``.

Run ``python tools/make_structures.py``. Set ``SOURCE_DATE_EPOCH`` to fix the
``Prepared`` time of the message headers (otherwise: now).
"""

from __future__ import annotations

import argparse
import copy
import csv
import logging
import os
import re
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NamedTuple

import openpyxl
from lxml import etree

logger = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parent.parent
DESA = ROOT / "data" / "desa"
OUT = ROOT / "structures"
XSD = ROOT / "schemas" / "sdmx-ml-2.1" / "SDMXMessage.xsd"

CORRESPONDENCE = DESA / "aggregates_correspondence_table_2020_1.xlsx"
STOCK_2020 = DESA / "undesa_pd_2020_ims_stock_by_sex_and_destination.xlsx"
STOCK_2019 = DESA / "UN_MigrantStockTotal_2019.xlsx"
ORIGIN_2019 = DESA / "UN_MigrantStockByOriginAndDestination_2019.csv"

# Header rows (1-based) as data/SOURCES.md describes them.
CORRESPONDENCE_HEADER = (10, 11)
STOCK_2020_HEADER = 11
STOCK_2019_HEADER = {"ANNEX": 16, **{f"Table {n}": 15 for n in range(1, 7)}}
ORIGIN_2019_HEADER = (15, 16)

SDMX_NS = "http://www.sdmx.org/resources/sdmxml/schemas/v2_1"
NS = {
    "mes": f"{SDMX_NS}/message",
    "str": f"{SDMX_NS}/structure",
    "com": f"{SDMX_NS}/common",
}
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"

AGENCY = "UNDESA"
VERSION = "1.0"
DSD_ID = "DSD_MIG_STOCK"
FIRST_AGGREGATE = 900  # DESA codes below are countries and areas (M49)

# SDMX Information Model package of each class, for URNs and references.
PACKAGE = {
    **dict.fromkeys(
        ("Agency", "AgencyScheme", "DataProvider", "DataProviderScheme"), "base"
    ),
    **dict.fromkeys(
        ("Codelist", "Code", "HierarchicalCodelist", "Hierarchy", "HierarchicalCode"),
        "codelist",
    ),
    **dict.fromkeys(("ConceptScheme", "Concept"), "conceptscheme"),
    **dict.fromkeys(
        (
            "DataStructure",
            "DimensionDescriptor",
            "Dimension",
            "TimeDimension",
            "AttributeDescriptor",
            "DataAttribute",
            "MeasureDescriptor",
            "PrimaryMeasure",
            "Dataflow",
        ),
        "datastructure",
    ),
    **dict.fromkeys(("CategoryScheme", "Category", "Categorisation"), "categoryscheme"),
    "ContentConstraint": "registry",
    "ProvisionAgreement": "registry",
}

SDMX_CODELISTS = (("CL_FREQ", "2.0"), ("CL_OBS_STATUS", "2.1"), ("CL_UNIT_MULT", "1.1"))
SDMX_CODELISTS_NOTE = (
    " SDMX:CL_FREQ(2.0), SDMX:CL_OBS_STATUS(2.1) and SDMX:CL_UNIT_MULT(1.1): copied "
    "unchanged (Code elements included) from the SDG global data structure "
    "IAEG-SDGs:SDG(1.4) as published in the SDMX Global Registry (SDG_DSD.xml, "
    "message IREF279317 prepared 2021-06-24T09:45:37Z). "
)


class Item(NamedTuple):
    """One item of an item scheme: a code, concept, category, agency or provider."""

    id: str
    name: str
    description: str | None = None
    parent: str | None = None


class Scheme(NamedTuple):
    """A maintainable artefact's identity and English texts; items if it has any."""

    id: str
    name: str
    items: Sequence[Item]
    description: str | None = None
    agency: str = AGENCY
    version: str = VERSION


class Flow(NamedTuple):
    """A dataflow of docs/model.md and where its content comes from."""

    id: str
    name: str
    description: str
    category: str
    indicators: tuple[str, ...]
    sexes: tuple[str, ...]
    table: str | None  # sheet of the 2020 workbook, "origin" or None (no data)


BOTH_AND_EACH_SEX = ("_T", "M", "F")
REV_2020 = (
    "UN DESA Population Division, International Migrant Stock 2020 "
    "(POP/DB/MIG/Stock/Rev.2020), {table} of "
    "undesa_pd_2020_ims_stock_by_sex_and_destination.xlsx."
)
FLOWS = (
    Flow(
        "DF_IMS2020_SEX",
        "International migrant stock by sex and destination, 2020 revision",
        REV_2020.format(table="Table 1"),
        "STOCK",
        ("MIG_STOCK",),
        BOTH_AND_EACH_SEX,
        "Table 1",
    ),
    Flow(
        "DF_IMS2020_POP",
        "Total population by sex and destination, 2020 revision",
        REV_2020.format(table="Table 2 (thousands)"),
        "POPULATION",
        ("POP",),
        BOTH_AND_EACH_SEX,
        "Table 2",
    ),
    Flow(
        "DF_IMS2020_SHARE",
        "International migrant stock as a percentage of the total population, "
        "2020 revision",
        REV_2020.format(table="Table 3"),
        "STOCK",
        ("MIG_SHARE",),
        BOTH_AND_EACH_SEX,
        "Table 3",
    ),
    Flow(
        "DF_IMS2020_FEMALE",
        "Female migrants as a percentage of the international migrant stock, "
        "2020 revision",
        REV_2020.format(table="Table 4"),
        "STOCK",
        ("MIG_FEM_SHARE",),
        ("F",),
        "Table 4",
    ),
    Flow(
        "DF_IMS2020_GROWTH",
        "Annual rate of change of the international migrant stock, 2020 revision",
        REV_2020.format(table="Table 5"),
        "STOCK",
        ("MIG_GROWTH",),
        BOTH_AND_EACH_SEX,
        "Table 5",
    ),
    Flow(
        "DF_IMS2020_REFUGEES",
        "Refugees and asylum seekers by destination, 2020 revision",
        REV_2020.format(table="Table 6"),
        "REFUGEES",
        ("REF_STOCK", "REF_SHARE", "REF_GROWTH"),
        ("_T",),
        "Table 6",
    ),
    Flow(
        "DF_IMS2019_ORIGIN",
        "International migrant stock by origin and destination, 2019 revision",
        "UN DESA Population Division, International Migrant Stock 2019 "
        "(POP/DB/MIG/Stock/Rev.2019), Table 1 of the origin and destination "
        "workbook, both sexes. The origin is a country of birth (COB) or of "
        "citizenship (CITIZENSHIP) according to the destination's type of data.",
        "STOCK",
        ("MIG_STOCK",),
        ("_T",),
        "origin",
    ),
    Flow(
        "DF_MIG_NSO",
        "International migrant stock reported by national statistical offices",
        "Submissions of national statistical offices; no data are bundled.",
        "STOCK",
        ("MIG_STOCK",),
        (),
        None,
    ),
)

AGENCIES = Scheme(
    "AGENCIES",
    "SDMX Agency Scheme",
    (
        Item("SDMX", "SDMX"),
        Item("UNDESA", "UN Department of Economic and Social Affairs (UN DESA)"),
        Item(
            "IAEG-SDGs",
            "Inter-agency and Expert Group on SDG Indicators (IAEG-SDGs)",
        ),
    ),
    agency="SDMX",
)
DATA_PROVIDERS = Scheme(
    "DATA_PROVIDERS",
    "Data providers of the migrant-stock server",
    (
        Item(
            "DESA_PD",
            "UN DESA Population Division",
            "Provides every bundled dataset (International Migrant Stock).",
        ),
        Item("NSO_MEX", "INEGI, Mexico"),
        Item("NSO_DEU", "Destatis, Germany"),
        Item("NSO_USA", "US Census Bureau"),
        Item("NSO_KEN", "Kenya National Bureau of Statistics"),
        Item("NSO_PHL", "Philippine Statistics Authority"),
    ),
)

AGE_GROUPS = [
    Item(f"Y{low}T{low + 4}", f"{low} to {low + 4} years old")
    for low in range(5, 75, 5)
]
CODELISTS = (
    Scheme(
        "CL_SEX",
        "Sex",
        (
            Item("_T", "Both sexes or no breakdown by sex"),
            Item("M", "Male"),
            Item("F", "Female"),
            Item("_U", "Unknown"),
        ),
        "Ids and names as in IAEG-SDGs:CL_SEX(1.1).",
    ),
    Scheme(
        "CL_AGE",
        "Age",
        (
            Item("_T", "All age ranges or no breakdown by age"),
            Item("Y0T4", "under 5 years old"),
            *AGE_GROUPS,
            Item("Y_GE75", "75 years old and over"),
            Item("Y0T14", "under 15 years old"),
            Item("Y0T17", "under 18 years old"),
            Item("Y0T19", "under 20 years old"),
            Item("Y15T17", "15 to 17 years old"),
            Item("Y15T24", "15 to 24 years old"),
            Item("Y_GE15", "15 years old and over"),
            Item("Y_GE18", "18 years old and over"),
            Item("Y_GE65", "65 years old and over"),
            Item("_U", "Unknown"),
        ),
        "Ids and names as in IAEG-SDGs:CL_AGE(1.1); Y0T19, which that codelist "
        "lacks, is named after its pattern.",
    ),
    Scheme(
        "CL_MIG_INDICATOR",
        "Migration indicator",
        (
            Item("MIG_STOCK", "International migrant stock"),
            Item("POP", "Total population"),
            Item(
                "MIG_SHARE",
                "International migrant stock as a percentage of the total population",
            ),
            Item(
                "MIG_FEM_SHARE",
                "Female migrants as a percentage of the international migrant stock",
            ),
            Item("MIG_GROWTH", "Annual rate of change of the migrant stock"),
            Item("REF_STOCK", "Refugees and asylum seekers"),
            Item(
                "REF_SHARE",
                "Refugees and asylum seekers as a percentage of the "
                "international migrant stock",
            ),
            Item("REF_GROWTH", "Annual rate of change of the refugee stock"),
        ),
    ),
    Scheme(
        "CL_UNIT_MEASURE",
        "Unit of measure",
        (
            Item("PS", "Persons"),
            Item("PT", "Percent"),
            Item("PC_PA", "Percent per annum"),
        ),
    ),
    Scheme(
        "CL_DATA_BASIS",
        "Basis of the data (DESA type of data)",
        (
            Item("B", "Foreign-born population"),
            Item("C", "Foreign citizens"),
            Item("B_R", "Foreign-born population, refugees added"),
            Item("C_R", "Foreign citizens, refugees added"),
            Item("C_B", "Foreign citizens and foreign-born population"),
            Item(
                "C_B_R", "Foreign citizens and foreign-born population, refugees added"
            ),
            Item("I", "Imputed"),
            Item("I_R", "Imputed, refugees added"),
            Item("_Z", "Not applicable"),
        ),
        "DESA's 'Type of data': B, estimates derived from data on the foreign-born "
        "population; C, from data on foreign citizens; R, refugees, persons in "
        "refugee-like situations and asylum seekers reported by UNHCR or UNRWA "
        "added; I, no data on international migrants, estimates imputed. A space "
        "in DESA's code becomes an underscore.",
    ),
)

CONCEPTS = Scheme(
    "CS_MIGRATION",
    "Concepts of international migrant stock statistics",
    (
        Item("FREQ", "Frequency"),
        Item("INDICATOR", "Indicator"),
        Item(
            "REF_AREA",
            "Reference area",
            "Country or area of residence, i.e. of destination.",
        ),
        Item("SEX", "Sex"),
        Item("AGE", "Age"),
        Item("COB", "Country of birth"),
        Item("CITIZENSHIP", "Country of citizenship"),
        Item("TIME_PERIOD", "Time period"),
        Item("OBS_VALUE", "Observation value"),
        Item("OBS_STATUS", "Observation status"),
        Item("UNIT_MEASURE", "Unit of measure"),
        Item("UNIT_MULT", "Unit multiplier"),
        Item(
            "DATA_BASIS",
            "Basis of the data",
            "Kind of source data an estimate derives from (DESA's type of data).",
        ),
        Item(
            "COMMENT_TS",
            "Time series comment",
            "Free text on the whole series, such as DESA's country note.",
        ),
    ),
)

CL_AREA = (AGENCY, "CL_AREA", VERSION)
# Dimensions of DSD_MIG_STOCK in key order: (concept, (codelist agency, id, version)).
DIMENSIONS = (
    ("FREQ", ("SDMX", "CL_FREQ", "2.0")),
    ("INDICATOR", (AGENCY, "CL_MIG_INDICATOR", VERSION)),
    ("REF_AREA", CL_AREA),
    ("SEX", (AGENCY, "CL_SEX", VERSION)),
    ("AGE", (AGENCY, "CL_AGE", VERSION)),
    ("COB", CL_AREA),
    ("CITIZENSHIP", CL_AREA),
)
# Attributes: (concept, assignment status, attached to series?, codelist or None).
ATTRIBUTES = (
    ("UNIT_MEASURE", "Mandatory", True, (AGENCY, "CL_UNIT_MEASURE", VERSION)),
    ("UNIT_MULT", "Mandatory", True, ("SDMX", "CL_UNIT_MULT", "1.1")),
    ("DATA_BASIS", "Conditional", True, (AGENCY, "CL_DATA_BASIS", VERSION)),
    ("COMMENT_TS", "Conditional", True, None),
    ("OBS_STATUS", "Conditional", False, ("SDMX", "CL_OBS_STATUS", "2.1")),
)

CATEGORIES = Scheme(
    "CAT_MIGRATION",
    "Migration statistics",
    (
        Item("MIGRATION", "International migration"),
        Item("STOCK", "International migrant stock", parent="MIGRATION"),
        Item("POPULATION", "Population", parent="MIGRATION"),
        Item("REFUGEES", "Refugees and asylum seekers", parent="MIGRATION"),
    ),
)

REV_2019_NOTE = (
    "Location of the 2019 revision (UN_MigrantStockTotal_2019.xlsx and the origin "
    "and destination table) that the 2020 correspondence table does not list."
)
EXTRA_AREA_NOTES = {
    917: "SDG subregion Europe (Eastern, Northern, Southern and Western Europe), "
    "presented separately within Europe and Northern America; not the geographic "
    "region EUROPE (908). ",
    918: "SDG subregion Northern America, presented separately within Europe and "
    "Northern America; not the geographic region NORTHERN AMERICA (905). ",
}
SPECIAL_AREAS = (
    Item(
        "_T",
        "All countries and areas (total)",
        "Counterpart total: no breakdown by country of birth or citizenship.",
    ),
    Item("_U", "Unknown", "Country of birth or citizenship unknown."),
    Item("STLS", "Stateless persons", "Persons without any citizenship."),
    Item(
        "OTH_SOUTH",
        "Other South",
        "DESA's residual origin 'Other South' of the origin and destination table.",
    ),
    Item(
        "OTH_NORTH",
        "Other North",
        "DESA's residual origin 'Other North' of the origin and destination table.",
    ),
)
ORIGIN_COLUMNS = {"Total": "_T", "Other South": "OTH_SOUTH", "Other North": "OTH_NORTH"}
# Hierarchies of HCL_AREA_GROUPS built from one column path per country.
LEVEL_HIERARCHIES = (
    (
        "GEO_REGIONS",
        "Geographic regions",
        ("Geographic region / Code", "Subregion / Code"),
    ),
    ("SDG_REGIONS", "SDG regions", ("SDG region / Code", "SDG subregion / Code")),
)
GROUP_HIERARCHIES = (
    ("DEVELOPMENT_GROUPS", "UN development groups", "UN development groups"),
    ("INCOME_GROUPS", "World Bank income groups", "World Bank income groups"),
)
COUNTRY = "Country/Area"


@dataclass
class Area:
    """A location of DESA: a country or area (code below 900) or an aggregate."""

    code: int
    name: str
    parent: int | None = None
    description: str | None = None

    @property
    def id(self) -> str:
        """The CL_AREA code id: countries zero-padded to three digits as in M49."""
        return f"{self.code:03d}" if self.code < FIRST_AGGREGATE else str(self.code)


@dataclass
class Sources:
    """What the structures need from the DESA files and the previous codelists."""

    correspondence: list[dict[str, Any]]
    areas: dict[int, Area]
    tables_2020: dict[str, list[int]]
    destinations_2019: list[int]
    origins_2019: list[str]
    sdmx_codelists: list[etree._Element]


# --- reading the DESA files -------------------------------------------------------


def clean(value: object) -> str:
    """Text of a cell without footnote markers, line breaks or outer spaces."""
    text = " ".join(str(value).split()) if value is not None else ""
    return re.sub(r"\*+$", "", text).strip()


def location_code(value: object) -> int | None:
    """The integer location code in a cell, or None for headings and blanks."""
    if isinstance(value, int):
        return value
    text = str(value or "").replace(",", "").strip()
    return int(text) if text.isdigit() else None


def read_workbook(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every sheet of a workbook as rows of cell values (row 1 first)."""
    book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        return {ws.title: list(ws.iter_rows(values_only=True)) for ws in book}
    finally:
        book.close()


def header_labels(top: Sequence[Any], sub: Sequence[Any]) -> list[str]:
    """One label per column from two header rows, such as "SDG region / Code".

    A top-row cell heads a group of merged columns, so it is carried to the right
    until the next top-row cell.
    """
    labels, group = [], ""
    for upper, lower in zip(top, sub, strict=True):
        group = clean(upper) if upper is not None else group
        labels.append(" / ".join(part for part in (group, clean(lower)) if part))
    return labels


def locations(
    rows: Sequence[Sequence[Any]],
    header: int | tuple[int, int],
    names: dict[str, int] | None = None,
) -> list[tuple[int, str]]:
    """(code, name) of every located row below a header of one or two rows (1-based).

    The code column is headed "Code" or "Location code" and the name column's heading
    contains "country or area" in the (first) header row. A row without a code is a
    heading (its values are all ".."), unless it holds values: then, given ``names``,
    it is placed by its name (DESA left 1518's code cell empty in the origin table).
    """
    first, last = header if isinstance(header, tuple) else (header, header)
    labels = [clean(cell) for cell in rows[first - 1]]
    code_col = next(i for i, x in enumerate(labels) if x in ("Code", "Location code"))
    name_col = next(i for i, x in enumerate(labels) if "country or area" in x)
    found, placed = [], set()
    for row in (row for row in rows[last:] if len(row) > code_col):
        code, name = location_code(row[code_col]), clean(row[name_col])
        if code is None and names is not None and has_values(row[code_col + 1 :]):
            code = located_by_name(name, names)
            placed.add((name, code))
        if code is not None:
            found.append((code, name))
    for name, code in sorted(placed):
        logger.warning(
            "row %r has values but no code: placed by its name, %s", name, code
        )
    return found


def has_values(cells: Iterable[Any]) -> bool:
    """Whether a row holds anything but blanks and ".." (not available)."""
    return any(clean(cell) not in ("", "..") for cell in cells)


def unique_names(areas: dict[int, Area]) -> dict[str, int]:
    """Codes by name, for the names that only one location bears."""
    codes: dict[str, list[int]] = {}
    for area in areas.values():
        codes.setdefault(area.name, []).append(area.code)
    return {name: found[0] for name, found in codes.items() if len(found) == 1}


def located_by_name(name: str, names: dict[str, int]) -> int:
    """The code of the one location with that name; an error names the fix."""
    if name not in names:
        raise ValueError(
            f"row {name!r} has values but no code, and no single location of the "
            "DESA files bears that name: give it a code"
        )
    return names[name]


def read_correspondence() -> list[dict[str, Any]]:
    """Rows of DESA's correspondence table keyed by their two-row header labels."""
    rows = next(iter(read_workbook(CORRESPONDENCE).values()))
    top, sub = (rows[n - 1] for n in CORRESPONDENCE_HEADER)
    labels = header_labels(top, sub)
    data = rows[CORRESPONDENCE_HEADER[1] :]
    records = [dict(zip(labels, row, strict=True)) for row in data]
    return [rec for rec in records if location_code(rec["Location code"]) is not None]


def desa_areas(records: list[dict[str, Any]]) -> dict[int, Area]:
    """CL_AREA locations of the correspondence table, in its order, each once."""
    areas: dict[int, Area] = {}
    for rec in records:
        name = clean(rec["Region, subregion, country or area"])
        area = Area(rec["Location code"], name, rec["Parent Location code"])
        known = areas.setdefault(area.code, area)
        if known.name != area.name:
            logger.warning("code %s named %r and %r", area.code, known.name, area.name)
    return areas


def parent_of_extra(code: int, records: list[dict[str, Any]]) -> int | None:
    """Parent of a 2019 SDG subregion: the SDG region of the countries within it."""
    regions = {
        rec["SDG region / Code"]
        for rec in records
        if rec["SDG subregion / Code"] == code
    }
    return regions.pop() if len(regions) == 1 else None


def add_2019_areas(
    areas: dict[int, Area],
    found: Iterable[tuple[int, str]],
    records: list[dict[str, Any]],
) -> None:
    """Add the locations of the 2019 files that the 2020 table lacks, first name won."""
    for code, name in found:
        if code in areas:
            continue
        note = EXTRA_AREA_NOTES.get(code, "") + REV_2019_NOTE
        areas[code] = Area(code, name, parent_of_extra(code, records), note)
        logger.info("CL_AREA: %s %r added from the 2019 files", code, name)


def resolve_parents(areas: dict[int, Area]) -> None:
    """Drop parents that are no location of any DESA file (DESA's grouping roots)."""
    orphans = [a for a in areas.values() if a.parent and a.parent not in areas]
    roots = sorted({a.parent for a in orphans if a.parent})
    for area in orphans:
        area.parent = None
    logger.info(
        "CL_AREA: %d codes whose DESA parent (%s) is no location: no parent",
        len(orphans),
        ", ".join(map(str, roots)),
    )


def origin_ids(names: Sequence[str], areas: dict[int, Area]) -> list[str]:
    """CL_AREA ids of the origin columns of the 2019 origin and destination table."""
    countries = {a.name: a.id for a in areas.values() if a.code < FIRST_AGGREGATE}
    ids = []
    for name in filter(None, map(clean, names)):
        if name not in ORIGIN_COLUMNS and name not in countries:
            raise ValueError(
                f"origin {name!r} of {ORIGIN_2019.name} is the name of no country of "
                "the correspondence table: add the location or a spelling to "
                "tools/make_structures.py"
            )
        ids.append(ORIGIN_COLUMNS.get(name) or countries[name])
    return ids


def unique(codes: Iterable[int]) -> list[int]:
    """Codes in first-seen order, each once."""
    return list(dict.fromkeys(codes))


def read_sources(sdg_dsd: Path | None) -> Sources:
    """Read the DESA files and the SDMX codelists into what the structures need."""
    records = read_correspondence()
    areas = desa_areas(records)
    book_2019 = read_workbook(STOCK_2019)
    found_2019 = [
        pair
        for sheet, row in STOCK_2019_HEADER.items()
        for pair in locations(book_2019[sheet], row)
    ]
    add_2019_areas(areas, found_2019, records)
    with ORIGIN_2019.open(encoding="cp1252", newline="") as stream:
        origin_rows = list(csv.reader(stream))
    destinations = locations(origin_rows, ORIGIN_2019_HEADER, unique_names(areas))
    add_2019_areas(areas, destinations, records)
    resolve_parents(areas)

    book_2020 = read_workbook(STOCK_2020)
    tables = {
        sheet: unique(
            code for code, _ in locations(book_2020[sheet], STOCK_2020_HEADER)
        )
        for sheet in (flow.table for flow in FLOWS)
        if sheet in book_2020
    }
    return Sources(
        correspondence=records,
        areas=areas,
        tables_2020=tables,
        destinations_2019=unique(code for code, _ in destinations),
        origins_2019=origin_ids(origin_rows[ORIGIN_2019_HEADER[1] - 1], areas),
        sdmx_codelists=sdmx_codelists(sdg_dsd),
    )


def sdmx_codelists(sdg_dsd: Path | None) -> list[etree._Element]:
    """The three SDMX codelists, from the SDG global DSD or the previous output."""
    source = sdg_dsd or OUT / "codelists.xml"
    if not source.is_file():
        raise SystemExit(
            f"{source} not found: the SDMX codelists are copied from the SDG global "
            "DSD; pass it with --sdg-dsd PATH/TO/SDG_DSD.xml"
        )
    tree = etree.parse(str(source))
    found = {
        (cl.get("id"), cl.get("version")): cl
        for cl in tree.iterfind(".//str:Codelist[@agencyID='SDMX']", NS)
    }
    missing = [f"SDMX:{i}({v})" for i, v in SDMX_CODELISTS if (i, v) not in found]
    if missing:
        raise SystemExit(f"{source} lacks {', '.join(missing)}; use --sdg-dsd")
    return [copy.deepcopy(found[key]) for key in SDMX_CODELISTS]


# --- writing SDMX-ML ----------------------------------------------------------------


def tag(prefix: str, name: str) -> str:
    """Qualified name of an SDMX-ML element, such as ``tag("str", "Code")``."""
    return f"{{{NS[prefix]}}}{name}"


def urn(cls: str, agency: str, id_: str, version: str, *path: str) -> str:
    """URN of a maintainable artefact or, given the item path, of one of its items."""
    target = f"{agency}:{id_}({version})" + "".join(f".{part}" for part in path)
    if cls == "Agency":  # agencies of SDMX:AGENCIES are named by their id alone
        target = path[-1]
    return f"urn:sdmx:org.sdmx.infomodel.{PACKAGE[cls]}.{cls}={target}"


def texts(element: etree._Element, name: str, description: str | None) -> None:
    """Add the English com:Name and, if given, com:Description."""
    etree.SubElement(element, tag("com", "Name"), {XML_LANG: "en"}).text = name
    if description:
        node = etree.SubElement(element, tag("com", "Description"), {XML_LANG: "en"})
        node.text = description


def ref(parent: etree._Element, name: str, **attributes: str) -> etree._Element:
    """Add ``<str:name><Ref .../></str:name>``; SDMX-ML 2.1's Ref is unqualified."""
    holder = etree.SubElement(parent, tag("str", name))
    etree.SubElement(holder, "Ref", attributes)
    return holder


def artefact_ref(cls: str, agency: str, id_: str, version: str) -> dict[str, str]:
    """Ref attributes of a maintainable artefact."""
    return {
        "agencyID": agency,
        "id": id_,
        "version": version,
        "package": PACKAGE[cls],
        "class": cls,
    }


def concept_ref(concept: str) -> dict[str, str]:
    """Ref attributes of a concept of CS_MIGRATION."""
    return {
        "agencyID": AGENCY,
        "maintainableParentID": CONCEPTS.id,
        "maintainableParentVersion": VERSION,
        "id": concept,
        "package": "conceptscheme",
        "class": "Concept",
    }


def maintainable(
    parent: etree._Element, name: str, cls: str, scheme: Scheme, final: bool = True
) -> etree._Element:
    """Add a maintainable artefact element with its URN, identity, name and text."""
    element = etree.SubElement(
        parent,
        tag("str", name),
        {
            "urn": urn(cls, scheme.agency, scheme.id, scheme.version),
            "id": scheme.id,
            "agencyID": scheme.agency,
            "version": scheme.version,
            "isFinal": str(final).lower(),
        },
    )
    texts(element, scheme.name, scheme.description)
    return element


def item_scheme(
    parent: etree._Element,
    kind: tuple[str, str, str, str],
    scheme: Scheme,
    final: bool = True,
) -> etree._Element:
    """Add an item scheme; kind is (scheme element, scheme class, item element, class).

    Items with a parent get a str:Parent reference (codes of a codelist).
    """
    scheme_tag, scheme_cls, item_tag, item_cls = kind
    element = maintainable(parent, scheme_tag, scheme_cls, scheme, final)
    for item in scheme.items:
        item_urn = urn(item_cls, scheme.agency, scheme.id, scheme.version, item.id)
        node = etree.SubElement(
            element, tag("str", item_tag), {"urn": item_urn, "id": item.id}
        )
        texts(node, item.name, item.description)
        if item.parent is not None:
            ref(node, "Parent", id=item.parent)
    return element


CODELIST = ("Codelist", "Codelist", "Code", "Code")


def new_message(msg_id: str, prepared: str) -> tuple[etree._Element, etree._Element]:
    """A mes:Structure message with its header; returns it and its mes:Structures."""
    root = etree.Element(tag("mes", "Structure"), nsmap=NS)
    header = etree.SubElement(root, tag("mes", "Header"))
    etree.SubElement(header, tag("mes", "ID")).text = msg_id
    etree.SubElement(header, tag("mes", "Test")).text = "false"
    etree.SubElement(header, tag("mes", "Prepared")).text = prepared
    etree.SubElement(header, tag("mes", "Sender"), id=AGENCY)
    return root, etree.SubElement(root, tag("mes", "Structures"))


def container(structures: etree._Element, name: str) -> etree._Element:
    """Add one of mes:Structures' containers (str:Codelists, str:Dataflows, …)."""
    return etree.SubElement(structures, tag("str", name))


# --- the files --------------------------------------------------------------------


def write_agencies(structures: etree._Element, _: Sources) -> None:
    """SDMX:AGENCIES and UNDESA:DATA_PROVIDERS.

    The schema fixes isFinal="false" for organisation schemes: they grow.
    """
    schemes = container(structures, "OrganisationSchemes")
    kinds = (
        ("AgencyScheme", "AgencyScheme", "Agency", "Agency"),
        ("DataProviderScheme", "DataProviderScheme", "DataProvider", "DataProvider"),
    )
    for kind, scheme in zip(kinds, (AGENCIES, DATA_PROVIDERS), strict=True):
        item_scheme(schemes, kind, scheme, final=False)


def write_codelists(structures: etree._Element, src: Sources) -> None:
    """The SDMX codelists, copied as they are, and UNDESA's small codelists."""
    codelists = container(structures, "Codelists")
    codelists.append(etree.Comment(SDMX_CODELISTS_NOTE))
    codelists.extend(src.sdmx_codelists)
    for scheme in CODELISTS:
        item_scheme(codelists, CODELIST, scheme)


def area_items(src: Sources) -> list[Item]:
    """CL_AREA codes: DESA's locations, then the counterpart special codes.

    A parent always comes before its children, so that a reader resolving parents
    as it goes (sdmx1 does) finds each one already read.
    """
    areas = src.areas
    items = [
        Item(
            area.id,
            area.name,
            area.description,
            areas[area.parent].id if area.parent is not None else None,
        )
        for area in areas.values()
    ]
    return parents_first(items) + list(SPECIAL_AREAS)


def parents_first(items: list[Item]) -> list[Item]:
    """The items in their order, except that each parent precedes its children."""
    by_id = {item.id: item for item in items}
    placed: dict[str, Item] = {}

    def place(item: Item) -> None:
        if item.id in placed:
            return
        if item.parent is not None and item.parent in by_id:
            place(by_id[item.parent])
        placed[item.id] = item

    for item in items:
        place(item)
    return list(placed.values())


def write_areas(structures: etree._Element, src: Sources) -> None:
    """UNDESA:CL_AREA and UNDESA:HCL_AREA_GROUPS."""
    cl_area = Scheme(
        "CL_AREA",
        "Countries, areas and their groupings (UN DESA locations)",
        area_items(src),
        "Locations of UN DESA's International Migrant Stock 2020 correspondence "
        "table (aggregates_correspondence_table_2020_1.xlsx) and of its 2019 "
        "revision; countries and areas by their three-digit M49 code, aggregates by "
        "DESA's own code; parent = DESA's parent location. Also the special codes of "
        "the counterpart dimensions COB and CITIZENSHIP.",
    )
    item_scheme(container(structures, "Codelists"), CODELIST, cl_area)
    write_hierarchies(container(structures, "HierarchicalCodelists"), src)


Tree = dict[str, "Tree"]


def hierarchy_trees(src: Sources) -> list[tuple[str, str, Tree]]:
    """(id, name, tree of CL_AREA ids) of each hierarchy of HCL_AREA_GROUPS."""
    countries = [
        rec for rec in src.correspondence if rec["Location Type / Name"] == COUNTRY
    ]
    area = src.areas
    trees = []
    for hid, name, columns in LEVEL_HIERARCHIES:
        tree: Tree = {}
        for rec in countries:
            path = [rec[col] for col in columns if rec[col] is not None]
            insert(tree, [area[c].id for c in [*path, rec["Location code"]]])
        trees.append((hid, name, tree))
    for hid, name, group in GROUP_HIERARCHIES:
        tree = {}
        for column in (label for label in countries[0] if label.startswith(group)):
            members = [rec["Location code"] for rec in countries if rec[column]]
            tree[area[group_code(column)].id] = {area[c].id: {} for c in members}
        trees.append((hid, name, tree))
    return trees


def group_code(label: str) -> int:
    """Code of a group column, such as 901 in "UN development groups / … 901"."""
    return int(label.rsplit(" ", 1)[1])


def insert(tree: Tree, path: list[str]) -> None:
    """Insert one root-to-leaf path of ids into a nested tree."""
    for node in path:
        tree = tree.setdefault(node, {})


def write_hierarchies(parent: etree._Element, src: Sources) -> None:
    """UNDESA:HCL_AREA_GROUPS: one hierarchy per DESA grouping of CL_AREA."""
    hcl = Scheme(
        "HCL_AREA_GROUPS",
        "Groupings of countries and areas (UN DESA)",
        (),
        "Geographic regions and subregions, SDG regions and subregions, UN "
        "development groups and World Bank income groups, as in UN DESA's 2020 "
        "correspondence table.",
    )
    element = maintainable(parent, "HierarchicalCodelist", "HierarchicalCodelist", hcl)
    included = ref(element, "IncludedCodelist", **artefact_ref("Codelist", *CL_AREA))
    included.set("alias", "AREA")  # optional in the schema, required by sdmx1
    for hid, name, tree in hierarchy_trees(src):
        hierarchy = etree.SubElement(
            element,
            tag("str", "Hierarchy"),
            {
                "urn": urn("Hierarchy", AGENCY, hcl.id, VERSION, hid),
                "id": hid,
            },
        )
        texts(hierarchy, name, None)
        hierarchical_codes(hierarchy, tree, (hcl.id, hid))


def hierarchical_codes(
    parent: etree._Element, tree: Tree, path: tuple[str, ...]
) -> None:
    """Add a str:HierarchicalCode per node of the tree, nested like the tree."""
    for code, children in tree.items():
        node = etree.SubElement(
            parent,
            tag("str", "HierarchicalCode"),
            {
                "urn": urn(
                    "HierarchicalCode", AGENCY, path[0], VERSION, *path[1:], code
                ),
                "id": code,
            },
        )
        ref(
            node,
            "Code",
            agencyID=AGENCY,
            maintainableParentID="CL_AREA",
            maintainableParentVersion=VERSION,
            id=code,
            package="codelist",
            **{"class": "Code"},
        )
        hierarchical_codes(node, children, (*path, code))


def write_concepts(structures: etree._Element, _: Sources) -> None:
    """UNDESA:CS_MIGRATION."""
    kind = ("ConceptScheme", "ConceptScheme", "Concept", "Concept")
    item_scheme(container(structures, "Concepts"), kind, CONCEPTS)


def component(
    parent: etree._Element,
    name: str,
    cls: str,
    concept: str,
    codelist: tuple[str, str, str] | None = None,
    text_type: str | None = None,
    **attributes: str,
) -> etree._Element:
    """Add a DSD component with its concept and its coded or text representation."""
    element = etree.SubElement(
        parent,
        tag("str", name),
        {
            "urn": urn(cls, AGENCY, DSD_ID, VERSION, concept),
            "id": concept,
            **attributes,
        },
    )
    ref(element, "ConceptIdentity", **concept_ref(concept))
    representation = etree.SubElement(element, tag("str", "LocalRepresentation"))
    if codelist:
        ref(representation, "Enumeration", **artefact_ref("Codelist", *codelist))
    else:
        etree.SubElement(representation, tag("str", "TextFormat"), textType=text_type)
    return element


def descriptor(parent: etree._Element, name: str, cls: str) -> etree._Element:
    """Add one of the DSD's component lists (dimensions, attributes, measures)."""
    return etree.SubElement(
        parent,
        tag("str", name),
        {
            "urn": urn(cls, AGENCY, DSD_ID, VERSION, cls),
            "id": cls,
        },
    )


def write_dsd(structures: etree._Element, _: Sources) -> None:
    """UNDESA:DSD_MIG_STOCK: dimensions, time dimension, attributes, measure."""
    dsd = Scheme(
        DSD_ID,
        "International migrant stock",
        (),
        "Data structure of the migrant-stock server (docs/model.md).",
    )
    element = maintainable(
        container(structures, "DataStructures"), "DataStructure", "DataStructure", dsd
    )
    components = etree.SubElement(element, tag("str", "DataStructureComponents"))
    dimensions = descriptor(components, "DimensionList", "DimensionDescriptor")
    for position, (concept, codelist) in enumerate(DIMENSIONS, start=1):
        component(
            dimensions,
            "Dimension",
            "Dimension",
            concept,
            codelist,
            position=f"{position}",
        )
    component(
        dimensions,
        "TimeDimension",
        "TimeDimension",
        "TIME_PERIOD",
        text_type="ObservationalTimePeriod",
        position=str(len(DIMENSIONS) + 1),
    )
    write_attributes(descriptor(components, "AttributeList", "AttributeDescriptor"))
    measures = descriptor(components, "MeasureList", "MeasureDescriptor")
    component(
        measures, "PrimaryMeasure", "PrimaryMeasure", "OBS_VALUE", text_type="Double"
    )


def write_attributes(attributes: etree._Element) -> None:
    """Add the DSD's attributes, series-level ones related to every dimension."""
    for concept, status, series, codelist in ATTRIBUTES:
        attribute = component(
            attributes,
            "Attribute",
            "DataAttribute",
            concept,
            codelist,
            "String",
            assignmentStatus=status,
        )
        relationship = etree.SubElement(attribute, tag("str", "AttributeRelationship"))
        if series:
            for dimension, *_ in DIMENSIONS:
                ref(relationship, "Dimension", id=dimension)
        else:
            ref(relationship, "PrimaryMeasure", id="OBS_VALUE")


def write_dataflows(structures: etree._Element, src: Sources) -> None:
    """Dataflows, CAT_MIGRATION, categorisations and content constraints."""
    dsd_ref = artefact_ref("DataStructure", AGENCY, DSD_ID, VERSION)
    flows = container(structures, "Dataflows")
    for flow in FLOWS:
        element = maintainable(
            flows,
            "Dataflow",
            "Dataflow",
            Scheme(flow.id, flow.name, (), flow.description),
        )
        if flow.id in RESTRICTED_FLOWS:
            restrict(element)
        ref(element, "Structure", **dsd_ref)
    write_categories(container(structures, "CategorySchemes"))
    write_categorisations(container(structures, "Categorisations"))
    constraints = container(structures, "Constraints")
    for flow in FLOWS:
        write_constraint(constraints, flow, flow_codes(flow, src))


# Dataflows whose data only registered users read; the server looks for this
# annotation type on a dataflow (server.auth.RESTRICTED).
RESTRICTED_FLOWS = ("DF_MIG_NSO",)
RESTRICTED = "RESTRICTED"


def restrict(element: etree._Element) -> None:
    """Mark a dataflow as restricted: an annotation, its first child."""
    annotations = etree.Element(tag("com", "Annotations"))
    annotation = etree.SubElement(annotations, tag("com", "Annotation"))
    etree.SubElement(annotation, tag("com", "AnnotationType")).text = RESTRICTED
    text = etree.SubElement(annotation, tag("com", "AnnotationText"), {XML_LANG: "en"})
    text.text = "Data and availability for registered users only"
    element.insert(0, annotations)


def write_categories(parent: etree._Element) -> None:
    """UNDESA:CAT_MIGRATION, sub-categories nested in their parent category."""
    scheme = CATEGORIES
    element = maintainable(parent, "CategoryScheme", "CategoryScheme", scheme)
    nodes: dict[str | None, etree._Element] = {None: element}
    for item in scheme.items:
        path = category_path(item.id).split(".")
        node = etree.SubElement(
            nodes[item.parent],
            tag("str", "Category"),
            {
                "urn": urn("Category", AGENCY, scheme.id, VERSION, *path),
                "id": item.id,
            },
        )
        texts(node, item.name, item.description)
        nodes[item.id] = node


def write_categorisations(parent: etree._Element) -> None:
    """One categorisation per dataflow, to its category of CAT_MIGRATION."""
    for flow in FLOWS:
        category = category_path(flow.category)
        categorisation = Scheme(
            f"{flow.id}_{flow.category}",
            f"Dataflow {flow.id} in category {category}",
            (),
        )
        element = maintainable(
            parent, "Categorisation", "Categorisation", categorisation
        )
        ref(element, "Source", **artefact_ref("Dataflow", AGENCY, flow.id, VERSION))
        ref(
            element,
            "Target",
            agencyID=AGENCY,
            maintainableParentID=CATEGORIES.id,
            maintainableParentVersion=VERSION,
            id=category,
            package="categoryscheme",
            **{"class": "Category"},
        )


def category_path(category: str) -> str:
    """Dotted id of a category of CAT_MIGRATION from its top category down."""
    parents = {item.id: item.parent for item in CATEGORIES.items}
    path = [category]
    while (parent := parents[path[0]]) is not None:
        path.insert(0, parent)
    return ".".join(path)


def flow_codes(flow: Flow, src: Sources) -> dict[str, list[str]]:
    """The codes a dataflow holds, per dimension (just INDICATOR without data)."""
    codes = {"INDICATOR": list(flow.indicators)}
    if flow.table is None:
        return codes
    if flow.table == "origin":
        areas, origins = src.destinations_2019, src.origins_2019
    else:
        areas, origins = src.tables_2020[flow.table], ["_T"]
    return {
        "FREQ": ["A"],
        **codes,
        "REF_AREA": [src.areas[code].id for code in areas],
        "SEX": list(flow.sexes),
        "AGE": ["_T"],
        "COB": origins,
        "CITIZENSHIP": origins,
    }


def write_constraint(
    parent: etree._Element, flow: Flow, codes: dict[str, list[str]]
) -> None:
    """Allowed content constraint CC_<flow> whose cube region lists the flow's codes."""
    cc_id = "CC_" + flow.id.removeprefix("DF_")
    scheme = Scheme(
        cc_id, f"Content of {flow.id}", (), f"Codes that dataflow {flow.id} holds."
    )
    element = maintainable(parent, "ContentConstraint", "ContentConstraint", scheme)
    element.set("type", "Allowed")
    attachment = etree.SubElement(element, tag("str", "ConstraintAttachment"))
    ref(attachment, "Dataflow", **artefact_ref("Dataflow", AGENCY, flow.id, VERSION))
    region = etree.SubElement(element, tag("str", "CubeRegion"), include="true")
    for dimension, *_ in DIMENSIONS:
        if dimension in codes:
            key = etree.SubElement(region, tag("com", "KeyValue"), id=dimension)
            for value in codes[dimension]:
                etree.SubElement(key, tag("com", "Value")).text = value


# The country each national statistical office reports as REF_AREA (M49).
NSO_AREAS = {
    "NSO_MEX": "484",
    "NSO_DEU": "276",
    "NSO_USA": "840",
    "NSO_KEN": "404",
    "NSO_PHL": "608",
}
DESA_PROVIDER_ID = "DESA_PD"


def write_agreements(structures: etree._Element, _: Sources) -> None:
    """Provision agreements: who reports which dataflow, within what.

    DESA_PD provides every bundled dataflow; each national statistical office
    reports DF_MIG_NSO for its own country only, which a content constraint on its
    agreement says (REF_AREA).
    """
    constraints = container(structures, "Constraints")
    agreements = container(structures, "ProvisionAgreements")
    pairs = [(DESA_PROVIDER_ID, f.id) for f in FLOWS if f.table is not None]
    pairs += [(nso, "DF_MIG_NSO") for nso in NSO_AREAS]
    for provider, flow in pairs:
        pa_id = f"PA_{provider}_{flow.removeprefix('DF_')}"
        scheme = Scheme(pa_id, f"{provider} reports {flow}", ())
        element = maintainable(
            agreements, "ProvisionAgreement", "ProvisionAgreement", scheme
        )
        ref(
            element, "StructureUsage", **artefact_ref("Dataflow", AGENCY, flow, VERSION)
        )
        ref(
            element,
            "DataProvider",
            agencyID=AGENCY,
            maintainableParentID=DATA_PROVIDERS.id,
            maintainableParentVersion=VERSION,
            id=provider,
            package="base",
            **{"class": "DataProvider"},
        )
        if provider not in NSO_AREAS:
            continue
        cc = Scheme(
            f"CC_{pa_id}",
            f"What {provider} may report",
            (),
            f"{provider} reports its own country ({NSO_AREAS[provider]}) as REF_AREA.",
        )
        constraint = maintainable(
            constraints, "ContentConstraint", "ContentConstraint", cc
        )
        constraint.set("type", "Allowed")
        attachment = etree.SubElement(constraint, tag("str", "ConstraintAttachment"))
        ref(
            attachment,
            "ProvisionAgreement",
            **artefact_ref("ProvisionAgreement", AGENCY, pa_id, VERSION),
        )
        region = etree.SubElement(constraint, tag("str", "CubeRegion"), include="true")
        key = etree.SubElement(region, tag("com", "KeyValue"), id="REF_AREA")
        etree.SubElement(key, tag("com", "Value")).text = NSO_AREAS[provider]


FILES: dict[str, Callable[[etree._Element, Sources], None]] = {
    "agencies.xml": write_agencies,
    "codelists.xml": write_codelists,
    "areas.xml": write_areas,
    "concepts.xml": write_concepts,
    "dsd.xml": write_dsd,
    "dataflows.xml": write_dataflows,
    "agreements.xml": write_agreements,
}


# --- running -----------------------------------------------------------------------


def prepared_time() -> str:
    """Header time: SOURCE_DATE_EPOCH if set (reproducible builds), else now, UTC."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    moment = datetime.fromtimestamp(int(epoch), UTC) if epoch else datetime.now(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def write_files(src: Sources, out: Path) -> list[Path]:
    """Write every structure message into ``out``; return the paths written."""
    out.mkdir(parents=True, exist_ok=True)
    prepared, paths = prepared_time(), []
    for name, write in FILES.items():
        root, structures = new_message(
            f"{AGENCY}_{name.removesuffix('.xml').upper()}", prepared
        )
        write(structures, src)
        etree.cleanup_namespaces(root, top_nsmap=NS)
        etree.indent(root)  # also re-indents the copied SDMX codelists
        path = out / name
        etree.ElementTree(root).write(str(path), encoding="UTF-8", xml_declaration=True)
        logger.info("wrote %s", path.relative_to(ROOT))
        paths.append(path)
    return paths


def schema_errors(paths: Iterable[Path]) -> list[str]:
    """Messages of every SDMX-ML 2.1 schema violation in the given files."""
    schema = etree.XMLSchema(etree.parse(str(XSD)))
    errors = []
    for path in paths:
        if not schema.validate(etree.parse(str(path))):
            errors += [f"{path.name}:{e.line}: {e.message}" for e in schema.error_log]
    return errors


def main(argv: Sequence[str] | None = None) -> int:
    """Regenerate structures/*.xml and validate them; return the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sdg-dsd",
        type=Path,
        metavar="PATH",
        help="SDG global DSD (SDG_DSD.xml) to copy the SDMX "
        "codelists from (default: keep those of structures/)",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s")

    paths = write_files(read_sources(args.sdg_dsd), OUT)
    errors = schema_errors(paths)
    for error in errors:
        logger.error("%s", error)
    logger.info(
        "%d files, %d schema errors (%s)",
        len(paths),
        len(errors),
        XSD.relative_to(ROOT),
    )
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
