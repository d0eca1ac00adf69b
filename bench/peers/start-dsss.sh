#!/usr/bin/env bash
# Copied unchanged from /work/shared/peers/start-dsss.sh (the peers' scripts given with issue 5), except for this line.
# Start DSSS — PyPI 'dsss' 1.3.0 (Dead-Simple SDMX Server, Starlette, over sdmx1) —
# on http://127.0.0.1:${PORT:-5001}/ with the generated TEST sample
# (DF_SMALL 1,200 obs + DF_BIG 100,000 obs, loaded into a dsss DictStore; ~7 s).
# Env: PORT, VENV (default /tmp/peers/venv), DATA (default /tmp/peers/sample),
#      BACKGROUND=1 to detach (pid in /tmp/peers/dsss.pid), SMALL_ONLY=1 to skip DF_BIG.
# SDMX-REST 1.x paths only, e.g.
#   curl http://127.0.0.1:5001/codelist/TEST/CL_FREQ/1.0
#   curl http://127.0.0.1:5001/datastructure/TEST/DSD_SMALL/1.0?references=all
#   curl 'http://127.0.0.1:5001/data/TEST,DF_SMALL,1.0/M.AREA01+AREA02.IND001?startPeriod=2017-01&endPeriod=2018-12'
set -euo pipefail
source "$(dirname "$0")/_common.sh"
PORT=${PORT:-5001}
mkdir -p "$PEERS_DIR"
ensure_venv 3.9
"$VENV/bin/pip" install -q -c "$HERE/peers-constraints.txt" dsss sdmx1 uvicorn
ensure_sample
run_server dsss "$PORT" "$VENV/bin/python" "$HERE/dsss_app.py" "$DATA" "$PORT" ${SMALL_ONLY:+--small-only}
