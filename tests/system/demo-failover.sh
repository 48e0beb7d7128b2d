#!/usr/bin/env bash
# demo-failover.sh — the README demo's VRRP part: two holdfast routers and one keepalived 2.2.7
# on one segment (network namespaces around a Linux bridge), VRRPv3, advert_int 1, VIP
# 192.0.2.100/24, priorities holdfast-A 150, keepalived 120, holdfast-B 100.
#
# Shows who is master, crashes the master (SIGKILL of its process group), shows who took over and
# the takeover time measured on the bridge capture (last advert of the old master to the first
# advert of the new one, read with tshark), does it again with keepalived as the master, restarts
# holdfast-A (it removes the VIP its crash left behind and takes the master role back), and stops
# everything; the namespaces are removed on exit, Ctrl-C included.
#
# HOLDFAST=path/to/holdfast (default: target/release/holdfast). Under CI=true a missing
# prerequisite fails instead of skipping.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/system/lib.sh
. "$here/lib.sh"
# shellcheck source=tests/system/vrrp-lab.sh
. "$here/vrrp-lab.sh"
hf_init
HOLDFAST=${HOLDFAST:-$here/../../target/release/holdfast}
[ -x "$HOLDFAST" ] || hf_skip "no holdfast binary at $HOLDFAST (cargo build --release -p holdfast-linux)"
vl_require keepalived

A=1 K=2 B=3
name() { case $1 in 1) echo "holdfast-A" ;; 2) echo "keepalived" ;; 3) echo "holdfast-B" ;; *) echo "?" ;; esac; }
show_master() {
	local m out=
	for m in $(vl_master); do
		if vl_alive "$m"; then
			out="$out $(name "$m")(${VL_IP[m]})"
		else
			out="$out [$(name "$m") crashed: stale VIP left on its interface]"
		fi
	done
	echo "VIP $VL_VIP is on:${out:- nobody}"
}
show_log() {
	grep -E "Entering|removed|added" "${VL_LOG[$1]}" | tail -n "${2:-3}" | sed "s/^/  [$(name "$1")] /"
}

vl_lab 3
vl_conf "$VL_DIR/a.conf" 51 150 3 1
vl_conf "$VL_DIR/k.conf" 51 120 3 1
vl_conf "$VL_DIR/b.conf" 51 100 3 1
echo "lab: segment bridge in $VL_SEG; routers ${VL_NS[A]} (holdfast-A ${VL_IP[A]}, prio 150),"
echo "     ${VL_NS[K]} (keepalived ${VL_IP[K]}, prio 120), ${VL_NS[B]} (holdfast-B ${VL_IP[B]}, prio 100)"
echo "     VRRPv3, advert_int 1 s: Master_Down_Interval is 3 s + skew"

vl_capture_start
vl_start holdfast $A "$VL_DIR/a.conf"
vl_start keepalived $K "$VL_DIR/k.conf"
vl_start holdfast $B "$VL_DIR/b.conf"
if ! vl_wait_vip $A 10; then
	echo "holdfast-A did not become master within 10 s"
	for n in $A $K $B; do tail -n 20 "${VL_LOG[n]}"; done
	exit 1
fi
sleep 2
show_master
show_log $A 2

failover() {
	local old=$1 new=$2 ms
	echo
	echo "--- SIGKILL of $(name "$old")'s process group (a crash: no priority-0 advert)"
	# The capture must hold at least one advert of the old master (advert_int 1 s).
	sleep 1.5
	vl_kill "$old" KILL
	vl_wait_gone "$old" 5
	if ! vl_wait_vip "$new" 10; then
		echo "$(name "$new") did not take over within 10 s"
		show_master
		return 1
	fi
	sleep 1.5
	vl_capture_stop
	show_master
	echo "  (a crashed router leaves its VIP on its own interface, as keepalived does; a restarted"
	echo "   daemon removes it)"
	show_log "$new" 2
	ms=$(vl_takeover_ms "${VL_IP[old]}" "${VL_IP[new]}")
	echo "takeover time from the capture (last advert of $(name "$old") -> first advert of $(name "$new")): ${ms:-?} ms"
	vl_capture_start
}

failover $A $K || exit 1
failover $K $B || exit 1

echo
echo "--- restarting holdfast-A (priority 150, preempts)"
vl_start holdfast $A "$VL_DIR/a.conf"
vl_wait_vip $A 10 && sleep 1.5
for _ in 1 2 3 4 5 6 7 8 9 10; do
	[ "$(vl_master)" = "$A" ] && break
	sleep 0.5
done
show_master
grep -E "stale|Entering" "${VL_LOG[A]}" | tail -n 3 | sed "s/^/  [holdfast-A] /"

echo
echo "--- TERM to holdfast-A and holdfast-B (priority-0 advert, VIP removed)"
vl_kill $A TERM
vl_kill $B TERM
vl_wait_gone $A 5
vl_wait_gone $B 5
show_master
tail -n 3 "${VL_LOG[A]}" | sed "s/^/  [holdfast-A] /"
vl_capture_stop
echo "adverts holdfast sent in the last part, by tshark's checksum verdict (1 = Good):"
vl_adverts "ip.src == ${VL_IP[A]} || ip.src == ${VL_IP[B]}" | awk '{ n[$5]++ } END { for (s in n) printf "  checksum status %s: %d adverts\n", s, n[s] }'
echo "demo done; removing the namespaces"
