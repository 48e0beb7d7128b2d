#!/usr/bin/env bash
# The footprint profile on aarch64: a static musl release build of holdfast cross-linked with
# Debian's aarch64 toolchain, checked to be static and to run (`holdfast --version` under
# qemu-user), and the unit tests of holdfast-core and holdfast-actors run for aarch64 under
# qemu-aarch64. Prints the binary sizes (x86_64 beside aarch64).
#
# Installs gcc-aarch64-linux-gnu, its C headers (libc6-dev-arm64-cross: ring's C code needs
# stdint.h, and the package is only a recommendation of the compiler) and qemu-user with apt-get
# if missing (as root), and the Rust target with rustup. Outside CI a missing tool skips with a reason; under CI=true it fails.
set -euo pipefail
cd "$(dirname "$0")/../.."

target=aarch64-unknown-linux-musl
skip() {
    echo "SKIP: $*"
    [ "${CI:-}" != true ]
    exit
}

headers=/usr/aarch64-linux-gnu/include/stdint.h
if ! command -v aarch64-linux-gnu-gcc >/dev/null || ! command -v qemu-aarch64 >/dev/null || [ ! -f $headers ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
            gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user >/dev/null
    fi
fi
command -v aarch64-linux-gnu-gcc >/dev/null || skip "aarch64-linux-gnu-gcc missing (apt-get install gcc-aarch64-linux-gnu)"
[ -f $headers ] || skip "$headers missing (apt-get install libc6-dev-arm64-cross)"
command -v qemu-aarch64 >/dev/null || skip "qemu-aarch64 missing (apt-get install qemu-user)"
rustup target list --installed | grep -qx "$target" || rustup target add "$target" >/dev/null 2>&1 ||
    skip "rustup target add $target failed"

# Rust's musl targets bring their own libc and crt objects (self-contained linking); the
# Debian cross gcc only drives the link, so the result does not depend on glibc.
export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_MUSL_LINKER=aarch64-linux-gnu-gcc
# C dependencies (ring) compile with the same compiler against Debian's aarch64 glibc headers;
# the static link against Rust's bundled musl then fails on any glibc-only symbol, so a binary
# that links is free of them.
export CC_aarch64_unknown_linux_musl=aarch64-linux-gnu-gcc AR_aarch64_unknown_linux_musl=aarch64-linux-gnu-ar
export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_MUSL_RUNNER=qemu-aarch64

echo "== release build, $target"
cargo build --quiet --release --target "$target" -p holdfast-linux --bin holdfast
bin=target/$target/release/holdfast
# readelf (binutils, which the cross gcc pulls in) rather than file(1), which may be absent.
machine=$(readelf -h "$bin" | awk -F: '/Machine:/ { gsub(/^ +/, "", $2); print $2 }')
echo "$bin: machine $machine"
[ "$machine" = AArch64 ] || { echo "FAIL: not an aarch64 binary"; exit 1; }
if readelf -l "$bin" | grep -q INTERP || readelf -d "$bin" | grep -q NEEDED; then
    echo "FAIL: $bin is dynamically linked:"
    readelf -l "$bin" | grep -A1 INTERP || true
    readelf -d "$bin" | grep NEEDED || true
    exit 1
fi
echo "$bin: static (no program interpreter, no NEEDED libraries)"
version=$(qemu-aarch64 "$bin" --version)
echo "qemu-aarch64 $bin --version: $version"
[ -n "$version" ] || { echo "FAIL: no version printed"; exit 1; }

echo "== unit tests of holdfast-core and holdfast-actors on $target (qemu-aarch64)"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
if ! cargo test --target "$target" -p holdfast-core -p holdfast-actors >"$log" 2>&1; then
    grep -E "^test result|FAILED|panicked|error" "$log" | head -40
    echo "FAIL: tests failed under qemu-aarch64"
    exit 1
fi
awk '/^test result:/ { p += $4; f += $6 } END { printf "aarch64 tests: %d passed, %d failed\n", p, f }' "$log"

echo "== binary sizes (release, static musl, stripped)"
x86=target/x86_64-unknown-linux-musl/release/holdfast
if rustup target list --installed | grep -qx x86_64-unknown-linux-musl; then
    cargo build --quiet --release --target x86_64-unknown-linux-musl -p holdfast-linux --bin holdfast
fi
size_line() {
    [ -f "$2" ] || { printf '%-8s n/a (not built)\n' "$1"; return; }
    local bytes
    bytes=$(stat -c %s "$2")
    printf '%-8s %9d bytes  %5d KiB  %s\n' "$1" "$bytes" $((bytes / 1024)) "$2"
}
size_line x86_64 "$x86"
size_line aarch64 "$bin"
echo "aarch64: ok"
