#!/bin/sh
# Runs the hooks of .pre-commit-hooks.yaml with `pre-commit try-repo` on a
# sample repository. The first run compiles stockade in release mode inside
# pre-commit's clone (minutes on a small machine); with STOCKADE_HOOK_BIN set
# to a built binary the hooks use it instead (the test suite does this:
# crates/stockade/tests/pre_commit.rs).
#
# Environment:
#   PRE_COMMIT_VENV   virtualenv holding pre-commit (created with pip when
#                     missing; default /work/peers/venv, else $TMPDIR/stockade-pre-commit-venv)
#   CARGO_TARGET_DIR  shared build directory for the hook's cargo build
#                     (default: $TMPDIR/stockade-pre-commit-target)
set -eu
repo=$(cd "$(dirname "$0")/.." && pwd)
venv=${PRE_COMMIT_VENV:-/work/peers/venv}
[ -d "$venv" ] || venv="${TMPDIR:-/tmp}/stockade-pre-commit-venv"
if [ ! -x "$venv/bin/pre-commit" ]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet pre-commit
fi
pc="$venv/bin/pre-commit"
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-${TMPDIR:-/tmp}/stockade-pre-commit-target}
export PRE_COMMIT_HOME=${PRE_COMMIT_HOME:-${TMPDIR:-/tmp}/stockade-pre-commit-home}
export STOCKADE_TODAY=${STOCKADE_TODAY:-2026-11-28}

sample=$(mktemp -d "${TMPDIR:-/tmp}/stockade-pre-commit-sample.XXXXXX")
trap 'rm -rf "$sample"' EXIT
cd "$sample"
git init -q .
git config user.email test@example.invalid
git config user.name test
cp "$repo/examples/insecure/Dockerfile" Dockerfile
cp "$repo/examples/compose-hardened/compose.yaml" compose.yaml
printf 'not a container file\n' > README.md
git add -A
git commit -q -m sample

fail=0
expect() { # expect CODE DESCRIPTION -- command...
    want=$1; what=$2; shift 3
    start=$(date +%s)
    set +e
    "$@" > out.log 2>&1
    got=$?
    set -e
    echo "$what: exit $got (want $want) in $(( $(date +%s) - start ))s"
    if [ "$got" -ne "$want" ]; then
        cat out.log
        fail=1
    fi
}
has() {
    if ! grep -q -- "$1" out.log; then
        echo "  missing from the hook output: $1"
        cat out.log
        fail=1
    fi
}

expect 1 "stockade-dockerfile on an insecure Dockerfile" -- \
    "$pc" try-repo "$repo" stockade-dockerfile --all-files
has "SKD101"
has "Dockerfile:"
expect 0 "stockade-compose on a hardened Compose file" -- \
    "$pc" try-repo "$repo" stockade-compose --all-files
has "Passed"

# The -system hooks use the binary on PATH: the one the hook just built
# (or STOCKADE_HOOK_BIN).
if [ -n "${STOCKADE_HOOK_BIN:-}" ]; then
    bindir=$(mktemp -d "${TMPDIR:-/tmp}/stockade-pre-commit-bin.XXXXXX")
    ln -s "$STOCKADE_HOOK_BIN" "$bindir/stockade"
    PATH="$bindir:$PATH"
else
    PATH="$CARGO_TARGET_DIR/release:$PATH"
fi
export PATH
expect 1 "stockade-dockerfile-system on the insecure Dockerfile" -- \
    "$pc" try-repo "$repo" stockade-dockerfile-system --all-files
has "SKD101"
cp "$repo/examples/hardened/Dockerfile" Dockerfile
git commit -q -am hardened
expect 0 "stockade-dockerfile after hardening" -- \
    "$pc" try-repo "$repo" stockade-dockerfile --all-files
expect 0 "stockade-compose-system" -- \
    "$pc" try-repo "$repo" stockade-compose-system --all-files

if [ "$fail" -ne 0 ]; then
    echo "pre-commit hooks: FAILED"
    exit 1
fi
echo "pre-commit hooks: ok"
