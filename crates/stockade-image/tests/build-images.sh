#!/usr/bin/env bash
# Builds the small real-image fixtures for stockade-image's tests with the
# local Docker Engine (nothing is pulled: every image starts FROM scratch
# with a static busybox from Debian's busybox-static package) and saves them
# into tests/fixtures/:
#
#   images.tar.gz   `docker save` of six images sharing one busybox layer,
#                   gzipped to keep the fixture small (the test gunzips it
#                   in memory and reads the exact bytes docker wrote)
#   debianlike.tar  `docker save` of one tiny image without busybox, as is
#
# Re-run it after changing the images; the Rust test
# (tests/real_images.rs) checks the facts below.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
out="$here/fixtures"
mkdir -p "$out"

if ! command -v docker >/dev/null 2>&1 || ! docker info >/dev/null 2>&1; then
    echo "build-images.sh: no usable Docker Engine" >&2
    exit 1
fi

busybox=""
for b in /bin/busybox /usr/bin/busybox; do
    if [ -x "$b" ] && file "$b" 2>/dev/null | grep -q 'statically linked'; then
        busybox="$b"
        break
    fi
done
if [ -z "$busybox" ]; then
    apt-get update -qq
    apt-get install -y -qq busybox-static >/dev/null
    busybox=/bin/busybox
fi

# Report which image store the daemon uses: with the containerd image store
# `docker save` writes OCI blobs (possibly compressed) instead of the
# classic layout.
if docker info 2>/dev/null | grep -q 'driver-type: io.containerd.snapshotter.v1'; then
    echo "image store: containerd (docker save writes OCI layouts)"
else
    echo "image store: classic graph driver ($(docker info --format '{{.Driver}}'))"
fi

ctx="$(mktemp -d)"
trap 'rm -rf "$ctx"' EXIT
cp "$busybox" "$ctx/busybox"

# A minimal root filesystem for the busybox images.
mkdir -p "$ctx/rootfs/etc" "$ctx/rootfs/tmp"
cat >"$ctx/rootfs/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
EOF
cat >"$ctx/rootfs/etc/group" <<'EOF'
root:x:0:
nogroup:x:65534:
EOF
cat >"$ctx/rootfs/etc/shadow" <<'EOF'
root::19000:0:99999:7:::
nobody:!:19000:0:99999:7:::
EOF
chmod 0640 "$ctx/rootfs/etc/shadow"
chmod 1777 "$ctx/rootfs/tmp"
printf 'ID=stockade-fixture\nVERSION_ID="1"\nPRETTY_NAME="stockade fixture 1"\n' >"$ctx/rootfs/etc/os-release"

printf '#!/bin/busybox sh\necho tool\n' >"$ctx/tool"
chmod 0755 "$ctx/tool"

# A fake key: the PEM shape a scanner must notice, no real key material.
{
    echo '-----BEGIN OPENSSH PRIVATE KEY-----'
    echo 'c3RvY2thZGUtZml4dHVyZS1ub3QtYS1yZWFsLWtleS1qdXN0LWJ5dGVzLWZvci10ZXN0cw=='
    echo '-----END OPENSSH PRIVATE KEY-----'
} >"$ctx/id_rsa"
chmod 0600 "$ctx/id_rsa"

# A tiny Debian-like root filesystem with a dpkg database.
deb="$ctx/debroot"
mkdir -p "$deb/etc" "$deb/usr/lib" "$deb/var/lib/dpkg/status.d"
cat >"$deb/usr/lib/os-release" <<'EOF'
PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"
NAME="Debian GNU/Linux"
VERSION_ID="12"
VERSION_CODENAME=bookworm
ID=debian
EOF
ln -s ../usr/lib/os-release "$deb/etc/os-release"
echo '12.5' >"$deb/etc/debian_version"
cat >"$deb/var/lib/dpkg/status" <<'EOF'
Package: base-files
Status: install ok installed
Priority: required
Architecture: amd64
Version: 12.4+deb12u5
Description: Debian base system miscellaneous files

Package: libc6
Status: install ok installed
Architecture: amd64
Source: glibc
Version: 2.36-9+deb12u4
Description: GNU C Library: Shared libraries
 Contains the standard libraries.

Package: oldpkg
Status: deinstall ok config-files
Architecture: amd64
Version: 0.1-1
Description: removed, configuration left
EOF
cat >"$deb/var/lib/dpkg/status.d/tzdata" <<'EOF'
Package: tzdata
Version: 2024a-0+deb12u1
Architecture: all
EOF
echo 'd41d8cd98f00b204e9800998ecf8427e  usr/share/zoneinfo/UTC' >"$deb/var/lib/dpkg/status.d/tzdata.md5sums"
cat >"$deb/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/bin/bash
app:x:1000:1000::/home/app:/bin/sh
EOF
cat >"$deb/etc/shadow" <<'EOF'
root:*:19000:0:99999:7:::
app:$6$c2FsdHNhbHQ$Zm9vYmFyZm9vYmFyZm9vYmFy:19000:0:99999:7:::
EOF
printf 'root:x:0:\napp:x:1000:\n' >"$deb/etc/group"

export DOCKER_BUILDKIT=0
build() {
    local tag="$1"
    # The legacy builder prints a deprecation notice on stderr; show stderr
    # only when the build fails.
    if ! docker build -q -t "$tag" -f - "$ctx" >/dev/null 2>"$ctx/build.err"; then
        cat "$ctx/build.err" >&2
        exit 1
    fi
}

build stockade-fixture/base:1 <<'EOF'
FROM scratch
COPY busybox /bin/busybox
COPY rootfs/ /
CMD ["/bin/busybox", "sh"]
EOF

build stockade-fixture/root:1 <<'EOF'
FROM stockade-fixture/base:1
LABEL org.opencontainers.image.title="runs as root"
ENV APP_MODE=test
EOF

build stockade-fixture/nobody:1 <<'EOF'
FROM stockade-fixture/base:1
USER 65534
EXPOSE 8080/tcp
HEALTHCHECK --interval=30s --timeout=3s CMD ["/bin/busybox", "true"]
EOF

build stockade-fixture/setuid:1 <<'EOF'
FROM stockade-fixture/base:1
COPY tool /usr/local/bin/tool
RUN ["/bin/busybox", "chmod", "4755", "/usr/local/bin/tool"]
RUN ["/bin/busybox", "mkdir", "-m", "0777", "/shared"]
EOF

build stockade-fixture/secret:1 <<'EOF'
FROM stockade-fixture/base:1
COPY id_rsa /root/.ssh/id_rsa
RUN ["/bin/busybox", "rm", "-f", "/root/.ssh/id_rsa"]
EOF

build stockade-fixture/multistage:1 <<'EOF'
FROM stockade-fixture/base:1 AS build
RUN ["/bin/busybox", "sh", "-c", "echo built > /out.txt"]

FROM scratch
COPY --from=build /out.txt /app/out.txt
COPY --from=build /etc/passwd /etc/passwd
USER 1000:1000
ENTRYPOINT ["/app/run"]
EOF

build stockade-fixture/debianlike:1 <<'EOF'
FROM scratch
COPY debroot/ /
USER app
CMD ["/bin/sh"]
EOF

docker save -o "$ctx/images.tar" \
    stockade-fixture/root:1 stockade-fixture/nobody:1 stockade-fixture/setuid:1 \
    stockade-fixture/secret:1 stockade-fixture/multistage:1 stockade-fixture/debianlike:1
gzip -9n <"$ctx/images.tar" >"$out/images.tar.gz"
docker save -o "$out/debianlike.tar" stockade-fixture/debianlike:1
chmod 0644 "$out/debianlike.tar" "$out/images.tar.gz"
ls -l "$out"
