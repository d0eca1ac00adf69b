"""Whole series answered from their kept text (server.formats.encoded).

An answer made from the kept text must be the answer made row by row, byte for byte
after the message header (its id and time differ): a period condition that excludes
nothing makes the server take rows, so each pair below is the same query both ways.
"""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from server.formats.encoded import encode
from server.query import DataQuery
from server.store import schema
from tests.helpers import csv_rows
from tests.test_submission import HEADER, MEXICO, NSO, message, server  # noqa: F401

FORMATS = {
    "csv20": "application/vnd.sdmx.data+csv;version=2.0.0",
    "csv10": "application/vnd.sdmx.data+csv;version=1.0.0",
    "generic": "application/vnd.sdmx.genericdata+xml;version=2.1",
    "generic-ts": "application/vnd.sdmx.generictimeseriesdata+xml;version=2.1",
    "specific": "application/vnd.sdmx.structurespecificdata+xml;version=2.1",
    "specific-ts": (
        "application/vnd.sdmx.structurespecifictimeseriesdata+xml;version=2.1"
    ),
    "ml30": "application/vnd.sdmx.data+xml;version=3.0.0",
}
# Whole dataflows and keys of the bundled DESA data, on REST 2.x.
QUERIES = [
    "dataflow/UNDESA/DF_IMS2020_SEX/1.0/*",
    "dataflow/UNDESA/DF_IMS2019_ORIGIN/1.0/*",
    "dataflow/UNDESA/DF_IMS2020_SEX/1.0/A.MIG_STOCK.900+484+840.F+M.*.*.*",
]
EVERY_PERIOD = "c[TIME_PERIOD]=ge:0001"


def _body(response) -> bytes:
    """The message without its header, which names the message and its time."""
    return re.sub(rb"<mes:Header>.*?</mes:Header>", b"", response.data, count=1)


def _whole_and_rows(client, path: str, accept: str) -> tuple[bytes, bytes]:
    whole = client.get(f"/rest/v2/data/{path}", headers={"Accept": accept})
    sep = "&" if "?" in path else "?"
    rows = client.get(
        f"/rest/v2/data/{path}{sep}{EVERY_PERIOD}", headers={"Accept": accept}
    )
    assert whole.status_code == rows.status_code == 200, whole.data[:300]
    return _body(whole), _body(rows)


def _uses_text(app, flow_id: str, key=None, encoding: str = "csv") -> bool:
    store = app.extensions["store"]
    flow = store.find_artefacts(["dataflow"], ["UNDESA"], [flow_id], ["1.0"])[-1]
    query = DataQuery("UNDESA", flow_id, "1.0", key)
    dsd = store.structure_of(flow)
    rows = store.select_series_text(flow.pk, query, encoding, dsd)
    if rows is None:
        return False
    rows.close()
    return True


@pytest.mark.parametrize("path", QUERIES)
@pytest.mark.parametrize("form", FORMATS)
def test_kept_text_answers_as_rows_do(app, client, path, form):
    whole, rows = _whole_and_rows(client, path, FORMATS[form])
    assert whole == rows
    assert _uses_text(app, path.split("/")[2])


def test_kept_text_on_rest_15(client):
    path = "/rest/data/UNDESA,DF_IMS2020_SEX,1.0/A.MIG_STOCK.900+484...."
    for accept in FORMATS.values():
        whole = client.get(path, headers={"Accept": accept})
        rows = client.get(f"{path}?startPeriod=0001", headers={"Accept": accept})
        assert whole.status_code == rows.status_code == 200
        assert _body(whole) == _body(rows)


def test_whole_series_count_is_the_row_count(client):
    """The kept counts say how many observations a dataflow answers."""
    whole = client.get(
        "/rest/v2/data/dataflow/UNDESA/DF_IMS2020_SEX/1.0/*",
        headers={"Accept": FORMATS["csv20"]},
    )
    rows = client.get(
        f"/rest/v2/data/dataflow/UNDESA/DF_IMS2020_SEX/1.0/*?{EVERY_PERIOD}",
        headers={"Accept": FORMATS["csv20"]},
    )
    assert len(csv_rows(whole.data)) == len(csv_rows(rows.data)) > 5_000


def test_size_limit_counts_whole_series(app, client):
    rows = csv_rows(
        client.get(
            "/rest/v2/data/dataflow/UNDESA/DF_IMS2020_SEX/1.0/A.MIG_STOCK.484.*.*.*.*",
            headers={"Accept": FORMATS["csv20"]},
        ).data
    )
    # Answers are kept until the store changes; the setting is no change of it.
    app.extensions["response_cache"].clear()
    app.config["MAX_RESULT_OBSERVATIONS"] = len(rows) - 1
    try:
        refused = client.get(
            "/rest/v2/data/dataflow/UNDESA/DF_IMS2020_SEX/1.0/A.MIG_STOCK.484.*.*.*.*",
            headers={"Accept": FORMATS["csv20"]},
        )
        app.config["MAX_RESULT_OBSERVATIONS"] = len(rows)
        served = client.get(
            "/rest/v2/data/dataflow/UNDESA/DF_IMS2020_SEX/1.0/A.MIG_STOCK.484.*.*.*.*",
            headers={"Accept": FORMATS["csv20"]},
        )
    finally:
        app.config.pop("MAX_RESULT_OBSERVATIONS")
    assert refused.status_code == 413
    assert served.status_code == 200 and len(csv_rows(served.data)) == len(rows)


def _nso_answers(client, token: str) -> list[tuple[bytes, bytes]]:
    auth = {"Authorization": f"Bearer {token}"}
    answers = []
    for accept in FORMATS.values():
        path = "/rest/v2/data/dataflow/UNDESA/DF_MIG_NSO/1.0/*"
        whole = client.get(path, headers={"Accept": accept, **auth})
        rows = client.get(f"{path}?{EVERY_PERIOD}", headers={"Accept": accept, **auth})
        assert whole.status_code == rows.status_code == 200
        answers.append((_body(whole), _body(rows)))
    return answers


def _post(client, token: str, body: bytes):
    response = client.post(
        "/rest/v2/data",
        data=body,
        headers={
            "Authorization": f"Bearer {token}",
            "Content-Type": "application/vnd.sdmx.data+csv;version=2.0.0",
        },
    )
    assert response.status_code == 200, response.data
    return response


def test_kept_text_follows_every_write(server):  # noqa: F811
    client, token = server.test_client(), server.tokens["mex"]
    _post(client, token, message(*MEXICO))
    for whole, rows in _nso_answers(client, token):
        assert whole == rows
    # Replace one value, add a period, delete another observation.
    _post(
        client,
        token,
        message(
            f"{NSO},R,A,MIG_STOCK,484,F,_T,_T,_T,2020,597001,PS,0,B,A",
            f"{NSO},I,A,MIG_STOCK,484,F,_T,_T,_T,2015,500000,PS,0,B,A",
            f"{NSO},D,A,MIG_STOCK,484,M,_T,_T,_T,2020,,,,,",
        ),
    )
    answers = _nso_answers(client, token)
    for whole, rows in answers:
        assert whole == rows
    values = {
        (r["SEX"], r["TIME_PERIOD"]): r["OBS_VALUE"]
        for r in csv_rows(answers[0][0].lstrip(b"\n"))
    }
    assert values == {
        ("_T", "2020"): "1197624",
        ("F", "2015"): "500000",
        ("F", "2020"): "597001",
    }
    # A series whose observations are all deleted leaves the answers.
    _post(client, token, message(f"{NSO},D,A,MIG_STOCK,484,F,_T,_T,_T,,,,,,"))
    for whole, rows in _nso_answers(client, token):
        assert whole == rows
        assert b"597001" not in whole and b"1197624" in whole


def test_series_without_kept_text_are_answered_from_rows(server):  # noqa: F811
    client, token = server.test_client(), server.tokens["mex"]
    _post(client, token, message(*MEXICO))
    store = server.extensions["store"]
    with store.engine.begin() as conn:  # as in a store from before kept text
        conn.execute(sa.delete(schema.series_text))
    assert not _uses_text(server, "DF_MIG_NSO")
    for whole, rows in _nso_answers(client, token):
        assert whole == rows
        assert b"597000" in whole
    # The next start writes what is missing.
    assert store.fill_series_text() == 3
    assert _uses_text(server, "DF_MIG_NSO")
    for whole, rows in _nso_answers(client, token):
        assert whole == rows


def test_line_breaks_keep_csv_text_out():
    from server.model import Component, DataStructure

    dsd = DataStructure(
        ref=None,
        dimensions=[Component("FREQ")],
        time_dimension="TIME_PERIOD",
        attributes=[Component("COMMENT", attachment="Observation")],
        measure="OBS_VALUE",
    )
    observations = [("2020", 1.0, '{"COMMENT": "two\\nlines"}')]
    text = encode(dsd, "{}", observations)
    assert text["csv"] is None
    assert "two&#10;lines" in text["generic"]
    plain = encode(dsd, "{}", [("2020", 1.5, '{"COMMENT": "one"}')])
    assert plain["csv"] == "2020,1.5,one\r\n"


def test_kept_text_of_another_shape_is_made_anew_at_start(tmp_path):
    """A store whose series_text another version made (other columns) gets it
    made again from the observations when the server starts."""
    import sqlite3

    from server import create_app

    url = f"sqlite:///{tmp_path / 'sdmx.db'}"
    config = {"DATABASE_URL": url, "LOAD_BUNDLED": True, "LOAD_BUNDLED_DATA": True}
    create_app(config).extensions["store"].dispose()
    with sqlite3.connect(tmp_path / "sdmx.db") as connection:
        connection.execute("ALTER TABLE series_text DROP COLUMN ml30")
    app = create_app(config)
    try:
        assert _uses_text(app, "DF_IMS2020_SEX", encoding="ml30")
        whole, rows = _whole_and_rows(app.test_client(), QUERIES[2], FORMATS["ml30"])
        assert whole == rows
    finally:
        app.extensions["store"].dispose()


@pytest.mark.parametrize("path", QUERIES)
def test_flat_generic_data_from_kept_text_as_from_rows(client, path):
    flat = f"{path}?dimensionAtObservation=AllDimensions"
    whole, rows = _whole_and_rows(client, flat, FORMATS["generic"])
    assert whole == rows and b"<gen:ObsKey>" in whole
