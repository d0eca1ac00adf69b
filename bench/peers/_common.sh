# Copied unchanged from /work/shared/peers/_common.sh (the peers' scripts given with issue 5), except for this line.
# Shared helpers for start-*.sh (sourced). Loopback only.
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PEERS_DIR=${PEERS_DIR:-/tmp/peers}
VENV=${VENV:-$PEERS_DIR/venv}
DATA=${DATA:-$PEERS_DIR/sample}

# sdmxlib-rest needs Python >= 3.13 (0.6.4; 0.7+/0.8 need >= 3.14); dsss is fine on >= 3.9.
find_python() {
  local min=$1 c
  for c in "${PYTHON:-}" python3.14 python3.13 "$(PYENV_VERSION=3.13.0 pyenv which python3.13 2>/dev/null)" python3; do
    [ -n "$c" ] || continue
    command -v "$c" >/dev/null 2>&1 || [ -x "$c" ] || continue
    if "$c" -c "import sys; sys.exit(0 if sys.version_info >= tuple(map(int, '$min'.split('.'))) else 1)" 2>/dev/null; then
      echo "$c"; return 0
    fi
  done
  return 1
}

ensure_venv() {  # $1 = minimum python version
  if [ ! -x "$VENV/bin/python" ]; then
    local py; py=$(find_python "$1") || { echo "need Python >= $1 (set PYTHON=...)" >&2; exit 1; }
    "$py" -m venv "$VENV"
    "$VENV/bin/pip" install -q --upgrade pip
  fi
  "$VENV/bin/python" -c "import sys; sys.exit(0 if sys.version_info >= tuple(map(int, '$1'.split('.'))) else 1)" \
    || { echo "$VENV has Python < $1; remove it or set VENV=..." >&2; exit 1; }
}

ensure_sample() {
  [ -f "$DATA/structure.xml" ] && [ -f "$DATA/obs_big.csv" ] || python3 "$HERE/make_sample_data.py" "$DATA"
}

# run_server NAME PORT CMD...  (foreground, or BACKGROUND=1: detach, write $PEERS_DIR/NAME.pid, wait until it answers)
run_server() {
  local name=$1 port=$2; shift 2
  if [ "${BACKGROUND:-0}" = 1 ]; then
    "$@" > "$PEERS_DIR/$name.log" 2>&1 &
    echo $! > "$PEERS_DIR/$name.pid"
    for _ in $(seq 1 120); do
      curl -s -o /dev/null "http://127.0.0.1:$port/" && { echo "$name up on 127.0.0.1:$port (pid $(cat "$PEERS_DIR/$name.pid"), log $PEERS_DIR/$name.log)"; return 0; }
      kill -0 "$(cat "$PEERS_DIR/$name.pid")" 2>/dev/null || { echo "$name died; see $PEERS_DIR/$name.log" >&2; tail -20 "$PEERS_DIR/$name.log" >&2; return 1; }
      sleep 1
    done
    echo "$name did not answer within 120 s" >&2; return 1
  else
    exec "$@"
  fi
}
