#!/usr/bin/env bash
# Installs what holdfast's tests and demo need on a fresh Debian 12 machine (as root): Debian
# packages (keepalived as the reference peer, tshark/tcpdump for captures, QEMU and busybox for the
# real-kernel tests) and the Rust parts (rustfmt, clippy, the no_std and musl targets, cargo-fuzz).
# Idempotent; prints a line per part.
set -euo pipefail

if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
    echo "install-deps: not root or no apt-get: skipping Debian packages"
else
    echo 'wireshark-common wireshark-common/install-setuid boolean false' | debconf-set-selections
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends \
        iproute2 keepalived tshark tcpdump qemu-system-x86 busybox-static kmod cpio ipvsadm \
        shellcheck xz-utils zstd time procps ca-certificates python3 python3-venv gcc dash \
        gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user >/dev/null
    echo "install-deps: Debian packages present"
fi
rustup component add rustfmt clippy >/dev/null 2>&1
rustup target add thumbv7em-none-eabihf x86_64-unknown-linux-musl aarch64-unknown-linux-musl >/dev/null 2>&1
echo "install-deps: rust components and targets present"
if [ "${1:-}" != --no-fuzz ] && ! command -v cargo-fuzz >/dev/null; then
    cargo install cargo-fuzz --locked --quiet
    echo "install-deps: cargo-fuzz installed"
fi
