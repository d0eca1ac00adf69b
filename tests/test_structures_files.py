"""The SDMX-ML 2.1 structure files in structures/: schema validity and DESA facts.

The files are written by tools/make_structures.py. These tests check them against the
copy of the SDMX-ML 2.1 schemas in schemas/sdmx-ml-2.1 and, reading the DESA files
in data/desa independently of the script, against the facts they come from.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import pandas as pd
import pytest
from lxml import etree

ROOT = Path(__file__).resolve().parent.parent
STRUCTURES = ROOT / "structures"
SCHEMA = ROOT / "schemas" / "sdmx-ml-2.1" / "SDMXMessage.xsd"
DESA = ROOT / "data" / "desa"
CORRESPONDENCE = DESA / "aggregates_correspondence_table_2020_1.xlsx"
STOCK_2020 = DESA / "undesa_pd_2020_ims_stock_by_sex_and_destination.xlsx"
STOCK_2019 = DESA / "UN_MigrantStockTotal_2019.xlsx"
ORIGIN_2019 = DESA / "UN_MigrantStockByOriginAndDestination_2019.csv"

NS = {
    "mes": "http://www.sdmx.org/resources/sdmxml/schemas/v2_1/message",
    "str": "http://www.sdmx.org/resources/sdmxml/schemas/v2_1/structure",
    "com": "http://www.sdmx.org/resources/sdmxml/schemas/v2_1/common",
}
FILES = (
    "agencies.xml",
    "codelists.xml",
    "areas.xml",
    "concepts.xml",
    "dsd.xml",
    "dataflows.xml",
    "agreements.xml",
)
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
SPECIAL_AREAS = {"_T", "_U", "STLS", "OTH_SOUTH", "OTH_NORTH"}
DATAFLOWS = (
    "DF_IMS2020_SEX",
    "DF_IMS2020_POP",
    "DF_IMS2020_SHARE",
    "DF_IMS2020_FEMALE",
    "DF_IMS2020_GROWTH",
    "DF_IMS2020_REFUGEES",
    "DF_IMS2019_ORIGIN",
    "DF_MIG_NSO",
)
# Maintainable artefact element -> (URN package, class).
MAINTAINABLES = {
    "AgencyScheme": ("base", "AgencyScheme"),
    "DataProviderScheme": ("base", "DataProviderScheme"),
    "Codelist": ("codelist", "Codelist"),
    "HierarchicalCodelist": ("codelist", "HierarchicalCodelist"),
    "ConceptScheme": ("conceptscheme", "ConceptScheme"),
    "DataStructure": ("datastructure", "DataStructure"),
    "Dataflow": ("datastructure", "Dataflow"),
    "CategoryScheme": ("categoryscheme", "CategoryScheme"),
    "Categorisation": ("categoryscheme", "Categorisation"),
    "ContentConstraint": ("registry", "ContentConstraint"),
    "ProvisionAgreement": ("registry", "ProvisionAgreement"),
}


ORGANISATION_SCHEMES = ("AgencyScheme", "DataProviderScheme")


@cache
def structure(name: str) -> etree._ElementTree:
    """One structure file, parsed once."""
    return etree.parse(str(STRUCTURES / name))


def find(path: str) -> list[etree._Element]:
    """Elements matching an XPath (str:, com: prefixes) across every file."""
    return [el for name in FILES for el in structure(name).xpath(path, namespaces=NS)]


def codelist(agency: str, id_: str) -> etree._Element:
    """The one codelist with that agency and id."""
    (found,) = find(f"//str:Codelist[@agencyID='{agency}'][@id='{id_}']")
    return found


def codes(agency: str, id_: str) -> dict[str, etree._Element]:
    """Codes of a codelist by id, in file order."""
    return {
        code.get("id"): code for code in codelist(agency, id_).iterfind("str:Code", NS)
    }


def name_of(element: etree._Element) -> str:
    """The English name of an identifiable."""
    (name,) = element.xpath("com:Name[@xml:lang='en']/text()", namespaces=NS)
    return str(name)


def area_id(code: int) -> str:
    """CL_AREA id of a DESA location code: countries zero-padded as in M49."""
    return f"{code:03d}" if code < 900 else str(code)


def integer_codes(column: pd.Series) -> list[int]:
    """The integer location codes of a worksheet or CSV column, in order."""
    text = column.astype(str).str.replace(",", "").str.strip()
    numbers = pd.to_numeric(text, errors="coerce").dropna()
    return [int(n) for n in numbers if float(n).is_integer()]


@cache
def correspondence() -> pd.DataFrame:
    """DESA's correspondence table, data rows only (below header rows 10-11)."""
    frame = pd.read_excel(CORRESPONDENCE, sheet_name=0, header=None, skiprows=11)
    return frame[pd.to_numeric(frame[3], errors="coerce").notna()]


@cache
def codes_2019() -> set[int]:
    """Location codes of the 2019 workbook's tables and ANNEX and the CSV's rows."""
    book = pd.read_excel(STOCK_2019, sheet_name=None, header=None)
    found = {
        code
        for sheet, frame in book.items()
        if sheet == "ANNEX" or sheet.startswith("Table")
        for code in integer_codes(frame[3])
    }
    origin = pd.read_csv(
        ORIGIN_2019, encoding="cp1252", header=None, skiprows=16, dtype=str
    )
    return found | set(integer_codes(origin[4]))


@pytest.fixture(scope="module")
def schema() -> etree.XMLSchema:
    """The SDMX-ML 2.1 message schema, from the project's copy."""
    return etree.XMLSchema(etree.parse(str(SCHEMA)))


def test_structures_folder_holds_the_seven_files():
    assert sorted(p.name for p in STRUCTURES.glob("*.xml")) == sorted(FILES)


@pytest.mark.parametrize(
    "path", [pytest.param(p, id=p.name) for p in sorted(STRUCTURES.glob("*.xml"))]
)
def test_file_is_valid_sdmx_ml_21(schema, path):
    document = etree.parse(str(path))
    assert schema.validate(document), "\n".join(
        f"{path.name}:{e.line}: {e.message}" for e in schema.error_log
    )
    assert etree.QName(document.getroot()).localname == "Structure"


@pytest.mark.parametrize("name", [pytest.param(n, id=n) for n in FILES])
def test_header_has_id_test_prepared_and_sender(name):
    header = structure(name).find("mes:Header", NS)
    assert [etree.QName(child).localname for child in header][:4] == [
        "ID",
        "Test",
        "Prepared",
        "Sender",
    ]


def test_every_maintainable_artefact_has_its_urn_and_is_final():
    seen = 0
    for tag, (package, cls) in MAINTAINABLES.items():
        for element in find(f"//str:{tag}[@agencyID]"):
            agency, id_, version = (
                element.get(a) for a in ("agencyID", "id", "version")
            )
            expected = (
                f"urn:sdmx:org.sdmx.infomodel.{package}.{cls}={agency}:{id_}({version})"
            )
            assert element.get("urn") == expected
            # the schema fixes isFinal="false" for organisation schemes
            final = "false" if tag in ORGANISATION_SCHEMES else "true"
            assert element.get("isFinal") == final, expected
            assert name_of(element), expected
            seen += 1
    # agreements: 7 for DESA_PD's dataflows, 5 for the offices, each office's
    # with a constraint
    assert seen == 2 + 9 + 1 + 1 + 1 + 8 + 1 + 8 + 8 + 12 + 5


def test_every_identifiable_has_a_urn_and_english_names():
    for element in find("//str:*[@id]"):
        assert element.get("urn", "").startswith("urn:sdmx:org.sdmx.infomodel."), (
            element.get("id")
        )
    languages = {n.get(XML_LANG) for n in find("//com:Name | //com:Description")}
    assert languages == {"en"}


def test_urn_of_cl_area_and_of_its_codes():
    cl_area = codelist("UNDESA", "CL_AREA")
    assert cl_area.get("urn") == (
        "urn:sdmx:org.sdmx.infomodel.codelist.Codelist=UNDESA:CL_AREA(1.0)"
    )
    assert codes("UNDESA", "CL_AREA")["840"].get("urn") == (
        "urn:sdmx:org.sdmx.infomodel.codelist.Code=UNDESA:CL_AREA(1.0).840"
    )


@pytest.mark.parametrize(
    ("code", "name"),
    [
        ("840", "United States of America"),
        ("900", "WORLD"),
        ("728", "South Sudan"),
        ("004", "Afghanistan"),
        ("156", "China"),
        ("909", "OCEANIA"),
        ("1833", "Northern Africa and Western Asia"),
    ],
)
def test_cl_area_names_desa_locations(code, name):
    assert name_of(codes("UNDESA", "CL_AREA")[code]) == name


def test_cl_area_parent_is_desa_parent_location():
    table = correspondence()
    (parent,) = table.loc[table[3] == 840, 7]
    code = codes("UNDESA", "CL_AREA")["840"]
    assert code.find("str:Parent/Ref", NS).get("id") == area_id(int(parent))


def test_cl_area_holds_every_desa_location_and_the_special_codes():
    desa_2020 = set(integer_codes(correspondence()[3]))
    extras = codes_2019() - desa_2020
    ids = list(codes("UNDESA", "CL_AREA"))

    assert extras == {917, 918, 1518}
    assert len(ids) == len(desa_2020) + len(extras) + len(SPECIAL_AREAS)
    assert set(ids) == {area_id(c) for c in desa_2020 | extras} | SPECIAL_AREAS


def test_cl_area_ids_are_padded_countries_and_unpadded_aggregates():
    for id_ in codes("UNDESA", "CL_AREA"):
        if id_.isdigit():
            assert id_ == area_id(int(id_))


def test_cl_area_names_are_clean():
    for code in codes("UNDESA", "CL_AREA").values():
        name = name_of(code)
        assert name == name.strip() and "*" not in name, code.get("id")


def test_cl_area_parents_are_codes_of_cl_area_without_cycles():
    area = codes("UNDESA", "CL_AREA")
    parent = {
        id_: code.find("str:Parent/Ref", NS).get("id")
        for id_, code in area.items()
        if code.find("str:Parent", NS) is not None
    }
    assert set(parent.values()) <= set(area)
    for start in parent:
        seen, node = {start}, parent[start]
        while node in parent:
            assert node not in seen, f"cycle through {start}"
            seen.add(node)
            node = parent[node]


def hierarchy(id_: str) -> etree._Element:
    """A hierarchy of UNDESA:HCL_AREA_GROUPS."""
    (found,) = find(
        f"//str:HierarchicalCodelist[@id='HCL_AREA_GROUPS']/str:Hierarchy[@id='{id_}']"
    )
    return found


def test_hcl_area_groups_has_the_four_desa_groupings():
    tops = {
        h.get("id"): [c.get("id") for c in h.iterfind("str:HierarchicalCode", NS)]
        for h in find("//str:HierarchicalCodelist[@id='HCL_AREA_GROUPS']/str:Hierarchy")
    }
    assert list(tops) == [
        "GEO_REGIONS",
        "SDG_REGIONS",
        "DEVELOPMENT_GROUPS",
        "INCOME_GROUPS",
    ]
    assert tops["DEVELOPMENT_GROUPS"] == [
        "901",
        "902",
        "941",
        "934",
        "948",
        "1636",
        "1637",
    ]
    assert tops["INCOME_GROUPS"] == ["1503", "1517", "1502", "1501", "1500", "1518"]
    assert tops["GEO_REGIONS"] == ["903", "935", "908", "904", "905", "909"]


def test_hcl_area_groups_places_usa_as_desa_does():
    def ancestry(hid: str) -> list[str]:
        (node,) = hierarchy(hid).xpath(
            ".//str:HierarchicalCode[@id='840']", namespaces=NS
        )
        return [
            a.get("id") for a in node.iterancestors(f"{{{NS['str']}}}HierarchicalCode")
        ]

    assert ancestry("GEO_REGIONS") == ["905"]
    assert ancestry("SDG_REGIONS") == ["918", "1829"]
    assert ancestry("DEVELOPMENT_GROUPS") == ["901"]
    assert ancestry("INCOME_GROUPS") == ["1503"]


def test_hcl_area_groups_members_match_the_correspondence_table():
    table = correspondence()
    least_developed = {area_id(int(c)) for c in table.loc[table[19] == 941, 3]}
    (group,) = hierarchy("DEVELOPMENT_GROUPS").xpath(
        "str:HierarchicalCode[@id='941']", namespaces=NS
    )
    members = {c.get("id") for c in group.iterfind("str:HierarchicalCode", NS)}
    assert members == least_developed
    assert len(least_developed) == 47


def test_hierarchical_codes_refer_to_cl_area_codes():
    area = codes("UNDESA", "CL_AREA")
    refs = find("//str:HierarchicalCode/str:Code/Ref")
    assert refs and all(r.get("id") in area for r in refs)
    assert {r.get("maintainableParentID") for r in refs} == {"CL_AREA"}


def test_sdmx_codelists_are_the_copies_from_the_sdg_dsd():
    sizes = {
        "CL_FREQ": ("2.0", 9),
        "CL_OBS_STATUS": ("2.1", 20),
        "CL_UNIT_MULT": ("1.1", 31),
    }
    for id_, (version, size) in sizes.items():
        element = codelist("SDMX", id_)
        assert element.get("version") == version
        assert len(element.findall("str:Code", NS)) == size
    comments = structure("codelists.xml").xpath("//comment()")
    assert any(
        "SDG_DSD.xml" in c.text and "IAEG-SDGs:SDG(1.4)" in c.text for c in comments
    )


@pytest.mark.parametrize(
    ("id_", "expected"),
    [
        ("CL_SEX", ["_T", "M", "F", "_U"]),
        ("CL_UNIT_MEASURE", ["PS", "PT", "PC_PA"]),
        ("CL_DATA_BASIS", ["B", "C", "B_R", "C_R", "C_B", "C_B_R", "I", "I_R", "_Z"]),
        (
            "CL_MIG_INDICATOR",
            [
                "MIG_STOCK",
                "POP",
                "MIG_SHARE",
                "MIG_FEM_SHARE",
                "MIG_GROWTH",
                "REF_STOCK",
                "REF_SHARE",
                "REF_GROWTH",
            ],
        ),
    ],
)
def test_undesa_codelists_hold_the_model_codes(id_, expected):
    assert list(codes("UNDESA", id_)) == expected


def test_cl_age_holds_five_year_and_child_groups():
    ages = list(codes("UNDESA", "CL_AGE"))
    five_year = [f"Y{low}T{low + 4}" for low in range(0, 75, 5)]
    assert ages[0] == "_T" and ages[-1] == "_U"
    assert ages[1:17] == [*five_year, "Y_GE75"]
    assert {
        "Y0T14",
        "Y0T17",
        "Y0T19",
        "Y15T17",
        "Y15T24",
        "Y_GE15",
        "Y_GE18",
        "Y_GE65",
    } <= set(ages)


def types_of_data(frame: pd.DataFrame, header: int) -> set[str]:
    """Values of the "Type of data" columns below a 1-based header row."""
    labels = frame.iloc[header - 1].items()
    columns = [col for col, label in labels if str(label).startswith("Type of data")]
    values = (frame.iloc[header:][col].dropna() for col in columns)
    return {str(value).strip() for column in values for value in column} - {""}


def test_data_basis_codes_cover_desa_types_of_data():
    types = set()
    for path, header in ((STOCK_2020, 11), (STOCK_2019, 15)):
        book = pd.read_excel(path, sheet_name=None, header=None)
        for sheet, frame in book.items():
            if re.fullmatch(r"Table \d", sheet):
                types |= types_of_data(frame, header)
    origin = pd.read_csv(ORIGIN_2019, encoding="cp1252", header=None, dtype=str)
    types |= types_of_data(origin, 15)

    # DESA's letters joined by "_": 'B R ' is B_R, 'CR' is C_R, 'C B R' is C_B_R
    basis = {"_".join(re.findall("[A-Z]", t)) for t in types}
    assert {"B", "C", "B_R", "C_R", "C_B", "C_B_R", "I", "I_R"} == basis
    assert basis <= set(codes("UNDESA", "CL_DATA_BASIS"))


def test_dsd_dimensions_in_key_order_with_their_codelists():
    dimensions = find(
        "//str:DataStructure[@id='DSD_MIG_STOCK']//str:DimensionList/str:Dimension"
    )
    found = [
        (
            d.get("id"),
            d.find("str:LocalRepresentation/str:Enumeration/Ref", NS).get("id"),
        )
        for d in dimensions
    ]
    assert found == [
        ("FREQ", "CL_FREQ"),
        ("INDICATOR", "CL_MIG_INDICATOR"),
        ("REF_AREA", "CL_AREA"),
        ("SEX", "CL_SEX"),
        ("AGE", "CL_AGE"),
        ("COB", "CL_AREA"),
        ("CITIZENSHIP", "CL_AREA"),
    ]
    (time,) = find("//str:TimeDimension")
    assert time.get("id") == "TIME_PERIOD" and time.get("position") == "8"


def test_dsd_references_resolve_to_published_artefacts():
    concepts = {
        c.get("id") for c in find("//str:ConceptScheme[@id='CS_MIGRATION']/str:Concept")
    }
    for r in find("//str:ConceptIdentity/Ref"):
        assert r.get("maintainableParentID") == "CS_MIGRATION"
        assert r.get("id") in concepts
    for r in find("//str:Enumeration/Ref"):
        codelist(r.get("agencyID"), r.get("id"))


def test_every_dataflow_has_a_categorisation_and_a_content_constraint():
    flows = [f.get("id") for f in find("//str:Dataflows/str:Dataflow")]
    categorised = [r.get("id") for r in find("//str:Categorisation/str:Source/Ref")]
    attached = [r.get("id") for r in find("//str:ContentConstraint//str:Dataflow/Ref")]
    assert flows == categorised == attached == list(DATAFLOWS)
    constraint_ids = [
        c.get("id")
        for c in find("//str:ContentConstraint")
        if c.find("str:ConstraintAttachment/str:Dataflow", NS) is not None
    ]
    assert constraint_ids == ["CC_" + f.removeprefix("DF_") for f in DATAFLOWS]
    targets = {r.get("id") for r in find("//str:Categorisation/str:Target/Ref")}
    assert targets == {"MIGRATION.STOCK", "MIGRATION.POPULATION", "MIGRATION.REFUGEES"}


def cube(flow: str) -> dict[str, list[str]]:
    """Codes of the cube region of a dataflow's content constraint, per dimension."""
    (region,) = find(
        f"//str:ContentConstraint[@id='CC_{flow.removeprefix('DF_')}']/str:CubeRegion"
    )
    return {
        key.get("id"): [v.text for v in key.iterfind("com:Value", NS)]
        for key in region.iterfind("com:KeyValue", NS)
    }


def test_constraint_values_are_codes_of_the_dimension_codelists():
    codelist_of = {
        d.get("id"): d.find("str:LocalRepresentation/str:Enumeration/Ref", NS)
        for d in find("//str:DimensionList/str:Dimension")
    }
    for flow in DATAFLOWS:
        for dimension, values in cube(flow).items():
            ref = codelist_of[dimension]
            allowed = codes(ref.get("agencyID"), ref.get("id"))
            assert values and set(values) <= set(allowed), (flow, dimension)


def test_constraint_of_table_1_lists_its_locations():
    table = pd.read_excel(STOCK_2020, sheet_name="Table 1", header=None, skiprows=11)
    locations = {area_id(c) for c in integer_codes(table[3])}
    region = cube("DF_IMS2020_SEX")
    assert set(region["REF_AREA"]) == locations
    assert {"840", "900", "728"} <= locations
    assert region["SEX"] == ["_T", "M", "F"] and region["INDICATOR"] == ["MIG_STOCK"]
    assert region["COB"] == region["CITIZENSHIP"] == region["AGE"] == ["_T"]


def test_constraint_of_the_origin_table_lists_origins_and_residuals():
    region = cube("DF_IMS2019_ORIGIN")
    assert region["COB"] == region["CITIZENSHIP"]
    assert region["COB"][:3] == ["_T", "OTH_SOUTH", "OTH_NORTH"]
    assert {"484", "840", "004"} <= set(region["COB"])
    assert len(region["COB"]) == 3 + 232
    assert {"917", "918", "900"} <= set(region["REF_AREA"])


def test_constraint_of_the_offices_flow_only_fixes_the_indicator():
    assert cube("DF_MIG_NSO") == {"INDICATOR": ["MIG_STOCK"]}


def test_origin_constraint_lists_1518_whose_code_cell_is_empty():
    # The CSV leaves the code of "No income group available" empty on rows that hold
    # numbers; the row is placed by its name, as the 2019 workbook codes it 1518.
    origin = pd.read_csv(ORIGIN_2019, encoding="cp1252", header=None, dtype=str)
    rows = origin[origin[2] == "No income group available"]
    assert len(rows) == 7 and rows[4].isna().all()
    assert "1518" in cube("DF_IMS2019_ORIGIN")["REF_AREA"]


def test_each_office_reports_its_own_country_only():
    """Each office's provision agreement for DF_MIG_NSO carries an Allowed
    constraint on REF_AREA: its own country, an M49 code of CL_AREA."""
    areas = {"NSO_MEX": "484", "NSO_DEU": "276", "NSO_USA": "840"}
    areas |= {"NSO_KEN": "404", "NSO_PHL": "608"}
    agreements = find("//str:ProvisionAgreements/str:ProvisionAgreement")
    offices = {
        a.find("str:DataProvider/Ref", NS).get("id"): a.get("id")
        for a in agreements
        if a.find("str:StructureUsage/Ref", NS).get("id") == "DF_MIG_NSO"
    }
    assert set(offices) == set(areas)
    codes = {c.get("id") for c in find("//str:Codelist[@id='CL_AREA']/str:Code")}
    for office, agreement in offices.items():
        (constraint,) = find(
            "//str:ContentConstraint[str:ConstraintAttachment/str:ProvisionAgreement"
            f"/Ref/@id='{agreement}']"
        )
        assert constraint.get("type") == "Allowed"
        values = constraint.xpath(
            "str:CubeRegion/com:KeyValue[@id='REF_AREA']/com:Value/text()",
            namespaces=NS,
        )
        assert values == [areas[office]]
        assert areas[office] in codes
