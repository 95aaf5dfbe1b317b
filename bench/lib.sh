# Shared helpers for the benchmark scripts (sourced, not run).
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SHARED=${STOCKADE_SHARED:-$REPO/../shared}
PEERS=${STOCKADE_PEERS:-$(cd "$REPO/.." && pwd)/peers}
STOCKADE=${STOCKADE_BIN:-$REPO/target/release/stockade}

build_stockade() {
  if [ -z "${STOCKADE_BIN:-}" ]; then
    (cd "$REPO" && cargo build --release -q -p stockade)
  fi
}

# peer_install PKG... : installs Python packages into the peers virtualenv (outside the repo).
peer_install() {
  if [ ! -x "$PEERS/venv/bin/pip" ]; then
    python3 -m venv "$PEERS/venv"
  fi
  for p in "$@"; do
    "$PEERS/venv/bin/pip" show "${p%%=*}" >/dev/null 2>&1 || "$PEERS/venv/bin/pip" install -q "$p"
  done
}

# measure OUTFILE CMD... : runs CMD under GNU time; writes "seconds peak_rss_kb exit_code" to OUTFILE.
measure() {
  python3 "$REPO/bench/measure.py" "$@"
}

ratio() { python3 -c "import sys; a,b=float(sys.argv[1]),float(sys.argv[2]); print(f'{a/b:.1f}' if b>0 else 'inf')" "$1" "$2"; }
