"""HTTP behaviour on every response: validators, 304, compression, CORS, limits."""

from __future__ import annotations

import gzip
import zlib

from tests.helpers import assert_sdmx_error, assert_valid_sdmx_ml

CODELIST = "/rest/codelist/UNDESA/CL_SEX/1.0"
DATA = "/rest/data/DF_IMS2020_SEX/A.MIG_STOCK.840._T._T._T._T"


def test_responses_carry_etag_and_last_modified(client):
    response = client.get(CODELIST)
    assert response.headers["ETag"].startswith('"')
    assert response.headers["Last-Modified"].endswith("GMT")


def test_if_none_match_gives_304_without_body(client):
    tag = client.get(DATA).headers["ETag"]
    response = client.get(DATA, headers={"If-None-Match": tag})
    assert response.status_code == 304
    assert response.data == b""
    assert response.headers["ETag"] == tag


def test_if_modified_since_gives_304(client):
    stamp = client.get(CODELIST).headers["Last-Modified"]
    assert client.get(CODELIST, headers={"If-Modified-Since": stamp}).status_code == 304
    earlier = "Mon, 01 Jan 2001 00:00:00 GMT"
    assert (
        client.get(CODELIST, headers={"If-Modified-Since": earlier}).status_code == 200
    )


def test_etag_differs_by_format_and_query(client):
    generic = client.get(DATA).headers["ETag"]
    as_csv = client.get(DATA, headers={"Accept": "text/csv"}).headers["ETag"]
    other = client.get(DATA + "?startPeriod=2000").headers["ETag"]
    assert len({generic, as_csv, other}) == 3


def test_a_write_changes_the_etag(empty_app):
    from server.formats.structure_reader import read_structure_message
    from tests.conftest import FIXTURES

    client = empty_app.test_client()
    store = empty_app.extensions["store"]
    store.put_artefacts(
        read_structure_message(str(FIXTURES / "ecb" / "ecb_exr_ng_full.xml"))
    )
    before = client.get("/rest/codelist/all/all").headers["ETag"]
    store.put_artefacts(
        read_structure_message(str(FIXTURES / "ecb" / "ecb_exr_ng_full.xml"))
    )
    assert client.get("/rest/codelist/all/all").headers["ETag"] != before


def test_gzip_and_deflate_per_accept_encoding(client):
    plain = client.get(DATA).data
    response = client.get(DATA, headers={"Accept-Encoding": "gzip"})
    assert response.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in response.headers["Vary"]
    assert _body(gzip.decompress(response.data)) == _body(plain)
    response = client.get(DATA, headers={"Accept-Encoding": "deflate;q=1, gzip;q=0.5"})
    assert response.headers["Content-Encoding"] == "deflate"
    assert _body(zlib.decompress(response.data)) == _body(plain)
    response = client.get(DATA, headers={"Accept-Encoding": "identity"})
    assert "Content-Encoding" not in response.headers


def _body(xml: bytes) -> bytes:
    """The message without its header (ID and Prepared differ between responses)."""
    return xml[xml.index(b"</mes:Header>") :]


def test_cors_headers_on_success_and_on_errors(client):
    for path in (CODELIST, "/rest/codelist/UNDESA/NOPE", "/nowhere"):
        response = client.get(path)
        assert response.headers["Access-Control-Allow-Origin"] == "*"
        assert "ETag" in response.headers["Access-Control-Expose-Headers"]


def test_head_gives_headers_without_body(client):
    response = client.head(DATA)
    assert response.status_code == 200
    assert response.data == b""
    assert response.content_type.startswith("application/vnd.sdmx.genericdata+xml")


def test_a_too_long_url_is_414(client):
    key = "+".join(f"{n:03d}" for n in range(2000))
    response = client.get(f"/rest/data/DF_IMS2020_SEX/A.MIG_STOCK.{key}._T._T._T._T")
    assert_sdmx_error(response, 414, 414, "split the key")


def test_no_byte_order_mark_and_utf8_declared(client):
    body = client.get(CODELIST).data
    assert body.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    assert_valid_sdmx_ml(body)


def test_wrong_method_is_an_sdmx_error(client):
    assert_sdmx_error(client.post(CODELIST), 405, 140, "POST")


def test_a_result_above_the_service_limit_is_413_saying_how_to_narrow(app, client):
    app.config["MAX_RESULT_OBSERVATIONS"] = 20
    try:
        response = client.get("/rest/data/DF_IMS2020_SEX/A.MIG_STOCK.840.._T._T._T")
        assert_sdmx_error(response, 413, 510, "more than 20", "narrow it")
        response = client.get("/rest/v2/data/dataflow/UNDESA/DF_IMS2020_SEX/1.0/*")
        assert_sdmx_error(response, 413, 510, "more than 20")
        within = client.get(f"{DATA}?startPeriod=2010")
        assert within.status_code == 200
    finally:
        app.config.pop("MAX_RESULT_OBSERVATIONS")


def test_settings_come_from_sdmx_prefixed_environment_variables(app, monkeypatch):
    from server import create_app

    monkeypatch.setenv("SDMX_MAX_RESULT_OBSERVATIONS", "20")
    monkeypatch.setenv("SDMX_SENDER_ID", "NSO_TEST")
    configured = create_app(
        {"DATABASE_URL": app.config["DATABASE_URL"], "LOAD_BUNDLED": False}
    )
    assert configured.config["MAX_RESULT_OBSERVATIONS"] == 20
    client = configured.test_client()
    response = client.get("/rest/v2/data/dataflow/UNDESA/DF_IMS2020_SEX/1.0/*")
    assert_sdmx_error(response, 413, 510, "more than 20", "limit and offset")
    small = client.get(f"{DATA}?startPeriod=2020")
    assert b'<mes:Sender id="NSO_TEST"/>' in small.data


def test_a_weak_validator_matches_if_none_match(client):
    tag = client.get(DATA).headers["ETag"]
    response = client.get(DATA, headers={"If-None-Match": f"W/{tag}"})
    assert response.status_code == 304


def test_etag_differs_by_accept_parameters_and_encoding(client):
    csv20 = "application/vnd.sdmx.data+csv;version=2.0.0"
    plain = client.get(DATA, headers={"Accept": csv20}).headers["ETag"]
    labelled = client.get(DATA, headers={"Accept": csv20 + ";labels=both"})
    zipped = client.get(DATA, headers={"Accept": csv20, "Accept-Encoding": "gzip"})
    assert len({plain, labelled.headers["ETag"], zipped.headers["ETag"]}) == 3


def test_huge_numbers_in_parameters_are_400(client):
    response = client.get(f"{DATA}?lastNObservations=99999999999999999999")
    assert_sdmx_error(response, 400, 140, "lastNObservations")
    response = client.get(
        "/rest/v2/data/dataflow/UNDESA/DF_IMS2020_SEX/1.0/A.MIG_STOCK.840"
        "?limit=9223372036854775808"
    )
    assert_sdmx_error(response, 400, 140, "limit")
    response = client.get(
        "/rest/v2/data/dataflow/UNDESA/DF_IMS2020_SEX/1.0/A.MIG_STOCK.840?offset=1e9"
    )
    assert_sdmx_error(response, 400, 140, "offset")


def test_a_control_character_in_a_filter_is_400(client):
    response = client.get(
        "/rest/v2/data/dataflow/UNDESA/DF_IMS2020_SEX/1.0/*?c[REF_AREA]=co:%00"
    )
    assert_sdmx_error(response, 400, 140, "control character")
