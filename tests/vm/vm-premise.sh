#!/usr/bin/env bash
# Boots the Debian kernel once and checks the premises every IPVS scenario relies on, with the
# raw GETFAMILY probe: no autoload -> ENOENT; after insmod of the closure -> a family id; and an
# initramfs without modprobe cannot autoload. Prints timings.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/vm/lib.sh
source "$here/lib.sh"
command -v qemu-system-x86_64 >/dev/null || { echo "SKIP: qemu-system-x86_64 missing"; [ "${CI:-}" != true ]; exit; }
vm_kernel
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cargo build --quiet --release --target x86_64-unknown-linux-musl -p holdfast-tests --bin ipvs-probe
cat >"$work/init" <<'INIT'
#!/bin/sh
mount -t proc proc /proc; mount -t sysfs sys /sys; mount -t devtmpfs dev /dev
echo /nonexistent/modprobe > /proc/sys/kernel/modprobe
rel=$(uname -r); m=/lib/modules/$rel/kernel
echo "PREMISE before: $(/bin/ipvs-probe)"
for mod in crypto/crc32c_generic lib/libcrc32c net/ipv4/netfilter/nf_defrag_ipv4 net/ipv6/netfilter/nf_defrag_ipv6 net/netfilter/nf_conntrack net/netfilter/ipvs/ip_vs; do
  insmod $m/$mod.ko || echo "insmod $mod failed"
done
echo "PREMISE after: $(/bin/ipvs-probe)"
poweroff -f
INIT
vm_initramfs "$work/initrd" "$work/init" "target/x86_64-unknown-linux-musl/release/ipvs-probe:bin/ipvs-probe"
ls -la "$work/initrd"
start=$SECONDS
vm_boot "$work/initrd" "$work/log" 120 || true
echo "boot took $((SECONDS - start)) s"
grep PREMISE "$work/log"
grep -q "PREMISE before: IPVS family: errno 2" "$work/log"
grep -q "PREMISE after: IPVS family id" "$work/log"
