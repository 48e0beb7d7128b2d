#!/usr/bin/env bash
# Boots the Debian kernel once and runs the real static holdfast daemon (-n -l) through the
# IPVS cold-boot scenarios of issue 6, each after proving its premise with the raw GETFAMILY
# probe (/bin/ipvs-probe; never ipvsadm, which loads modules itself, FIELD-NOTES §2):
#   a  no modprobe, no autoload: holdfast loads ip_vs and the schedulers; both services
#      programmed; HUP with the same file changes nothing, HUP without the wrr server removes it
#      and HUP with it again restores it with no error or warning logged on the way (no
#      "ip_vs_wrr not loaded": the actor gets the table only with the loader's proof for it);
#      USR1 writes the state dump; TERM removes the services and the pid file
#   b  kernel autoload through /sbin/modprobe -> busybox: programmed
#   c  ip_vs_wrr.ko missing from the tree: rr programmed, the error names ip_vs_wrr and its path,
#      holdfast keeps running
#   d  /lib/modules appears 3 s after start: programmed within 2 s after it appears
#   e  every module only as .ko.xz (this kernel cannot decompress: holdfast does): programmed
#   f  `ipvsadm -C` behind holdfast's back: the table is restored
#   g  TCP_CHECK on two real servers, one with a listener (busybox httpd) and one without: the
#      failing one is absent from `ipvsadm -Ln` and notify_down runs; a HUP that reweights the
#      other keeps it absent; once a listener starts it is listed again and notify_up runs
#   h  quorum and sorry server, and inhibit_on_failure, with MISC_CHECKs the guest fails by
#      creating files: one of two weight-1 real servers down loses quorum 2, so the sorry server
#      replaces the live one in `ipvsadm -Ln`; recovered, the real servers are back and the sorry
#      server gone; an inhibited failed server stays listed at weight 0, back at 1 when healthy
#   i  HUP adding the wrr server to an rr-only daemon, ip_vs_wrr never loaded: holdfast loads it
#      and programs the service, with no error or warning logged after the HUP
# Between scenarios holdfast is stopped and every IPVS module unloaded (MODULE_UNLOAD=y). Prints
# per scenario the time from the daemon's start to all services programmed (its log stamps are
# CLOCK_MONOTONIC) and "N passed, M failed"; exits non-zero on any failed check.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/vm/lib.sh
source "$here/lib.sh"
command -v qemu-system-x86_64 >/dev/null || { echo "SKIP: qemu-system-x86_64 missing"; [ "${CI:-}" != true ]; exit; }
command -v ipvsadm >/dev/null || { echo "SKIP: ipvsadm missing (used in the VM for listing only)"; [ "${CI:-}" != true ]; exit; }
vm_kernel
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
musl=target/x86_64-unknown-linux-musl/release
cargo build --quiet --release --target x86_64-unknown-linux-musl -p holdfast-linux --bin holdfast
cargo build --quiet --release --target x86_64-unknown-linux-musl -p holdfast-tests --bin ipvs-probe
ls -la "$musl/holdfast"


# Host-side: a configuration with a TCP_CHECK runs (this kernel has no IPVS: the daemon keeps
# running and stops cleanly on TERM); one with a checker setting holdfast lacks is refused with
# its place, exit 2.
mkdir -p "$work/etc"
cat >"$work/etc/keepalived.conf" <<'CONF'
virtual_server 192.0.2.10 80 {
  lb_algo rr
  lb_kind NAT
  protocol TCP
  real_server 198.51.100.1 80 {
    weight 1
  }
  real_server 198.51.100.2 80 {
    weight 1
  }
}
virtual_server 192.0.2.11 80 {
  lb_algo wrr
  lb_kind NAT
  protocol TCP
  real_server 198.51.100.3 80 {
    weight 3
  }
  real_server 198.51.100.4 80 {
    weight 1
  }
}
CONF
sed '/^virtual_server 192.0.2.11 80/,$d' "$work/etc/keepalived.conf" >"$work/rr-only.conf"
sed 's/    weight 3/    weight 3\n    TCP_CHECK {\n      connect_timeout 3\n    }/' "$work/etc/keepalived.conf" >"$work/checker.conf"
"$musl/holdfast" -n -l -f "$work/checker.conf" -p "$work/k.pid" -r "$work/v.pid" -c "$work/c.pid" \
    2>"$work/checker.log" &
hf=$!
sleep 2
check "a real server with TCP_CHECK is admitted: the daemon runs" kill -0 "$hf"
kill -TERM "$hf" 2>/dev/null || true
rc=0
wait "$hf" || rc=$?
sed 's/^/  host: /' "$work/checker.log"
check "it stops on TERM with exit 0" [ "$rc" = 0 ]
check "it logged no refusal" [ -z "$(grep -F 'configuration refused' "$work/checker.log")" ]
sed 's/    weight 3/    weight 3\n    HTTP_GET {\n      url {\n        path \/\n      }\n      fast_recovery\n    }/' \
    "$work/etc/keepalived.conf" >"$work/fast.conf"
rc=0
"$musl/holdfast" -n -l -f "$work/fast.conf" -p "$work/k2.pid" -r "$work/v2.pid" -c "$work/c2.pid" \
    2>"$work/refused.log" || rc=$?
sed 's/^/  host: /' "$work/refused.log"
check "a checker with fast_recovery is refused with exit 2" [ "$rc" = 2 ]
line=$(grep -n 'real_server 198.51.100.3' "$work/fast.conf" | cut -d: -f1)
check "the refusal names file:line and the checker" \
    grep -qF "$work/fast.conf:$line: HTTP_GET: fast_recovery is not available in this build" "$work/refused.log"
check "a refused start writes no pid file" [ ! -e "$work/k2.pid" ]

# Scenario g's configuration: two TCP_CHECK real servers on local addresses, notify scripts.
cat >"$work/check.conf" <<'CONF'
virtual_server 192.0.2.12 80 {
  lb_algo rr
  lb_kind NAT
  protocol TCP
  delay_loop 1
  real_server 198.51.100.50 8081 {
    TCP_CHECK {
      connect_timeout 1
      retry 0
    }
  }
  real_server 198.51.100.51 8082 {
    notify_up "/bin/notify.sh up 51"
    notify_down "/bin/notify.sh down 51"
    TCP_CHECK {
      connect_timeout 1
      retry 0
    }
  }
}
CONF
sed 's/  real_server 198.51.100.50 8081 {/  real_server 198.51.100.50 8081 {\n    weight 2/' \
    "$work/check.conf" >"$work/check2.conf"
printf '#!/bin/sh\necho "$*" >> /tmp/notify.log\n' >"$work/notify.sh"
chmod 0755 "$work/notify.sh"

# Scenario h: quorum 2 over two weight-1 servers with a sorry server, and an inhibited server.
# Each MISC_CHECK fails while /tmp/down-<last octet> exists.
cat >"$work/quorum.conf" <<'CONF'
virtual_server 192.0.2.13 80 {
  lb_algo rr
  lb_kind NAT
  protocol TCP
  delay_loop 1
  quorum 2
  sorry_server 198.51.100.69 80
  real_server 198.51.100.60 80 {
    weight 1
    MISC_CHECK {
      misc_path "/bin/rs-check.sh 60"
      misc_timeout 2
    }
  }
  real_server 198.51.100.61 80 {
    weight 1
    MISC_CHECK {
      misc_path "/bin/rs-check.sh 61"
      misc_timeout 2
    }
  }
}
virtual_server 192.0.2.14 80 {
  lb_algo rr
  lb_kind NAT
  protocol TCP
  delay_loop 1
  real_server 198.51.100.62 80 {
    weight 1
    inhibit_on_failure
    MISC_CHECK {
      misc_path "/bin/rs-check.sh 62"
      misc_timeout 2
    }
  }
}
CONF
# shellcheck disable=SC2016 # $1 is the guest script's argument
printf '#!/bin/sh\n[ ! -e "/tmp/down-$1" ]\n' >"$work/rs-check.sh"
chmod 0755 "$work/rs-check.sh"

# The same module closure, xz-compressed, with its own modules.dep (scenario e).
xzroot=$work/xzroot
mkdir -p "$xzroot/lib/modules/$VM_RELEASE"
while read -r f; do
    mkdir -p "$xzroot/lib/modules/$VM_RELEASE/$(dirname "$f")"
    xz --check=crc32 --lzma2=dict=1MiB -c "$VM_KERNEL_ROOT/lib/modules/$VM_RELEASE/$f" \
        >"$xzroot/lib/modules/$VM_RELEASE/$f.xz"
done < <(vm_module_closure)
cp "$VM_KERNEL_ROOT/lib/modules/$VM_RELEASE/"modules.{order,builtin,builtin.modinfo} "$xzroot/lib/modules/$VM_RELEASE/" 2>/dev/null || true
sed -i 's/\.ko$/.ko.xz/' "$xzroot/lib/modules/$VM_RELEASE/modules.order" 2>/dev/null || true
depmod -b "$xzroot" "$VM_RELEASE"
grep -q 'ip_vs_wrr.ko.xz:' "$xzroot/lib/modules/$VM_RELEASE/modules.dep"

# ipvsadm and its libraries, for listing only (after the premise proved modprobe absent).
extra=()
mkdir -p "$work/stage"
for lib in $(ldd /usr/sbin/ipvsadm | grep -o '/[^ ]*'); do
    cp -L "$lib" "$work/stage/$(basename "$lib")"
    extra+=("$work/stage/$(basename "$lib"):${lib#/}")
done
cp -L /usr/sbin/ipvsadm "$work/stage/ipvsadm"

cat >"$work/init" <<'INIT'
#!/bin/sh
mount -t proc proc /proc; mount -t sysfs sys /sys; mount -t devtmpfs dev /dev
echo /nonexistent/modprobe > /proc/sys/kernel/modprobe
ip link set lo up
rel=$(uname -r); tree=/lib/modules/$rel; ipvsdir=$tree/kernel/net/netfilter/ipvs
conf=/etc/keepalived/keepalived.conf
hf_pid=

say() { echo "VM $*"; }
check() { # NAME COMMAND...
  name=$1; shift
  if "$@"; then echo "CHECK ok: $name"; else echo "CHECK FAIL: $name"; fi
}
premise_enoent() {
  p=$(/bin/ipvs-probe); say "premise: $p"
  check "$1: premise: no IPVS family and no autoload (GETFAMILY ENOENT)" [ "${p#IPVS family: errno 2 (ENOENT}" != "$p" ]
}
start() { # SCENARIO
  : > /tmp/$1.log
  /bin/holdfast -n -l -D -f $conf -p /run/keepalived.pid -r /run/vrrp.pid -c /run/checkers.pid 2>/tmp/$1.log &
  hf_pid=$!
}
# wait_for SCENARIO PATTERN COUNT SECONDS: until the log has COUNT lines matching PATTERN.
count() { n=$(grep -c "$2" /tmp/$1.log 2>/dev/null); echo "${n:-0}"; }
wait_for() {
  i=0
  while [ "$(count "$1" "$2")" -lt "$3" ] && [ $i -lt $(($4 * 5)) ]; do sleep 0.2; i=$((i + 1)); done
  [ "$(count "$1" "$2")" -ge "$3" ]
}
stop() { # SCENARIO
  kill -TERM $hf_pid; i=0
  while kill -0 $hf_pid 2>/dev/null && [ $i -lt 100 ]; do sleep 0.2; i=$((i + 1)); done
  check "$1: holdfast stopped on TERM" [ -n "$(grep 'holdfast: stopped' /tmp/$1.log)" ]
  sed "s/^/HF $1 /" /tmp/$1.log
}
unload() {
  for m in ip_vs_wrr ip_vs_rr ip_vs nf_conntrack nf_defrag_ipv6 nf_defrag_ipv4 libcrc32c crc32c_intel crc32c_generic; do
    rmmod $m 2>/dev/null
  done
}
listed() { /bin/ipvsadm -Ln > /tmp/list 2>&1; cat /tmp/list | sed 's/^/  ipvsadm: /'; }
# until_listed PATTERN yes|no SECONDS: until `ipvsadm -Ln` does (yes) or does not (no) list it.
until_listed() {
  i=0
  while [ $i -lt $(($3 * 5)) ]; do
    /bin/ipvsadm -Ln > /tmp/list 2>&1
    if grep -q "$1" /tmp/list; then [ "$2" = yes ] && return 0; else [ "$2" = no ] && return 0; fi
    sleep 0.2; i=$((i + 1))
  done
  return 1
}
uptime_s() { cut -d' ' -f1 /proc/uptime; }

say "scenario a: no modprobe, no autoload"
premise_enoent a
start a
check "a: both services programmed" wait_for a ': programmed' 2 30
listed
check "a: ipvsadm lists rr" grep -q 'TCP  192.0.2.10:80 rr' /tmp/list
check "a: ipvsadm lists wrr" grep -q 'TCP  192.0.2.11:80 wrr' /tmp/list
check "a: wrr real server weight 3" grep -q '198.51.100.3:80 *Masq *3' /tmp/list
check "a: pid file holds the daemon's pid" [ "$(cat /run/keepalived.pid)" = "$hf_pid" ]
# From here on the reloads log no error or warning (checked after the last one).
reloads_from=$(wc -l < /tmp/a.log)
kill -HUP $hf_pid
check "a: HUP with the same file changes nothing" wait_for a 'configuration unchanged' 1 10
cp $conf /tmp/full.conf; cp /etc/keepalived/rr-only.conf $conf
kill -HUP $hf_pid
check "a: HUP without the wrr server removes it" wait_for a 'TCP 192.0.2.11:80: removed' 1 10
listed
check "a: ipvsadm no longer lists wrr" [ -z "$(grep 'TCP  192.0.2.11:80' /tmp/list)" ]
cp /tmp/full.conf $conf
kill -HUP $hf_pid
check "a: HUP with it again programs it again" wait_for a 'TCP 192.0.2.11:80: programmed' 2 10
listed
check "a: ipvsadm lists wrr again" grep -q 'TCP  192.0.2.11:80 wrr' /tmp/list
tail -n +$((reloads_from + 1)) /tmp/a.log > /tmp/a-reloads.log
check "a: the reloads logged no 'not loaded'" [ -z "$(grep 'not loaded' /tmp/a-reloads.log)" ]
check "a: the reloads logged no error or warning" [ -z "$(grep -E 'holdfast: (error|warning):' /tmp/a-reloads.log)" ]
kill -USR1 $hf_pid
check "a: USR1 writes the state dump" wait_for a 'state written to /tmp/keepalived.data' 1 10
check "a: the dump shows the services programmed" [ "$(grep -c ': programmed' /tmp/keepalived.data)" = 2 ]
say "footprint: $(grep VmHWM /proc/$hf_pid/status | tr -s ' \t' ' '), threads $(ls /proc/$hf_pid/task | wc -l)"
stop a
listed
check "a: TERM removed holdfast's services" [ -z "$(grep 'TCP  192.0.2' /tmp/list)" ]
check "a: TERM removed the pid file" [ ! -e /run/keepalived.pid ]
unload

say "scenario b: kernel autoload through /sbin/modprobe"
ln -s /bin/busybox /sbin/modprobe
echo /sbin/modprobe > /proc/sys/kernel/modprobe
p=$(/bin/ipvs-probe); say "premise: $p"
check "b: premise: GETFAMILY autoloads ip_vs" [ -n "$(echo "$p" | grep 'IPVS family id')" ]
unload
start b
check "b: both services programmed" wait_for b ': programmed' 2 30
stop b
unload
rm /sbin/modprobe
echo /nonexistent/modprobe > /proc/sys/kernel/modprobe

say "scenario c: ip_vs_wrr.ko missing"
premise_enoent c
mv $ipvsdir/ip_vs_wrr.ko /tmp/ip_vs_wrr.ko
start c
check "c: rr programmed" wait_for c 'TCP 192.0.2.10:80: programmed' 1 30
check "c: the error names ip_vs_wrr and its path" wait_for c "ip_vs_wrr.*$ipvsdir/ip_vs_wrr.ko" 1 10
sleep 3
check "c: holdfast keeps running" kill -0 $hf_pid
check "c: the wrr service is not programmed" [ -z "$(grep 'TCP 192.0.2.11:80: programmed' /tmp/c.log)" ]
stop c
mv /tmp/ip_vs_wrr.ko $ipvsdir/ip_vs_wrr.ko
unload

say "scenario d: module tree appears 3 s after start"
premise_enoent d
mv /lib/modules /lib/modules.hidden
(sleep 3; mv /lib/modules.hidden /lib/modules; echo "VM tree back at $(cut -d' ' -f1 /proc/uptime)") &
start d
check "d: both services programmed" wait_for d ': programmed' 2 30
check "d: the missing tree was reported" wait_for d "module tree /lib/modules/$rel missing" 1 1
stop d
unload

say "scenario e+f: compressed modules, then ipvsadm -C"
premise_enoent e
mv /lib/modules /lib/modules.plain; mv /lib/modules.xz /lib/modules
check "e: premise: only .ko.xz files in the tree" [ -z "$(find /lib/modules -name '*.ko')" ]
start e
check "e: both services programmed" wait_for e ': programmed' 2 60
p=$(/bin/ipvs-probe); say "premise f: $p"
check "f: premise: modprobe still absent, IPVS loaded by holdfast" [ "$(cat /proc/sys/kernel/modprobe)" = /nonexistent/modprobe ]
/bin/ipvsadm -C
listed
check "f: ipvsadm -C emptied the table" [ -z "$(grep 'TCP  192.0.2' /tmp/list)" ]
check "f: holdfast restored the table" wait_for e 'drifted from the configuration' 1 20
listed
check "f: ipvsadm lists both services again" [ "$(grep -c 'TCP  192.0.2.1[01]:80' /tmp/list)" = 2 ]
stop e

say "scenario g: TCP_CHECK real servers"
ip addr add 198.51.100.50/32 dev lo; ip addr add 198.51.100.51/32 dev lo
mkdir -p /tmp/www
/bin/busybox httpd -f -p 8081 -h /tmp/www & web1=$!
cp /etc/keepalived/check.conf $conf
start g
check "g: the checked service is programmed" wait_for g 'TCP 192.0.2.12:80: programmed' 1 30
check "g: the server without a listener is reported down" wait_for g 'real server 198.51.100.51:8082 is down' 1 20
check "g: ipvsadm does not list the failing server" until_listed '198.51.100.51:8082' no 5
listed
check "g: ipvsadm lists the listening server" grep -q '198.51.100.50:8081 *Masq *1' /tmp/list
cp /etc/keepalived/check2.conf $conf
kill -HUP $hf_pid
check "g: HUP reweights the listening server" until_listed '198.51.100.50:8081 *Masq *2' yes 10
check "g: the reload kept the failing server out" [ -z "$(grep '198.51.100.51:8082' /tmp/list)" ]
/bin/busybox httpd -f -p 8082 -h /tmp/www & web2=$!
say "g: listener on 8082 started at $(uptime_s)"
check "g: the server is reported up once it listens" wait_for g 'real server 198.51.100.51:8082 is up' 1 20
check "g: ipvsadm lists it again" until_listed '198.51.100.51:8082 *Masq *1' yes 5
say "g: 198.51.100.51:8082 listed again at $(uptime_s)"
listed
check "g: notify_down then notify_up ran" [ "$(tr '\n' ' ' < /tmp/notify.log)" = "down 51 up 51 " ]
stop g
kill $web1 $web2

say "scenario h: quorum, sorry server, inhibit_on_failure"
cp /etc/keepalived/quorum.conf $conf
start h
check "h: both services programmed" wait_for h ': programmed' 2 30
check "h: both real servers listed, quorum up" until_listed '198.51.100.61:80 *Masq *1' yes 10
listed
check "h: 198.51.100.60 listed" grep -q '198.51.100.60:80 *Masq *1' /tmp/list
check "h: no sorry server while quorum holds" [ -z "$(grep '198.51.100.69:80' /tmp/list)" ]
check "h: the inhibited server listed at weight 1" grep -q '198.51.100.62:80 *Masq *1' /tmp/list
touch /tmp/down-60 /tmp/down-62
say "h: 60 and 62 failing from $(uptime_s)"
check "h: quorum lost: the sorry server is listed" until_listed '198.51.100.69:80 *Masq *1' yes 10
say "h: sorry server listed at $(uptime_s)"
listed
check "h: the sorry server replaces the live real server" [ -z "$(grep '198.51.100.61:80' /tmp/list)" ]
check "h: the failed real server is gone" [ -z "$(grep '198.51.100.60:80' /tmp/list)" ]
check "h: inhibit_on_failure keeps the failed server at weight 0" until_listed '198.51.100.62:80 *Masq *0' yes 10
check "h: the log says quorum was lost" wait_for h 'lost quorum' 1 5
rm -f /tmp/down-60 /tmp/down-62
say "h: 60 and 62 healthy from $(uptime_s)"
check "h: quorum back: the sorry server is gone" until_listed '198.51.100.69:80' no 10
say "h: sorry server removed at $(uptime_s)"
listed
check "h: both real servers listed again" [ "$(grep -c '198.51.100.6[01]:80 *Masq *1' /tmp/list)" = 2 ]
check "h: the inhibited server back at weight 1" until_listed '198.51.100.62:80 *Masq *1' yes 10
check "h: the log says quorum was gained" wait_for h 'gained quorum' 1 5
stop h

say "scenario i: HUP adding a wrr service whose module was never loaded"
unload
check "i: premise: ip_vs_wrr not loaded" [ ! -e /sys/module/ip_vs_wrr ]
cp /etc/keepalived/rr-only.conf $conf
start i
check "i: the rr service programmed" wait_for i 'TCP 192.0.2.10:80: programmed' 1 30
check "i: ip_vs_wrr still not loaded" [ ! -e /sys/module/ip_vs_wrr ]
reload_from=$(wc -l < /tmp/i.log)
cp /tmp/full.conf $conf
kill -HUP $hf_pid
check "i: HUP programs the wrr service" wait_for i 'TCP 192.0.2.11:80: programmed' 1 20
tail -n +$((reload_from + 1)) /tmp/i.log > /tmp/i-reload.log
check "i: holdfast loaded ip_vs_wrr" [ "$(cat /sys/module/ip_vs_wrr/initstate 2>/dev/null)" = live ]
check "i: the HUP logged no 'not loaded'" [ -z "$(grep 'not loaded' /tmp/i-reload.log)" ]
check "i: the HUP logged no error or warning" [ -z "$(grep -E 'holdfast: (error|warning):' /tmp/i-reload.log)" ]
listed
check "i: ipvsadm lists wrr" grep -q 'TCP  192.0.2.11:80 wrr' /tmp/list
check "i: ipvsadm still lists rr" grep -q 'TCP  192.0.2.10:80 rr' /tmp/list
stop i
say "CHECKS DONE"
poweroff -f
INIT

vm_initramfs "$work/initrd" "$work/init" \
    "$musl/holdfast:bin/holdfast" \
    "$musl/ipvs-probe:bin/ipvs-probe" \
    "$work/etc/keepalived.conf:etc/keepalived/keepalived.conf" \
    "$work/rr-only.conf:etc/keepalived/rr-only.conf" \
    "$work/check.conf:etc/keepalived/check.conf" \
    "$work/check2.conf:etc/keepalived/check2.conf" \
    "$work/notify.sh:bin/notify.sh" \
    "$work/quorum.conf:etc/keepalived/quorum.conf" \
    "$work/rs-check.sh:bin/rs-check.sh" \
    "$work/stage/ipvsadm:bin/ipvsadm" \
    "$xzroot/lib/modules:lib/modules.xz" \
    "${extra[@]}"
ls -la "$work/initrd"
start=$SECONDS
rc=0
vm_boot "$work/initrd" "$work/log" 240 || rc=$?
echo "boot took $((SECONDS - start)) s (qemu status $rc)"
grep -E "^(VM|CHECK|  ipvsadm)" "$work/log" || true

# Guest checks.
guest_ok=$(grep -c '^CHECK ok:' "$work/log" || true)
guest_fail=$(grep -c '^CHECK FAIL:' "$work/log" || true)
passed=$((passed + guest_ok))
failed=$((failed + guest_fail))
check "the guest ran every scenario" grep -q '^VM CHECKS DONE' "$work/log"

# Time from each daemon start to all its services programmed, from holdfast's own stamps
# ("[   12.345] holdfast: ...", CLOCK_MONOTONIC).
stamps() { # SCENARIO: "START LAST_PROGRAMMED" in seconds
    awk -v s="$1" '
        function stamp() { match($0, /\[ *[0-9]+\.[0-9]+\]/); return substr($0, RSTART + 1, RLENGTH - 2) + 0 }
        $1 == "HF" && $2 == s && /holdfast: starting holdfast/ { t0 = stamp() }
        # The first "programmed" of each service: a later one (after a HUP) is not the start.
        $1 == "HF" && $2 == s && /: programmed$/ {
            k = $0; sub(/.*virtual server /, "", k)
            if (!(k in seen)) { seen[k] = 1; t1 = stamp() }
        }
        END { print t0, t1 }' "$work/log"
}
for s in a b c d e; do
    read -r t0 t1 < <(stamps "$s")
    if [ -n "${t1:-}" ]; then
        awk -v s="$s" -v a="$t0" -v b="$t1" 'BEGIN { printf "scenario %s: start to all services programmed: %.3f s\n", s, b - a }'
    else
        echo "scenario $s: no programmed line"
    fi
done
listen=$(sed -n 's/^VM g: listener on 8082 started at \([0-9.]*\)$/\1/p' "$work/log")
relisted=$(sed -n 's/^VM g: 198.51.100.51:8082 listed again at \([0-9.]*\)$/\1/p' "$work/log")
if [ -n "$listen" ] && [ -n "$relisted" ]; then
    awk -v a="$listen" -v b="$relisted" 'BEGIN { printf "scenario g: listener started to real server listed: %.3f s (delay_loop 1 s)\n", b - a }'
fi
h_at() { sed -n "s/^VM h: $1 \([0-9.]*\)\$/\1/p" "$work/log"; }
h_fail=$(h_at '60 and 62 failing from') h_sorry=$(h_at 'sorry server listed at')
h_ok=$(h_at '60 and 62 healthy from') h_gone=$(h_at 'sorry server removed at')
if [ -n "$h_fail" ] && [ -n "$h_sorry" ] && [ -n "$h_ok" ] && [ -n "$h_gone" ]; then
    awk -v a="$h_fail" -v b="$h_sorry" -v c="$h_ok" -v d="$h_gone" 'BEGIN { printf "scenario h: check failing to sorry server listed: %.3f s; healthy to sorry server gone: %.3f s (delay_loop 1 s)\n", b - a, d - c }'
fi
back=$(sed -n 's/^VM tree back at \([0-9.]*\)$/\1/p' "$work/log")
read -r _ last_d < <(stamps d)
if [ -n "$back" ] && [ -n "${last_d:-}" ]; then
    echo "scenario d: tree back at $back s, all programmed at $last_d s"
    check "d: programmed within 2 s after the tree appeared" \
        awk -v a="$back" -v b="$last_d" 'BEGIN { exit !(b - a <= 2.0 && b >= a) }'
else
    check "d: tree and programmed times found" false
fi
if [ "$failed" -gt 0 ] || [ "$guest_ok" -eq 0 ]; then
    grep -E "^HF " "$work/log" | tail -n 80
elif [ -n "${SHOW_LOG:-}" ]; then
    # The demo: holdfast's own log in scenario a, keepalived 2.3.1's failing condition.
    echo "holdfast's log in scenario a (no modprobe, no kernel autoload):"
    grep -E "^HF a " "$work/log" | sed 's/^HF a /  /' | head -n 40
fi
echo "vm-cold-boot: $passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$guest_ok" -gt 0 ]
