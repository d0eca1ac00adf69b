"""Real SDMX clients (sdmx1 and pysdmx) reading a live server over HTTP."""

from __future__ import annotations

import io
import math

import pytest
import requests
import sdmx
from pysdmx.api.qb import (
    ApiVersion,
    DataContext,
    DataFormat,
    DataQuery,
    RestService,
    StructureFormat,
    StructureQuery,
    StructureType,
)
from pysdmx.io import read_sdmx

from data import desa

pytestmark = pytest.mark.live

USA_BY_SEX = "A.MIG_STOCK.840.._T._T._T"


@pytest.fixture()
def sdmx1_client(live_server):
    sdmx.add_source(
        {
            "id": "UNDESA",
            "url": f"{live_server}/rest",
            "name": "local migration server",
            "supports": {"structure-specific data": True},
        },
        override=True,
    )
    return sdmx.Client("UNDESA")


def test_sdmx1_lists_every_dataflow(sdmx1_client):
    message = sdmx1_client.dataflow()
    assert set(message.dataflow) >= {"DF_IMS2020_SEX", "DF_IMS2019_ORIGIN"}
    flow = message.dataflow["DF_IMS2020_SEX"]
    assert "2020" in str(flow.name)


def test_sdmx1_reads_the_dsd_with_references(sdmx1_client):
    message = sdmx1_client.datastructure("DSD_MIG_STOCK")
    dsd = message.structure["DSD_MIG_STOCK"]
    assert [d.id for d in dsd.dimensions] == [
        "FREQ",
        "INDICATOR",
        "REF_AREA",
        "SEX",
        "AGE",
        "COB",
        "CITIZENSHIP",
        "TIME_PERIOD",
    ]
    assert "840" in message.codelist["CL_AREA"]
    # Parents come before their children, so sdmx1 invents no codelists for them.
    assert set(message.codelist) == {
        "CL_FREQ",
        "CL_MIG_INDICATOR",
        "CL_AREA",
        "CL_SEX",
        "CL_AGE",
        "CL_UNIT_MEASURE",
        "CL_UNIT_MULT",
        "CL_DATA_BASIS",
        "CL_OBS_STATUS",
    }


def test_sdmx1_reads_a_codelist(sdmx1_client):
    codelist = sdmx1_client.codelist("CL_SEX").codelist["CL_SEX"]
    assert {"_T", "M", "F"} <= set(codelist)


def test_sdmx1_reads_data_for_a_key_and_period_into_pandas(sdmx1_client):
    message = sdmx1_client.data(
        "DF_IMS2020_SEX", key=USA_BY_SEX, params={"startPeriod": "2010"}
    )
    frame = sdmx.to_pandas(message).reset_index()
    frame = frame.set_index(["SEX", "TIME_PERIOD"])["value"]
    assert frame[("_T", "2020")] == 50632836
    assert frame[("F", "2020")] == 26153840
    assert {p for _, p in frame.index} == {"2010", "2015", "2020"}


def test_sdmx1_reads_origin_data(sdmx1_client):
    message = sdmx1_client.data(
        "DF_IMS2019_ORIGIN",
        key="A.MIG_STOCK.840+900._T._T.484._T",
        params={"startPeriod": "2019"},
    )
    frame = sdmx.to_pandas(message).reset_index().set_index("REF_AREA")["value"]
    assert frame["840"] == 11489684
    assert frame["900"] == 11796178


def test_sdmx1_reads_structure_specific_data(live_server):
    dsd_message = sdmx.read_sdmx(
        io.BytesIO(
            requests.get(
                f"{live_server}/rest/datastructure/UNDESA/DSD_MIG_STOCK?references=children",
                timeout=30,
            ).content
        )
    )
    dsd = dsd_message.structure["DSD_MIG_STOCK"]
    response = requests.get(
        f"{live_server}/rest/data/DF_IMS2020_SEX/A.MIG_STOCK.900._T._T._T._T",
        headers={
            "Accept": "application/vnd.sdmx.structurespecificdata+xml;version=2.1"
        },
        timeout=30,
    )
    message = sdmx.read_sdmx(io.BytesIO(response.content), structure=dsd)
    series = sdmx.to_pandas(message).reset_index().set_index("TIME_PERIOD")["value"]
    assert series["2020"] == 280598105


def test_pysdmx_reads_structures_over_rest_15(live_server):
    service = RestService(
        f"{live_server}/rest",
        ApiVersion.V1_5_0,
        structure_format=StructureFormat.SDMX_ML_2_1,
        data_format=DataFormat.SDMX_ML_2_1_STR,
    )
    body = service.structure(StructureQuery(StructureType.CODELIST, "UNDESA", "CL_SEX"))
    message = read_sdmx(body.decode())
    codelist = message.get_codelists()[0]
    assert {code.id for code in codelist.codes} >= {"_T", "M", "F"}


def test_pysdmx_reads_data_over_rest_15(live_server):
    service = RestService(
        f"{live_server}/rest",
        ApiVersion.V1_5_0,
        data_format=DataFormat.SDMX_ML_2_1_GEN,
    )
    body = service.data(
        DataQuery(
            DataContext.DATAFLOW,
            "UNDESA",
            "DF_IMS2020_SEX",
            "1.0",
            key="A.MIG_STOCK.840.F._T._T._T",
        )
    )
    dataset = read_sdmx(body.decode()).data[0]
    frame = dataset.data.set_index("TIME_PERIOD")
    assert float(frame.loc["2020", "OBS_VALUE"]) == 26153840


def test_pysdmx_read_sdmx_validates_and_reads_a_url(live_server):
    message = read_sdmx(
        f"{live_server}/rest/data/DF_IMS2019_ORIGIN/A.MIG_STOCK.900._T._T.484._T"
        "?startPeriod=2019",
        validate=True,
    )
    frame = message.data[0].data
    assert (
        float(frame.loc[frame.TIME_PERIOD == "2019", "OBS_VALUE"].iloc[0]) == 11796178
    )
    structures = read_sdmx(f"{live_server}/rest/dataflow/all/all/latest", validate=True)
    assert {f.id for f in structures.get_dataflows()} >= {"DF_IMS2020_SEX"}


FLOWS_WITH_DATA = list(desa.DATAFLOWS)


def _expected(flow: str) -> dict[tuple[str, str], float]:
    """Every observation the DESA files give for ``flow`` (NaN when missing)."""
    return {
        (".".join(obs.key), obs.period): math.nan if obs.value is None else obs.value
        for obs in desa.load(flow)
    }


def _same(found: dict, expected: dict) -> None:
    assert found.keys() == expected.keys()
    differing = [
        k
        for k, v in expected.items()
        if not (math.isnan(v) and math.isnan(found[k])) and found[k] != v
    ]
    assert differing == []


@pytest.mark.parametrize("flow", FLOWS_WITH_DATA)
def test_sdmx1_reads_every_dataflow_with_the_desa_values(sdmx1_client, flow):
    message = sdmx1_client.data(flow)
    series = sdmx.to_pandas(message)
    dims = [n for n in series.index.names if n != "TIME_PERIOD"]
    found = {
        (".".join(str(part) for part in index[:-1]), index[-1]): float(value)
        for index, value in series.reorder_levels([*dims, "TIME_PERIOD"]).items()
    }
    _same(found, _expected(flow))


@pytest.mark.parametrize("flow", FLOWS_WITH_DATA)
def test_pysdmx_reads_every_dataflow_with_the_desa_values(live_server, flow):
    message = read_sdmx(f"{live_server}/rest/data/UNDESA,{flow},1.0/all")
    frame = message.data[0].data
    dims = ["FREQ", "INDICATOR", "REF_AREA", "SEX", "AGE", "COB", "CITIZENSHIP"]
    keys = frame[dims].astype(str).agg(".".join, axis=1)
    values = frame["OBS_VALUE"].astype(float)
    periods = frame["TIME_PERIOD"].astype(str)
    found = dict(zip(zip(keys, periods, strict=True), values, strict=True))
    _same(found, _expected(flow))


def test_sdmx1_builds_a_key_from_a_dict_with_the_dataflow_structure(sdmx1_client):
    message = sdmx1_client.data(
        "DF_IMS2020_SEX",
        key={"REF_AREA": "840", "SEX": "F", "AGE": "_T"},
        params={"startPeriod": "2020"},
    )
    values = sdmx.to_pandas(message).reset_index()
    assert values["value"].tolist() == [26153840]
