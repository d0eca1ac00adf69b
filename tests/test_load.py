"""``flask load`` of data over the bundled DESA content: validated, all or nothing."""

from __future__ import annotations

import pytest

from server import create_app
from tests.helpers import generic_observations

GERMANY = "A.MIG_STOCK.276._T._T._T._T"
HEADER = (
    "DATAFLOW,FREQ,INDICATOR,REF_AREA,SEX,AGE,COB,CITIZENSHIP,TIME_PERIOD,OBS_VALUE"
)
FLOW = "UNDESA:DF_IMS2020_SEX(1.0)"


@pytest.fixture(params=["sqlite", "postgresql"])
def bundled_app(request, database_url_factory):
    application = create_app(
        {"TESTING": True, "DATABASE_URL": database_url_factory(request.param)}
    )
    yield application
    application.extensions["store"].dispose()


def _germany(app) -> dict:
    response = app.test_client().get(f"/rest/data/DF_IMS2020_SEX/{GERMANY}")
    return generic_observations(response.data)


def _series_attributes(app) -> str:
    return app.test_client().get(f"/rest/data/DF_IMS2020_SEX/{GERMANY}").data.decode()


def _load(app, tmp_path, text: str, *options: str):
    path = tmp_path / "upload.csv"
    path.write_text(text, encoding="utf-8")
    return app.test_cli_runner().invoke(args=["load", *options, str(path)])


def test_unknown_codes_are_refused_and_nothing_changes(bundled_app, tmp_path):
    before = _germany(bundled_app)
    result = _load(
        bundled_app,
        tmp_path,
        f"{HEADER}\n{FLOW},A,MIG_STOCK,276,_T,_T,_T,_T,2020,1\n"
        f"{FLOW},A,MIG_STOCK,DEU,_T,ZZZ,_T,_T,2020,1\n",
    )
    assert result.exit_code == 1
    assert "REF_AREA 'DEU' is not a code" in result.output
    assert "AGE 'ZZZ' is not a code" in result.output
    assert "Nothing from this file was stored" in result.output
    assert _germany(bundled_app) == before


def test_a_value_without_attributes_keeps_the_stored_ones(bundled_app, tmp_path):
    result = _load(
        bundled_app, tmp_path, f"{HEADER}\n{FLOW},A,MIG_STOCK,276,_T,_T,_T,_T,2020,1\n"
    )
    assert result.exit_code == 0, result.output
    found = _germany(bundled_app)
    assert found[(GERMANY, "2020")][0] == "1"
    assert found[(GERMANY, "2015")][0] != "1"
    body = _series_attributes(bundled_app)
    assert 'id="UNIT_MEASURE" value="PS"' in body
    assert 'id="DATA_BASIS"' in body


def test_provider_option_names_who_provided_the_data(bundled_app, tmp_path):
    result = _load(
        bundled_app,
        tmp_path,
        f"{HEADER},UNIT_MEASURE,UNIT_MULT\n"
        f"{FLOW},A,MIG_STOCK,276,_T,_T,_T,_T,2021,15000000,PS,0\n",
        "--provider",
        "UNDESA:NSO_DEU",
    )
    assert result.exit_code == 0, result.output
    assert "as UNDESA:NSO_DEU" in result.output
    client = bundled_app.test_client()
    response = client.get(f"/rest/data/DF_IMS2020_SEX/{GERMANY}/NSO_DEU")
    assert generic_observations(response.data) == {(GERMANY, "2021"): ("15000000", {})}
