#!/usr/bin/env python3
# Copied unchanged from /work/shared/peers/dsss_app.py (the peers' scripts given with issue 5), except for this line.
"""Launch a DSSS (Dead-Simple SDMX Server, PyPI 'dsss') instance on 127.0.0.1.

Usage: python dsss_app.py SAMPLE_DIR [PORT] [--small-only]
SAMPLE_DIR is the output of make_sample_data.py. Loads structure.xml and the CSV
observations into a dsss DictStore (via the sdmx1 Information Model) and serves it
with uvicorn. Our glue only; dsss itself comes from PyPI.

Notes on dsss 1.3.0 behaviour (see README.md beside this file):
- its /data handler finds data sets by the *DSD id* (store.list(BaseDataSet,
  maintainer=<flow agency>, id=dsd.id)) while the store key uses the dataflow id
  when DataSet.described_by is set, so data sets are stored with structured_by
  only (described_by=None); otherwise /data returns an empty data set.
"""
import csv
import logging
import sys
import time
from pathlib import Path

import sdmx
import uvicorn
from sdmx.model import v21

from dsss import build_app
from dsss.store import DictStore

log = logging.getLogger("dsss_app")


def build_store(sample: Path, small_only: bool = False) -> DictStore:
    store = DictStore()
    sm = sdmx.read_sdmx(sample / "structure.xml")
    store.update_from(sm)
    pairs = [("DSD_SMALL", "obs_small.csv")]
    if not small_only:
        pairs.append(("DSD_BIG", "obs_big.csv"))
    for dsd_id, fname in pairs:
        t0 = time.time()
        dsd = sm.structure[dsd_id]
        attr = dsd.attributes.get("OBS_STATUS")
        ds = v21.DataSet(structured_by=dsd)
        obs = []
        with open(sample / fname, newline="") as f:
            for row in csv.DictReader(f):
                key = dsd.make_key(
                    v21.Key,
                    {k: row[k] for k in ("FREQ", "REF_AREA", "INDICATOR", "TIME_PERIOD")},
                )
                obs.append(
                    v21.Observation(
                        dimension=key,
                        value=float(row["OBS_VALUE"]),
                        attached_attribute={
                            "OBS_STATUS": v21.AttributeValue(value=row["OBS_STATUS"], value_for=attr)
                        },
                    )
                )
        ds.add_obs(obs)
        store.update(ds)
        print(f"dsss_app: loaded {len(obs)} obs for {dsd_id} in {time.time() - t0:.1f}s", flush=True)
    return store


def main():
    sample = Path(sys.argv[1])
    port = int(sys.argv[2]) if len(sys.argv) > 2 and sys.argv[2].isdigit() else 5001
    small_only = "--small-only" in sys.argv
    store = build_store(sample, small_only)
    # debug=False: otherwise dsss sets its logger to DEBUG
    app = build_app(store=store, debug=False)
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


if __name__ == "__main__":
    main()
