#!/usr/bin/env bash
# stockade vs compose-lint on the same corpus of >= 5,000 Compose files, in one run.
# Replicates the Compose files of ../shared/corpus (awesome-compose and the
# KICS Compose samples) into a temporary tree, one project per directory,
# then measures whole-run wall time and peak memory of each tool.
#
#   bench/compose.sh [FILES]     (default 5000 files)
source "$(dirname "$0")/lib.sh"
TARGET=${1:-5000}
build_stockade
peer_install compose-lint
CLINT=$PEERS/venv/bin/compose-lint

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
mapfile -t SRC < <( (find "$SHARED/corpus/awesome-compose" -name 'compose.y*ml'; \
                     find "$SHARED/corpus/kics/dockerCompose" -name '*.yaml' ! -name '*expected*') | sort)
[ ${#SRC[@]} -gt 0 ] || { echo "no Compose files under $SHARED/corpus" >&2; exit 2; }
n=0
while [ $n -lt "$TARGET" ]; do
  for f in "${SRC[@]}"; do
    d="$WORK/tree/$((n / 100))/$n"
    mkdir -p "$d"
    cp "$f" "$d/compose.yaml"
    n=$((n + 1))
    [ $n -ge "$TARGET" ] && break
  done
done
find "$WORK/tree" -name compose.yaml | sort > "$WORK/list"
FILES=$(wc -l < "$WORK/list")
echo "corpus: $FILES Compose files (from ${#SRC[@]} distinct files)"
cat $(head -n 50 "$WORK/list") >/dev/null

measure "$WORK/stockade.time" "$STOCKADE" scan --format json --fail-on critical "$WORK/tree"
# The floor any tool pays before it parses a byte: walk the tree and read
# every file (find | xargs cat), for context beside the ratio.
measure "$WORK/floor.time" sh -c "find '$WORK/tree' -name compose.yaml -print0 | xargs -0 cat > /dev/null"
# compose-lint takes many files per process (each linted on its own); batches keep argv sane.
measure "$WORK/clint.time" sh -c "xargs -n 1000 '$CLINT' check --no-merge-overrides --no-env --format json < '$WORK/list'"

read -r s_sec s_kb s_rc < "$WORK/stockade.time"
read -r c_sec c_kb c_rc < "$WORK/clint.time"
read -r f_sec f_kb f_rc < "$WORK/floor.time"
per() { python3 -c "print(f'{$1/$FILES*1e6:.0f}')"; }
printf '%-13s %10s %14s %12s\n' tool wall_s us_per_file peak_MB
printf '%-13s %10s %14s %12s\n' stockade "$s_sec" "$(per "$s_sec")" "$((s_kb / 1024))"
printf '%-13s %10s %14s %12s\n' compose-lint "$c_sec" "$(per "$c_sec")" "$((c_kb / 1024))"
printf '%-13s %10s %14s %12s\n' 'find|cat' "$f_sec" "$(per "$f_sec")" "-"
echo "speed ratio (compose-lint / stockade, whole run): $(ratio "$c_sec" "$s_sec")x"
echo "read floor: compose-lint / (find|cat) = $(ratio "$c_sec" "$f_sec")x; stockade / (find|cat) = $(ratio "$s_sec" "$f_sec")x"
echo "stockade peak memory: $((s_kb / 1024)) MB (target < 64 MB)"
