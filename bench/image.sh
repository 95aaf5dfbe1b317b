#!/usr/bin/env bash
# stockade's image reading against the decompression floor, on a real image
# of well over 1 GB built on this machine.
#
# The image is built with the local Docker Engine from installed Debian
# package files (nothing is pulled): FROM scratch, then one COPY per layer
# of /usr/share, /usr/lib/x86_64-linux-gnu, /usr/bin with Python's library,
# and the dpkg database, so the image has real binaries, text, symlinks,
# setuid files and a package list. This daemon (classic graph driver)
# writes `docker save` layers as plain tar, so the same layers are also
# written as OCI image layouts with gzip (-6) and zstd (-3) blobs, as a
# registry or the containerd store holds them.
#
# In the same run, on one core (taskset -c 0) and on two (-c 0,1), best of
# $RUNS runs each:
#   stockade scan of the docker-save archive   vs  cat, tar -tf, sha256sum of the layers
#   stockade scan of the gzip layout           vs  gzip -dc of the same blobs, tar -tzf
#   stockade scan of the zstd layout           vs  zstd -dc of the same blobs, tar --zstd -tf
# and, since stockade checks every layer's diff id (a SHA-256 of the
# uncompressed stream), also against decompression piped into sha256sum.
# MB/s are uncompressed layer megabytes (10^6 bytes) per second of wall time.
# Peak memory is stockade's maximum resident set.
#
#   bench/image.sh                 (keeps nothing; set BENCH_DIR to reuse a build)
#   BENCH_DIR=/tmp/imgbench PREPARE_ONLY=1 bench/image.sh   (build the image only)
#   BENCH_DIR=/tmp/imgbench RUNS=3 bench/image.sh           (measure, e.g. when the load is low)
source "$(dirname "$0")/lib.sh"
RUNS=${RUNS:-3}
TAG=stockade-bench/packages:1
[ -n "${PREPARE_ONLY:-}" ] || build_stockade

if [ -n "${BENCH_DIR:-}" ]; then
  WORK=$BENCH_DIR
  mkdir -p "$WORK"
else
  WORK=$(mktemp -d)
  trap 'rm -rf "$WORK"; docker rmi -f "$TAG" >/dev/null 2>&1 || true' EXIT
fi

# ------------------------------------------------------------------ the image
if [ ! -f "$WORK/save.tar" ]; then
  ctx="$WORK/ctx"
  rm -rf "$ctx"
  mkdir -p "$ctx/l1/usr" "$ctx/l2/usr/lib" "$ctx/l3/usr/lib" "$ctx/l4/var/lib/dpkg" "$ctx/l4/etc"
  # Hard links: no copy on disk; the build context carries the bytes.
  link() { cp -al "$1" "$2" 2>/dev/null || cp -a "$1" "$2"; }
  link /usr/share "$ctx/l1/usr/share"
  link /usr/lib/x86_64-linux-gnu "$ctx/l2/usr/lib/x86_64-linux-gnu"
  link /usr/bin "$ctx/l3/usr/bin"
  for d in /usr/lib/python3 /usr/lib/python3.*; do
    [ -d "$d" ] && link "$d" "$ctx/l3/usr/lib/$(basename "$d")"
  done
  cp /var/lib/dpkg/status "$ctx/l4/var/lib/dpkg/status"
  cp /etc/os-release "$ctx/l4/etc/os-release" 2>/dev/null || cp /usr/lib/os-release "$ctx/l4/etc/os-release"
  printf 'root:x:0:0:root:/root:/bin/bash\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n' >"$ctx/l4/etc/passwd"
  cat >"$ctx/Dockerfile" <<'EOF'
FROM scratch
COPY l1/ /
COPY l2/ /
COPY l3/ /
COPY l4/ /
USER 65534
ENTRYPOINT ["/usr/bin/python3"]
EOF
  echo "building $TAG from $(du -sh --apparent-size "$ctx" | cut -f1) of package files..."
  DOCKER_BUILDKIT=0 docker build -q -t "$TAG" "$ctx" >/dev/null 2>"$WORK/build.err" \
    || { cat "$WORK/build.err" >&2; exit 1; }
  docker save -o "$WORK/save.tar" "$TAG"
  docker rmi -f "$TAG" >/dev/null
  rm -rf "$ctx"
fi
# What docker save wrote: the magic bytes of the first layer member.
python3 - "$WORK/save.tar" <<'EOF'
import json, sys, tarfile
with tarfile.open(sys.argv[1]) as t:
    first = json.load(t.extractfile("manifest.json"))[0]["Layers"][0]
    magic = t.extractfile(first).read(4)
if magic[:2] == b"\x1f\x8b":
    print("docker save wrote gzip layers")
elif magic == b"\x28\xb5\x2f\xfd":
    print("docker save wrote zstd layers")
else:
    print("docker save wrote plain tar layers (classic graph-driver store)")
EOF
[ -d "$WORK/gz" ] || python3 "$REPO/bench/oci_layout.py" "$WORK/save.tar" "$WORK/gz" gzip 6 &
[ -d "$WORK/zst" ] || python3 "$REPO/bench/oci_layout.py" "$WORK/save.tar" "$WORK/zst" zstd 3 &
wait
if [ ! -f "$WORK/plain.layers" ]; then
  mkdir -p "$WORK/plain"
  (cd "$WORK/plain" && tar -xf "$WORK/save.tar")
  python3 - "$WORK/plain" >"$WORK/plain.layers" <<'EOF'
import json, os, sys
d = sys.argv[1]
for l in json.load(open(os.path.join(d, "manifest.json")))[0]["Layers"]:
    p = os.path.realpath(os.path.join(d, l))
    print(p, os.path.getsize(p))
EOF
fi
BYTES=$(awk '{s += $2} END {print s}' "$WORK/gz.layers")
LAYERS=$(wc -l <"$WORK/gz.layers")
mb() { python3 -c "print(f'{$1/1e6:.0f}')"; }
echo "image: $LAYERS layers, $(mb "$BYTES") MB uncompressed;" \
  "gzip blobs $(mb "$(du -sb "$WORK/gz/blobs" | cut -f1)") MB," \
  "zstd blobs $(mb "$(du -sb "$WORK/zst/blobs" | cut -f1)") MB"
[ -z "${PREPARE_ONLY:-}" ] || exit 0
# Warm the page cache so every run reads from memory.
cat "$WORK/save.tar" "$WORK"/gz/blobs/sha256/* "$WORK"/zst/blobs/sha256/* $(awk '{print $1}' "$WORK/plain.layers") >/dev/null

# ------------------------------------------------------------ measurements
# best CORES CMD... : best wall time of $RUNS runs, and the peak RSS (KiB).
best() {
  local cores=$1
  shift
  local bw="" bk=0 w k rc
  for _ in $(seq "$RUNS"); do
    measure "$WORK/t" taskset -c "$cores" "$@"
    read -r w k rc <"$WORK/t"
    # stockade exits 1 when it finds something; anything else is a failure.
    if [ "$rc" -ne 0 ] && { [ "$1" != "$STOCKADE" ] || [ "$rc" -ne 1 ]; }; then
      echo "failed (exit $rc): $*" >&2
      exit 1
    fi
    if [ -z "$bw" ] || python3 -c "import sys; sys.exit(0 if $w < $bw else 1)"; then bw=$w; fi
    [ "$k" -gt "$bk" ] && bk=$k
  done
  echo "$bw $bk"
}
files() { awk '{print $1}' "$WORK/$1.layers" | tr '\n' ' '; }
rate() { python3 -c "print(f'{$BYTES/1e6/$1:.0f}')"; }

echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-6s %-34s %9s %8s %8s\n' cores what wall_s MB/s peak_MB
declare -A W
for cores in 0 0,1; do
  n=$(( ${#cores} > 1 ? 2 : 1 ))
  run() {
    local key=$1 label=$2
    shift 2
    read -r w k < <(best "$cores" "$@")
    W[$n.$key]=$w
    local peak="-"
    [[ $key == stockade* ]] && peak=$((k / 1024))
    printf '%-6s %-34s %9.2f %8s %8s\n' "$n" "$label" "$w" "$(rate "$w")" "$peak"
  }
  run stockade_plain "stockade scan (docker save, plain)" "$STOCKADE" scan --format json --fail-on critical "$WORK/save.tar"
  run cat "floor: cat layers" sh -c "cat $(files plain) >/dev/null"
  run tar_plain "floor: tar -tf layers" sh -c "for f in $(files plain); do tar -tf \$f; done >/dev/null"
  run sha_plain "floor: sha256sum layers" sh -c "sha256sum $(files plain) >/dev/null"
  run stockade_gz "stockade scan (OCI, gzip)" "$STOCKADE" scan --format json --fail-on critical "$WORK/gz"
  run gzip "floor: gzip -dc blobs" sh -c "gzip -dc $(files gz) >/dev/null"
  run gzip_par "floor: gzip -dc blobs, 2 at once" sh -c "printf '%s\n' $(files gz) | xargs -P2 -n1 gzip -dc >/dev/null"
  run gzip_sha "floor: gzip -dc | sha256sum" sh -c "gzip -dc $(files gz) | sha256sum >/dev/null"
  run tar_gz "floor: tar -tzf blobs" sh -c "for f in $(files gz); do tar -tzf \$f; done >/dev/null"
  run stockade_zst "stockade scan (OCI, zstd)" "$STOCKADE" scan --format json --fail-on critical "$WORK/zst"
  run zstd "floor: zstd -dc blobs" sh -c "zstd -qdc $(files zst) >/dev/null"
  run zstd_sha "floor: zstd -dc | sha256sum" sh -c "zstd -qdc $(files zst) | sha256sum >/dev/null"
  run tar_zst "floor: tar --zstd -tf blobs" sh -c "for f in $(files zst); do tar --zstd -tf \$f; done >/dev/null"
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
r() { python3 -c "print(f'{${W[$1]}/${W[$2]}:.2f}')"; }
echo
echo "ratios (stockade wall / floor wall; < 1 is faster than the floor):"
echo "  gzip, 1 core : stockade / gzip -dc  = $(r 1.stockade_gz 1.gzip)   (target <= 1.5)"
echo "  gzip, 2 cores: stockade / gzip -dc  = $(r 2.stockade_gz 1.gzip)   (target < 1, vs one gzip stream)"
echo "  gzip, 2 cores: stockade / tar -tzf  = $(r 2.stockade_gz 1.tar_gz)"
echo "  zstd, 1 core : stockade / zstd -dc  = $(r 1.stockade_zst 1.zstd)"
echo "  zstd, 2 cores: stockade / zstd -dc  = $(r 2.stockade_zst 1.zstd)"
echo "  plain, 1 core: stockade / sha256sum = $(r 1.stockade_plain 1.sha_plain)   (stockade checks every diff id)"
echo "  gzip, 1 core : stockade / (gzip -dc | sha256sum) = $(r 1.stockade_gz 1.gzip_sha)"
echo "  zstd, 1 core : stockade / (zstd -dc | sha256sum) = $(r 1.stockade_zst 1.zstd_sha)"
echo "  zstd, 2 cores: stockade / (zstd -dc | sha256sum) = $(r 2.stockade_zst 1.zstd_sha)"
