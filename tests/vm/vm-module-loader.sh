#!/usr/bin/env bash
# Boots the Debian kernel and runs holdfast's module loader (actor + Linux kmod port) on it with no
# modprobe and no autoload: the module tree appears only after start-up (reported, retried, then
# loaded), ip_vs_wrr exists only as .ko.xz (this kernel cannot decompress, so holdfast does),
# everything live already on a second run (EEXIST = AlreadyLoaded), a deleted scheduler file
# (ip_vs ready, scheduler MissingFile), module loading disabled (scheduler PermissionDenied, EPERM).
# Boots twice: -cpu max loads crc32c_intel for libcrc32c's
# soft dependency; -cpu qemu64 has no SSE4.2, so crc32c_intel fails with ENODEV and
# crc32c_generic is loaded instead (FIELD-NOTES §2). Prints timings.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/vm/lib.sh
source "$here/lib.sh"
command -v qemu-system-x86_64 >/dev/null || { echo "SKIP: qemu-system-x86_64 missing"; [ "${CI:-}" != true ]; exit; }
vm_kernel
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cargo build --quiet --release --target x86_64-unknown-linux-musl -p holdfast-linux --example module-loader-check
xz --check=crc32 --lzma2=dict=1MiB -c \
    "$VM_KERNEL_ROOT/lib/modules/$VM_RELEASE/kernel/net/netfilter/ipvs/ip_vs_wrr.ko" >"$work/ip_vs_wrr.ko.xz"

# boot CPU CRC32C_PROVIDER [EXPECTED_LINE]: one boot with its own initramfs; fails unless every
# phase passed and the log has EXPECTED_LINE.
boot() {
    local cpu=$1 provider=$2 expected=${3:-} log=$work/log-$1 start rc=0
    cat >"$work/init" <<INIT
#!/bin/sh
mount -t proc proc /proc; mount -t sysfs sys /sys; mount -t devtmpfs dev /dev
echo /nonexistent/modprobe > /proc/sys/kernel/modprobe
t=/lib/modules/\$(uname -r); v=\$t/kernel/net/netfilter/ipvs
mv /ip_vs_wrr.ko.xz \$v/ip_vs_wrr.ko.xz; rm \$v/ip_vs_wrr.ko
sed -i 's#ipvs/ip_vs_wrr.ko:#ipvs/ip_vs_wrr.ko.xz:#' \$t/modules.dep
rm \$v/ip_vs_sh.ko
mv /lib/modules /lib/modules.hidden
(sleep 1; mv /lib/modules.hidden /lib/modules) &
/bin/module-loader-check cold rr wrr lc; echo "PHASE cold rc=\$?"
/bin/module-loader-check again rr wrr lc; echo "PHASE again rc=\$?"
/bin/module-loader-check missing sh; echo "PHASE missing rc=\$?"
/bin/module-loader-check crc32c $provider; echo "PHASE crc32c rc=\$?"
echo 1 > /proc/sys/kernel/modules_disabled
/bin/module-loader-check denied wlc; echo "PHASE denied rc=\$?"
poweroff -f
INIT
    vm_initramfs "$work/initrd-$cpu" "$work/init" \
        "target/x86_64-unknown-linux-musl/release/examples/module-loader-check:bin/module-loader-check" \
        "$work/ip_vs_wrr.ko.xz:ip_vs_wrr.ko.xz"
    start=$SECONDS
    timeout 180 qemu-system-x86_64 -accel tcg -cpu "$cpu" -m 512 -smp 1 -nographic -no-reboot \
        -nic none -kernel "$VM_KERNEL" -initrd "$work/initrd-$cpu" \
        -append 'console=ttyS0 panic=-1 quiet' </dev/null >"$log.raw" 2>&1 || rc=$?
    sed -e 's/\r//g' -e 's/\x1b\[[0-9;?]*[a-zA-Z]//g' "$log.raw" >"$log"
    echo "boot -cpu $cpu took $((SECONDS - start)) s (qemu status $rc)"
    grep -E "PHASE|CHECK|RESULT|UPDATE t=" "$log" || { tail -n 40 "$log"; return 1; }
    for phase in cold again missing crc32c denied; do
        grep -q "PHASE $phase rc=0" "$log" || { echo "FAIL: -cpu $cpu phase $phase"; return 1; }
    done
    if [ -n "$expected" ]; then
        grep -qF "$expected" "$log" || { echo "FAIL: -cpu $cpu: no line '$expected'"; return 1; }
        echo "found: $expected"
    fi
}

boot max crc32c_intel
boot qemu64 crc32c_generic "UPDATE   crc32c_intel failed: no device for this module (ENODEV)"
echo "vm-module-loader: ok"
