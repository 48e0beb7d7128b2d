#!/usr/bin/env bash
# The image-shaped boot test (issues 8 and 9): Debian 12's kernel in QEMU boots an initramfs laid
# out as meta-layer's image would be, with busybox as /sbin/init, and init starts holdfast.
#
# The layout comes from the layer itself, not from a copy of it: the recipe's do_install is run
# with bitbake's variables set (D = the root, S = this checkout, the static musl build as the
# cargo output), its files are split into the holdfast and holdfast-inittab packages by FILES,
# the rc links are made from INITSCRIPT_NAME/INITSCRIPT_PARAMS as update-rc.d makes them, the
# inittab line is appended by running holdfast_inittab.bbclass's rootfs step, and /lib/modules
# holds the modules the recipe recommends (RRECOMMENDS) with their dependencies and depmod's
# indexes. The default configuration the recipe installs is the one holdfast runs.
#
# Two images, each booted once:
#   a  INIT_MANAGER = "sysvinit" shape: /etc/init.d/rcS runs the S links (rcS.d, then rc5.d) and
#      rc5.d/S30holdfast starts holdfast through /etc/init.d/holdfast; holdfast logs to syslog
#      (busybox syslogd, read with logread). Then status, reload (HUP, same pid), restart (new
#      pid) with the console's far end turned into an echoing terminal (stty sane: the console
#      must recognise its own output coming back and go quiet), stop (holdfast's service and VIP
#      removed, a service it did not make kept: no lvs_flush_on_stop in the default
#      configuration) within 3 s although its console has output queued on a line that does not
#      drain (ttyS2 closed, the cable backed up: closing the port used to wait for it), start
#      again.
#   b  INIT_MANAGER = "mdev-busybox" shape: no rc links for holdfast; the respawn line in
#      /etc/inittab starts it, log on the console. SIGKILL -> init respawns it (new pid, IPVS and
#      VIP back); a configuration holdfast refuses -> each respawn is refused and holdfast waits
#      its back-off before exiting, so starts are spaced by at least the back-off it logs;
#      the good configuration back -> running again.
# In both: no modprobe in the image and no kernel autoload (premise proved with the raw
# GETFAMILY probe before holdfast starts); holdfast loads ip_vs and the scheduler itself; the
# default configuration's virtual server is in `ipvsadm -Ln`; its VRRP instance becomes MASTER
# on eth0 (a dummy interface standing in for the machine's NIC) and adds the VIP; and holdfast
# answers on its serial diagnostics console, `--console /dev/ttyS1`, set where an operator sets
# it (DAEMON_ARGS in /etc/default/holdfast for a, the inittab line for b): the VM's ttyS2 is
# joined to ttyS1 by this script (a null-modem cable made of two QEMU sockets), and the checks
# type `status` and `modules` on ttyS2 and read the answers there.
#
# What is not the image: busybox init also stands in for sysvinit's init in (a) (rcS runs the
# rc5.d links the way oe-core's busybox rcS does); /etc/init.d/vm-setup (rcS.d/S01) mounts
# /proc, /sys, /dev, /run and /tmp, brings up lo and eth0 and starts syslogd, as an image's
# initscripts would; the checks run from /usr/lib/holdfast-vm/vm-test, started by rc5.d/S99 (a)
# or an inittab ::once: line (b) after init has started holdfast. They print CHECK lines on
# ttyS0; this script parses them. Prints timings and "N passed, M failed".
#
# The ${...} in single quotes throughout are bitbake references read from the layer, not shell
# expansions.
# shellcheck disable=SC2016
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
cd "$repo"
# shellcheck source=tests/vm/lib.sh
source "$here/lib.sh"
command -v qemu-system-x86_64 >/dev/null || { echo "SKIP: qemu-system-x86_64 missing"; [ "${CI:-}" != true ]; exit; }
command -v ipvsadm >/dev/null || { echo "SKIP: ipvsadm missing (used in the VM for listing only)"; [ "${CI:-}" != true ]; exit; }
vm_kernel
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
musl=target/x86_64-unknown-linux-musl/release
t0=$SECONDS
cargo build --quiet --release --target x86_64-unknown-linux-musl -p holdfast-linux --bin holdfast
cargo build --quiet --release --target x86_64-unknown-linux-musl -p holdfast-tests --bin ipvs-probe
echo "build: $((SECONDS - t0)) s"

recipe_var() { python3 tests/meta/layer_facts.py var "$1"; }
# bitbake's paths for a standard oe-core distro (bitbake.conf).
expand_paths() { sed -e 's|\${sysconfdir}|/etc|g' -e 's|\${sbindir}|/usr/sbin|g' -e 's|\${datadir}|/usr/share|g'; }

# --- What the recipe installs (its do_install, run as bitbake would) --------------------------
recipe=meta-layer/recipes-daemons/holdfast/holdfast_git.bb
install_fn=$(sed -n '/^do_install() {$/,/^}$/p' "$recipe")
[ -n "$install_fn" ] || { echo "FAIL: no do_install() in $recipe"; exit 1; }
# Every bitbake variable it uses must be one set below.
unknown=$(printf '%s\n' "$install_fn" | grep -o '\${[^}]*}' | sort -u |
    grep -v -x -e '${D}' -e '${S}' -e '${B}' -e '${CARGO_TARGET_SUBDIR}' -e '${sbindir}' \
        -e '${sysconfdir}' -e '${datadir}' || true)
[ -z "$unknown" ] || { echo "FAIL: do_install uses variables this test does not set: $unknown"; exit 1; }
D=$work/D
mkdir -p "$D" "$work/B/target/x86_64-unknown-linux-musl/release"
cp "$musl/holdfast" "$work/B/target/x86_64-unknown-linux-musl/release/holdfast"
# bitbake expands its references everywhere in the function text, inside single quotes too.
install_fn=$(printf '%s\n' "$install_fn" | sed -e "s|\${D}|$D|g" -e "s|\${S}|$repo|g" \
    -e "s|\${B}|$work/B|g" -e 's|\${CARGO_TARGET_SUBDIR}|x86_64-unknown-linux-musl/release|g' |
    expand_paths)
(
    set -eu
    eval "$install_fn"
    do_install
)
echo "do_install put in the image:"
(cd "$D" && find . -type f -printf '  %m %p\n' | sort -k2)
# Package split: FILES:${PN}-inittab goes to holdfast-inittab, the rest is holdfast.
inittab_files=$(recipe_var 'FILES:${PN}-inittab' | expand_paths)
mkdir -p "$work/pkg-inittab"
for f in $inittab_files; do
    mkdir -p "$work/pkg-inittab/$(dirname "$f")"
    mv "$D/$f" "$work/pkg-inittab/$f"
done
find "$D" -type d -empty -delete
check "the recipe installs /usr/sbin/holdfast (the static build)" cmp -s "$D/usr/sbin/holdfast" "$musl/holdfast"
check "the recipe installs /etc/init.d/holdfast, executable" test -x "$D/etc/init.d/holdfast"
for f in $(recipe_var 'CONFFILES:${PN}' | expand_paths); do
    check "conffile $f is in the holdfast package" test -f "$D$f"
done
check "the default configuration is mode 0600" [ "$(stat -c %a "$D/etc/keepalived/keepalived.conf")" = 600 ]
check "holdfast-inittab holds the respawn snippet" test -f "$work/pkg-inittab/usr/share/holdfast/inittab-holdfast"

# The kernel modules the recipe recommends, by module name (kernel-module-ip-vs-rr -> ip_vs_rr),
# and dummy for eth0.
VM_MODULES=()
for p in $(recipe_var 'RRECOMMENDS:${PN}'); do
    m=${p#kernel-module-}
    VM_MODULES+=("${m//-/_}")
done
VM_MODULES+=(dummy)
echo "modules (RRECOMMENDS, + dummy for eth0): ${VM_MODULES[*]}"

# --- The common root: busybox without modprobe, modules, holdfast, test tools -----------------
common=$work/common
vm_rootfs_busybox "$common" modprobe
vm_rootfs_modules "$common"
cp -a "$D/." "$common/"
mkdir -p "$common/usr/lib/holdfast-vm" "$common/etc/init.d" "$common/etc/rcS.d" "$common/etc/rc5.d"
cp "$musl/ipvs-probe" "$common/usr/lib/holdfast-vm/ipvs-probe"
# ipvsadm and its libraries, for listing only (after the premise proved modprobe absent).
cp -L /usr/sbin/ipvsadm "$common/usr/lib/holdfast-vm/ipvsadm"
for lib in $(ldd /usr/sbin/ipvsadm | grep -o '/[^ ]*'); do
    mkdir -p "$common/$(dirname "$lib")"
    cp -L "$lib" "$common/$lib"
done
# oe-core busybox-inittab's shape (sysinit rcS, shutdown), without the getty on ttyS0 so the
# serial log carries only the boot and the test.
printf '::sysinit:/etc/init.d/rcS\n::shutdown:/bin/umount -a -r\n' >"$common/etc/inittab"
# oe-core busybox's rcS: every S link of rcS.d, then of rc5.d, with "start".
cat >"$common/etc/init.d/rcS" <<'RCS'
#!/bin/sh
for i in /etc/rcS.d/S??* /etc/rc5.d/S??*; do
	[ -f "$i" ] || continue
	"$i" start
done
RCS
# What an image's initscripts do before holdfast starts, plus the premise of the test.
cat >"$common/etc/init.d/vm-setup" <<'SETUP'
#!/bin/sh
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
mount -t tmpfs run /run
mount -t tmpfs tmp /tmp
# The premise: nothing can load modules for holdfast (no /sbin/modprobe, no autoload helper).
echo /nonexistent/modprobe >/proc/sys/kernel/modprobe
ip link set lo up
insmod "/lib/modules/$(uname -r)/kernel/drivers/net/dummy.ko"
ip link add eth0 type dummy
ip link set eth0 multicast on
ip addr add 192.0.2.1/24 dev eth0
ip link set eth0 up
# The test's end of the null-modem cable to holdfast's console: raw, no echo, for the console
# checks (image a later turns it into an echoing terminal); the settings outlive this open.
stty -F /dev/ttyS2 raw -echo
if [ -e /etc/vm-syslog ]; then
	syslogd -C128
fi
/usr/lib/holdfast-vm/ipvs-probe >/run/premise 2>&1
echo "VM premise: $(cat /run/premise)"
echo "VM setup done at $(cut -d' ' -f1 /proc/uptime)"
SETUP
ln -s ../init.d/vm-setup "$common/etc/rcS.d/S01vm-setup"
chmod 0755 "$common/etc/init.d/rcS" "$common/etc/init.d/vm-setup"
# A configuration holdfast refuses (a vrrp_instance without virtual_router_id), for (b).
printf 'vrrp_instance VI_BAD {\n    interface eth0\n    priority 100\n}\n' >"$common/usr/lib/holdfast-vm/refused.conf"

# The operator's setting for the diagnostics console on the second serial port.
console_flag="--console /dev/ttyS1"

# --- The checks, run inside the VM after init has started holdfast ----------------------------
cat >"$common/usr/lib/holdfast-vm/vm-test" <<'TEST'
#!/bin/sh
# vm-test a|b: the in-VM checks; CHECK ok/FAIL lines on the console, then power off.
v=$1
PATH=/usr/lib/holdfast-vm:/sbin:/usr/sbin:/bin:/usr/bin
conf=/etc/keepalived/keepalived.conf
say() { echo "VM $v: $*"; }
check() { # NAME COMMAND...
	name=$1
	shift
	if "$@"; then echo "CHECK ok: $v: $name"; else echo "CHECK FAIL: $v: $name"; fi
}
# until_ok SECONDS COMMAND...: COMMAND every 0.2 s until it succeeds, at most SECONDS.
until_ok() {
	n=$(($1 * 5))
	shift
	while ! "$@"; do
		n=$((n - 1))
		[ "$n" -gt 0 ] || return 1
		sleep 0.2
	done
}
uptime_s() { cut -d' ' -f1 /proc/uptime; }
listed() { ipvsadm -Ln >/tmp/list 2>&1 && grep -q "$1" /tmp/list; }
not_listed() { ipvsadm -Ln >/tmp/list 2>&1 && ! grep -q "$1" /tmp/list; }
show_list() { ipvsadm -Ln 2>&1 | sed "s/^/  ipvsadm $v: /"; }
vip() { ip -4 addr show dev eth0 | grep -q 'inet 192.0.2.100/24'; }
no_vip() { ! vip; }
live() { [ "$(cat "/sys/module/$1/initstate" 2>/dev/null)" = live ]; }
alive() { [ -n "$1" ] && [ -d "/proc/$1" ] && [ "$(cat "/proc/$1/comm")" = holdfast ]; }
dead() { [ -n "$1" ] && ! alive "$1"; }
same() { [ -n "$1" ] && [ "$1" = "$2" ]; }
differ() { [ -n "$1" ] && [ -n "$2" ] && [ "$1" != "$2" ]; }
# need NAME COMMAND...: a check the rest depends on; on failure the checks end here.
need() {
	name=$1
	shift
	if "$@"; then
		echo "CHECK ok: $v: $name"
	else
		echo "CHECK FAIL: $v: $name"
		say "CHECKS ABORTED at $(uptime_s)"
		poweroff -f
	fi
}
pid_of() { pidof holdfast | cut -d' ' -f1; }
have_pid() { [ -n "$(pid_of)" ]; }
new_pid() { p=$(pid_of) && [ -n "$p" ] && [ "$p" != "$1" ]; }
args_of() { tr '\0' ' ' <"/proc/$1/cmdline"; }
ppid_of() { sed -n 's/^PPid:[[:space:]]*//p' "/proc/$1/status"; }
logged() { logread | grep -q "$1"; }
# ask COMMAND PATTERN: types COMMAND at the far end of holdfast's console (ttyS2, joined to its
# ttyS1 by the host) and waits up to 2 s for an answer matching the extended regex PATTERN.
ask() {
	before=$(wc -c </tmp/console.out)
	printf '%s\n' "$1" >/dev/ttyS2
	n=10
	while ! tail -c +$((before + 1)) /tmp/console.out | tr -d '\r' | grep -Eq "$2"; do
		n=$((n - 1))
		[ "$n" -gt 0 ] || return 1
		sleep 0.2
	done
}
answered() { tr -d '\r' </tmp/console.out | grep -Eq "$1"; }
console_checks() {
	# The reader sets ttyS2 raw first: an echo would type holdfast's own output back at it.
	{
		stty raw -echo
		exec cat
	} </dev/ttyS2 >>/tmp/console.out 2>&1 &
	reader=$!
	sleep 0.5
	: >/tmp/console.out
	check "console: holdfast prompts on ttyS1" until_ok 10 ask 'events off' 'holdfast> '
	check "console: status shows the router and VI_1 MASTER" \
		until_ok 10 ask status 'VRRP     1 instances: 1 MASTER.*'
	check "console: status lists VI_1 as MASTER on eth0" answered '^  VI_1 +MASTER +prio 100 +eth0'
	check "console: status counts the virtual server" answered 'IPVS     1 virtual servers'
	check "console: status names the router" answered 'router holdfast'
	check "console: modules shows ip_vs loaded by holdfast" \
		until_ok 5 ask modules '^  ip_vs +live +loaded by holdfast'
	check "console: modules shows ip_vs_rr loaded by holdfast" answered '^  ip_vs_rr +live +loaded by holdfast'
	check "console: an unknown command gets an error" until_ok 5 ask 'frobnicate' '^error: '
	kill "$reader"
	tr -d '\r' </tmp/console.out | sed "s/^/  console $v: /"
}
# tx_ttyS1: bytes the second serial port (holdfast's console) has sent.
tx_ttyS1() { sed -n 's/^1:.* tx:\([0-9]*\) .*/\1/p' /proc/tty/driver/serial; }
no_file() {
	for f in "$@"; do [ ! -e "$f" ] || return 1; done
}

say "checks start at $(uptime_s)"
check "premise: no IPVS family and no autoload before holdfast (GETFAMILY ENOENT)" \
	grep -q 'errno 2 (ENOENT' /run/premise
check "premise: no modprobe in the image" no_file /sbin/modprobe /usr/sbin/modprobe /bin/modprobe /usr/bin/modprobe

common_checks() { # what both images show once holdfast runs
	check "holdfast loaded ip_vs" until_ok 30 live ip_vs
	check "holdfast loaded ip_vs_rr (the default configuration's lb_algo)" until_ok 10 live ip_vs_rr
	check "the default configuration's virtual server is programmed" until_ok 30 listed 'TCP  192.0.2.100:80 rr'
	show_list
	check "VRRP instance VI_1 became MASTER on eth0: the VIP is there" until_ok 20 vip
	say "programmed and master at $(uptime_s)"
}

if [ "$v" = a ]; then
	pid=$(cat /var/run/holdfast.pid 2>/dev/null)
	need "rc5.d/S30holdfast started holdfast: /var/run/holdfast.pid names it" alive "$pid"
	say "holdfast pid $pid: $(args_of "$pid")"
	check "started as the init script starts it (-n -f the recipe's config path)" \
		[ "$(args_of "$pid")" = "/usr/sbin/holdfast -n -f $conf --console /dev/ttyS1 " ]
	common_checks
	console_checks
	check "its log goes to syslog (logread)" until_ok 5 logged 'holdfast.*starting holdfast'
	logread | grep holdfast | sed "s/^/  syslog $v: /"
	out=$(/etc/init.d/holdfast status)
	check "status: exit 0, running with the pid" [ "$?:$out" = "0:holdfast is running (pid $pid)" ]

	/etc/init.d/holdfast reload
	check "reload exits 0" [ $? = 0 ]
	check "reload sent HUP: holdfast reloads" until_ok 10 logged 'SIGHUP: reloading the configuration'
	check "reload keeps the pid" same "$(cat /var/run/holdfast.pid)" "$pid"
	check "reload: holdfast still runs" alive "$pid"

	# The far end becomes a terminal left in cooked mode: it echoes all it receives, read or not.
	stty -F /dev/ttyS2 sane
	sleep 600 </dev/ttyS2 &
	echoer=$!
	t=$(uptime_s)
	/etc/init.d/holdfast restart
	check "restart exits 0" [ $? = 0 ]
	pid2=$(cat /var/run/holdfast.pid 2>/dev/null)
	took=$(awk -v a="$t" -v b="$(uptime_s)" 'BEGIN { printf "%.1f", b - a }')
	say "restart with an echoing far end took $took s: pid $pid -> $pid2"
	check "restart with an echoing far end: done within 5 s" awk -v t="$took" 'BEGIN { exit !(t < 5) }'
	check "restart: the old holdfast is gone" dead "$pid"
	check "restart: a new holdfast runs" alive "$pid2"
	check "restart: with a new pid" differ "$pid2" "$pid"
	check "restart: the virtual server is programmed" until_ok 30 listed 'TCP  192.0.2.100:80 rr'
	check "restart: the VIP is back" until_ok 20 vip
	# Measured once the new holdfast has settled (programmed, master): before that its own
	# start-up events are real output. A freshly opened console still echoes (the kernel's
	# canonical-mode echo) until its first complete input line shows the far end echoes too, so
	# a prompt may bounce between the two echoes for a while (129-301 bytes seen in a 2 s
	# window); an answered echo loops at megabytes a second and never stops. So: quiet within
	# five 2 s windows.
	sleep 1
	quiet=no
	n=0
	while [ "$n" -lt 5 ]; do
		tx1=$(tx_ttyS1)
		sleep 2
		tx2=$(tx_ttyS1)
		say "ttyS1 sent $((tx2 - tx1)) bytes in 2 s with the echoing far end (window $n, tx $tx1 -> $tx2)"
		if [ $((tx2 - tx1)) -lt 100 ]; then
			quiet=yes
			break
		fi
		n=$((n + 1))
	done
	check "the console does not keep answering its own echoed output: ttyS1 quiet (< 100 bytes in 2 s) within 10 s" \
		[ "$quiet" = yes ]

	ipvsadm -A -t 192.0.2.200:80 -s rr
	check "a service holdfast did not make is added" listed 'TCP  192.0.2.200:80'
	# A line that does not drain: with ttyS2 closed the cable backs up (as XOFF or a dropped
	# CTS would hold a real line), and the reloads' live events queue behind it. Closing the
	# port then waits for that output (closing_wait, 30 s) unless holdfast discards it.
	kill "$echoer"
	n=0
	while [ "$n" -lt 15 ]; do
		kill -HUP "$pid2"
		sleep 0.2
		n=$((n + 1))
	done
	tx1=$(tx_ttyS1)
	sleep 1
	tx2=$(tx_ttyS1)
	check "the line to ttyS2 is backed up before stop (ttyS1 tx stays at $tx1)" [ "$tx1" = "$tx2" ]
	t=$(uptime_s)
	/etc/init.d/holdfast stop
	check "stop exits 0" [ $? = 0 ]
	took=$(awk -v a="$t" -v b="$(uptime_s)" 'BEGIN { printf "%.1f", b - a }')
	say "stop with output queued on a line that does not drain took $took s"
	check "stop: holdfast ended on TERM within 3 s although its console line does not drain (no SIGKILL)" \
		awk -v t="$took" 'BEGIN { exit !(t < 3) }'
	check "stop: holdfast is gone" dead "$pid2"
	check "stop: the pid file is removed" [ ! -e /var/run/holdfast.pid ]
	check "stop: holdfast removed its virtual server" not_listed 'TCP  192.0.2.100:80'
	check "stop: the other service stays (no lvs_flush_on_stop)" listed 'TCP  192.0.2.200:80'
	check "stop: the VIP is removed" no_vip
	show_list
	out=$(/etc/init.d/holdfast status)
	check "status after stop: exit 3, not running" [ "$?:$out" = "3:holdfast is not running" ]

	/etc/init.d/holdfast start
	check "start exits 0" [ $? = 0 ]
	pid3=$(cat /var/run/holdfast.pid 2>/dev/null)
	check "start: holdfast runs again" alive "$pid3"
	check "start: the virtual server is programmed again" until_ok 30 listed 'TCP  192.0.2.100:80 rr'
	check "start: the VIP is back" until_ok 20 vip
else
	need "init started holdfast from /etc/inittab" until_ok 20 have_pid
	pid=$(pid_of)
	say "holdfast pid $pid: $(args_of "$pid")"
	check "its parent is init (pid 1)" [ "$(ppid_of "$pid")" = 1 ]
	check "no init script or rc link started it" [ ! -e /var/run/holdfast.pid ]
	common_checks
	console_checks

	# A crash: init held from respawning (TSTP) while what the dead holdfast left behind is
	# cleared, so the service and VIP seen afterwards are the respawned holdfast's work.
	kill -TSTP 1
	kill -KILL "$pid"
	check "SIGKILL ends holdfast" until_ok 5 dead "$pid"
	ipvsadm -C
	ip addr del 192.0.2.100/24 dev eth0
	check "the table is cleared" not_listed 'TCP  192.0.2.100:80'
	check "the VIP is removed" no_vip
	t=$(uptime_s)
	say "SIGKILL to $pid, state cleared; init resumes at $t"
	kill -CONT 1
	check "init respawns holdfast after SIGKILL" until_ok 10 new_pid "$pid"
	pid2=$(pid_of)
	say "respawned as $pid2 $(awk -v a="$t" -v b="$(uptime_s)" 'BEGIN { printf "%.1f", b - a }') s after init resumed"
	check "the respawned holdfast's parent is init" [ "$(ppid_of "$pid2")" = 1 ]
	check "the respawned holdfast programs the virtual server" until_ok 30 listed 'TCP  192.0.2.100:80 rr'
	check "the respawned holdfast becomes MASTER: the VIP is there" until_ok 20 vip

	cp "$conf" /tmp/good.conf
	cp /usr/lib/holdfast-vm/refused.conf "$conf"
	say "refused configuration in place at $(uptime_s)"
	kill -TERM "$pid2"
	# Every pid seen for 10 s: with the back-off each respawn lives at least its wait.
	pids=
	n=50
	while [ "$n" -gt 0 ]; do
		p=$(pid_of)
		case " $pids " in *" $p "*) ;; *) [ -n "$p" ] && pids="$pids $p" ;; esac
		sleep 0.2
		n=$((n - 1))
	done
	say "pids seen during 10 s with the refused configuration:$pids"
	check "the stopped holdfast is gone" dead "$pid2"
	cp /tmp/good.conf "$conf"
	say "good configuration back at $(uptime_s)"
	check "with the good configuration back a respawn runs it: programmed" until_ok 30 listed 'TCP  192.0.2.100:80 rr'
	check "and the VIP is there" until_ok 20 vip
	pid3=$(pid_of)
	sleep 3
	check "and it stays up (same pid 3 s later)" same "$(pid_of)" "$pid3"
fi
say "CHECKS DONE at $(uptime_s)"
poweroff -f
TEST
chmod 0755 "$common/usr/lib/holdfast-vm/vm-test"

# --- Image a: sysvinit shape ---------------------------------------------------------------
root_a=$work/root-a
cp -a "$common" "$root_a"
touch "$root_a/etc/vm-syslog"
sed -i "s|^DAEMON_ARGS=\"\"\$|DAEMON_ARGS=\"$console_flag\"|" "$root_a/etc/default/holdfast"
check "a: /etc/default/holdfast sets DAEMON_ARGS=\"$console_flag\"" \
    grep -qx "DAEMON_ARGS=\"$console_flag\"" "$root_a/etc/default/holdfast"
# update-rc.d NAME PARAMS, as oe-core's update-rc.d class runs it at rootfs time.
name=$(recipe_var INITSCRIPT_NAME)
params=$(recipe_var INITSCRIPT_PARAMS)
echo "update-rc.d $name $params"
# shellcheck disable=SC2086 # the words of INITSCRIPT_PARAMS
set -- $params
while [ $# -gt 0 ]; do
    action=$1 nn=$2
    shift 2
    case $action in start) kind=S ;; stop) kind=K ;; *) echo "FAIL: INITSCRIPT_PARAMS: $action"; exit 1 ;; esac
    while [ $# -gt 0 ] && [ "$1" != . ]; do
        mkdir -p "$root_a/etc/rc$1.d"
        ln -s "../init.d/$name" "$root_a/etc/rc$1.d/$kind$nn$name"
        shift
    done
    shift
done
check "update-rc.d links: rc5.d/S30holdfast -> ../init.d/holdfast" \
    [ "$(readlink "$root_a/etc/rc5.d/S30holdfast")" = ../init.d/holdfast ]
# rc runs links with "start": the test gets its variant from a wrapper.
printf '#!/bin/sh\nexec /usr/lib/holdfast-vm/vm-test a\n' >"$root_a/etc/init.d/vm-test"
chmod 0755 "$root_a/etc/init.d/vm-test"
ln -s ../init.d/vm-test "$root_a/etc/rc5.d/S99vm-test"

# --- Image b: mdev-busybox shape --------------------------------------------------------------
root_b=$work/root-b
cp -a "$common" "$root_b"
cp -a "$work/pkg-inittab/." "$root_b/"
class=meta-layer/classes-recipe/holdfast_inittab.bbclass
step=$(sed -n '/^holdfast_inittab_respawn() {$/,/^}$/p' "$class")
[ -n "$step" ] || { echo "FAIL: no holdfast_inittab_respawn() in $class"; exit 1; }
step=$(printf '%s\n' "$step" | sed -e "s|\${IMAGE_ROOTFS}|$root_b|g" -e 's|\${datadir}|/usr/share|g' \
    -e 's|\${sysconfdir}|/etc|g' -e 's|\${VIRTUAL-RUNTIME_init_manager}|busybox|g')
if printf '%s\n' "$step" | grep -q '\${'; then
    echo "FAIL: the class step uses bitbake variables this test does not expand"
    exit 1
fi
printf 'bbfatal() { echo "bbfatal: $*" >&2; exit 1; }\n%s\nholdfast_inittab_respawn\n' "$step" >"$work/step.sh"
sh "$work/step.sh"
check "the class appended the holdfast respawn line" \
    grep -qx '::respawn:/usr/sbin/holdfast -n -l -f /etc/keepalived/keepalived.conf' "$root_b/etc/inittab"
sed -i "s|^\(::respawn:/usr/sbin/holdfast .*\)\$|\1 $console_flag|" "$root_b/etc/inittab"
echo '::once:/usr/lib/holdfast-vm/vm-test b' >>"$root_b/etc/inittab"
echo "image b /etc/inittab:"
sed 's/^/  /' "$root_b/etc/inittab"
check "image b has no rc links for holdfast (update-rc.d does nothing under busybox init)" \
    [ -z "$(find "$root_b/etc" -name '[SK][0-9][0-9]holdfast')" ]

vm_rootfs_pack "$root_a" "$work/initrd-a"
vm_rootfs_pack "$root_b" "$work/initrd-b"
ls -la "$work/initrd-a" "$work/initrd-b"

# --- Boot both -----------------------------------------------------------------------------
# relay SOCKET SOCKET LOG: joins two QEMU serial sockets (a null-modem cable) until QEMU closes
# them; what goes each way is written to LOG with the host's time (to read when a check fails).
relay() {
    python3 - "$1" "$2" "$3" <<'PY'
import os, select, socket, sys, time
socks, deadline = [], time.time() + 60
log = open(sys.argv[3], "w")
for path in sys.argv[1:3]:
    while True:
        try:
            s = socket.socket(socket.AF_UNIX)
            s.connect(path)
            socks.append(s)
            break
        except OSError:
            s.close()
            if time.time() > deadline:
                sys.exit(f"relay: {path} never opened")
            time.sleep(0.05)
a, b = socks
while True:
    ready, _, _ = select.select([a, b], [], [], 300)
    if not ready:
        break
    for s in ready:
        try:
            data = s.recv(4096)
            if data:
                log.write(f"{time.monotonic():.3f} {'S1>S2' if s is a else 'S2>S1'} {data!r}\n")
                log.flush()
                (b if s is a else a).sendall(data)
        except (ConnectionResetError, BrokenPipeError):  # QEMU exited with bytes unread
            data = b""
        if not data:
            sys.exit(0)
PY
}
boot() { # VARIANT
    local start=$SECONDS rc=0 s1=$work/ttyS1-$1.sock s2=$work/ttyS2-$1.sock
    relay "$s1" "$s2" "$work/relay-$1.log" &
    vm_boot_image "$work/initrd-$1" "$work/log-$1" 240 \
        -serial "unix:$s1,server=on,wait=off" -serial "unix:$s2,server=on,wait=off" || rc=$?
    wait || true
    echo "image $1: boot and checks took $((SECONDS - start)) s (qemu status $rc)"
    grep -E "^(VM|CHECK|  ipvsadm|  syslog|  console)" "$work/log-$1" || true
    guest_ok=$(grep -c '^CHECK ok:' "$work/log-$1" || true)
    guest_fail=$(grep -c '^CHECK FAIL:' "$work/log-$1" || true)
    passed=$((passed + guest_ok))
    failed=$((failed + guest_fail))
    check "$1: the guest ran every check" grep -q "^VM $1: CHECKS DONE" "$work/log-$1"
    check "$1: the guest reported checks" [ "$guest_ok" -gt 0 ]
}
# VM_IMAGE_VARIANTS="a" boots one image only (while working on it); the serial logs are kept
# in target/vm-image/.
variants=${VM_IMAGE_VARIANTS:-a b}
mkdir -p target/vm-image
for v in $variants; do
    boot "$v"
    cp "$work/log-$v" "target/vm-image/serial-$v.log"
    cp "$work/relay-$v.log" "target/vm-image/relay-$v.log" 2>/dev/null || true
done

# Image b: holdfast's own log is on the console (-l), with CLOCK_MONOTONIC stamps.
case " $variants " in *" b "*) ;; *) echo "vm-image: $passed passed, $failed failed (image b not booted)"; exit $((failed > 0)) ;; esac
check "b: holdfast's log is on the serial console" grep -q 'holdfast: starting holdfast' "$work/log-b"
bad_at=$(sed -n 's/^VM b: refused configuration in place at \([0-9.]*\)$/\1/p' "$work/log-b")
good_at=$(sed -n 's/^VM b: good configuration back at \([0-9.]*\)$/\1/p' "$work/log-b")
backoff=$(sed -n 's/.*configuration refused; exiting with 2 in \([0-9]*\) s.*/\1/p' "$work/log-b" | head -n 1)
if [ -n "$bad_at" ] && [ -n "$good_at" ] && [ -n "$backoff" ]; then
    # Starts of holdfast while the refused configuration was in place, and the gaps between them.
    starts=$(awk -v a="$bad_at" -v b="$good_at" '
        /holdfast: starting holdfast/ {
            match($0, /\[ *[0-9]+\.[0-9]+\]/); t = substr($0, RSTART + 1, RLENGTH - 2) + 0
            if (t > a && t < b) printf "%s ", t
        }' "$work/log-b")
    echo "b: refused configuration from $bad_at s to $good_at s; holdfast starts at: $starts"
    echo "b: holdfast logs a back-off of $backoff s before exiting"
    gaps=$(echo "$starts" | awk '{ for (i = 2; i <= NF; i++) printf "%.3f ", $i - $(i - 1) }')
    echo "b: gaps between respawns: $gaps"
    check "b: at least 3 refused starts (2 gaps) measured" [ "$(echo "$starts" | wc -w)" -ge 3 ]
    check "b: every respawn gap >= the back-off ($backoff s)" \
        awk -v g="$gaps" -v m="$backoff" 'BEGIN { n = split(g, x, " "); for (i = 1; i <= n; i++) if (x[i] < m) exit 1; exit (n == 0) }'
    check "b: every refused start logged the refusal" \
        [ "$(awk -v a="$bad_at" -v b="$good_at" '/configuration refused; exiting/ {
            match($0, /\[ *[0-9]+\.[0-9]+\]/); t = substr($0, RSTART + 1, RLENGTH - 2) + 0
            if (t > a && t < b) n++ } END { print n + 0 }' "$work/log-b")" -ge "$(echo "$starts" | wc -w)" ]
else
    check "b: refused-configuration markers and the back-off line found" false
fi

# Timings from the guests' own clocks.
for v in a b; do
    setup=$(sed -n "s/^VM setup done at \([0-9.]*\)$/\1/p" "$work/log-$v")
    ready=$(sed -n "s/^VM $v: programmed and master at \([0-9.]*\)$/\1/p" "$work/log-$v" | head -n 1)
    [ -n "$setup" ] && [ -n "$ready" ] && awk -v v="$v" -v a="$setup" -v b="$ready" \
        'BEGIN { printf "image %s: rcS done at %.1f s uptime; holdfast programmed and MASTER at %.1f s (%.1f s later)\n", v, a, b, b - a }'
done

if [ "$failed" -gt 0 ]; then
    for v in a b; do
        echo "--- serial log of image $v (last 80 lines)"
        tail -n 80 "$work/log-$v"
    done
fi
echo "vm-image: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
