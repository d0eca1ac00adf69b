"""Several server processes over one database answer as one: a write through one
is visible through the others at once, and no ETag serves what has changed."""

from __future__ import annotations

import http.client
import json
import subprocess

import pytest

from server import auth, create_app
from tests.test_crash import _free_port
from tests.test_crash import _start as start_server
from tests.test_maintenance import codelist, structure_message

CSV = (
    "STRUCTURE,STRUCTURE_ID,ACTION,FREQ,INDICATOR,REF_AREA,SEX,AGE,COB,CITIZENSHIP,"
    "TIME_PERIOD,OBS_VALUE,UNIT_MEASURE,UNIT_MULT,DATA_BASIS,OBS_STATUS\n"
    "dataflow,UNDESA:DF_MIG_NSO(1.0),I,A,MIG_STOCK,484,_T,_T,_T,_T,2020,1197624,"
    "PS,0,B,A\n"
)


def _start(url: str) -> tuple[subprocess.Popen, int]:
    """A server process over ``url`` (structures only, releases not required)."""
    port = _free_port()
    return start_server(url, port), port


def _request(port: int, method: str, path: str, body: bytes = b"", **headers):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    connection.request(method, path, body=body or None, headers=headers)
    response = connection.getresponse()
    data = response.read()
    connection.close()
    return response.status, dict(response.getheaders()), data


@pytest.mark.parametrize("backend", ["postgresql", "sqlite"])
def test_two_processes_over_one_database_answer_as_one(database_url_factory, backend):
    url = database_url_factory(backend)
    first, port_a = _start(url)  # creates the schema and loads the structures
    second, port_b = _start(url)
    try:
        users = create_app({"DATABASE_URL": url, "LOAD_BUNDLED": False})
        with users.extensions["store"].engine.begin() as conn:
            office = auth.add_user(conn, "mex", "provider", "UNDESA:NSO_MEX")
            admin = auth.add_user(conn, "admin", "admin", None)
        users.extensions["store"].dispose()
        bearer = {"Authorization": f"Bearer {office}"}
        data = "/rest/data/UNDESA,DF_MIG_NSO,1.0/all?format=csvdata"
        flow = "/rest/dataflow/UNDESA/DF_MIG_NSO"

        assert _request(port_b, "GET", data, **bearer)[0] == 404
        status, headers, _ = _request(port_b, "GET", flow)
        before = headers["ETag"]

        written = _request(
            port_a,
            "POST",
            "/rest/v2/data",
            CSV.encode(),
            **bearer,
            **{"Content-Type": "text/csv"},
        )
        assert written[0] == 200, written[2]
        # At once, through the other process: the data, and no stale 304.
        status, _, body = _request(port_b, "GET", data, **bearer)
        assert status == 200
        assert b"1197624" in body
        status, headers, _ = _request(port_b, "GET", flow, **{"If-None-Match": before})
        assert status == 200
        assert headers["ETag"] != before

        created = _request(
            port_b,
            "POST",
            "/rest/v2/structure",
            structure_message(codelist("1.0", {"A": "Alpha"})),
            **{"Authorization": f"Bearer {admin}", "Content-Type": "application/xml"},
        )
        assert created[0] == 201, created[2]
        status, _, body = _request(
            port_a,
            "GET",
            "/rest/v2/structure/codelist/UNDESA/CL_TEST/1.0",
            **{"Accept": "application/vnd.sdmx.structure+json;version=2.0.0"},
        )
        assert status == 200
        assert json.loads(body)["data"]["codelists"][0]["codes"][0]["id"] == "A"
    finally:
        for process in (first, second):
            process.kill()
            process.wait(timeout=30)
