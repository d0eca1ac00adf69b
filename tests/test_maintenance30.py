"""Structure maintenance with SDMX-ML 3.0.0 messages (REST 2.x, admins only).

The strongest check is the round trip: every bundled artefact, served as SDMX-ML 3.0
and posted back into an empty store, is served again exactly as before, in SDMX-ML
2.1 and in SDMX-ML 3.0.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from lxml import etree

from server import auth, create_app
from server.formats.ml30_reader import read_structure_message_30
from server.formats.structure_convert import convert_artefact
from server.formats.structure_ml30 import write_structure
from server.formats.structure_reader import read_structure_message
from tests.conftest import FIXTURES
from tests.helpers import assert_valid_sdmx_ml, assert_valid_sdmx_ml_30
from tests.test_maintenance import server  # noqa: F401

XML30 = "application/vnd.sdmx.structure+xml;version=3.0.0"
XML21 = "application/vnd.sdmx.structure+xml;version=2.1"
JSON20 = "application/vnd.sdmx.structure+json;version=2.0.0"
_BASE = "http://www.sdmx.org/resources/sdmxml/schemas/v3_0/"
MES, STR, COM = _BASE + "message", _BASE + "structure", _BASE + "common"
NS = {"mes": MES, "str": STR, "com": COM}
URN = "urn:sdmx:org.sdmx.infomodel"


def message30(inner: str) -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<mes:Structure xmlns:mes="{MES}" xmlns:str="{STR}" xmlns:com="{COM}">
<mes:Header><mes:ID>M1</mes:ID><mes:Test>false</mes:Test>
<mes:Prepared>2026-12-04T10:00:00Z</mes:Prepared><mes:Sender id="UNDESA"/></mes:Header>
<mes:Structures>{inner}</mes:Structures></mes:Structure>""".encode()


def codelist30(version: str, codes: dict[str, str], name: str = "Test areas") -> str:
    items = "".join(
        f'<str:Code id="{c}"><com:Name xml:lang="en">{n}</com:Name></str:Code>'
        for c, n in codes.items()
    )
    return (
        f'<str:Codelists><str:Codelist id="CL_TEST" agencyID="UNDESA" '
        f'version="{version}"><com:Name xml:lang="en">{name}</com:Name>'
        f"{items}</str:Codelist></str:Codelists>"
    )


def dataflow30(flow_id: str, version: str = "1.0", dsd_version: str = "1.0") -> str:
    return (
        f'<str:Dataflows><str:Dataflow id="{flow_id}" agencyID="UNDESA" '
        f'version="{version}"><com:Name xml:lang="en">A test dataflow</com:Name>'
        f"<str:Structure>{URN}.datastructure.DataStructure=UNDESA:DSD_MIG_STOCK"
        f"({dsd_version})</str:Structure></str:Dataflow></str:Dataflows>"
    )


def send30(app, method: str, path: str, body: bytes, token: str | None = None):
    headers = {"Content-Type": XML30}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return app.test_client().open(
        f"/rest/v2/structure{path}", method=method, data=body, headers=headers
    )


def get(app, path: str, accept: str):
    response = app.test_client().get(
        f"/rest/v2/structure{path}", headers={"Accept": accept}
    )
    assert response.status_code == 200, response.data[:300]
    return response.data


def result_text(response) -> str:
    return response.json["submissionResult"]["statusMessage"]["texts"]["en"]


def artefacts(body: bytes) -> dict[tuple, bytes]:
    """Each maintainable artefact of a structure message, canonical: exclusive C14N
    without whitespace between elements, by (element, agency, id, version)."""
    parser = etree.XMLParser(remove_blank_text=True)
    root = etree.fromstring(body, parser)
    found = {}
    for container in root.find("{*}Structures"):
        for element in container:
            key = (
                etree.QName(element).localname,
                element.get("agencyID"),
                element.get("id"),
                element.get("version"),
            )
            found[key] = etree.tostring(element, method="c14n", exclusive=True)
    return found


@pytest.fixture
def fresh(server, database_url_factory):  # noqa: F811
    """A second application, over an empty store of the same backend."""
    sqlite = server.config["DATABASE_URL"].startswith("sqlite")
    application = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": database_url_factory("sqlite" if sqlite else "postgresql"),
            "LOAD_BUNDLED": False,
        }
    )
    with application.extensions["store"].engine.begin() as conn:
        application.admin = auth.add_user(conn, "admin", "admin", None)
    yield application
    application.extensions["store"].dispose()


def test_every_bundled_artefact_round_trips_through_sdmx_ml_30(server, fresh):  # noqa: F811
    before_30 = get(server, "/*/*/*/*", XML30)
    before_21 = get(server, "/*/*/*/*", XML21)
    assert_valid_sdmx_ml_30(before_30)
    posted = send30(fresh, "POST", "", before_30, fresh.admin)
    assert posted.status_code == 201, posted.data[:1000]
    outcomes = posted.json["submittedStructures"]
    assert {o["action"] for o in outcomes} == {"Created"}

    after_30 = get(fresh, "/*/*/*/*", XML30)
    after_21 = get(fresh, "/*/*/*/*", XML21)
    assert_valid_sdmx_ml_30(after_30)
    assert_valid_sdmx_ml(after_21)
    # In SDMX-ML 3.0 every artefact is served exactly as before, hierarchies too.
    expected_30, found_30 = artefacts(before_30), artefacts(after_30)
    assert len(found_30) == len(outcomes) == 59
    assert found_30.keys() == expected_30.keys()
    changed = [key for key in expected_30 if found_30[key] != expected_30[key]]
    assert changed == []
    # In SDMX-ML 2.1 too, but for the hierarchical codelist: SDMX 3.0 has one
    # hierarchy per maintainable artefact, each stored as a codelist of its own.
    expected_21, found_21 = artefacts(before_21), artefacts(after_21)
    hcl = ("HierarchicalCodelist", "UNDESA", "HCL_AREA_GROUPS", "1.0")
    names = ["GEO_REGIONS", "SDG_REGIONS", "DEVELOPMENT_GROUPS", "INCOME_GROUPS"]
    hierarchies = {("HierarchicalCodelist", "UNDESA", name, "1.0") for name in names}
    assert found_21.keys() == expected_21.keys() - {hcl} | hierarchies
    changed = [
        key for key in expected_21 if key != hcl and found_21[key] != expected_21[key]
    ]
    assert changed == []
    # What the content means came along: code parents, the dataflow's structure.
    client = fresh.test_client()
    area = client.get(
        "/rest/v2/structure/codelist/UNDESA/CL_AREA/1.0/004", headers={"Accept": JSON20}
    )
    (codes,) = area.json["data"]["codelists"]
    assert {c["id"]: c.get("parent") for c in codes["codes"]}["004"] == "5501"
    schema = client.get("/rest/schema/dataflow/UNDESA/DF_IMS2020_SEX/1.0")
    assert schema.status_code == 200 and b"REF_AREA" in schema.data


def canonical(xml: str) -> bytes:
    parser = etree.XMLParser(remove_blank_text=True)
    element = etree.fromstring(xml.encode("utf-8"), parser)
    return etree.tostring(element, method="c14n", exclusive=True)


def test_what_the_bundle_lacks_converts_back_exactly_too():
    """Languages, annotations, parents, roles, groups, every attribute relationship,
    key sets, time ranges, levels: written as SDMX-ML 3.0 as the server writes them,
    read back into the same SDMX-ML 2.1 artefacts."""
    originals = read_structure_message(
        str(FIXTURES / "maintenance/rich_structures.xml")
    )
    rows = [
        SimpleNamespace(type=a.ref.type, **convert_artefact(a.xml, a.ref.type))
        for a in originals
    ]
    message = "".join(write_structure("TEST", rows)).encode()
    parsed = assert_valid_sdmx_ml_30(message)
    types = [t.text for t in parsed.iter(f"{{{COM}}}AnnotationType")]
    assert "PARENT" in types  # code 2 under code 1: no valid 3.0 Parent
    read = {a.ref: a for a in read_structure_message_30(message)}
    assert read.keys() == {a.ref for a in originals}
    for original in originals:
        again = read[original.ref]
        assert canonical(again.xml) == canonical(original.xml), original.ref
        assert again.references == original.references
        assert again.model == original.model
        assert (again.is_final, again.names) == (original.is_final, original.names)


def test_reposting_final_artefacts_unchanged_replaces_them(server):  # noqa: F811
    types = ["codelist", "conceptscheme", "datastructure", "dataflow"]
    types += ["agencyscheme", "dataproviderscheme", "provisionagreement"]
    types += ["dataconstraint", "categoryscheme", "categorisation"]
    before_21 = get(server, "/*/*/*/*", XML21)
    for kind in types:
        body = get(server, f"/{kind}", XML30)
        replaced = send30(server, "POST", f"/{kind}", body, server.admin)
        assert replaced.status_code == 200, (kind, replaced.data[:500])
        actions = {o["action"] for o in replaced.json["submittedStructures"]}
        assert actions == {"Replaced"}, kind
    assert artefacts(get(server, "/*/*/*/*", XML21)) == artefacts(before_21)


def test_create_rename_and_refuse_changes_to_a_final_codelist(server):  # noqa: F811
    created = send30(
        server,
        "POST",
        "/codelist",
        message30(codelist30("1.0", {"A": "Alpha"})),
        server.admin,
    )
    assert created.status_code == 201, created.data
    (outcome,) = created.json["submittedStructures"]
    assert outcome["urn"].endswith("codelist.Codelist=UNDESA:CL_TEST(1.0)")
    stored = get(server, "/codelist/UNDESA/CL_TEST/1.0", XML21)
    assert b'isFinal="true"' in stored  # SDMX 3.0: a version without extension
    renamed = send30(
        server,
        "PUT",
        "/codelist/UNDESA/CL_TEST/1.0",
        message30(codelist30("1.0", {"A": "Alpha, renamed"}, "Renamed")),
        server.admin,
    )
    assert renamed.status_code == 200, renamed.data
    assert b"Alpha, renamed" in get(server, "/codelist/UNDESA/CL_TEST/1.0", XML21)
    more = send30(
        server,
        "POST",
        "",
        message30(codelist30("1.0", {"A": "Alpha", "B": "Beta"})),
        server.admin,
    )
    assert more.status_code == 409
    assert "is final" in result_text(more) and "new version" in result_text(more)
    assert b'id="B"' not in get(server, "/codelist/UNDESA/CL_TEST/1.0", XML21)


def test_a_code_added_to_a_bundled_final_codelist_is_409(server):  # noqa: F811
    body = get(server, "/codelist/UNDESA/CL_SEX/1.0", XML30)
    root = etree.fromstring(body)
    codelist = root.find(".//str:Codelist", NS)
    code = etree.SubElement(codelist, f"{{{STR}}}Code", id="X")
    etree.SubElement(code, f"{{{COM}}}Name").text = "Another sex"
    changed = send30(
        server, "PUT", "/codelist/UNDESA/CL_SEX/1.0", etree.tostring(root), server.admin
    )
    assert changed.status_code == 409
    assert "codelist UNDESA:CL_SEX(1.0) is final" in result_text(changed)
    assert b'id="X"' not in get(server, "/codelist/UNDESA/CL_SEX/1.0", XML21)


def test_missing_references_are_409_listing_them(server):  # noqa: F811
    body = message30(dataflow30("DF_TEST", dsd_version="9.9"))
    response = send30(server, "POST", "", body, server.admin)
    assert response.status_code == 409
    assert "datastructure UNDESA:DSD_MIG_STOCK(9.9)" in result_text(response)
    assert server.test_client().get("/rest/dataflow/UNDESA/DF_TEST").status_code == 404


@pytest.mark.parametrize(
    "body, phrase",
    [
        (b"<mes:Structure", "not well-formed XML"),
        # A codelist without a name.
        (
            message30(
                '<str:Codelists><str:Codelist id="CL_TEST" agencyID="UNDESA" '
                'version="1.0"><str:Code id="A"><com:Name xml:lang="en">A</com:Name>'
                "</str:Code></str:Codelist></str:Codelists>"
            ),
            "not valid SDMX-ML 3.0.0",
        ),
        # A parent id starting with a digit, which the 3.0.0 schema refuses.
        (
            message30(
                codelist30("1.0", {"901": "World", "902": "More developed"}).replace(
                    '</com:Name></str:Code><str:Code id="902">',
                    '</com:Name></str:Code><str:Code id="902">'
                    "<str:Parent>901</str:Parent>",
                )
            ),
            "annotation of type PARENT",
        ),
        # An SDMX-ML 2.1 message sent as 3.0.0.
        (
            message30("").replace(b"/v3_0/", b"/v2_1/"),
            "expected an SDMX-ML 3.0 Structure message",
        ),
    ],
)
def test_an_invalid_30_message_is_400(server, body, phrase):  # noqa: F811
    response = send30(server, "POST", "", body, server.admin)
    assert response.status_code == 400, response.data
    assert response.json["submissionResult"]["code"] == 400
    assert phrase in result_text(response)


def test_parent_annotations_become_parents(server):  # noqa: F811
    codes = (
        '<str:Code id="901"><com:Name xml:lang="en">World</com:Name></str:Code>'
        '<str:Code id="902"><com:Annotations><com:Annotation>'
        "<com:AnnotationTitle>901</com:AnnotationTitle>"
        "<com:AnnotationType>PARENT</com:AnnotationType></com:Annotation>"
        '</com:Annotations><com:Name xml:lang="en">More developed</com:Name>'
        "</str:Code>"
    )
    body = message30(
        codelist30("1.0", {}).replace("</com:Name>", f"</com:Name>{codes}")
    )
    assert send30(server, "POST", "", body, server.admin).status_code == 201
    stored = etree.fromstring(get(server, "/codelist/UNDESA/CL_TEST/1.0", XML21))
    v21 = "http://www.sdmx.org/resources/sdmxml/schemas/v2_1/"
    (code,) = [
        c for c in stored.iter(f"{{{v21}structure}}Code") if c.get("id") == "902"
    ]
    assert code.find(f"{{{v21}structure}}Parent/Ref").get("id") == "901"
    assert code.find(f"{{{v21}common}}Annotations") is None


@pytest.mark.parametrize(
    "inner, phrase",
    [
        (codelist30("1.0.0-draft", {"A": "Alpha"}), "without extension"),
        (
            '<str:ValueLists><str:ValueList id="VL" agencyID="UNDESA" version="1.0">'
            '<com:Name xml:lang="en">Values</com:Name><str:ValueItem id="A"/>'
            "</str:ValueList></str:ValueLists>",
            "artefact type ValueList is not supported",
        ),
        (
            codelist30("1.0", {"A": "Alpha"}).replace(
                '<str:Code id="A">',
                '<str:Code id="A"><com:Link rel="self" url="http://example.org/a"/>',
            ),
            "Codelist UNDESA:CL_TEST(1.0) has no SDMX-ML 2.1 form",
        ),
    ],
)
def test_what_sdmx_21_cannot_hold_is_422(server, inner, phrase):  # noqa: F811
    response = send30(server, "POST", "", message30(inner), server.admin)
    assert response.status_code == 422, response.data
    assert phrase in result_text(response)


def test_type_and_identity_must_match_the_path(server):  # noqa: F811
    body = message30(codelist30("1.0", {"A": "Alpha"}))
    assert send30(server, "POST", "/dataflow", body, server.admin).status_code == 422
    other = send30(server, "PUT", "/codelist/UNDESA/CL_OTHER/1.0", body, server.admin)
    assert other.status_code == 422
    # The bundle's hierarchical codelist is served as four hierarchies; one of them
    # is put as an artefact of its own.
    root = etree.fromstring(get(server, "/hierarchy/UNDESA/HCL_AREA_GROUPS", XML30))
    for hierarchy in root.iterfind(".//str:Hierarchy", NS):
        if hierarchy.get("id") != "GEO_REGIONS":
            hierarchy.getparent().remove(hierarchy)
    named = send30(
        server,
        "PUT",
        "/hierarchy/UNDESA/GEO_REGIONS/1.0",
        etree.tostring(root),
        server.admin,
    )
    assert named.status_code == 201, named.data
    assert named.json["submittedStructures"][0]["urn"].endswith(
        "=UNDESA:GEO_REGIONS(1.0)"
    )


def test_only_admins_maintain_structures(server):  # noqa: F811
    body = message30(codelist30("1.0", {"A": "Alpha"}))
    assert send30(server, "POST", "", body).status_code == 401
    assert send30(server, "POST", "", body, server.office).status_code == 403


def test_a_new_dataflow_version_leaves_the_old_one_and_its_data(server):  # noqa: F811
    row = (
        "STRUCTURE,STRUCTURE_ID,ACTION,FREQ,INDICATOR,REF_AREA,SEX,AGE,COB,"
        "CITIZENSHIP,TIME_PERIOD,OBS_VALUE,UNIT_MEASURE,UNIT_MULT,DATA_BASIS,OBS_STATUS\n"
        "dataflow,UNDESA:DF_IMS2020_SEX(1.0),I,A,MIG_STOCK,484,_T,_T,_T,_T,2020,"
        "1197624,PS,0,B,A\n"
    )
    client = server.test_client()
    posted = client.post(
        "/rest/v2/data",
        data=row,
        headers={"Authorization": f"Bearer {server.admin}", "Content-Type": "text/csv"},
    )
    assert posted.status_code == 200, posted.data
    newer = message30(dataflow30("DF_IMS2020_SEX", version="1.1"))
    created = send30(server, "POST", "/dataflow", newer, server.admin)
    assert created.status_code == 201, created.data
    old = client.get("/rest/data/UNDESA,DF_IMS2020_SEX,1.0/all?format=csvdata")
    assert old.status_code == 200
    assert b"1197624" in old.data
    assert client.get("/rest/data/UNDESA,DF_IMS2020_SEX,1.1/all").status_code == 404
    latest = client.get("/rest/dataflow/UNDESA/DF_IMS2020_SEX/latest")
    assert b'version="1.1"' in latest.data
    both = client.get("/rest/dataflow/UNDESA/DF_IMS2020_SEX/all")
    assert b'version="1.0"' in both.data and b'version="1.1"' in both.data
