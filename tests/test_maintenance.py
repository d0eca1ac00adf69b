"""Structure maintenance over REST 2.x: admins create, replace and delete artefacts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from server import auth
from server.formats.structure_reader import read_structure_message

STRUCTURES = Path(__file__).resolve().parent.parent / "structures"
XML = "application/vnd.sdmx.structure+xml;version=2.1"
MES = "http://www.sdmx.org/resources/sdmxml/schemas/v2_1/message"
STR = "http://www.sdmx.org/resources/sdmxml/schemas/v2_1/structure"
COM = "http://www.sdmx.org/resources/sdmxml/schemas/v2_1/common"


def structure_message(inner: str) -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<mes:Structure xmlns:mes="{MES}" xmlns:str="{STR}" xmlns:com="{COM}">
<mes:Header><mes:ID>M1</mes:ID><mes:Test>false</mes:Test>
<mes:Prepared>2026-12-04T10:00:00Z</mes:Prepared><mes:Sender id="UNDESA"/></mes:Header>
<mes:Structures>{inner}</mes:Structures></mes:Structure>""".encode()


def codelist(version: str, codes: dict[str, str], name: str = "Test areas") -> str:
    items = "".join(
        f'<str:Code id="{c}"><com:Name xml:lang="en">{n}</com:Name></str:Code>'
        for c, n in codes.items()
    )
    return (
        f'<str:Codelists><str:Codelist id="CL_TEST" agencyID="UNDESA" '
        f'version="{version}" isFinal="true"><com:Name xml:lang="en">{name}</com:Name>'
        f"{items}</str:Codelist></str:Codelists>"
    )


def dataflow(flow_id: str, dsd_version: str = "1.0") -> str:
    return (
        f'<str:Dataflows><str:Dataflow id="{flow_id}" agencyID="UNDESA" version="1.0"'
        ' isFinal="true"><com:Name xml:lang="en">A test dataflow</com:Name>'
        '<str:Structure><Ref agencyID="UNDESA" id="DSD_MIG_STOCK" '
        f'version="{dsd_version}" package="datastructure" class="DataStructure"/>'
        "</str:Structure>"
        "</str:Dataflow></str:Dataflows>"
    )


@pytest.fixture
def server(empty_app):
    store = empty_app.extensions["store"]
    artefacts = []
    for path in sorted(STRUCTURES.glob("*.xml")):
        artefacts.extend(read_structure_message(str(path)))
    store.put_artefacts(artefacts)
    with store.engine.begin() as conn:
        empty_app.admin = auth.add_user(conn, "admin", "admin", None)
        empty_app.office = auth.add_user(conn, "mex", "provider", "UNDESA:NSO_MEX")
    return empty_app


def send(app, method: str, path: str, body: bytes = b"", token: str | None = None):
    headers = {"Content-Type": XML}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return app.test_client().open(
        f"/rest/v2/structure{path}", method=method, data=body, headers=headers
    )


def codes_of(app, version: str) -> dict[str, str]:
    response = app.test_client().get(
        f"/rest/v2/structure/codelist/UNDESA/CL_TEST/{version}",
        headers={"Accept": "application/vnd.sdmx.structure+json;version=2.0.0"},
    )
    if response.status_code != 200:
        return {}
    (found,) = response.json["data"]["codelists"]
    return {c["id"]: c["name"] for c in found["codes"]}


def test_only_admins_maintain_structures(server):
    body = structure_message(codelist("1.0", {"A": "Alpha"}))
    assert send(server, "POST", "", body).status_code == 401
    assert send(server, "POST", "", body, server.office).status_code == 403
    assert codes_of(server, "1.0") == {}


def test_create_then_rename_a_final_codelist(server):
    created = send(
        server,
        "POST",
        "/codelist",
        structure_message(codelist("1.0", {"A": "Alpha"})),
        server.admin,
    )
    assert created.status_code == 201, created.data
    (outcome,) = created.json["submittedStructures"]
    assert outcome["action"] == "Created"
    assert outcome["urn"].endswith("codelist.Codelist=UNDESA:CL_TEST(1.0)")
    assert codes_of(server, "1.0") == {"A": "Alpha"}
    renamed = send(
        server,
        "PUT",
        "/codelist/UNDESA/CL_TEST/1.0",
        structure_message(codelist("1.0", {"A": "Alpha, renamed"}, "Renamed")),
        server.admin,
    )
    assert renamed.status_code == 200, renamed.data
    assert renamed.json["submittedStructures"][0]["action"] == "Replaced"
    assert codes_of(server, "1.0") == {"A": "Alpha, renamed"}


def test_a_final_artefact_keeps_its_codes(server):
    body = structure_message(codelist("1.0", {"A": "Alpha"}))
    assert send(server, "POST", "", body, server.admin).status_code == 201
    more = structure_message(codelist("1.0", {"A": "Alpha", "B": "Beta"}))
    response = send(server, "POST", "", more, server.admin)
    assert response.status_code == 409
    text = response.json["submissionResult"]["statusMessage"]["texts"]["en"]
    assert "is final" in text and "new version" in text
    assert codes_of(server, "1.0") == {"A": "Alpha"}
    # A new version takes the change and leaves the old one as it was.
    newer = structure_message(codelist("1.1", {"A": "Alpha", "B": "Beta"}))
    assert send(server, "POST", "", newer, server.admin).status_code == 201
    assert codes_of(server, "1.1") == {"A": "Alpha", "B": "Beta"}
    assert codes_of(server, "1.0") == {"A": "Alpha"}


def test_missing_references_are_409_listing_them(server):
    body = structure_message(dataflow("DF_TEST", dsd_version="9.9"))
    response = send(server, "POST", "", body, server.admin)
    assert response.status_code == 409
    text = response.json["submissionResult"]["statusMessage"]["texts"]["en"]
    assert "datastructure UNDESA:DSD_MIG_STOCK(9.9)" in text
    assert server.test_client().get("/rest/dataflow/UNDESA/DF_TEST").status_code == 404


def test_type_and_identity_must_match_the_path(server):
    body = structure_message(codelist("1.0", {"A": "Alpha"}))
    wrong_type = send(server, "POST", "/dataflow", body, server.admin)
    assert wrong_type.status_code == 422
    wrong_id = send(server, "PUT", "/codelist/UNDESA/CL_OTHER/1.0", body, server.admin)
    assert wrong_id.status_code == 422
    assert codes_of(server, "1.0") == {}


def test_delete_an_unreferenced_artefact_but_not_a_referenced_one(server):
    body = structure_message(codelist("1.0", {"A": "Alpha"}))
    assert send(server, "POST", "", body, server.admin).status_code == 201
    gone = send(server, "DELETE", "/codelist/UNDESA/CL_TEST/1.0", token=server.admin)
    assert gone.status_code == 204
    assert codes_of(server, "1.0") == {}
    again = send(server, "DELETE", "/codelist/UNDESA/CL_TEST/1.0", token=server.admin)
    assert again.status_code == 404
    used = send(server, "DELETE", "/codelist/UNDESA/CL_SEX/1.0", token=server.admin)
    assert used.status_code == 409
    assert "DSD_MIG_STOCK" in json.dumps(used.json)
    assert (
        server.test_client().get("/rest/codelist/UNDESA/CL_SEX/1.0").status_code == 200
    )


def test_a_new_dataflow_version_leaves_the_old_one_and_its_data(server):
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
    newer = structure_message(
        dataflow("DF_IMS2020_SEX").replace('version="1.0"', 'version="1.1"', 1)
    )
    assert send(server, "POST", "/dataflow", newer, server.admin).status_code == 201
    old = client.get("/rest/data/UNDESA,DF_IMS2020_SEX,1.0/all?format=csvdata")
    assert old.status_code == 200
    assert b"1197624" in old.data
    assert client.get("/rest/data/UNDESA,DF_IMS2020_SEX,1.1/all").status_code == 404
    latest = client.get("/rest/dataflow/UNDESA/DF_IMS2020_SEX/latest")
    assert b'version="1.1"' in latest.data
    both = client.get("/rest/dataflow/UNDESA/DF_IMS2020_SEX/all")
    assert b'version="1.0"' in both.data and b'version="1.1"' in both.data
