#!/bin/sh
# Builds a static, reproducible release binary of stockade at dist/stockade
# (the file the Dockerfile copies). Usage: scripts/build-static.sh [--debug]
#
# - Static: the x86_64-unknown-linux-musl target with +crt-static; the
#   binary needs no libc at run time (it runs FROM scratch).
# - Reproducible: paths are remapped (the checkout, ~/.cargo, ~/.rustup),
#   the lock file is used as is (--locked), and SOURCE_DATE_EPOCH is the last
#   commit's time. The same commit and toolchain give the same bytes in any
#   directory; docs/container.md records a check.
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
target=x86_64-unknown-linux-musl
profile=release
flag=--release
if [ "${1:-}" = "--debug" ]; then
    profile=debug
    flag=
fi

if ! rustup target list --installed 2>/dev/null | grep -qx "$target"; then
    echo "build-static: adding the $target target (rustup target add)" >&2
    rustup target add "$target" || {
        echo "build-static: cannot add $target; see docs/container.md" >&2
        exit 1
    }
fi

# C code in dependencies (ring) needs a C compiler for musl: musl-gcc from
# Debian's musl-tools when no x86_64-linux-musl-gcc cross compiler exists.
if ! command -v x86_64-linux-musl-gcc >/dev/null 2>&1 && [ -z "${CC_x86_64_unknown_linux_musl:-}" ]; then
    if command -v musl-gcc >/dev/null 2>&1; then
        CC_x86_64_unknown_linux_musl=musl-gcc
        export CC_x86_64_unknown_linux_musl
    else
        echo "build-static: no C compiler for musl; install musl-tools (apt-get install musl-tools)" >&2
        exit 1
    fi
fi

cargo_home=${CARGO_HOME:-$HOME/.cargo}
rustup_home=${RUSTUP_HOME:-$HOME/.rustup}
if [ -z "${SOURCE_DATE_EPOCH:-}" ]; then
    SOURCE_DATE_EPOCH=$(git -C "$root" log -1 --format=%ct 2>/dev/null || echo 0)
fi
export SOURCE_DATE_EPOCH
# One flag per field, separated by 0x1f, so paths with spaces survive.
sep=$(printf '\037')
CARGO_ENCODED_RUSTFLAGS="--remap-path-prefix=$root=/stockade${sep}--remap-path-prefix=$cargo_home=/cargo${sep}--remap-path-prefix=$rustup_home=/rustup${sep}-Ctarget-feature=+crt-static"
export CARGO_ENCODED_RUSTFLAGS
unset RUSTFLAGS

target_dir=${CARGO_TARGET_DIR:-$root/target}
cd "$root"
cargo build --locked $flag --target "$target" -p stockade
mkdir -p "$root/dist"
cp "$target_dir/$target/$profile/stockade" "$root/dist/stockade"
chmod 0755 "$root/dist/stockade"
if command -v sha256sum >/dev/null; then
    sha256sum "$root/dist/stockade"
fi
