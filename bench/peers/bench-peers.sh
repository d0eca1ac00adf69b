#!/usr/bin/env bash
# Copied unchanged from /work/shared/peers/bench-peers.sh (the peers' scripts given with issue 5), except for this line.
# Rough side-by-side throughput of the peers (and, with OURS=http://127.0.0.1:5000/rest, of our server)
# on 127.0.0.1 only. Needs wrk (apt-get install wrk) and curl. Bounded: DUR per wrk run (default 10s).
# Usage: bash bench-peers.sh        (expects start-dsss.sh on :5001, start-sdmxlib-rest.sh on :5002)
set -uo pipefail
DSSS=${DSSS:-http://127.0.0.1:5001}
SL=${SL:-http://127.0.0.1:5002}
DUR=${DUR:-10s}
C=${C:-8}
w() { local label=$1; shift; printf '%-70s ' "$label"; wrk -t1 -c"$C" -d"$DUR" --latency "$@" 2>&1 |
      awk '/Requests\/sec/{r=$2} /^ +50%/{p50=$2} /^ +99%/{p99=$2} /Non-2xx/{n=$NF} END{printf "%8s req/s  p50 %-9s p99 %-9s non2xx %s\n", r, p50, p99, (n==""?0:n)}'; }
t() { local label=$1; shift; printf '%-70s ' "$label"; curl -s -o /dev/null -w "%{http_code} %{size_download}B ttfb %{time_starttransfer}s total %{time_total}s\n" "$@"; }
XML21='Accept: application/vnd.sdmx.structure+xml;version=2.1'
KEY1='M.AREA01+AREA02.IND001'
PER='startPeriod=2017-01&endPeriod=2018-12'
echo "== codelist (CL_FREQ, 3 codes)"
w "dsss      /codelist/TEST/CL_FREQ/1.0 (SDMX-ML 2.1)" "$DSSS/codelist/TEST/CL_FREQ/1.0"
w "sdmxlib   /structure/codelist/TEST/CL_FREQ/1.0 (SDMX-JSON 2.0)" "$SL/structure/codelist/TEST/CL_FREQ/1.0"
w "sdmxlib   /structure/codelist/TEST/CL_FREQ/1.0 (SDMX-ML 2.1)" -H "$XML21" "$SL/structure/codelist/TEST/CL_FREQ/1.0"
echo "== DSD with references=all"
w "dsss      /datastructure/TEST/DSD_SMALL/1.0?references=all" "$DSSS/datastructure/TEST/DSD_SMALL/1.0?references=all"
w "sdmxlib   /structure/datastructure/TEST/DSD_SMALL/1.0?references=all (ML2.1)" -H "$XML21" "$SL/structure/datastructure/TEST/DSD_SMALL/1.0?references=all"
echo "== data: key + period on DF_SMALL (48 obs expected)"
w "dsss      /data/TEST,DF_SMALL,1.0/$KEY1?$PER (ignores filters: 1,200 obs)" "$DSSS/data/TEST,DF_SMALL,1.0/$KEY1?$PER"
w "sdmxlib   /data/dataflow/TEST/DF_SMALL/1.0/$KEY1.*?$PER (CSV)" "$SL/data/dataflow/TEST/DF_SMALL/1.0/$KEY1.*?$PER"
w "sdmxlib   same on DF_BIG (100k-row table, CSV)" "$SL/data/dataflow/TEST/DF_BIG/1.0/$KEY1.*?$PER"
echo "== one 100,000-observation response"
t "dsss      /data/TEST,DF_BIG,1.0/all (generic SDMX-ML 2.1)" "$DSSS/data/TEST,DF_BIG,1.0/all"
t "sdmxlib   /data/dataflow/TEST/DF_BIG/1.0/* (SDMX-CSV 2.0)" "$SL/data/dataflow/TEST/DF_BIG/1.0/*"
t "sdmxlib   /data/dataflow/TEST/DF_BIG/1.0/* (SDMX-JSON 2.0)" -H 'Accept: application/vnd.sdmx.data+json;version=2.0.0' "$SL/data/dataflow/TEST/DF_BIG/1.0/*"
if [ -n "${OURS:-}" ]; then
  echo "== ours ($OURS)"
  w "ours      /codelist/TEST/CL_FREQ/1.0" "$OURS/codelist/TEST/CL_FREQ/1.0"
  w "ours      /data/TEST,DF_SMALL,1.0/$KEY1?$PER" "$OURS/data/TEST,DF_SMALL,1.0/$KEY1?$PER"
  t "ours      /data/TEST,DF_BIG,1.0/all" "$OURS/data/TEST,DF_BIG,1.0/all"
fi
