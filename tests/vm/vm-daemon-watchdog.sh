#!/usr/bin/env bash
# The holdfast DAEMON feeding a real hardware watchdog: QEMU's Intel 6300ESB (-device i6300esb)
# with Debian's i6300esb module, `holdfast --watchdog /dev/watchdog --watchdog-timeout 3` on a
# configuration whose IPVS service makes holdfast load ip_vs and ip_vs_rr itself. One boot:
#   1. holdfast started in the background (no -n, no -l: it forks, stdio on /dev/null, no
#      syslog): the VM stays up over several timeouts, and holdfast's log reaches the serial line
#      through /dev/console (boot logging);
#   2. a clean TERM: the magic close disarms the watchdog, the VM stays up;
#   3. holdfast started again (-n, stdio on /dev/null) and frozen with SIGSTOP: the watchdog
#      resets the VM (-no-reboot turns that reset into QEMU's exit).
# Prints the time from the freeze to the reset, measured on the host.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/vm/lib.sh
source "$here/lib.sh"
command -v qemu-system-x86_64 >/dev/null || { echo "SKIP: qemu-system-x86_64 missing"; [ "${CI:-}" != true ]; exit; }
VM_MODULES=(i6300esb ip_vs ip_vs_rr crc32c_generic)
TIMEOUT_S=3
vm_kernel
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
musl=target/x86_64-unknown-linux-musl/release
cargo build --quiet --release --target x86_64-unknown-linux-musl -p holdfast-linux --bin holdfast

cat >"$work/keepalived.conf" <<'CONF'
virtual_server 192.0.2.10 80 {
  lb_algo rr
  lb_kind NAT
  protocol TCP
  real_server 198.51.100.1 80 {
    weight 1
  }
}
CONF

cat >"$work/init" <<INIT
#!/bin/sh
mount -t proc proc /proc; mount -t sysfs sys /sys; mount -t devtmpfs dev /dev
echo /nonexistent/modprobe > /proc/sys/kernel/modprobe
ip link set lo up
m=/lib/modules/\$(uname -r)/kernel/drivers/watchdog
insmod \$m/watchdog.ko && insmod \$m/i6300esb.ko || echo "WDT insmod failed"
[ -c /dev/watchdog ] || { echo "WDT no /dev/watchdog"; poweroff -f; }
T=$TIMEOUT_S
args="-f /etc/keepalived/keepalived.conf -p /run/k.pid -r /run/v.pid -c /run/c.pid --watchdog /dev/watchdog --watchdog-timeout \$T"
# 1. In the background: holdfast forks; its stdio is /dev/null and there is no syslog.
/bin/holdfast \$args </dev/null >/dev/null 2>&1
sleep 1
pid=\$(cat /run/k.pid)
echo "WDT started pid \$pid"
sleep \$((4 * T))
kill -0 \$pid && echo "WDT RUNNING after \$((4 * T))s"
# 2. A clean stop.
kill -TERM \$pid
i=0; while kill -0 \$pid 2>/dev/null && [ \$i -lt 50 ]; do sleep 0.2; i=\$((i + 1)); done
echo "WDT clean stop done"
sleep \$((4 * T))
echo "WDT SURVIVED clean stop"
# 3. Frozen.
/bin/holdfast -n \$args </dev/null >/dev/null 2>&1 &
pid=\$!
sleep 3
echo "WDT FROZEN"
kill -STOP \$pid
sleep \$((8 * T))
echo "WDT NOT RESET"
poweroff -f
INIT

vm_initramfs "$work/initrd" "$work/init" "$musl/holdfast:bin/holdfast" \
    "$work/keepalived.conf:etc/keepalived/keepalived.conf"
raw=$work/log.raw
timeout 240 qemu-system-x86_64 -accel tcg -cpu max -m 512 -smp 1 -nographic -no-reboot \
    -nic none -device i6300esb -kernel "$VM_KERNEL" -initrd "$work/initrd" \
    -append 'console=ttyS0 panic=-1 quiet' </dev/null >"$raw" 2>&1 &
qemu=$!
seen=""
while kill -0 "$qemu" 2>/dev/null; do
    if [ -z "$seen" ] && grep -q "WDT FROZEN" "$raw" 2>/dev/null; then
        seen=$(date +%s.%N)
    fi
    sleep 0.05
done
rc=0
wait "$qemu" || rc=$?
elapsed=none
[ -n "$seen" ] && elapsed=$(awk -v a="$seen" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }')
log=$work/log
sed -e 's/\r//g' -e 's/\x1b\[[0-9;?]*[a-zA-Z]//g' "$raw" >"$log"
grep -E "WDT|holdfast: |watchdog|Kernel panic" "$log" || true

fail=0
need() { grep -q "$1" "$log" || { echo "FAIL: $2"; fail=1; }; }
never() { ! grep -q "$1" "$log" || { echo "FAIL: $2"; fail=1; }; }
[ "$rc" = 0 ] || { echo "FAIL: QEMU ended with $rc (124: no reset before the time limit)"; fail=1; }
need "holdfast: starting holdfast" "boot log: the backgrounded daemon's log did not reach the serial console"
need "holdfast: watchdog /dev/watchdog armed: timeout ${TIMEOUT_S} s" "the daemon never armed the watchdog"
need "holdfast: modules: " "the daemon's module loader never reported"
need "WDT RUNNING after" "the VM did not stay up while holdfast fed the watchdog"
need "holdfast: watchdog disarmed (magic close)" "no magic close on TERM"
need "holdfast: stopped" "holdfast did not stop on TERM"
need "WDT SURVIVED clean stop" "the VM reset after a clean stop"
never "did not stop" "the kernel says the watchdog did not stop"
never "feeding withheld" "the feeder withheld the feed while holdfast ran normally"
need "WDT FROZEN" "never froze holdfast"
never "WDT NOT RESET" "holdfast frozen, but no reset"
never "Kernel panic" "a kernel panic, not the watchdog, ended the VM"
# The reset must come within the timeout plus one feed interval plus TCG slack.
awk -v t="$elapsed" -v T="$TIMEOUT_S" 'BEGIN { exit !(t != "none" && t < T + T / 3 + 2) }' ||
    { echo "FAIL: reset took ${elapsed}s with a ${TIMEOUT_S}s timeout"; fail=1; }

echo
echo "holdfast --watchdog (i6300esb, timeout ${TIMEOUT_S}s, TCG): reset ${elapsed}s after SIGSTOP; no reset while running or after TERM"
[ "$fail" = 0 ] && echo "vm-daemon-watchdog: ok"
[ "$fail" = 0 ]
