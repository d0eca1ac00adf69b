"""A server killed with SIGKILL in the middle of a large submission keeps none of it.

The server runs in its own process over a database of each backend. A large
SDMX-CSV message is sent slowly; once the server has been writing for a while, the
process is killed outright. A new server over the same database finds the store as
it was before the submission, and takes the same message whole.
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlalchemy as sa
from lxml import etree

from server import auth, create_app
from server.store import schema

ROOT = Path(__file__).resolve().parent.parent
HEADER = (
    "STRUCTURE,STRUCTURE_ID,ACTION,FREQ,INDICATOR,REF_AREA,SEX,AGE,COB,CITIZENSHIP,"
    "TIME_PERIOD,OBS_VALUE,UNIT_MEASURE,UNIT_MULT,DATA_BASIS,OBS_STATUS\n"
)
SERVER = """
import sys
from werkzeug.serving import run_simple
from server import create_app
app = create_app(
    {"DATABASE_URL": sys.argv[1], "LOAD_BUNDLED_DATA": False, "RELEASE_REQUIRED": False}
)
run_simple("127.0.0.1", int(sys.argv[2]), app, threaded=True)
"""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _start(url: str, port: int) -> subprocess.Popen:
    process = subprocess.Popen(
        [sys.executable, "-c", SERVER, url, str(port)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", "/rest/dataflow/UNDESA/DF_MIG_NSO")
            if connection.getresponse().status == 200:
                return process
        except OSError:
            time.sleep(0.3)
    process.kill()
    raise AssertionError("the server did not start within 90 s")


def _rows() -> list[bytes]:
    """About 60,000 observations of DF_MIG_NSO as SDMX-CSV 2.0 rows: every M49
    country of birth of CL_AREA, three sexes, 1950 to 2020."""
    tree = etree.parse(str(ROOT / "structures" / "areas.xml"))
    codes = tree.xpath("//*[local-name()='Codelist'][@id='CL_AREA']/*/@id")
    countries = [c for c in codes if c.isdigit() and int(c) < 900]
    rows = []
    for cob in countries:
        for sex in ("_T", "F", "M"):
            for year in range(1950, 2021):
                rows.append(
                    f"dataflow,UNDESA:DF_MIG_NSO(1.0),I,A,MIG_STOCK,484,{sex},_T,"
                    f"{cob},_T,{year},{year * 7},PS,0,B,A\n".encode()
                )
    return rows


def _writing(url: str) -> bool:
    """Whether another process holds an open write transaction on the database."""
    if url.startswith("sqlite"):
        import sqlite3

        probe = sqlite3.connect(url.removeprefix("sqlite:///"), timeout=0)
        try:
            probe.execute("BEGIN IMMEDIATE")
            probe.rollback()
            return False
        except sqlite3.OperationalError as error:
            return "locked" in str(error)
        finally:
            probe.close()
    engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
    try:
        with engine.connect() as conn:
            holders = conn.scalar(
                sa.text(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = "
                    "current_database() AND backend_xid IS NOT NULL "
                    "AND pid <> pg_backend_pid()"
                )
            )
    finally:
        engine.dispose()
    return holders > 0


def _count(url: str) -> tuple[int, int]:
    """(current observations, submissions recorded) in the database."""
    engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
    try:
        with engine.connect() as conn:
            observations = conn.scalar(
                sa.select(sa.func.count())
                .select_from(schema.observation)
                .where(schema.observation.c.valid_to.is_(None))
            )
            submissions = conn.scalar(
                sa.select(sa.func.count()).select_from(schema.submission)
            )
    finally:
        engine.dispose()
    return observations, submissions


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_sigkill_mid_submission_keeps_all_or_nothing(database_url_factory, backend):
    url = database_url_factory(backend)
    port = _free_port()
    server = _start(url, port)
    try:
        admin = create_app({"DATABASE_URL": url, "LOAD_BUNDLED": False})
        with admin.extensions["store"].engine.begin() as conn:
            token = auth.add_user(conn, "mexico", "provider", "UNDESA:NSO_MEX")
        admin.extensions["store"].dispose()
        rows = _rows()
        assert len(rows) > 40_000
        body_size = len(HEADER) + sum(len(r) for r in rows)
        assert _count(url) == (0, 0)

        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        connection.putrequest("POST", "/rest/v2/data")
        connection.putheader("Authorization", f"Bearer {token}")
        connection.putheader(
            "Content-Type", "application/vnd.sdmx.data+csv;version=2.0.0"
        )
        connection.putheader("Content-Length", str(body_size))
        connection.endheaders()
        connection.send(HEADER.encode())
        half = len(rows) * 3 // 4
        for start in range(0, half, 2000):
            connection.send(b"".join(rows[start : start + 2000]))
            time.sleep(0.05)
        time.sleep(2)  # the server writes what it has read, in its transaction
        assert _writing(url), "the server should be inside its write transaction"
        os.kill(server.pid, signal.SIGKILL)
        server.wait(timeout=30)
        connection.close()
    finally:
        if server.poll() is None:
            server.kill()
            server.wait(timeout=30)

    # Nothing of the interrupted submission is visible, nor recorded as done.
    assert _count(url) == (0, 0)

    server = _start(url, port)
    try:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
        body = HEADER.encode() + b"".join(rows)
        connection.request(
            "POST",
            "/rest/v2/data",
            body=body,
            headers={
                "Authorization": f"Bearer {token}",
                "Content-Type": "application/vnd.sdmx.data+csv;version=2.0.0",
            },
        )
        response = connection.getresponse()
        answer = json.loads(response.read())
        assert response.status == 200, answer
        assert answer["submissionResult"]["counts"]["merged"] == len(rows)
    finally:
        server.kill()
        server.wait(timeout=30)
    assert _count(url) == (len(rows), 1)
