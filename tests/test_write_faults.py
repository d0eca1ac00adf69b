"""Faults found by an adversarial review of the write side, each held by a test."""

from __future__ import annotations

import gzip
import logging
import threading
from pathlib import Path

import pytest
from lxml import etree

from server.model import Observation
from tests.test_maintenance import codelist, dataflow, send, structure_message
from tests.test_submission import (
    HEADER,
    MEXICO,
    NSO,
    message,
    post,
    result,
    server,  # noqa: F401
    stored,
)

ROOT = Path(__file__).resolve().parent.parent


def _dsd_element() -> str:
    """DSD_MIG_STOCK as its own DataStructures container, from structures/."""
    tree = etree.parse(str(ROOT / "structures" / "dsd.xml"))
    (container,) = tree.xpath("//*[local-name()='DataStructures']")
    return etree.tostring(container, encoding="unicode")


STRUCTURES_DSD = _dsd_element()


def test_a_gzip_body_cut_short_or_followed_by_junk_stores_nothing(server):  # noqa: F811
    packed = gzip.compress(message(*MEXICO))
    for body in (packed[:-11], packed + b"junk"):
        response = post(
            server, body, server.tokens["mex"], **{"Content-Encoding": "gzip"}
        )
        assert response.status_code == 400
        assert "compressed" in result(response)["statusMessage"]["texts"]["en"]
    assert stored(server) == {}


def test_twenty_parallel_submissions_all_land_exactly(server):  # noqa: F811
    token = server.tokens["mex"]
    answers: list[int] = []

    def submit(year: int) -> None:
        row = MEXICO[0].replace(",2020,", f",{year},")
        answers.append(post(server, message(row), token).status_code)

    threads = [threading.Thread(target=submit, args=(1990 + n,)) for n in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert answers == [200] * 20
    assert len(stored(server)) == 20


def test_an_overlong_period_is_422_and_its_text_is_not_logged(server, caplog):  # noqa: F811
    caplog.set_level(logging.DEBUG)
    period = "2020/P" + "0" * 70 + "1Y"
    response = post(
        server,
        message(MEXICO[0].replace(",2020,", f",{period},")),
        server.tokens["mex"],
    )
    assert response.status_code == 422
    assert "is not an SDMX time period" in response.data.decode()
    assert "0" * 70 not in "\n".join(r.getMessage() for r in caplog.records)


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(
            message(*MEXICO) + b"\xe9\xff\n", id="bad UTF-8 after the first rows"
        ),
        pytest.param(
            message(MEXICO[0]) + f'{NSO},I,"{"x" * 140_000}"\n'.encode(),
            id="huge quoted cell",
        ),
        pytest.param(
            (HEADER + ",REF_AREA\n" + MEXICO[0] + ",484\n").encode(),
            id="a column twice",
        ),
        pytest.param(
            message(MEXICO[0].replace(",1197624,", ",١٢٣,")), id="non-ASCII digits"
        ),
    ],
)
def test_malformed_csv_is_422_not_500(server, body):  # noqa: F811
    response = post(server, body, server.tokens["mex"])
    assert response.status_code == 422, response.data[:300]
    assert stored(server) == {}


@pytest.mark.parametrize(
    ("first", "second"), [("1980", "1980-A1"), ("1981-01", "1981-M01")]
)
def test_one_period_under_two_spellings_is_one_observation(server, first, second):  # noqa: F811
    rows = [
        MEXICO[0]
        .replace(",2020,", f",{p},")
        .replace(",A,MIG", f",{'A' if '-' not in first else 'M'},MIG")
        for p in (first, second)
    ]
    response = post(server, message(*rows), server.tokens["mex"])
    assert response.status_code == 422
    assert "two observations for period" in response.data.decode()
    # Sent apart, the second replaces the first, stored under one spelling.
    assert post(server, message(rows[0]), server.tokens["mex"]).status_code == 200
    assert post(server, message(rows[1]), server.tokens["mex"]).status_code == 200
    assert [k[2] for k in stored(server)] == [first]


def test_a_delete_with_a_bad_period_is_422(server):  # noqa: F811
    response = post(
        server,
        message(f"{NSO},D,A,MIG_STOCK,484,F,_T,_T,_T,notaperiod,,,,,"),
        server.tokens["mex"],
    )
    assert response.status_code == 422
    assert "not an SDMX time period" in response.data.decode()


def test_history_leaves_out_what_one_message_wrote_and_undid(server):  # noqa: F811
    token = server.tokens["mex"]
    undone = f"{NSO},D,A,MIG_STOCK,484,F,_T,_T,_T,2020,,,,,"
    assert post(server, message(MEXICO[1], undone, MEXICO[0]), token).status_code == 200
    body = (
        server.test_client()
        .get(
            "/rest/data/UNDESA,DF_MIG_NSO,1.0/all?includeHistory=true",
            headers={"Authorization": f"Bearer {token}"},
        )
        .data.decode()
    )
    assert body.count("<mes:DataSet") == 1
    assert 'SEX" value="F"' not in body


def test_an_admin_writes_only_under_an_agreement(server):  # noqa: F811
    # Without a named provider an admin writes as DESA_PD, which has no agreement
    # for DF_MIG_NSO.
    response = post(server, message(*MEXICO), server.tokens["admin"])
    assert response.status_code == 403
    assert "UNDESA:DESA_PD has no provision agreement" in response.data.decode()
    assert stored(server) == {}


def test_refusals_before_reading_answer_in_json(server):  # noqa: F811
    for token, headers, status in (
        (None, {}, 401),
        (server.tokens["reader"], {}, 403),
        (server.tokens["mex"], {"Content-Encoding": "br"}, 400),
    ):
        response = post(server, message(*MEXICO), token, **headers)
        assert response.status_code == status
        assert response.content_type == "application/json"
        assert result(response)["code"] == status


def test_a_class_less_reference_to_a_missing_codelist_is_409(server):  # noqa: F811
    dsd = STRUCTURES_DSD.replace("DSD_MIG_STOCK", "DSD_TEST").replace(
        '<Ref agencyID="UNDESA" id="CL_SEX" version="1.0" package="codelist" '
        'class="Codelist"/>',
        '<Ref agencyID="UNDESA" id="CL_NOPE" version="1.0"/>',
    )
    assert "CL_NOPE" in dsd
    response = send(server, "POST", "", structure_message(dsd), server.tokens["admin"])
    assert response.status_code == 409
    assert "CL_NOPE" in response.data.decode()


def test_changing_a_structure_that_holds_data_is_409(server):  # noqa: F811
    assert post(server, message(*MEXICO), server.tokens["mex"]).status_code == 200
    # DSD_MIG_STOCK 1.0 stays final; made non-final and shorn of an attribute, it
    # would still change components that stored series use.
    changed = STRUCTURES_DSD.replace('isFinal="true"', 'isFinal="false"', 1)
    first = changed.index("<str:Attribute ")
    changed = changed[:first] + changed[changed.index("</str:Attribute>", first) + 16 :]
    response = send(
        server, "POST", "", structure_message(changed), server.tokens["admin"]
    )
    assert response.status_code == 409
    assert len(stored(server)) == 3


def test_structure_messages_with_entities_or_overlong_ids_are_refused(server):  # noqa: F811
    """Entities: 400, an unreadable message (as in either SDMX-ML version); an
    overlong version: 422."""
    entity = structure_message(codelist("1.0", {"A": "&nm;"})).replace(
        b'<?xml version="1.0" encoding="UTF-8"?>',
        b'<?xml version="1.0" encoding="UTF-8"?><!DOCTYPE x [<!ENTITY nm "x">]>',
    )
    assert send(server, "POST", "", entity, server.tokens["admin"]).status_code == 400
    long_version = structure_message(codelist("1." + "0" * 60, {"A": "Alpha"}))
    assert (
        send(server, "POST", "", long_version, server.tokens["admin"]).status_code
        == 422
    )


def test_a_final_codelist_resent_with_other_prefixes_is_unchanged(server):  # noqa: F811
    body = structure_message(codelist("1.0", {"A": "Alpha"}))
    assert send(server, "POST", "", body, server.tokens["admin"]).status_code == 201
    renamed = body.replace(b"str:", b"s:").replace(b"xmlns:str=", b"xmlns:s=")
    assert send(server, "POST", "", renamed, server.tokens["admin"]).status_code == 200


def test_a_deletion_answers_204_without_a_content_type(server):  # noqa: F811
    body = structure_message(codelist("1.0", {"A": "Alpha"}))
    assert send(server, "POST", "", body, server.tokens["admin"]).status_code == 201
    gone = send(
        server, "DELETE", "/codelist/UNDESA/CL_TEST/1.0", token=server.tokens["admin"]
    )
    assert gone.status_code == 204
    assert "Content-Type" not in gone.headers


def test_no_last_modified_within_the_second_of_a_change(server):  # noqa: F811
    assert post(server, message(*MEXICO), server.tokens["mex"]).status_code == 200
    response = server.test_client().get("/rest/dataflow/UNDESA/DF_MIG_NSO")
    assert response.status_code == 200
    assert "Last-Modified" not in response.headers
    assert "ETag" in response.headers


def test_a_refused_submission_is_recorded_as_refused(server):  # noqa: F811
    post(server, message(MEXICO[0].replace(",484,", ",840,")), server.tokens["mex"])
    listed = (
        server.test_client()
        .get(
            "/rest/v2/submissions",
            headers={"Authorization": f"Bearer {server.tokens['mex']}"},
        )
        .json["submissions"]
    )
    assert [(s["state"], s["status"]) for s in listed] == [("refused", 403)]


def test_a_compressed_body_without_its_header_says_what_to_send(server):  # noqa: F811
    response = post(server, gzip.compress(message(*MEXICO)), server.tokens["mex"])
    assert response.status_code == 422
    assert "Content-Encoding: gzip" in response.data.decode()


def test_a_series_attribute_with_two_values_in_a_message_is_422(server):  # noqa: F811
    other_unit = MEXICO[0].replace(",2020,", ",2015,").replace(",PS,0,", ",PT,0,")
    response = post(server, message(MEXICO[0], other_unit), server.tokens["mex"])
    assert response.status_code == 422
    (error,) = result(response)["errors"]
    assert (error["component"], error["rule"]) == (
        "UNIT_MEASURE",
        "one value per series attribute",
    )
    assert stored(server) == {}


def test_a_revoked_user_gets_a_new_token_under_the_same_name(server):  # noqa: F811
    from server import auth

    with server.extensions["store"].engine.begin() as conn:
        assert auth.revoke_user(conn, "mex")
        fresh = auth.add_user(conn, "mex", "provider", "UNDESA:NSO_MEX")
    assert post(server, message(*MEXICO), server.tokens["mex"]).status_code == 401
    assert post(server, message(*MEXICO), fresh).status_code == 200


# --- found by the adversarial review of SDMX-ML 3.0 maintenance and caching ---------


def test_a_restricted_dataflow_does_not_show_through_the_choice_of_dataflow(server):  # noqa: F811
    """Anonymous queries over several dataflows leave restricted ones out, so
    that 401, 204 or 501 cannot tell whether restricted data match a filter."""
    assert post(server, message(*MEXICO), server.tokens["mex"]).status_code == 200
    client = server.test_client()
    base = "/rest/v2/data/dataflow/UNDESA/DF_MIG_NSO,DF_IMS2020_SEX/1.0/"
    key = "A.MIG_STOCK.484.F._T._T._T"
    for bound in ("ge:597000", "ge:597001"):
        url = f"{base}{key}?c[OBS_VALUE]={bound}"
        assert client.get(url).status_code == 204  # whatever DF_MIG_NSO holds
    reader = {"Authorization": f"Bearer {server.tokens['reader']}"}
    seen = client.get(f"{base}{key}?c[OBS_VALUE]=ge:597000", headers=reader)
    assert seen.status_code == 200 and b"597000" in seen.data
    wildcard = client.get(f"/rest/v2/data/dataflow/UNDESA/*/*/{key}")
    assert wildcard.status_code == 204


def test_a_dataflow_holding_data_keeps_its_data_structure(server):  # noqa: F811
    admin = server.tokens["admin"]
    dsd_copy = STRUCTURES_DSD.replace("DSD_MIG_STOCK", "DSD_COPY")
    created = send(server, "POST", "", structure_message(dsd_copy), admin)
    assert created.status_code == 201, created.data
    flow = dataflow("DF_TEST").replace('isFinal="true"', 'isFinal="false"')
    path = "/dataflow/UNDESA/DF_TEST/1.0"
    assert send(server, "PUT", path, structure_message(flow), admin).status_code == 201
    pointed = structure_message(flow.replace("DSD_MIG_STOCK", "DSD_COPY"))
    # Without data a dataflow may name another structure ...
    moved = send(server, "PUT", path, pointed, admin)
    assert moved.status_code == 200, moved.data
    answer = send(server, "PUT", path, structure_message(flow), admin)
    assert answer.status_code == 200, answer.data
    store = server.extensions["store"]
    row = store.find_artefacts(["dataflow"], ["UNDESA"], ["DF_TEST"], ["1.0"])[-1]
    key = ("A", "MIG_STOCK", "484", "_T", "_T", "_T", "_T")
    observation = Observation(key, "2020", 1197624.0, {}, {"UNIT_MEASURE": "PS"})
    store.write_observations(
        row, store.structure_of(row), "UNDESA:DESA_PD", [observation]
    )
    # ... with data it may not.
    refused = send(server, "PUT", path, pointed, admin)
    assert refused.status_code == 409
    assert "holds data" in refused.data.decode()
    data = server.test_client().get(
        "/rest/v2/data/dataflow/UNDESA/DF_TEST/1.0/*",
        headers={"Accept": "application/vnd.sdmx.data+csv;version=2.0.0"},
    )
    assert data.status_code == 200 and b"1197624" in data.data


def test_a_version_spelled_another_way_is_409(server):  # noqa: F811
    admin = server.tokens["admin"]
    assert send(
        server, "POST", "", structure_message(codelist("1.0", {"A": "a"})), admin
    )
    for other in ("1.0.0", "1"):
        again = structure_message(codelist(other, {"B": "b"}))
        answer = send(server, "POST", "", again, admin)
        assert answer.status_code == 409, answer.data
        assert "stored as version 1.0" in answer.data.decode()
    kept = server.test_client().get(
        "/rest/v2/structure/codelist/UNDESA/CL_TEST/*",
        headers={"Accept": "application/vnd.sdmx.structure+json;version=2.0.0"},
    )
    assert [c["version"] for c in kept.json["data"]["codelists"]] == ["1.0"]
    newer = structure_message(codelist("1.0.1", {"B": "b"}))
    assert send(server, "POST", "", newer, admin).status_code == 201


def test_a_dataflow_without_a_structure_is_refused(server):  # noqa: F811
    bare = (
        '<str:Dataflows><str:Dataflow id="DF_BARE" agencyID="UNDESA" version="1.0">'
        '<com:Name xml:lang="en">No structure</com:Name></str:Dataflow>'
        "</str:Dataflows>"
    )
    answer = send(server, "POST", "", structure_message(bare), server.tokens["admin"])
    assert answer.status_code == 422
    assert "names no data structure" in answer.data.decode()
    listed = server.test_client().get("/rest/dataflow/UNDESA/DF_BARE/latest")
    assert listed.status_code == 404


def test_merge_without_a_value_keeps_the_stored_value(server):  # noqa: F811
    token = server.tokens["mex"]
    assert post(server, message(*MEXICO), token).status_code == 200
    # OBS_VALUE left empty, OBS_STATUS given: the value stays, the status changes.
    blank = f"{NSO},M,A,MIG_STOCK,484,F,_T,_T,_T,2020,,PS,0,B,E"
    assert post(server, message(blank), token).status_code == 200
    row = stored(server)[("484", "F", "2020")]
    assert (row["OBS_VALUE"], row["OBS_STATUS"]) == ("597000", "E")
    # NaN says the value is missing.
    missing = f"{NSO},M,A,MIG_STOCK,484,F,_T,_T,_T,2020,NaN,PS,0,B,E"
    assert post(server, message(missing), token).status_code == 200
    assert stored(server)[("484", "F", "2020")]["OBS_VALUE"] in ("", "NaN")


def test_private_answers_have_their_own_etags(server):  # noqa: F811
    assert post(server, message(*MEXICO), server.tokens["mex"]).status_code == 200
    client = server.test_client()
    path = "/rest/data/UNDESA,DF_MIG_NSO,1.0/all"
    tags = {
        client.get(
            path, headers={"Authorization": f"Bearer {server.tokens[who]}"}
        ).headers["ETag"]
        for who in ("mex", "reader")
    }
    assert len(tags) == 2


def test_preflight_allows_the_maintenance_methods(server):  # noqa: F811
    answer = server.test_client().options(
        "/rest/v2/structure/codelist/UNDESA/CL_TEST/1.0",
        headers={"Origin": "http://127.0.0.1", "Access-Control-Request-Method": "PUT"},
    )
    methods = answer.headers["Access-Control-Allow-Methods"]
    assert {"PUT", "DELETE", "POST"} <= {m.strip() for m in methods.split(",")}


def test_an_unreadable_structure_message_is_400_in_either_version(server):  # noqa: F811
    admin = server.tokens["admin"]
    for body in (b"<mes:Structure", b"<root/>", structure_message("<str:Nothing/>")):
        answer = send(server, "POST", "", body, admin)
        assert answer.status_code == 400, (body, answer.data)


def _constraint(component: str, code: str) -> str:
    return (
        '<str:Constraints><str:ContentConstraint id="CC_TEST" agencyID="UNDESA" '
        'version="1.0" isFinal="false" type="Allowed">'
        '<com:Name xml:lang="en">Test</com:Name><str:ConstraintAttachment>'
        '<str:ProvisionAgreement><Ref agencyID="UNDESA" id="PA_NSO_MEX_MIG_NSO" '
        'version="1.0" package="registry" class="ProvisionAgreement"/>'
        "</str:ProvisionAgreement></str:ConstraintAttachment>"
        f'<str:CubeRegion include="true"><com:KeyValue id="{component}">'
        f"<com:Value>{code}</com:Value></com:KeyValue></str:CubeRegion>"
        "</str:ContentConstraint></str:Constraints>"
    )


def test_a_constraint_names_only_components_and_codes_its_structure_has(server):  # noqa: F811
    admin = server.tokens["admin"]
    for component, code, named in (
        ("INDICATOR", "NOPE_CODE", "INDICATOR code NOPE_CODE"),
        ("NOPE_DIM", "484", "component NOPE_DIM"),
    ):
        body = structure_message(_constraint(component, code))
        answer = send(server, "POST", "", body, admin)
        assert answer.status_code == 409, answer.data
        assert named in answer.data.decode()
    # Submissions go on as before.
    assert post(server, message(*MEXICO), server.tokens["mex"]).status_code == 200
    fine = structure_message(_constraint("SEX", "F"))
    assert send(server, "POST", "", fine, admin).status_code == 201


def test_an_artefact_whose_urn_names_another_is_422(server):  # noqa: F811
    body = structure_message(codelist("1.0", {"A": "Alpha"})).replace(
        b'<str:Codelist id="CL_TEST"',
        b'<str:Codelist urn="urn:sdmx:org.sdmx.infomodel.codelist.Codelist='
        b'EVIL:CL_OTHER(9.9)" id="CL_TEST"',
    )
    answer = send(server, "POST", "", body, server.tokens["admin"])
    assert answer.status_code == 422 and "names another artefact" in answer.text
    assert send(server, "GET", "/codelist/UNDESA/CL_TEST/1.0").status_code == 204
