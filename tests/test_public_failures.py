"""Faults seen in public SDMX services, each shown impossible here."""

from __future__ import annotations

import csv
import io

import pytest
from lxml import etree

from server import auth, create_app
from tests.helpers import NS, assert_valid_sdmx_ml

STRUCTURES = ("agencies", "codelists", "areas", "concepts", "dsd", "dataflows")
TRICKY = 'He said "5\\6" & <b>\nنعم, 中文 — Ελλάδα'
KEY = "A.MIG_STOCK.276._T._T._T._T"


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def loaded(request, database_url_factory, tmp_path_factory):
    """The bundle, plus an office's series whose comment holds tricky text."""
    app = create_app(
        {"TESTING": True, "DATABASE_URL": database_url_factory(request.param)}
    )
    folder = tmp_path_factory.mktemp("tricky")
    path = folder / "tricky.csv"
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(
            [
                "DATAFLOW",
                "FREQ",
                "INDICATOR",
                "REF_AREA",
                "SEX",
                "AGE",
                "COB",
                "CITIZENSHIP",
                "TIME_PERIOD",
                "OBS_VALUE",
                "UNIT_MEASURE",
                "UNIT_MULT",
                "COMMENT_TS",
            ]
        )
        writer.writerow(
            [
                "UNDESA:DF_MIG_NSO(1.0)",
                *KEY.split("."),
                "2021",
                "15000000",
                "PS",
                "0",
                TRICKY,
            ]
        )
    result = app.test_cli_runner().invoke(
        args=["load", "--provider", "UNDESA:NSO_DEU", str(path)]
    )
    assert result.exit_code == 0, result.output
    with app.extensions["store"].engine.begin() as conn:
        # DF_MIG_NSO is restricted: its data are read with a registered user's token.
        app.reader = {
            "Authorization": f"Bearer {auth.add_user(conn, 'r', 'reader', None)}"
        }
    yield app
    app.extensions["store"].dispose()


def _strings(value):
    """Every string inside a parsed JSON document."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def _expected() -> str:
    return TRICKY


@pytest.mark.parametrize(
    "accept",
    [
        "application/vnd.sdmx.genericdata+xml;version=2.1",
        "application/vnd.sdmx.structurespecificdata+xml;version=2.1",
        "application/vnd.sdmx.data+xml;version=3.0.0",
    ],
)
def test_tricky_text_survives_xml(loaded, accept):
    response = loaded.test_client().get(
        f"/rest/data/DF_MIG_NSO/{KEY}", headers={"Accept": accept, **loaded.reader}
    )
    root = etree.fromstring(response.data)
    found = [
        v.get("value") for v in root.iter("{*}Value") if v.get("id") == "COMMENT_TS"
    ] + [s.get("COMMENT_TS") for s in root.iter("Series") if s.get("COMMENT_TS")]
    assert found == [_expected()]


@pytest.mark.parametrize("version", ["1.0.0", "2.0.0"])
def test_tricky_text_survives_json(loaded, version):
    response = loaded.test_client().get(
        f"/rest/data/DF_MIG_NSO/{KEY}",
        headers={
            "Accept": f"application/vnd.sdmx.data+json;version={version}",
            **loaded.reader,
        },
    )
    assert _expected() in set(_strings(response.json))


@pytest.mark.parametrize("version", ["1.0.0", "2.0.0"])
def test_tricky_text_survives_csv(loaded, version):
    response = loaded.test_client().get(
        f"/rest/data/DF_MIG_NSO/{KEY}",
        headers={
            "Accept": f"application/vnd.sdmx.data+csv;version={version}",
            **loaded.reader,
        },
    )
    rows = list(csv.DictReader(io.StringIO(response.data.decode("utf-8"))))
    assert [row["COMMENT_TS"] for row in rows] == [_expected()]


@pytest.mark.parametrize("flow", ["DF_IMS2020_SEX", "DF_IMS2019_ORIGIN", "DF_MIG_NSO"])
@pytest.mark.parametrize("references", ["descendants", "all"])
def test_no_dangling_references_inside_a_message(loaded, flow, references):
    response = loaded.test_client().get(
        f"/rest/dataflow/UNDESA/{flow}/1.0?references={references}"
    )
    root = assert_valid_sdmx_ml(response.data)
    present = {
        (e.get("agencyID"), e.get("id"), e.get("version"))
        for e in root.find("mes:Structures", NS).iter()
        if e.get("agencyID") and e.get("version")
    }
    dangling = set()
    for ref in root.iter("Ref"):
        if ref.get("class") in ("Codelist", "DataStructure", "ConceptScheme"):
            wanted = (ref.get("agencyID"), ref.get("id"), ref.get("version"))
        elif ref.get("class") == "Concept":
            wanted = (
                ref.get("agencyID"),
                ref.get("maintainableParentID"),
                ref.get("maintainableParentVersion"),
            )
        else:
            continue
        if wanted not in present:
            dangling.add(wanted)
    assert dangling == set()


def test_a_pinned_older_version_stays_when_a_newer_is_published(loaded, tmp_path):
    text = loaded.root_path + "/../structures/codelists.xml"
    source = etree.parse(text)
    codelist = source.find(".//{*}Codelist[@id='CL_SEX']")
    codelist.set("version", "1.1")
    codelist.set("urn", codelist.get("urn").replace("(1.0)", "(1.1)"))
    for code in codelist.iter("{*}Code"):
        code.set("urn", code.get("urn").replace("(1.0)", "(1.1)"))
    structures = source.getroot().find("{*}Structures")
    for container in list(structures):
        for artefact in list(container):
            if artefact is not codelist:
                container.remove(artefact)
        if len(container) == 0:
            structures.remove(container)
    path = tmp_path / "cl_sex_1_1.xml"
    source.write(str(path))
    result = loaded.test_cli_runner().invoke(args=["load", str(path)])
    assert result.exit_code == 0, result.output
    client = loaded.test_client()
    pinned = assert_valid_sdmx_ml(client.get("/rest/codelist/UNDESA/CL_SEX/1.0").data)
    assert pinned.find(".//str:Codelist", NS).get("version") == "1.0"
    latest = assert_valid_sdmx_ml(client.get("/rest/codelist/UNDESA/CL_SEX").data)
    assert latest.find(".//str:Codelist", NS).get("version") == "1.1"
    both = assert_valid_sdmx_ml(client.get("/rest/codelist/UNDESA/CL_SEX/all").data)
    assert len(both.findall(".//str:Codelist", NS)) == 2
    v2 = client.get(
        "/rest/v2/structure/codelist/UNDESA/CL_SEX/1.0",
        headers={"Accept": "application/vnd.sdmx.structure+json;version=2.0.0"},
    )
    assert v2.json["data"]["codelists"][0]["version"] == "1.0"
