"""Data submissions over HTTP: tokens, agreements, validation, actions, audit.

Each test starts from the bundled structures only (no data) in a fresh database of
each backend, and reads what was stored back through the REST API.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
from pathlib import Path

import pytest

from server import auth
from server.formats.structure_reader import read_structure_message
from tests.helpers import csv_rows

STRUCTURES = Path(__file__).resolve().parent.parent / "structures"
CSV20 = "application/vnd.sdmx.data+csv;version=2.0.0"
HEADER = (
    "STRUCTURE,STRUCTURE_ID,ACTION,FREQ,INDICATOR,REF_AREA,SEX,AGE,COB,CITIZENSHIP,"
    "TIME_PERIOD,OBS_VALUE,UNIT_MEASURE,UNIT_MULT,DATA_BASIS,OBS_STATUS"
)
NSO = "dataflow,UNDESA:DF_MIG_NSO(1.0)"
MEXICO = [
    f"{NSO},I,A,MIG_STOCK,484,_T,_T,_T,_T,2020,1197624,PS,0,B,A",
    f"{NSO},I,A,MIG_STOCK,484,F,_T,_T,_T,2020,597000,PS,0,B,A",
    f"{NSO},I,A,MIG_STOCK,484,M,_T,_T,_T,2020,600624,PS,0,B,A",
]
NSO_DATA = "/rest/data/UNDESA,DF_MIG_NSO,1.0/all?format=csvdata"


def message(*rows: str) -> bytes:
    return "\n".join([HEADER, *rows]).encode() + b"\n"


@pytest.fixture
def server(empty_app):
    """The application with the bundled structures, no data, and four users.

    Offices' submissions are applied at once here (``RELEASE_REQUIRED`` off), so
    that these tests see their effect; test_release.py tests the release itself.
    """
    empty_app.config["RELEASE_REQUIRED"] = False
    store = empty_app.extensions["store"]
    artefacts = []
    for path in sorted(STRUCTURES.glob("*.xml")):
        artefacts.extend(read_structure_message(str(path)))
    store.put_artefacts(artefacts)
    tokens = {}
    with store.engine.begin() as conn:
        tokens["mex"] = auth.add_user(conn, "mex", "provider", "UNDESA:NSO_MEX")
        tokens["deu"] = auth.add_user(conn, "deu", "provider", "UNDESA:NSO_DEU")
        tokens["admin"] = auth.add_user(conn, "admin", "admin", None)
        tokens["reader"] = auth.add_user(conn, "reader", "reader", None)
    empty_app.tokens = tokens
    return empty_app


def post(app, body: bytes, token: str | None, path: str = "", **headers):
    headers.setdefault("Content-Type", CSV20)
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    return app.test_client().post(f"/rest/v2/data{path}", data=body, headers=headers)


def stored(app) -> dict[tuple[str, str, str], dict[str, str]]:
    """{(REF_AREA, SEX, TIME_PERIOD): row} of DF_MIG_NSO, read back over REST."""
    token = app.tokens["reader"]  # DF_MIG_NSO is restricted to registered users
    response = app.test_client().get(
        NSO_DATA, headers={"Authorization": f"Bearer {token}"}
    )
    if response.status_code == 404:
        return {}
    assert response.status_code == 200, response.data[:300]
    return {
        (r["REF_AREA"], r["SEX"], r["TIME_PERIOD"]): r for r in csv_rows(response.data)
    }


def result(response) -> dict:
    assert response.content_type == "application/json"
    return json.loads(response.data)["submissionResult"]


# --- who may submit ---------------------------------------------------------------


def test_an_office_submits_its_country_and_reads_it_back(server):
    response = post(server, message(*MEXICO), server.tokens["mex"])
    assert response.status_code == 200, response.data
    body = json.loads(response.data)
    (data_set,) = body["submittedData"]
    assert data_set["urn"].endswith("Dataflow=UNDESA:DF_MIG_NSO(1.0)")
    assert data_set["action"] == "Merge"
    assert data_set["count"] == 3
    assert body["submissionResult"]["code"] == 200
    assert body["submissionResult"]["counts"] == {
        "merged": 3,
        "replaced": 0,
        "deleted": 0,
    }
    found = stored(server)
    assert len(found) == 3
    assert found[("484", "F", "2020")]["OBS_VALUE"] == "597000"


@pytest.mark.parametrize(
    ("token", "status", "phrase"),
    [
        (None, 401, "Authorization: Bearer"),
        ("not-a-token", 401, "not valid"),
        ("reader", 403, "role reader"),
    ],
)
def test_writes_need_a_provider_or_admin_token(server, token, status, phrase):
    token = server.tokens.get(token, token)
    response = post(server, message(*MEXICO), token)
    assert response.status_code == status
    assert phrase in response.data.decode()
    assert stored(server) == {}


def test_basic_authentication_takes_the_token_as_password(server):
    basic = base64.b64encode(f"anyone:{server.tokens['mex']}".encode()).decode()
    response = post(server, message(*MEXICO), None, Authorization=f"Basic {basic}")
    assert response.status_code == 200, response.data
    assert len(stored(server)) == 3


def test_a_revoked_token_is_refused(server):
    with server.extensions["store"].engine.begin() as conn:
        assert auth.revoke_user(conn, "mex")
    response = post(server, message(*MEXICO), server.tokens["mex"])
    assert response.status_code == 401
    assert stored(server) == {}


def test_repeated_failures_from_one_client_are_slowed_down(server):
    for _ in range(auth.FREE_FAILURES):
        assert post(server, message(*MEXICO), "wrong").status_code == 401
    response = post(server, message(*MEXICO), server.tokens["mex"])
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) >= 1
    # Reading is throttled too, for this client: count in the database itself.
    import sqlalchemy as sa

    from server.store import schema

    with server.extensions["store"].engine.connect() as conn:
        count = conn.scalar(sa.select(sa.func.count()).select_from(schema.observation))
    assert count == 0


def test_an_office_may_not_report_another_country(server):
    usa = MEXICO[0].replace(",484,", ",840,")
    response = post(server, message(MEXICO[1], usa), server.tokens["mex"])
    assert response.status_code == 403
    text = result(response)["statusMessage"]["texts"]["en"]
    assert "REF_AREA '840' is outside the provision agreement" in text
    assert "allows 484" in text
    assert stored(server) == {}  # the allowed row was not stored either


def test_an_office_may_not_report_a_dataflow_without_agreement(server):
    row = MEXICO[0].replace(NSO, "dataflow,UNDESA:DF_IMS2020_SEX(1.0)")
    response = post(server, message(row), server.tokens["mex"])
    assert response.status_code == 403
    assert "no provision agreement" in response.data.decode()


def test_an_office_may_not_report_as_another_provider(server):
    xml = _structure_specific("UNDESA:NSO_DEU", "484")
    response = post(
        server,
        xml,
        server.tokens["mex"],
        **{"Content-Type": "application/vnd.sdmx.structurespecificdata+xml"},
    )
    assert response.status_code == 403
    assert "sent as provider UNDESA:NSO_DEU" in response.data.decode()
    assert stored(server) == {}


def test_an_admin_submits_for_any_provider(server):
    xml = _structure_specific("UNDESA:NSO_DEU", "276")
    response = post(server, xml, server.tokens["admin"])
    assert response.status_code == 200, response.data
    assert json.loads(response.data)["submittedData"][0]["provider"] == (
        "UNDESA:NSO_DEU"
    )
    assert set(stored(server)) == {("276", "_T", "2015"), ("276", "_T", "2020")}


def _structure_specific(provider: str, area: str) -> bytes:
    """A small SDMX-ML 2.1 structure-specific message naming its provider."""
    agency, _, ident = provider.partition(":")
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<mes:StructureSpecificData
 xmlns:mes="http://www.sdmx.org/resources/sdmxml/schemas/v2_1/message"
 xmlns:ss="http://www.sdmx.org/resources/sdmxml/schemas/v2_1/data/structurespecific"
 xmlns:com="http://www.sdmx.org/resources/sdmxml/schemas/v2_1/common">
<mes:Header><mes:ID>T1</mes:ID><mes:Test>false</mes:Test>
<mes:Prepared>2026-12-04T10:00:00Z</mes:Prepared><mes:Sender id="{ident}"/>
<mes:Structure structureID="S1" namespace="urn:x" dimensionAtObservation="TIME_PERIOD">
<com:StructureUsage><Ref agencyID="UNDESA" id="DF_MIG_NSO" version="1.0"/>
</com:StructureUsage></mes:Structure>
<mes:DataProvider><Ref agencyID="{agency}" maintainableParentID="DATA_PROVIDERS"
 maintainableParentVersion="1.0" id="{ident}"/></mes:DataProvider>
</mes:Header>
<mes:DataSet ss:structureRef="S1" action="Append">
<Series FREQ="A" INDICATOR="MIG_STOCK" REF_AREA="{area}" SEX="_T" AGE="_T" COB="_T"
 CITIZENSHIP="_T" UNIT_MEASURE="PS" UNIT_MULT="0" DATA_BASIS="B">
<Obs TIME_PERIOD="2015" OBS_VALUE="12000000" OBS_STATUS="A"/>
<Obs TIME_PERIOD="2020" OBS_VALUE="15762457" OBS_STATUS="A"/>
</Series></mes:DataSet></mes:StructureSpecificData>""".encode()


# --- validation: all or nothing -------------------------------------------------


@pytest.mark.parametrize(
    ("bad_row", "phrases"),
    [
        pytest.param(
            MEXICO[0].replace(",_T,_T,_T,_T,", ",X,_T,_T,_T,"),
            ["SEX 'X' is not a code of its codelist"],
            id="unknown code",
        ),
        pytest.param(
            MEXICO[0].replace(",2020,", ",2020-Q1,"),
            ["'2020-Q1' does not fit the frequency FREQ 'A'"],
            id="period against frequency",
        ),
        pytest.param(
            MEXICO[0].replace(",A,MIG", ",W,MIG").replace(",2020,", ",2021-W53,"),
            ["'2021-W53' is not an SDMX time period"],
            id="week 53 in a year without one",
        ),
        pytest.param(
            MEXICO[0].replace(",1197624,", ",many,"),
            ["not a number"],
            id="value not a number",
        ),
        pytest.param(
            MEXICO[0]
            .replace(",PS,0,", ",,0,")
            .replace(",_T,_T,_T,_T,", ",_U,_T,_T,_T,"),
            ["mandatory attribute UNIT_MEASURE is missing"],
            id="mandatory attribute missing",
        ),
        pytest.param(
            MEXICO[0].replace(",MIG_STOCK,", ",MIG_SHARE,"),
            ["INDICATOR 'MIG_SHARE' is not allowed by the content constraint"],
            id="outside the dataflow constraint",
        ),
        pytest.param(
            MEXICO[1].replace(",597000,", ",1,"),
            ["two observations for period 2020"],
            id="conflicting duplicate",
        ),
    ],
)
def test_a_faulty_row_stores_nothing(server, bad_row, phrases):
    response = post(server, message(*MEXICO, bad_row), server.tokens["mex"])
    assert response.status_code in (400, 422), response.data
    text = result(response)["statusMessage"]["texts"]["en"]
    for phrase in phrases:
        assert phrase in text
    assert stored(server) == {}


def test_every_fault_is_listed_with_a_total(server):
    rows = [r.replace(",_T,_T,_T,_T,", ",X,_T,_T,_T,") for r in MEXICO[:1]]
    rows += [MEXICO[1].replace(",2020,", f",{year}-Q1,") for year in range(2000, 2004)]
    response = post(server, message(*rows), server.tokens["mex"])
    assert response.status_code == 422
    outcome = result(response)
    text = outcome["statusMessage"]["texts"]["en"]
    assert text.count("does not fit the frequency") == 4
    assert "5 error(s)" in text
    assert outcome["total"] == 5
    first, second = outcome["errors"][:2]
    assert first == {
        "observation": 1,
        "series": "A.MIG_STOCK.484.X._T._T._T",
        "period": "2020",
        "component": "SEX",
        "value": "X",
        "rule": "code in codelist",
        "message": first["message"],
    }
    assert (second["component"], second["value"], second["rule"]) == (
        "TIME_PERIOD",
        "2000-Q1",
        "period fits the frequency",
    )
    assert second["series"] == "A.MIG_STOCK.484.F._T._T._T"


def test_the_addressed_dataflow_must_be_the_one_reported(server):
    path = "/dataflow/UNDESA/DF_IMS2020_SEX/1.0"
    response = post(server, message(*MEXICO), server.tokens["admin"], path)
    assert response.status_code == 422
    assert "request addresses UNDESA:DF_IMS2020_SEX(1.0)" in response.data.decode()
    ok = post(
        server,
        message(*MEXICO),
        server.tokens["mex"],
        "/dataflow/UNDESA/DF_MIG_NSO/1.0",
    )
    assert ok.status_code == 200


def test_an_empty_message_is_not_a_success(server):
    response = post(server, HEADER.encode() + b"\n", server.tokens["mex"])
    assert response.status_code == 422
    assert "no data set" in response.data.decode()


def test_a_body_above_the_limit_is_413(server):
    server.config["MAX_SUBMISSION_BYTES"] = 200
    try:
        response = post(server, message(*MEXICO), server.tokens["mex"])
        assert response.status_code == 413
        assert stored(server) == {}
        squeezed = post(
            server,
            gzip.compress(message(*MEXICO * 20)),
            server.tokens["mex"],
            **{"Content-Encoding": "gzip"},
        )
        assert squeezed.status_code == 413  # the limit holds once decompressed
    finally:
        server.config.pop("MAX_SUBMISSION_BYTES")


def test_a_gzip_body_is_read(server):
    response = post(
        server,
        gzip.compress(message(*MEXICO)),
        server.tokens["mex"],
        **{"Content-Encoding": "gzip"},
    )
    assert response.status_code == 200, response.data
    assert len(stored(server)) == 3


# --- actions ------------------------------------------------------------------------


def test_merge_keeps_attributes_that_replace_drops(server):
    assert post(server, message(*MEXICO), server.tokens["mex"]).status_code == 200
    # The same observation again without OBS_STATUS, first merged, then replaced.
    again = MEXICO[1].replace(",597000,PS,0,B,A", ",597001,PS,0,B,")
    merged = post(server, message(again), server.tokens["mex"])
    assert merged.status_code == 200
    row = stored(server)[("484", "F", "2020")]
    assert (row["OBS_VALUE"], row["OBS_STATUS"]) == ("597001", "A")
    replaced = post(
        server, message(again.replace(",I,A,", ",R,A,")), server.tokens["mex"]
    )
    assert result(replaced)["counts"]["replaced"] == 1
    row = stored(server)[("484", "F", "2020")]
    assert (row["OBS_VALUE"], row["OBS_STATUS"]) == ("597001", "")


def test_delete_removes_one_observation_or_a_whole_series(server):
    rows = [*MEXICO, MEXICO[1].replace(",2020,", ",2015,")]
    assert post(server, message(*rows), server.tokens["mex"]).status_code == 200
    assert len(stored(server)) == 4
    one = f"{NSO},D,A,MIG_STOCK,484,M,_T,_T,_T,2020,,,,,"
    response = post(server, message(one), server.tokens["mex"])
    assert result(response)["counts"]["deleted"] == 1
    assert len(stored(server)) == 3
    # SEX left empty: every series of Mexico, every period.
    everything = f"{NSO},D,A,MIG_STOCK,484,,_T,_T,_T,,,,,,"
    response = post(server, message(everything), server.tokens["mex"])
    assert result(response)["counts"]["deleted"] == 3
    assert stored(server) == {}


def test_delete_and_merge_in_one_message_apply_in_order(server):
    assert post(server, message(*MEXICO), server.tokens["mex"]).status_code == 200
    delete_all = f"{NSO},D,A,MIG_STOCK,484,,,,,,,,,,"
    fresh = MEXICO[0].replace(",1197624,", ",1200000,")
    response = post(server, message(delete_all, fresh), server.tokens["mex"])
    counts = result(response)["counts"]
    assert counts == {"merged": 1, "replaced": 0, "deleted": 3}
    assert {k: r["OBS_VALUE"] for k, r in stored(server).items()} == {
        ("484", "_T", "2020"): "1200000"
    }


def _deletion(**cells: str) -> str:
    """A Delete row of DF_MIG_NSO with the cells given (by column), others empty."""
    columns = HEADER.split(",")[3:]
    return ",".join([NSO, "D", *(cells.get(c, "") for c in columns)])


def test_delete_with_attribute_values_deletes_only_those_values(server):
    """The draft on data upload: values given in a Delete data set restrict the
    deletion to those components; the measure given deletes observations whole."""
    token = server.tokens["mex"]
    assert post(server, message(*MEXICO), token).status_code == 200
    mexico = {"FREQ": "A", "INDICATOR": "MIG_STOCK", "REF_AREA": "484"}
    status = _deletion(
        **mexico, SEX="F", AGE="_T", COB="_T", CITIZENSHIP="_T", TIME_PERIOD="2020",
        OBS_STATUS="A",
    )  # fmt: skip
    response = post(server, message(status), token)
    assert result(response)["counts"]["deleted"] == 1
    rows = stored(server)
    assert rows[("484", "F", "2020")]["OBS_STATUS"] == ""
    assert rows[("484", "F", "2020")]["OBS_VALUE"] == "597000"
    assert rows[("484", "M", "2020")]["OBS_STATUS"] == "A"
    # A series attribute, for every series of Mexico.
    response = post(server, message(_deletion(**mexico, DATA_BASIS="B")), token)
    assert result(response)["counts"]["deleted"] == 3
    rows = stored(server)
    assert {r["DATA_BASIS"] for r in rows.values()} == {""}
    assert {r["UNIT_MEASURE"] for r in rows.values()} == {"PS"}
    assert len(rows) == 3
    # The measure given: the observation goes, whatever else is given.
    whole = _deletion(
        **mexico, SEX="M", AGE="_T", COB="_T", CITIZENSHIP="_T", TIME_PERIOD="2020",
        OBS_VALUE="1", OBS_STATUS="A", UNIT_MEASURE="PS",
    )  # fmt: skip
    response = post(server, message(whole), token)
    assert result(response)["counts"]["deleted"] == 1
    assert set(stored(server)) == {("484", "_T", "2020"), ("484", "F", "2020")}


def test_a_mandatory_attribute_value_cannot_be_deleted(server):
    token = server.tokens["mex"]
    assert post(server, message(*MEXICO), token).status_code == 200
    before = stored(server)
    deletion = _deletion(FREQ="A", REF_AREA="484", UNIT_MEASURE="PS")
    response = post(server, message(deletion), token)
    assert response.status_code == 422
    assert "mandatory attribute(s) UNIT_MEASURE" in response.data.decode()
    assert stored(server) == before
    # Given for one observation (a period named), the observation goes whole.
    one = _deletion(
        FREQ="A", INDICATOR="MIG_STOCK", REF_AREA="484", SEX="F", AGE="_T", COB="_T",
        CITIZENSHIP="_T", TIME_PERIOD="2020", UNIT_MEASURE="PS", OBS_STATUS="A",
    )  # fmt: skip
    response = post(server, message(one), token)
    assert result(response)["counts"]["deleted"] == 1
    assert set(stored(server)) == set(before) - {("484", "F", "2020")}


def test_an_office_deletes_only_its_own_data(server):
    xml = _structure_specific("UNDESA:NSO_DEU", "276")
    assert post(server, xml, server.tokens["admin"]).status_code == 200
    delete_all = f"{NSO},D,,,,,,,,,,,,,"
    response = post(server, message(delete_all), server.tokens["mex"])
    assert response.status_code == 200
    assert result(response)["counts"]["deleted"] == 0
    assert result(response)["statusMessage"]["status"] == "Warning"  # no success
    assert len(stored(server)) == 2  # Germany's, as the admin stored them


# --- audit --------------------------------------------------------------------------


def test_every_submission_is_recorded_and_providers_see_their_own(server):
    body = message(*MEXICO)
    post(server, body, server.tokens["mex"])
    post(server, message(MEXICO[0].replace(",484,", ",840,")), server.tokens["mex"])
    post(server, _structure_specific("UNDESA:NSO_DEU", "276"), server.tokens["admin"])
    client = server.test_client()
    mine = client.get(
        "/rest/v2/submissions",
        headers={"Authorization": f"Bearer {server.tokens['mex']}"},
    ).json["submissions"]
    assert [s["status"] for s in mine] == [403, 200]
    assert mine[1]["body_sha256"] == hashlib.sha256(body).hexdigest()
    assert mine[1]["merged"] == 3
    assert mine[1]["dataflows"] == ["UNDESA:DF_MIG_NSO(1.0)"]
    everyone = client.get(
        "/rest/v2/submissions",
        headers={"Authorization": f"Bearer {server.tokens['admin']}"},
    ).json["submissions"]
    assert len(everyone) == 3
    reader = client.get(
        "/rest/v2/submissions",
        headers={"Authorization": f"Bearer {server.tokens['reader']}"},
    )
    assert reader.status_code == 403


def test_tokens_are_stored_only_as_hashes(server):
    import sqlalchemy as sa

    from server.store import schema

    with server.extensions["store"].engine.connect() as conn:
        hashes = set(conn.scalars(sa.select(schema.user.c.token_hash)))
    assert not set(server.tokens.values()) & hashes
    assert auth.token_hash(server.tokens["mex"]) in hashes


# --- restricted dataflows -----------------------------------------------------------


def test_a_restricted_dataflow_serves_data_to_registered_users_only(server):
    assert post(server, message(*MEXICO), server.tokens["mex"]).status_code == 200
    client = server.test_client()
    urls = [
        "/rest/data/UNDESA,DF_MIG_NSO,1.0/all",
        "/rest/v2/data/dataflow/UNDESA/DF_MIG_NSO/1.0/*",
        "/rest/availableconstraint/DF_MIG_NSO/all",
        "/rest/v2/availability/dataflow/UNDESA/DF_MIG_NSO/1.0",
    ]
    for url in urls:
        anonymous = client.get(url)
        assert anonymous.status_code == 401, url
        assert b"registered users only" in anonymous.data
        for name in ("reader", "mex", "admin"):
            token = server.tokens[name]
            seen = client.get(url, headers={"Authorization": f"Bearer {token}"})
            assert seen.status_code == 200, (url, name)
            assert seen.headers["Cache-Control"] == "private"
            assert "Authorization" in seen.headers["Vary"]
    # Its structures stay public, and so does an unrestricted dataflow's data.
    assert client.get("/rest/dataflow/UNDESA/DF_MIG_NSO").status_code == 200
    row = MEXICO[0].replace(NSO, "dataflow,UNDESA:DF_IMS2020_SEX(1.0)")
    assert post(server, message(row), server.tokens["admin"]).status_code == 200
    public = client.get("/rest/data/DF_IMS2020_SEX/all")
    assert public.status_code == 200
    assert "Cache-Control" not in public.headers


def test_sdmx_ml_30_and_21_messages_go_round_trip(server):
    """What the server writes in SDMX-ML 3.0 and 2.1 it reads back as submissions."""
    token = server.tokens["mex"]
    assert post(server, message(*MEXICO), token).status_code == 200
    before = stored(server)
    auth_header = {"Authorization": f"Bearer {server.tokens['reader']}"}
    client = server.test_client()
    for accept in (
        "application/vnd.sdmx.data+xml;version=3.0.0",
        "application/vnd.sdmx.structurespecificdata+xml;version=2.1",
        "application/vnd.sdmx.genericdata+xml;version=2.1",
    ):
        written = client.get(
            "/rest/v2/data/dataflow/UNDESA/DF_MIG_NSO/1.0/*",
            headers={**auth_header, "Accept": accept},
        ).data
        delete_all = f"{NSO},D,,,,,,,,,,,,,"
        assert post(server, message(delete_all), token).status_code == 200
        assert stored(server) == {}
        # SDMX-ML 2.1 data name the DSD, which several dataflows use: the path
        # says which one.
        path = "/dataflow/UNDESA/DF_MIG_NSO/1.0"
        response = post(server, written, token, path, **{"Content-Type": accept})
        assert response.status_code == 200, response.data
        assert result(response)["counts"]["merged"] == 3
        assert stored(server) == before, accept
