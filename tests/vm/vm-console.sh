#!/usr/bin/env bash
# holdfast's serial console on a real second serial port: QEMU's ttyS1 is a unix socket on the
# host, the daemon runs with `--console /dev/ttyS1` in the VM (no modprobe, no autoload: holdfast
# loads ip_vs and ip_vs_rr itself), and the host types `status`, `modules`, `log 5` and `reload`
# as an engineer on the serial line would. `modules` must show what the loader did: ip_vs and
# ip_vs_rr live, loaded by holdfast, with the reason. The transcript is printed.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/vm/lib.sh
source "$here/lib.sh"
command -v qemu-system-x86_64 >/dev/null || { echo "SKIP: qemu-system-x86_64 missing"; [ "${CI:-}" != true ]; exit; }
VM_MODULES=(ip_vs ip_vs_rr crc32c_generic)
vm_kernel
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
musl=target/x86_64-unknown-linux-musl/release
cargo build --quiet --release --target x86_64-unknown-linux-musl -p holdfast-linux --bin holdfast

cat >"$work/keepalived.conf" <<'CONF'
global_defs {
  router_id lb-vm
}
virtual_server 192.0.2.10 80 {
  lb_algo rr
  lb_kind NAT
  protocol TCP
  real_server 198.51.100.1 80 {
    weight 1
  }
}
CONF

cat >"$work/init" <<'INIT'
#!/bin/sh
mount -t proc proc /proc; mount -t sysfs sys /sys; mount -t devtmpfs dev /dev
echo /nonexistent/modprobe > /proc/sys/kernel/modprobe
ip link set lo up
/bin/holdfast -n -l -f /etc/keepalived/keepalived.conf -p /run/k.pid -r /run/v.pid -c /run/c.pid \
  --console /dev/ttyS1 2>/tmp/hf.log &
pid=$!
i=0; while ! grep -q 'programmed' /tmp/hf.log && [ $i -lt 150 ]; do sleep 0.2; i=$((i + 1)); done
cat /tmp/hf.log
echo "CONSOLE READY"
# The host ends its session with `reload`, which the daemon logs.
i=0; while ! grep -q 'SIGHUP: reloading' /tmp/hf.log && [ $i -lt 300 ]; do sleep 0.2; i=$((i + 1)); done
kill -TERM $pid
i=0; while kill -0 $pid 2>/dev/null && [ $i -lt 50 ]; do sleep 0.2; i=$((i + 1)); done
tail -n 5 /tmp/hf.log
echo "CONSOLE DONE"
poweroff -f
INIT

vm_initramfs "$work/initrd" "$work/init" "$musl/holdfast:bin/holdfast" \
    "$work/keepalived.conf:etc/keepalived/keepalived.conf"
sock=$work/ttyS1.sock
timeout 180 qemu-system-x86_64 -accel tcg -cpu max -m 512 -smp 1 -nographic -no-reboot \
    -nic none -serial mon:stdio -serial "unix:$sock,server=on,wait=off" \
    -kernel "$VM_KERNEL" -initrd "$work/initrd" \
    -append 'console=ttyS0 panic=-1 quiet' </dev/null >"$work/log.raw" 2>&1 &
qemu=$!

# The engineer at ttyS1: waits for the daemon, types each command and reads up to the prompt.
python3 - "$sock" "$work/log.raw" "$work/console.txt" <<'PY' || true
import os, socket, sys, time
sock_path, serial_log, transcript = sys.argv[1:]
deadline = time.time() + 150
def ready():
    try:
        return b"CONSOLE READY" in open(serial_log, "rb").read()
    except OSError:
        return False
while not ready():
    if time.time() > deadline:
        sys.exit("the daemon never got ready")
    time.sleep(0.2)
s = socket.socket(socket.AF_UNIX)
s.connect(sock_path)
s.settimeout(0.2)
out = []
def drain(until, limit=30):
    buf, end = b"", time.time() + limit
    while time.time() < end:
        try:
            chunk = s.recv(4096)
        except socket.timeout:
            chunk = b""
        buf += chunk
        if until and buf.replace(b"\r", b"").endswith(until):
            break
    return buf.decode(errors="replace").replace("\r", "")
s.sendall(b"events off\n")
drain(b"holdfast> ")
for cmd in ["status", "modules", "log 5", "reload"]:
    s.sendall(cmd.encode() + b"\n")
    out.append("holdfast> " + drain(b"holdfast> ").removesuffix("holdfast> "))
open(transcript, "w").write("".join(out))
PY
rc=0
wait "$qemu" || rc=$?
log=$work/log
sed -e 's/\r//g' -e 's/\x1b\[[0-9;?]*[a-zA-Z]//g' "$work/log.raw" >"$log"
touch "$work/console.txt"
echo "--- serial console session on ttyS1"
cat "$work/console.txt"
echo "--- end of session"

fail=0
need() { grep -q -- "$1" "$2" || { echo "FAIL: $3"; fail=1; }; }
[ "$rc" = 0 ] || { echo "FAIL: QEMU ended with $rc"; fail=1; }
need "holdfast: console on /dev/ttyS1" "$log" "the daemon did not open ttyS1"
need "router lb-vm" "$work/console.txt" "status did not answer"
need "IPVS     1 virtual servers: 1 up, 0 DOWN" "$work/console.txt" "status does not show the virtual server up"
grep -qE '^  ip_vs +live +loaded by holdfast \(wanted by the configuration\)' "$work/console.txt" ||
    { echo "FAIL: modules does not show ip_vs loaded by holdfast"; fail=1; }
grep -qE '^  ip_vs_rr +live +loaded by holdfast \(wanted by the configuration\)' "$work/console.txt" ||
    { echo "FAIL: modules does not show ip_vs_rr loaded by holdfast"; fail=1; }
grep -qE '^  nf_conntrack +live +loaded by holdfast \(dependency\)' "$work/console.txt" ||
    { echo "FAIL: modules does not show the dependency nf_conntrack"; fail=1; }
need "(5 shown, " "$work/console.txt" "log 5 did not answer"
need "reload requested" "$work/console.txt" "reload did not answer"
need "SIGHUP: reloading the configuration" "$log" "the console's reload did not reach the daemon as SIGHUP"
need "CONSOLE DONE" "$log" "the guest did not finish"
[ "$fail" = 0 ] && echo "vm-console: ok"
[ "$fail" = 0 ]
