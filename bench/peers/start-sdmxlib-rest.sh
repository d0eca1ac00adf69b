#!/usr/bin/env bash
# Copied unchanged from /work/shared/peers/start-sdmxlib-rest.sh (the peers' scripts given with issue 5), except for this line.
# Start sdmxlib-rest — PyPI 'sdmxlib-rest' 0.6.4 over 'sdmxlib' 0.67.1 (FastAPI + DuckDB) —
# on http://127.0.0.1:${PORT:-5002}/ with the generated TEST sample.
# Needs Python >= 3.13 (0.6.4 is the newest release that installs on 3.13; 0.7+/0.8.0 need 3.14).
# The library has NO /data route by design; sdmxlib_rest_app.py adds a small one (our glue,
# CSV 2.0 / SDMX-JSON 2.0 only). Observations go into a plain DuckDB table (no DuckLake:
# its extension would be downloaded at run time).
# Env: PORT, VENV (default /tmp/peers/venv), DATA (default /tmp/peers/sample),
#      DB (default /tmp/peers/sdmxlib_meta.duckdb; rebuilt if missing or REBUILD=1), BACKGROUND=1.
# SDMX-REST 2.x paths only, e.g.
#   curl http://127.0.0.1:5002/structure/codelist/TEST/CL_FREQ/1.0                     # SDMX-JSON 2.0 default
#   curl -H 'Accept: application/vnd.sdmx.structure+xml;version=2.1' http://127.0.0.1:5002/structure/datastructure/TEST/DSD_SMALL/1.0?references=all
#   curl 'http://127.0.0.1:5002/data/dataflow/TEST/DF_SMALL/1.0/M.AREA01+AREA02.IND001.*?startPeriod=2017-01&endPeriod=2018-12'
set -euo pipefail
source "$(dirname "$0")/_common.sh"
PORT=${PORT:-5002}
DB=${DB:-$PEERS_DIR/sdmxlib_meta.duckdb}
mkdir -p "$PEERS_DIR"
ensure_venv 3.13
"$VENV/bin/pip" install -q -c "$HERE/peers-constraints.txt" sdmxlib-rest sdmxlib uvicorn
ensure_sample
if [ ! -f "$DB" ] || [ "${REBUILD:-0}" = 1 ]; then
  "$VENV/bin/python" "$HERE/sdmxlib_rest_app.py" build "$DATA" "$DB"
fi
run_server sdmxlib-rest "$PORT" "$VENV/bin/python" "$HERE/sdmxlib_rest_app.py" serve "$DB" "$PORT"
