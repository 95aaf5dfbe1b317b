#!/usr/bin/env bash
# The guard against the daemon's own socket, in the same run.
#
#   1. latency of GET /v1.41/_ping and GET /v1.41/containers/json?all=1:
#      N requests on one keep-alive connection per side, in alternating
#      blocks of 100; p50 and p99 of each side and the added latency.
#   2. throughput of a ~1 GB image export stream (GET /images/{name}/get):
#      best of $RUNS runs per side, alternating.
#
# The guard runs in release mode with the `ci` profile and writes its audit
# log to a file, as in production. The 1 GB image is built locally from
# random data (docker import of a tar of one file; nothing is pulled) and
# removed at the end unless KEEP_IMAGE=1.
#
# Targets: added p50 < 100 µs, added p99 < 1 ms, stream >= 90% of direct.
#
#   bench/guard.sh                       (N=5000 RUNS=3 SIZE_MB=1024)
#   N=20000 RUNS=3 bench/guard.sh
source "$(dirname "$0")/lib.sh"
N=${N:-5000}
RUNS=${RUNS:-3}
SIZE_MB=${SIZE_MB:-1024}
DOCKER_SOCK=${DOCKER_SOCK:-/var/run/docker.sock}
TAG=stockade-bench/guard-random:1
TARGET_DIR=${CARGO_TARGET_DIR:-$REPO/target}

(cd "$REPO" && cargo build --release -q -p stockade-guard --example serve --example guard_bench)
SERVE=$TARGET_DIR/release/examples/serve
BENCH=$TARGET_DIR/release/examples/guard_bench

WORK=$(mktemp -d /tmp/guard-bench.XXXXXX)
GUARD_PID=
cleanup() {
  [ -n "$GUARD_PID" ] && kill "$GUARD_PID" 2>/dev/null || true
  [ -n "${KEEP_IMAGE:-}" ] || DOCKER_HOST=unix://$DOCKER_SOCK docker rmi -f "$TAG" >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT

if ! DOCKER_HOST=unix://$DOCKER_SOCK docker image inspect "$TAG" >/dev/null 2>&1; then
  echo "building $TAG (${SIZE_MB} MB of random data)" >&2
  head -c "$((SIZE_MB * 1024 * 1024))" /dev/urandom > "$WORK/blob"
  tar -C "$WORK" -cf - blob | DOCKER_HOST=unix://$DOCKER_SOCK docker import \
    --change 'LABEL stockade.test.guard=bench' - "$TAG" >/dev/null
  rm -f "$WORK/blob"
fi

"$SERVE" --listen "unix://$WORK/guard.sock" --profile ci --upstream "unix://$DOCKER_SOCK" \
  --audit-log "$WORK/audit.jsonl" 2>"$WORK/guard.log" &
GUARD_PID=$!
for _ in $(seq 50); do [ -S "$WORK/guard.sock" ] && break; sleep 0.1; done
[ -S "$WORK/guard.sock" ] || { cat "$WORK/guard.log" >&2; exit 1; }

echo "# guard vs direct, $(nproc) cores, $(date -u +%Y-%m-%dT%H:%MZ)"
"$BENCH" latency --direct "$DOCKER_SOCK" --guard "$WORK/guard.sock" --path /v1.41/_ping --n "$N"
"$BENCH" latency --direct "$DOCKER_SOCK" --guard "$WORK/guard.sock" --path '/v1.41/containers/json?all=1' --n "$N"
"$BENCH" stream --direct "$DOCKER_SOCK" --guard "$WORK/guard.sock" --path "/v1.41/images/$TAG/get" --runs "$RUNS"
echo "# audit lines written: $(wc -l < "$WORK/audit.jsonl")"
