#!/usr/bin/env bash
# Boots the Debian kernel and runs holdfast's Linux IPVS port against real IPVS: resolve, GET_INFO,
# add/edit/delete IPv4, IPv6 and fwmark services and real servers with dump checks, a missing
# scheduler module (no autoload) as SchedulerMissing, then rmmod ip_vs (FamilyNotRegistered, the
# old id ENOENT) and a reload (a new id that works). Prints timings.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/vm/lib.sh
source "$here/lib.sh"
command -v qemu-system-x86_64 >/dev/null || { echo "SKIP: qemu-system-x86_64 missing"; [ "${CI:-}" != true ]; exit; }
vm_kernel
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cargo build --quiet --release --target x86_64-unknown-linux-musl -p holdfast-linux --example ipvs-port-check
cat >"$work/init" <<'INIT'
#!/bin/sh
mount -t proc proc /proc; mount -t sysfs sys /sys; mount -t devtmpfs dev /dev
# No autoload: a scheduler that is not loaded stays missing (FIELD-NOTES §2).
echo /nonexistent/modprobe > /proc/sys/kernel/modprobe
ip link set lo up
rel=$(uname -r); m=/lib/modules/$rel/kernel; v=$m/net/netfilter/ipvs
for mod in crypto/crc32c_generic lib/libcrc32c net/ipv4/netfilter/nf_defrag_ipv4 net/ipv6/netfilter/nf_defrag_ipv6 net/netfilter/nf_conntrack net/netfilter/ipvs/ip_vs; do
  insmod $m/$mod.ko || echo "insmod $mod failed"
done
insmod $v/ip_vs_rr.ko; insmod $v/ip_vs_wrr.ko
/bin/ipvs-port-check program > /tmp/program.log 2>&1; echo "PHASE program rc=$?"
sed 's/^/  /' /tmp/program.log
old=$(sed -n 's/^FAMILY \([0-9]*\)$/\1/p' /tmp/program.log)
rmmod ip_vs_wrr; rmmod ip_vs_rr; rmmod ip_vs || echo "rmmod ip_vs failed"
/bin/ipvs-port-check gone "$old"; echo "PHASE gone rc=$?"
insmod $v/ip_vs.ko; insmod $v/ip_vs_rr.ko
/bin/ipvs-port-check again "$old"; echo "PHASE again rc=$?"
poweroff -f
INIT
vm_initramfs "$work/initrd" "$work/init" "target/x86_64-unknown-linux-musl/release/examples/ipvs-port-check:bin/ipvs-port-check"
start=$SECONDS
vm_boot "$work/initrd" "$work/log" 180 || true
echo "boot took $((SECONDS - start)) s"
grep -E "PHASE|CHECK|RESULT|FAMILY" "$work/log" || { tail -n 40 "$work/log"; exit 1; }
for phase in program gone again; do
    grep -q "PHASE $phase rc=0" "$work/log" || { echo "FAIL: phase $phase"; exit 1; }
done
echo "vm-ipvs-port: ok"
