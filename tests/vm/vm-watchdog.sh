#!/usr/bin/env bash
# The hardware watchdog on a real kernel: QEMU's emulated Intel 6300ESB (-device i6300esb) with
# Debian's i6300esb module, fed by platform-yocto's Feeder through LinuxWatchdog
# (examples/watchdog-feed.rs). Two boots:
#   1. a clean stop (magic close) leaves the machine running past several timeouts; then the
#      feeder is frozen with SIGSTOP and the watchdog must reset the VM (-no-reboot makes that
#      reset end QEMU);
#   2. the process keeps running but its one actor hangs: the feeder withholds the feed and the
#      watchdog must reset the VM.
# The feeder runs with stdout on /dev/null, so its messages also show boot logging (BootLog) reaching
# the serial line through /dev/console. Prints the time from the freeze/hang to the reset,
# measured on the host.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/vm/lib.sh
source "$here/lib.sh"
command -v qemu-system-x86_64 >/dev/null || { echo "SKIP: qemu-system-x86_64 missing"; [ "${CI:-}" != true ]; exit; }
# The watchdog module and what it needs (watchdog core), instead of the IPVS closure.
VM_MODULES=(i6300esb)
TIMEOUT_S=2
vm_kernel
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cargo build --quiet --release --target x86_64-unknown-linux-musl -p holdfast-yocto --example watchdog-feed
feed=target/x86_64-unknown-linux-musl/release/examples/watchdog-feed

# init_for SCENARIO: the guest's /init. Markers start with "WDT" so the host can find them.
init_for() {
    cat <<INIT
#!/bin/sh
mount -t proc proc /proc; mount -t sysfs sys /sys; mount -t devtmpfs dev /dev
m=/lib/modules/\$(uname -r)/kernel/drivers/watchdog
insmod \$m/watchdog.ko && insmod \$m/i6300esb.ko || echo "WDT insmod failed"
[ -c /dev/watchdog ] || { echo "WDT no /dev/watchdog"; poweroff -f; }
T=$TIMEOUT_S
start_feeder() {
    rm -f /tmp/stop; touch /tmp/alive
    # stdout on /dev/null, as busybox start-stop-daemon -b leaves it: BootLog picks /dev/console.
    /bin/watchdog-feed /dev/watchdog \$T /tmp/alive /tmp/stop >/dev/null 2>&1 &
    pid=\$!
    sleep 3
}
INIT
    case $1 in
        freeze) cat <<'INIT'
start_feeder
touch /tmp/stop; wait $pid; echo "WDT clean stop rc=$?"
sleep $((4 * T))
echo "WDT SURVIVED clean stop"
start_feeder
echo "WDT FROZEN"
kill -STOP $pid
sleep $((8 * T))
echo "WDT NOT RESET"
poweroff -f
INIT
            ;;
        hang) cat <<'INIT'
start_feeder
echo "WDT HUNG"
rm /tmp/alive
sleep $((8 * T))
echo "WDT NOT RESET"
poweroff -f
INIT
            ;;
    esac
}

# boot_until SCENARIO MARKER: boots, notes the host time MARKER appears, waits for QEMU to end;
# sets ELAPSED (seconds from MARKER to QEMU's exit, or "none") and leaves the log in $work/SCENARIO.log.
boot_until() {
    local scenario=$1 marker=$2 raw=$work/$1.raw qemu rc=0 seen=""
    init_for "$scenario" >"$work/init-$scenario"
    vm_initramfs "$work/initrd-$scenario" "$work/init-$scenario" "$feed:bin/watchdog-feed"
    timeout 180 qemu-system-x86_64 -accel tcg -cpu max -m 512 -smp 1 -nographic -no-reboot \
        -nic none -device i6300esb -kernel "$VM_KERNEL" -initrd "$work/initrd-$scenario" \
        -append 'console=ttyS0 panic=-1 quiet' </dev/null >"$raw" 2>&1 &
    qemu=$!
    while kill -0 "$qemu" 2>/dev/null; do
        if [ -z "$seen" ] && grep -q "$marker" "$raw" 2>/dev/null; then
            seen=$(date +%s.%N)
        fi
        sleep 0.05
    done
    wait "$qemu" || rc=$?
    ELAPSED=none
    [ -n "$seen" ] && ELAPSED=$(awk -v a="$seen" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }')
    sed -e 's/\r//g' -e 's/\x1b\[[0-9;?]*[a-zA-Z]//g' "$raw" >"$work/$scenario.log"
    echo "--- $scenario: QEMU exit $rc"
    grep -E "WDT|watchdog|Kernel panic" "$work/$scenario.log" || true
    [ "$rc" = 0 ] || { echo "FAIL: QEMU ended with $rc (124: no reset before the time limit)"; return 1; }
}

fail=0
boot_until freeze "WDT FROZEN" || fail=1
log=$work/freeze.log
grep -q "holdfast: WDT log on /dev/console" "$log" || { echo "FAIL: boot log (stdout on /dev/null) did not reach the serial console"; fail=1; }
grep -q "WDT armed timeout=${TIMEOUT_S}s" "$log" || { echo "FAIL: feeder never armed the device"; fail=1; }
grep -q "WDT magic close after" "$log" || { echo "FAIL: no magic close"; fail=1; }
grep -q "WDT SURVIVED clean stop" "$log" || { echo "FAIL: the VM reset after a clean stop (magic close did not disarm)"; fail=1; }
grep -q "did not stop" "$log" && { echo "FAIL: kernel says the watchdog did not stop"; fail=1; }
grep -q "WDT FROZEN" "$log" || { echo "FAIL: never froze the feeder"; fail=1; }
grep -q "WDT NOT RESET" "$log" && { echo "FAIL: frozen feeder, but no reset"; fail=1; }
grep -q "Kernel panic" "$log" && { echo "FAIL: a kernel panic, not the watchdog, ended the VM"; fail=1; }
frozen=$ELAPSED

boot_until hang "WDT HUNG" || fail=1
log=$work/hang.log
grep -q "holdfast: error: WDT withheld: actor actor silent" "$log" || { echo "FAIL: the feeder did not withhold the feed"; fail=1; }
grep -q "WDT NOT RESET" "$log" && { echo "FAIL: hung actor, but no reset"; fail=1; }
grep -q "Kernel panic" "$log" && { echo "FAIL: a kernel panic, not the watchdog, ended the VM"; fail=1; }
hung=$ELAPSED

# The reset must come within the timeout plus the liveness limit plus one feed interval (and some
# TCG slack), not merely before the guest's own "NOT RESET".
for t in "$frozen" "$hung"; do
    awk -v t="$t" -v T="$TIMEOUT_S" 'BEGIN { exit !(t != "none" && t < T + 1 + T / 3 + 2) }' ||
        { echo "FAIL: reset took ${t}s with a ${TIMEOUT_S}s timeout"; fail=1; }
done

echo
echo "watchdog timeout ${TIMEOUT_S}s (i6300esb, TCG): reset ${frozen}s after SIGSTOP, ${hung}s after an actor hung (1 s liveness limit)"
[ "$fail" = 0 ] && echo "vm-watchdog: ok"
[ "$fail" = 0 ]
