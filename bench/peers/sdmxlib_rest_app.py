#!/usr/bin/env python3
# Copied unchanged from /work/shared/peers/sdmxlib_rest_app.py (the peers' scripts given with issue 5), except for this line.
"""Launch an sdmxlib-rest (PyPI 'sdmxlib-rest' over 'sdmxlib') instance on 127.0.0.1.

Usage:
  python sdmxlib_rest_app.py build SAMPLE_DIR DB_PATH     # one-off: structures + observations -> DuckDB file
  python sdmxlib_rest_app.py serve DB_PATH [PORT]          # serve it with uvicorn

sdmxlib-rest ships the /structure, /availability and /metadata routers but
deliberately NO /data route ("serving data is the consumer's job"); it ships
helpers instead (sdmxlib_rest.data). The small /data handler below is OUR glue
built from those helpers + sdmxlib's query DSL and its SDMX-CSV 2.0 / SDMX-JSON
2.0 streaming writers. sdmxlib has no SDMX-ML *data* writer, so data is CSV/JSON only.

Observations live in an ordinary DuckDB table inside the registry file
(database role = file stem) instead of a DuckLake bundle: the 'ducklake'
extension would have to be downloaded at run time, which this network forbids.
"""
from __future__ import annotations

import sys
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import sdmxlib as sl
import uvicorn
from fastapi import APIRouter, Header, HTTPException, Query, Request
from fastapi.responses import StreamingResponse
from sdmxlib.formats.sdmx_csv.writer import write_sdmx_csv
from sdmxlib.formats.sdmx_json.data_v2 import write_sdmx_json_data
from sdmxlib_rest.app import RestSettings, create_app, library_routers
from sdmxlib_rest.data import materialise_dsd_for_flow, parse_c_params, reject_unsupported_standard_params
from sdmxlib_rest.provider import OpenedCatalog
from sdmxlib_rest.runtime import CatalogRuntime, get_runtime

AGENCY = "TEST"
FLOWS = {"DF_SMALL": "obs_small.csv", "DF_BIG": "obs_big.csv"}
DIMS = ("FREQ", "REF_AREA", "INDICATOR", "TIME_PERIOD")


# --------------------------------------------------------------------------- build
def build(sample: Path, db: Path) -> None:
    if db.exists():
        db.unlink()
    reg = sl.LocalRegistry(db).open()
    msg = sl.read(sample / "structure.xml")
    reg.add_all(
        [*msg.codelists, *msg.concept_schemes, *msg.data_structures, *msg.dataflows]
    )
    role = db.stem  # DuckDB names an attached file's catalog after its stem
    conn = reg.connection
    conn.execute("CREATE SCHEMA IF NOT EXISTS obs")
    now = datetime.now(UTC)
    for flow_id, fname in FLOWS.items():
        table = flow_id.lower()
        conn.execute(
            f"CREATE OR REPLACE TABLE {role}.obs.{table} AS SELECT * FROM read_csv(?, header=true, types=?)",
            [str(sample / fname), {d: "VARCHAR" for d in (*DIMS, "OBS_STATUS")} | {"OBS_VALUE": "DOUBLE"}],
        )
        conn.execute(f"CREATE INDEX IF NOT EXISTS {table}_key ON {role}.obs.{table}(REF_AREA, INDICATOR)")
        flow_urn = sl.Dataflow.urn_for(agency=AGENCY, id=flow_id, version="1.0")
        reg.add(
            sl.DataflowBinding(
                dataflow=sl.Ref[sl.Dataflow].unresolved(flow_urn),
                database_role=role,
                table_location=f"obs.{table}",
                dimension_column_map={d: d for d in DIMS},
                measure_column_map={"OBS_VALUE": "OBS_VALUE"},
                attribute_column_map={"OBS_STATUS": "OBS_STATUS"},
                structural_version=f"{AGENCY}:DSD_{flow_id[3:]}(1.0)",
                source_registry="local",
                materialized_at=now,
                bound_at=now,
            )
        )
        n = conn.execute(f"SELECT count(*) FROM {role}.obs.{table}").fetchone()[0]
        print(f"sdmxlib_rest_app: {flow_id}: {n} obs bound to {role}.obs.{table}")
    reg.close()


# --------------------------------------------------------------------------- serve
class FileProvider:
    def __init__(self, db: Path) -> None:
        self.db = db

    def open(self) -> OpenedCatalog:
        reg = sl.LocalRegistry(self.db).open()
        return OpenedCatalog(
            registry=reg, meta_conn=reg.connection, build_id="sample-1",
            built_at="2024-01-01T00:00:00Z", on_close=reg.close,
        )


data_router = APIRouter(tags=["data (glue)"])

_CMP = {"gt": "__gt__", "ge": "__ge__", "lt": "__lt__", "le": "__le__", "ne": "__ne__"}


@data_router.get("/data/{context}/{agencyID}/{resourceID}/{version}/{key}")
@data_router.get("/data/{context}/{agencyID}/{resourceID}/{version}")
async def get_data(
    request: Request,
    context: str,
    agencyID: str,  # noqa: N803
    resourceID: str,  # noqa: N803
    version: str,
    key: str = "*",
    startPeriod: Annotated[str | None, Query()] = None,  # noqa: N803
    endPeriod: Annotated[str | None, Query()] = None,  # noqa: N803
    attributes: Annotated[str | None, Query()] = None,
    measures: Annotated[str | None, Query()] = None,
    includeHistory: Annotated[bool | None, Query()] = None,  # noqa: N803
    updatedAfter: Annotated[str | None, Query()] = None,  # noqa: N803
    reportingYearStartDay: Annotated[str | None, Query()] = None,  # noqa: N803
    accept: Annotated[str | None, Header()] = None,
):
    reject_unsupported_standard_params(
        includeHistory=includeHistory, updatedAfter=updatedAfter, reportingYearStartDay=reportingYearStartDay
    )
    if context not in ("dataflow", "*"):
        raise HTTPException(501, f"context={context!r} not implemented")
    registry = get_runtime(request).registry
    if version in ("latest", "~", "*", "+"):
        version = "1.0"  # glue shortcut: the sample has one version per flow
    urn = sl.Dataflow.urn_for(agency=agencyID, id=resourceID, version=version)
    flow = registry.get(urn)
    if flow is None or registry.binding_for(urn) is None:
        raise HTTPException(404, f"no data for {urn}")
    dsd = materialise_dsd_for_flow(registry, urn)
    if "," in key:
        raise HTTPException(501, "multiple comma-separated keys not wired in this glue")
    # SDMX-REST 2.x wildcard segment is '*'; sdmxlib's parser wants '' for a wildcard
    key = "all" if key in ("*", "all", "") else ".".join("" if s == "*" else s for s in key.split("."))
    if key != "all":
        key = sl.widen_key(key, dsd, "3.0")
    eq, non_eq = parse_c_params(request.query_params.multi_items())
    try:
        cf = sl.parse_components(key, eq, list(dsd.key_slot_ids("3.0")))
    except ValueError as e:
        raise HTTPException(400, str(e)) from e
    q = registry.observations(urn).filter_components(cf)
    preds = []
    tp = q.col("TIME_PERIOD")
    # NB lexicographic comparison on ISO strings (fine for same-frequency data)
    if startPeriod:
        preds.append(tp >= startPeriod)
    if endPeriod:
        preds.append(tp <= endPeriod)
    for comp, terms in non_eq.items():
        for op, val in terms:
            if op not in _CMP:
                raise HTTPException(501, f"c[{comp}] operator {op!r} not wired in this glue")
            preds.append(getattr(q.col(comp), _CMP[op])(val))
    if preds:
        q = q.filter(*preds)
    reader = q.stream()
    a = (accept or "").lower()
    if "json" in a:
        body = write_sdmx_json_data(
            reader, dsd, sl.Ref[sl.Dataflow].unresolved(urn), message_id=str(uuid.uuid4()),
            prepared=datetime.now(UTC).isoformat(timespec="seconds"), sender_id=AGENCY,
        )
        media = "application/vnd.sdmx.data+json;version=2.0.0"
    elif "xml" in a and "csv" not in a and "*/*" not in a:
        raise HTTPException(406, "SDMX-ML data is not available (sdmxlib has no data XML writer)")
    else:
        body = write_sdmx_csv(reader, dsd, structure_id=flow)
        media = "application/vnd.sdmx.data+csv;version=2.0.0"
    return StreamingResponse(body, media_type=media)


def make_app(db: Path):
    runtime = CatalogRuntime(FileProvider(db))
    return create_app(
        runtime,
        RestSettings(title="sdmxlib-rest sample", version="0.6.4"),
        routers=[*library_routers(), data_router],
    )


def main() -> None:
    cmd = sys.argv[1]
    if cmd == "build":
        build(Path(sys.argv[2]), Path(sys.argv[3]))
    elif cmd == "serve":
        port = int(sys.argv[3]) if len(sys.argv) > 3 else 5002
        uvicorn.run(make_app(Path(sys.argv[2])), host="127.0.0.1", port=port, log_level="warning", access_log=False)
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main()
