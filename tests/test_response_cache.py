"""Answers kept per process (server.api.response_cache): served again only while the
store has not changed, never to or from requests with credentials."""

from __future__ import annotations

import gzip
import time

import pytest

from tests.test_submission import MEXICO, NSO_DATA, message, server  # noqa: F401

CODELIST = "/rest/codelist/UNDESA/CL_SEX/1.0"
SEX_2020 = "/rest/v2/data/dataflow/UNDESA/DF_IMS2020_SEX/1.0/A.MIG_STOCK.484.F._T._T._T"
CSV20 = "application/vnd.sdmx.data+csv;version=2.0.0"


def _client_get(client, *args, **kwargs):
    return _read(client.get(*args, **kwargs))


def _client_head(client, *args, **kwargs):
    return _read(client.head(*args, **kwargs))


def _read(response):
    """The answer read to its end, as a server sends it before the next request
    (the test client streams it only when read)."""
    response.get_data()
    return response


@pytest.fixture
def cache(server):  # noqa: F811
    kept = server.extensions["response_cache"]
    kept.clear()
    time.sleep(1.1)  # answers are kept once the store's last change is a second old
    return kept


def test_a_repeated_query_is_answered_from_the_kept_answer(server, cache):  # noqa: F811
    client = server.test_client()
    first = _client_get(client, CODELIST)
    hits = cache.hits
    second = _client_get(client, CODELIST)
    assert cache.hits == hits + 1
    assert second.status_code == 200
    assert second.data == first.data
    assert second.headers["ETag"] == first.headers["ETag"]
    assert second.headers["Content-Type"] == first.headers["Content-Type"]
    assert second.headers["Access-Control-Allow-Origin"] == "*"
    assert int(second.headers["Content-Length"]) == len(first.data)
    # Conditional and HEAD requests are answered from it too.
    etag = first.headers["ETag"]
    assert (
        _client_get(client, CODELIST, headers={"If-None-Match": etag}).status_code
        == 304
    )
    head = _client_head(client, CODELIST)
    assert head.status_code == 200 and head.data == b""
    assert head.headers["ETag"] == etag
    assert cache.hits == hits + 2  # HEAD goes through, as it would uncached


def test_requests_with_long_headers_are_not_kept(server, cache):  # noqa: F811
    """Keys count against the memory limit; odd, long ones are not kept at all."""
    client = server.test_client()
    padding = {"Accept-Language": "en;q=0.9, " + "x" * 3000}
    first = _client_get(client, CODELIST, headers=padding)
    hits = cache.hits
    second = _client_get(client, CODELIST, headers=padding)
    assert first.status_code == second.status_code == 200
    assert cache.hits == hits and not cache._entries


def test_the_form_of_an_answer_is_part_of_what_is_kept(server, cache):  # noqa: F811
    client = server.test_client()
    xml = _client_get(client, CODELIST)
    json_answer = _client_get(
        client,
        CODELIST,
        headers={"Accept": "application/vnd.sdmx.structure+json;version=2.0.0"},
    )
    zipped = _client_get(client, CODELIST, headers={"Accept-Encoding": "gzip"})
    again = _client_get(client, CODELIST, headers={"Accept-Encoding": "gzip"})
    assert json_answer.data.startswith(b"{") and xml.data.startswith(b"<?xml")
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert again.headers["Content-Encoding"] == "gzip"
    # Same message but for its header (id and time), compressed once, kept once.
    assert gzip.decompress(again.data) == gzip.decompress(zipped.data)
    assert gzip.decompress(zipped.data)[-200:] == xml.data[-200:]


def test_a_write_retires_kept_answers(server, cache):  # noqa: F811
    client = server.test_client()
    mex = {"Authorization": f"Bearer {server.tokens['mex']}"}
    before = _client_get(client, CODELIST)
    _client_get(client, CODELIST)
    response = client.post(
        "/rest/v2/data",
        data=message(*MEXICO),
        headers={**mex, "Content-Type": CSV20},
    )
    assert response.status_code == 200
    after = _client_get(client, CODELIST)
    assert after.headers["ETag"] != before.headers["ETag"]
    # A structure written anew is read anew at once.
    empty = _client_get(client, "/rest/v2/data/dataflow/UNDESA/DF_IMS2020_SEX/1.0/*")
    assert empty.status_code == 204
    _client_get(client, "/rest/v2/data/dataflow/UNDESA/DF_IMS2020_SEX/1.0/*")
    admin = {"Authorization": f"Bearer {server.tokens['admin']}"}
    posted = client.post(
        "/rest/v2/data",
        data=(
            b"STRUCTURE,STRUCTURE_ID,ACTION,FREQ,INDICATOR,REF_AREA,SEX,AGE,COB,"
            b"CITIZENSHIP,TIME_PERIOD,OBS_VALUE,UNIT_MEASURE,UNIT_MULT,DATA_BASIS,"
            b"OBS_STATUS\n"
            b"dataflow,UNDESA:DF_IMS2020_SEX(1.0),I,A,MIG_STOCK,484,F,_T,_T,_T,2020,"
            b"12345,PS,0,_Z,A\n"
        ),
        headers={**admin, "Content-Type": CSV20},
    )
    assert posted.status_code == 200, posted.data
    now = _client_get(client, SEX_2020, headers={"Accept": CSV20})
    assert now.status_code == 200 and b",2020,12345," in now.data


def test_answers_with_credentials_are_never_kept(server, cache):  # noqa: F811
    client = server.test_client()
    mex = {"Authorization": f"Bearer {server.tokens['mex']}"}
    client.post(
        "/rest/v2/data", data=message(*MEXICO), headers={**mex, "Content-Type": CSV20}
    )
    hits = cache.hits
    for _ in range(2):
        assert _client_get(client, NSO_DATA, headers=mex).status_code == 200
        # The restricted dataflow's data stay refused without the token.
        assert _client_get(client, NSO_DATA).status_code == 401
    assert cache.hits == hits


def test_large_answers_stream_through_unkept(server, cache):  # noqa: F811
    server.extensions["response_cache"].max_entry_bytes = 100
    try:
        client = server.test_client()
        first = _client_get(client, CODELIST)
        hits = cache.hits
        second = _client_get(client, CODELIST)
    finally:
        server.extensions["response_cache"].max_entry_bytes = 2**20
    assert len(first.data) > 100 and second.data[-100:] == first.data[-100:]
    assert cache.hits == hits


def test_an_answer_made_within_the_second_of_a_change_is_not_kept(server):  # noqa: F811
    """It has no Last-Modified yet; kept, it would lack one until the next change."""
    kept = server.extensions["response_cache"]
    kept.clear()
    client = server.test_client()
    store = server.extensions["store"]
    with store.engine.begin() as conn:
        store._record_change(conn)
    first = _client_get(client, CODELIST)
    assert "Last-Modified" not in first.headers and not kept._entries
    time.sleep(1.1)
    later = _client_get(client, CODELIST)
    assert later.headers["Last-Modified"].endswith("GMT") and kept._entries
