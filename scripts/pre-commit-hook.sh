#!/bin/sh
# pre-commit entry of the stockade-dockerfile and stockade-compose hooks
# (.pre-commit-hooks.yaml). pre-commit runs it from its clone of this
# repository with the files to check as arguments.
#
# The root of the repository is a Cargo workspace, which pre-commit's `rust`
# language cannot `cargo install`, so this script builds the `stockade`
# package itself: a release build the first time (minutes), a no-op check
# afterwards. Set CARGO_TARGET_DIR to share one build between clones, or
# STOCKADE_HOOK_BIN to a stockade binary to use instead of building one (CI
# images that already carry stockade).
set -eu
if [ -n "${STOCKADE_HOOK_BIN:-}" ]; then
    exec "$STOCKADE_HOOK_BIN" scan "$@"
fi
repo=$(cd "$(dirname "$0")/.." && pwd)
target_dir=${CARGO_TARGET_DIR:-$repo/target}
if ! cargo build --quiet --release --locked --manifest-path "$repo/Cargo.toml" -p stockade >&2; then
    echo "stockade pre-commit hook: building stockade with cargo failed" >&2
    exit 2
fi
exec "$target_dir/release/stockade" scan "$@"
