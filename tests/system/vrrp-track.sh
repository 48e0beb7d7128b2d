#!/usr/bin/env bash
# vrrp-track.sh — vrrp_script tracking against a real keepalived 2.2.7 on one segment (network
# namespaces around a Linux bridge, capture on the bridge), VRRPv3 at advert_int 0.1.
#
# The tracking router (priority 150) has a `vrrp_script` (`user nobody`) with `weight -50` that
# fails while a file the test controls exists (and when not run as nobody); the other router has priority 120. Both role assignments run:
# holdfast tracking with a keepalived peer, and keepalived tracking with a holdfast peer. From
# the capture (tshark; times from pcap time stamps, not polling):
#   - the script fails: the tracker's adverts carry priority 100, the peer's adverts start
#     within its Master_Down_Interval (+ margin) of the tracker's last priority-150 advert
#     (a preempting backup discards lower-priority adverts, so its timer runs from that one),
#     and the tracker's adverts stop (at most one in flight after the peer's first);
#   - the script fails: the first priority-100 advert within one script interval + one advert
#     interval (+ margin) of the test creating the file (same clock as the capture);
#   - the script recovers: the tracker, Backup at 150 again, discards the peer's 120 and
#     preempts within one script interval + its own Master_Down_Interval (+ margin) of the test
#     removing the file, and the peer stops (at most one advert in flight);
#   - holdfast logs the priority change; a HUP while the script fails (adding an unrelated
#     instance) keeps the tracked instance and its lowered priority: no priority-150 advert for
#     it until the script recovers.
# Then holdfast-only checks: a weight-0 script failing puts holdfast in FAULT (priority-0
# advert, VIP removed) and the keepalived backup takes over within its Skew_Time + 50 ms; and
# track_interface (a dummy link set down and up) and track_file (init_file, the number times
# the weight, -254 is FAULT, a number out of keepalived's range ignored and logged) move
# mastership to the keepalived peer and back; and a vrrp_sync_group of two holdfast instances,
# one tracking a weight-0 script, moves BOTH VRIDs to the keepalived peer (each: priority-0
# advert, the peer within Skew + 50 ms, no holdfast advert in FAULT) and back (priority 150
# within one script interval + MDI + margin), while a weight -50 script there is ignored, as
# keepalived ignores weights in a sync group.
#
# HOLDFAST=path (default target/release/holdfast). Prints "N passed, M failed". Under CI=true a
# missing prerequisite fails.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/system/lib.sh
. "$here/lib.sh"
# shellcheck source=tests/system/vrrp-lab.sh
. "$here/vrrp-lab.sh"
hf_init
HOLDFAST=${HOLDFAST:-$here/../../target/release/holdfast}
[ -x "$HOLDFAST" ] || hf_skip "no holdfast binary at $HOLDFAST (cargo build --release -p holdfast-linux)"
vl_require keepalived awk

T=1 P=2
vl_lab 2
# The check runs as `user nobody` and fails while FAIL_FILE exists or when it runs as anyone
# else (then the tracker starts at 100 and is never elected: the user is checked too). Its
# directory is root's but readable by nobody.
PUB=$(mktemp -d /tmp/hf-track-pub.XXXXXX)
hf_on_exit rm -rf "$PUB"
chmod 0755 "$PUB"
FAIL_FILE=$PUB/chk-fail
CHECK=$PUB/chk.sh
# shellcheck disable=SC2016 # expanded by the check script
printf '#!/bin/sh\n[ "$(id -un)" = nobody ] && [ ! -e %s ]\n' "$FAIL_FILE" >"$CHECK"
chmod 0755 "$CHECK"

# MDI and Skew at advert 0.1 s (VRRPv3): 300 ms + (256 - prio) × 100 / 256, and the Skew alone.
mdi_ms() { awk -v p="$1" 'BEGIN { printf "%d\n", 300 + (256 - p) * 100 / 256 }'; }
skew_ms() { awk -v p="$1" 'BEGIN { printf "%d\n", (256 - p) * 100 / 256 }'; }
MARGIN=100

# tracked_conf FILE WEIGHT — the tracking router's configuration (priority 150).
tracked_conf() {
	local file=$1 weight=$2
	vl_conf "$file.inst" 51 150 3 0.1 "    track_script {
        chk
    }"
	{
		printf 'vrrp_script chk {\n    script "%s"\n    interval 1\n    weight %s\n    user nobody\n}\n' "$CHECK" "$weight"
		cat "$file.inst"
	} >"$file"
}

clear_vips() {
	local n
	for n in $T $P; do
		while vl_has_vip "$n"; do ip -n "${VL_NS[n]}" addr del "$VL_VIP/24" dev eth0 || break; done
	done
}

stop_both() {
	vl_kill $T TERM
	vl_kill $P TERM
	vl_wait_gone $T 5 || vl_kill $T KILL
	vl_wait_gone $P 5 || vl_kill $P KILL
	vl_capture_stop
	clear_vips
	rm -f "$FAIL_FILE"
	VL_PID=()
}

# first_after FILTER EPOCH — the first advert matching FILTER after EPOCH ("epoch src prio ...").
first_after() {
	vl_adverts "$1" | awk -v t="$2" '$1 > t { print; exit }'
}

# ms_between A B — (B - A) in whole ms.
ms_between() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.0f\n", (b - a) * 1000 }'; }

# wait_holder N SECS — waits until router N holds the VIP and the other does not.
wait_holder() {
	local n=$1 other i
	other=$((n == T ? P : T))
	for ((i = 0; i < $2 * 20; i++)); do
		vl_has_vip "$n" && ! vl_has_vip "$other" && return 0
		sleep 0.05
	done
	return 1
}

# scenario TRACKER_KIND PEER_KIND
scenario() {
	local tk=$1 pk=$2 tag t_ip p_ip
	tag="$tk tracks (150, weight -50), $pk peer (120)"
	t_ip="${VL_IP[T]} && vrrp.virt_rtr_id == 51" p_ip=${VL_IP[P]}
	echo "--- $tag"
	tracked_conf "$VL_DIR/t.conf" -50
	vl_conf "$VL_DIR/p.conf" 51 120 3 0.1
	rm -f "$FAIL_FILE"
	clear_vips
	vl_capture_start
	vl_start "$tk" $T "$VL_DIR/t.conf"
	vl_start "$pk" $P "$VL_DIR/p.conf"
	if ! wait_holder $T 10; then
		hf_fail "$tag: the tracker is elected" "(VIPs $(vl_vip_count $T)/$(vl_vip_count $P) after 10 s)"
		tail -n 5 "${VL_LOG[T]}" "${VL_LOG[P]}"
		stop_both
		return
	fi
	sleep 2

	# The script fails.
	local fail_at back_at
	fail_at=$(date +%s.%N)
	touch "$FAIL_FILE"
	if ! wait_holder $P 10; then
		hf_fail "$tag: the peer takes over when the script fails" "(VIPs $(vl_vip_count $T)/$(vl_vip_count $P) after 10 s)"
		tail -n 5 "${VL_LOG[T]}" "${VL_LOG[P]}"
		stop_both
		return
	fi
	sleep 1
	local hup_at=
	if [ "$tk" = holdfast ]; then
		cat >>"$VL_DIR/t.conf" <<EOF
vrrp_instance VI_2 {
    interface eth0
    virtual_router_id 52
    priority 150
    advert_int 0.1
    virtual_ipaddress {
        192.0.2.101/24
    }
}
EOF
		hup_at=$(date +%s.%N)
		vl_kill $T HUP
		sleep 1.5
	fi
	# The script recovers.
	back_at=$(date +%s.%N)
	rm -f "$FAIL_FILE"
	wait_holder $T 10
	sleep 1
	vl_capture_stop

	local first100 last150 pfirst after takeover back_ms back150 plast_after
	first100=$(first_after "ip.src == $t_ip && vrrp.prio == 100" 0 | cut -d' ' -f1)
	last150=$(vl_adverts "ip.src == $t_ip && vrrp.prio == 150" | awk -v t="${first100:-0}" '$1 < t { e = $1 } END { print e }')
	pfirst=$(first_after "ip.src == $p_ip" "${last150:-0}" | cut -d' ' -f1)
	if [ -z "$first100" ] || [ -z "$last150" ] || [ -z "$pfirst" ]; then
		hf_fail "$tag: failure seen in the capture" "(first priority-100 advert '${first100}', last 150 before it '${last150}', peer's first '${pfirst}')"
		stop_both
		return
	fi
	takeover=$(ms_between "$last150" "$pfirst")
	# The tracker's adverts after the peer's first one, before the recovery (priority 150 again).
	back150=$(first_after "ip.src == $t_ip && vrrp.prio == 150" "$pfirst" | cut -d' ' -f1)
	after=$(vl_adverts "ip.src == $t_ip" | awk -v a="$pfirst" -v b="${back150:-9e99}" '$1 > a && $1 < b' | wc -l)
	local bound seen_ms seen_bound
	bound=$(($(mdi_ms 120) + MARGIN))
	seen_ms=$(ms_between "$fail_at" "$first100")
	seen_bound=$((1000 + 100 + MARGIN))
	if [ "$takeover" -le "$bound" ] && [ "$takeover" -ge "$(($(mdi_ms 120) - 100))" ] &&
		[ "$after" -le 1 ] && [ "$seen_ms" -le "$seen_bound" ]; then
		hf_pass "$tag: script fails: priority 100 adverts, the peer takes over" "(first priority-100 advert ${seen_ms} ms after the file appeared, bound ${seen_bound} ms; peer's first advert ${takeover} ms after the tracker's last 150, bound ${bound} ms; ${after} tracker advert(s) after it)"
	else
		hf_fail "$tag: script fails: priority 100 adverts, the peer takes over" "(priority 100 after ${seen_ms} ms, bound ${seen_bound} ms; takeover ${takeover} ms, bound ${bound} ms; ${after} tracker adverts after the peer's first)"
	fi

	# Recovery: the tracker's first priority-150 advert after the takeover.
	if [ -z "$back150" ]; then
		hf_fail "$tag: script recovers: the tracker preempts back" "(no priority-150 advert after the takeover)"
	else
		local back_bound
		back_ms=$(ms_between "$back_at" "$back150")
		back_bound=$((1000 + $(mdi_ms 150) + MARGIN))
		plast_after=$(vl_adverts "ip.src == $p_ip" | awk -v t="$back150" '$1 > t' | wc -l)
		if [ "$back_ms" -le "$back_bound" ] && [ "$plast_after" -le 1 ] && vl_has_vip $T && ! vl_has_vip $P; then
			hf_pass "$tag: script recovers: the tracker preempts back" "(first priority-150 advert ${back_ms} ms after the file went, bound ${back_bound} ms; ${plast_after} peer advert(s) after it)"
		else
			hf_fail "$tag: script recovers: the tracker preempts back" "(${back_ms} ms after the file went, bound ${back_bound} ms; ${plast_after} peer adverts after, VIPs $(vl_vip_count $T)/$(vl_vip_count $P))"
		fi
	fi
	if [ -n "$hup_at" ]; then
		local early
		early=$(vl_adverts "ip.src == $t_ip && vrrp.prio == 150" | awk -v a="$hup_at" -v b="$back_at" '$1 > a && $1 < b' | wc -l)
		if [ "$early" = 0 ] && grep -q "1 instance(s) kept, 0 restarted, 1 added" "${VL_LOG[T]}"; then
			hf_pass "$tag: HUP while failing keeps the instance at priority 100" "(no priority-150 advert until the recovery)"
		else
			hf_fail "$tag: HUP while failing keeps the instance at priority 100" "($early priority-150 adverts before the recovery)"
			grep -E "reload|priority" "${VL_LOG[T]}" | tail -n 4
		fi
	fi
	if [ "$tk" = holdfast ]; then
		if grep -q "(VI_1) Changing effective priority from 150 to 100" "${VL_LOG[T]}" &&
			grep -q "(VI_1) Changing effective priority from 100 to 150" "${VL_LOG[T]}"; then
			hf_pass "$tag: holdfast logs the priority changes"
		else
			hf_fail "$tag: holdfast logs the priority changes"
			grep -E "priority|track|Entering" "${VL_LOG[T]}" | tail -n 5
		fi
	fi
	stop_both
}

scenario holdfast keepalived
scenario keepalived holdfast

# --- weight 0: holdfast goes to FAULT, the keepalived backup takes over within Skew_Time.
tag="holdfast weight-0 script fails"
echo "--- $tag"
tracked_conf "$VL_DIR/t.conf" 0
vl_conf "$VL_DIR/p.conf" 51 120 3 0.1
rm -f "$FAIL_FILE"
clear_vips
vl_start holdfast $T "$VL_DIR/t.conf"
vl_start keepalived $P "$VL_DIR/p.conf"
if wait_holder $T 10; then
	sleep 1
	vl_capture_start
	touch "$FAIL_FILE"
	wait_holder $P 10
	sleep 0.3
	vl_capture_stop
	zero=$(first_after "ip.src == ${VL_IP[T]} && vrrp.prio == 0" 0 | cut -d' ' -f1)
	pfirst=$(first_after "ip.src == ${VL_IP[P]}" "${zero:-9e99}" | cut -d' ' -f1)
	bound=$(($(skew_ms 120) + 50))
	if [ -n "$zero" ] && [ -n "$pfirst" ] && [ "$(ms_between "$zero" "$pfirst")" -le "$bound" ] &&
		grep -q "(VI_1) Entering FAULT STATE" "${VL_LOG[T]}" && ! vl_has_vip $T; then
		hf_pass "$tag: FAULT, priority-0 advert, the peer within Skew + 50 ms" "($(ms_between "$zero" "$pfirst") ms, bound $bound ms)"
	else
		hf_fail "$tag: FAULT, priority-0 advert, the peer within Skew + 50 ms" "(priority-0 advert at '${zero}', peer's first after it '${pfirst}', VIPs $(vl_vip_count $T)/$(vl_vip_count $P))"
		grep -E "FAULT|Entering" "${VL_LOG[T]}" | tail -n 3
	fi
	rm -f "$FAIL_FILE"
	if wait_holder $T 10; then
		hf_pass "$tag: recovers and preempts back"
	else
		hf_fail "$tag: recovers and preempts back" "(VIPs $(vl_vip_count $T)/$(vl_vip_count $P))"
	fi
else
	hf_fail "$tag: holdfast is elected" "(VIPs $(vl_vip_count $T)/$(vl_vip_count $P))"
	tail -n 5 "${VL_LOG[T]}"
fi
stop_both

# --- track_interface and track_file in the daemon: holdfast (150) tracks a dummy eth1 with
# weight -40 and a file with weight -2 (created by init_file 0), keepalived peer (120).
tag="holdfast track_interface / track_file"
echo "--- $tag"
hf_netns_add_links "${VL_NS[T]}" eth1
PRIO_FILE=$PUB/prio
vl_conf "$VL_DIR/t.inst" 51 150 3 0.1 "    track_interface {
        eth1 weight -40
    }
    track_file {
        prio
    }"
{
	printf 'track_file prio {\n    file "%s"\n    weight -2\n    init_file 0\n}\n' "$PRIO_FILE"
	cat "$VL_DIR/t.inst"
} >"$VL_DIR/t.conf"
vl_conf "$VL_DIR/p.conf" 51 120 3 0.1
rm -f "$PRIO_FILE"
clear_vips
vl_start holdfast $T "$VL_DIR/t.conf"
vl_start keepalived $P "$VL_DIR/p.conf"
# step NAME ACTION HOLDER PRIORITY_LINE — runs ACTION, then expects HOLDER to hold the VIP within
# 5 s and holdfast's log to gain PRIORITY_LINE meanwhile (empty: no check).
step() {
	local name=$1 action=$2 holder=$3 line=$4 before
	before=$(wc -l <"${VL_LOG[T]}")
	eval "$action"
	if wait_holder "$holder" 5 &&
		{ [ -z "$line" ] || tail -n "+$((before + 1))" "${VL_LOG[T]}" | grep -qF "$line"; }; then
		hf_pass "$tag: $name"
	else
		hf_fail "$tag: $name" "(VIPs $(vl_vip_count $T)/$(vl_vip_count $P))"
		grep -E "priority|FAULT|Entering|error" "${VL_LOG[T]}" | tail -n 4
	fi
}
if wait_holder $T 10 && [ "$(cat "$PRIO_FILE" 2>/dev/null)" = 0 ]; then
	hf_pass "$tag: init_file created the file with 0; holdfast elected"
	step "eth1 down: 110, the peer takes over" "ip -n ${VL_NS[T]} link set eth1 down" $P "from 150 to 110"
	step "eth1 up: 150, holdfast preempts" "ip -n ${VL_NS[T]} link set eth1 up" $T "from 110 to 150"
	step "file 25 × -2: 100, the peer takes over" "echo 25 > $PRIO_FILE" $P "from 150 to 100"
	step "file 0: 150, holdfast preempts" "echo 0 > $PRIO_FILE" $T "from 100 to 150"
	step "file 127 × -2 = -254: FAULT" "echo 127 > $PRIO_FILE" $P "(VI_1) Entering FAULT STATE"
	step "file 0x0: out of FAULT, holdfast preempts" "echo 0x0 > $PRIO_FILE" $T ""
	# keepalived ignores a number outside i32::MIN..=i32::MAX + 1 and keeps the last value (0):
	# no FAULT from 4294967296 × -2, one log line.
	before=$(wc -l <"${VL_LOG[T]}")
	echo 4294967296 >"$PRIO_FILE"
	sleep 2
	if vl_has_vip $T && ! vl_has_vip $P &&
		tail -n "+$((before + 1))" "${VL_LOG[T]}" | grep -qF "Invalid number 4294967296 read from $PRIO_FILE - ignoring" &&
		! tail -n "+$((before + 1))" "${VL_LOG[T]}" | grep -qE "FAULT|Changing effective priority"; then
		hf_pass "$tag: file 4294967296: ignored and logged, holdfast stays master"
	else
		hf_fail "$tag: file 4294967296: ignored and logged, holdfast stays master" "(VIPs $(vl_vip_count $T)/$(vl_vip_count $P))"
		tail -n "+$((before + 1))" "${VL_LOG[T]}" | tail -n 4
	fi
else
	hf_fail "$tag: init_file created the file with 0; holdfast elected" "(file '$(cat "$PRIO_FILE" 2>/dev/null)', VIPs $(vl_vip_count $T)/$(vl_vip_count $P))"
	tail -n 5 "${VL_LOG[T]}"
fi
stop_both

# --- a sync group follows its tracking member: holdfast (150) runs VI_1 (VRID 51) and VI_2
# (VRID 52, 192.0.2.101) in vrrp_sync_group G; only VI_1 tracks the script. The keepalived peer
# (120) runs both instances, not grouped, so VI_2 moves only if holdfast's group takes it along.
VIP2=192.0.2.101
has_vip2() { ip -n "${VL_NS[$1]}" -4 addr show dev eth0 2>/dev/null | grep -q " $VIP2/24 "; }
# wait_both N SECS — waits until router N holds both VIPs and the other neither.
wait_both() {
	local n=$1 other i
	other=$((n == T ? P : T))
	for ((i = 0; i < $2 * 20; i++)); do
		vl_has_vip "$n" && has_vip2 "$n" && ! vl_has_vip "$other" && ! has_vip2 "$other" && return 0
		sleep 0.05
	done
	return 1
}
vips() { echo "VIPs T $(vl_has_vip $T && echo 1)/$(has_vip2 $T && echo 2), P $(vl_has_vip $P && echo 1)/$(has_vip2 $P && echo 2)"; }
# second_instance PRIO — VI_2 on eth0, VRID 52.
second_instance() {
	printf 'vrrp_instance VI_2 {\n    state BACKUP\n    interface eth0\n    virtual_router_id 52\n    priority %s\n    advert_int 0.1\n    virtual_ipaddress {\n        %s/24\n    }\n}\n' "$1" "$VIP2"
}

# sync_group 0 — the group goes to FAULT: per VRID, holdfast's priority-0 advert within one
# script interval + margin of the failure, the peer within Skew + 50 ms, no holdfast advert in
# FAULT, and priority 150 again within one script interval + MDI + margin of the recovery, the
# peer then silent. sync_group -50 — keepalived ignores a weighted track_script in a sync group
# (without sync_group_tracking_weight, which holdfast refuses): holdfast logs keepalived's
# warning and, the script failing, keeps both VRIDs at priority 150 and both VIPs.
sync_group() {
	local weight=$1 tag fail_at back_at vrid t_ip p_ip zero pfirst back150 during zero_ms take_ms
	local back_ms plast_after zero_bound take_bound back_bound
	tag="holdfast sync group, weight $weight script in one member"
	echo "--- $tag"
	tracked_conf "$VL_DIR/t.conf" "$weight"
	{
		second_instance 150
		printf 'vrrp_sync_group G {\n    group {\n        VI_1\n        VI_2\n    }\n}\n'
	} >>"$VL_DIR/t.conf"
	vl_conf "$VL_DIR/p.conf" 51 120 3 0.1
	second_instance 120 >>"$VL_DIR/p.conf"
	rm -f "$FAIL_FILE"
	clear_vips
	vl_start holdfast $T "$VL_DIR/t.conf"
	vl_start keepalived $P "$VL_DIR/p.conf"
	if ! wait_both $T 10; then
		hf_fail "$tag: holdfast is elected for both instances" "($(vips))"
		tail -n 5 "${VL_LOG[T]}" "${VL_LOG[P]}"
		stop_both
		return
	fi
	sleep 1
	vl_capture_start
	fail_at=$(date +%s.%N)
	touch "$FAIL_FILE"
	if [ "$weight" != 0 ]; then
		sleep 2.5
		vl_capture_stop
		local lowered peer
		lowered=$(vl_adverts "ip.src == ${VL_IP[T]} && vrrp.prio != 150" | wc -l)
		peer=$(vl_adverts "ip.src == ${VL_IP[P]}" | wc -l)
		if grep -qF "(VI_1) ignoring tracked script chk with weights due to SYNC group" "${VL_LOG[T]}" &&
			[ "$lowered" = 0 ] && [ "$peer" = 0 ] && wait_both $T 1; then
			hf_pass "$tag: ignored as keepalived ignores it, holdfast keeps both" "(2.5 s after the failure: no advert below 150, none from the peer)"
		else
			hf_fail "$tag: ignored as keepalived ignores it, holdfast keeps both" "($lowered holdfast adverts below 150, $peer from the peer, $(vips))"
			grep -E "ignoring|Entering" "${VL_LOG[T]}" | tail -n 4
		fi
		stop_both
		return
	fi
	wait_both $P 10
	sleep 2
	back_at=$(date +%s.%N)
	rm -f "$FAIL_FILE"
	wait_both $T 10
	sleep 0.5
	vl_capture_stop
	t_ip=${VL_IP[T]} p_ip=${VL_IP[P]}
	back_bound=$((1000 + $(mdi_ms 150) + MARGIN))
	for vrid in 51 52; do
		zero=$(first_after "ip.src == $t_ip && vrrp.virt_rtr_id == $vrid && vrrp.prio == 0" 0 | cut -d' ' -f1)
		pfirst=$(first_after "ip.src == $p_ip && vrrp.virt_rtr_id == $vrid" "${zero:-9e99}" | cut -d' ' -f1)
		back150=$(first_after "ip.src == $t_ip && vrrp.virt_rtr_id == $vrid && vrrp.prio == 150" "$back_at" | cut -d' ' -f1)
		if [ -z "$zero" ] || [ -z "$pfirst" ] || [ -z "$back150" ]; then
			hf_fail "$tag: VRID $vrid moves to the peer and back" "(priority-0 advert '${zero}', peer's first '${pfirst}', holdfast's first 150 after the recovery '${back150}')"
			continue
		fi
		zero_ms=$(ms_between "$fail_at" "$zero")
		take_ms=$(ms_between "$zero" "$pfirst")
		# In FAULT holdfast sends nothing after its priority-0 advert(s).
		during=$(vl_adverts "ip.src == $t_ip && vrrp.virt_rtr_id == $vrid && vrrp.prio != 0" | awk -v a="$zero" -v b="$back_at" '$1 > a && $1 < b' | wc -l)
		zero_bound=$((1000 + MARGIN)) take_bound=$(($(skew_ms 120) + 50))
		if [ "$zero_ms" -le "$zero_bound" ] && [ "$take_ms" -le "$take_bound" ] && [ "$during" = 0 ]; then
			hf_pass "$tag: VRID $vrid: FAULT with the group, the peer takes over" "(priority-0 advert ${zero_ms} ms after the file appeared, bound ${zero_bound} ms; peer ${take_ms} ms after it, bound ${take_bound} ms)"
		else
			hf_fail "$tag: VRID $vrid: FAULT with the group, the peer takes over" "(priority 0 after ${zero_ms} ms, bound ${zero_bound}; peer after ${take_ms} ms, bound ${take_bound}; ${during} holdfast adverts in FAULT)"
		fi
		back_ms=$(ms_between "$back_at" "$back150")
		plast_after=$(vl_adverts "ip.src == $p_ip && vrrp.virt_rtr_id == $vrid" | awk -v t="$back150" '$1 > t' | wc -l)
		if [ "$back_ms" -le "$back_bound" ] && [ "$plast_after" -le 1 ]; then
			hf_pass "$tag: VRID $vrid: the group recovers and preempts back" "(first priority-150 advert ${back_ms} ms after the file went, bound ${back_bound} ms; ${plast_after} peer advert(s) after it)"
		else
			hf_fail "$tag: VRID $vrid: the group recovers and preempts back" "(${back_ms} ms after the file went, bound ${back_bound} ms; ${plast_after} peer adverts after it)"
		fi
	done
	if grep -qF "(VI_2) Entering FAULT STATE" "${VL_LOG[T]}" && wait_both $T 1; then
		hf_pass "$tag: holdfast logs VI_2 in FAULT and holds both VIPs again"
	else
		hf_fail "$tag: holdfast logs VI_2 in FAULT and holds both VIPs again" "($(vips))"
		grep -E "FAULT|Entering|sync" "${VL_LOG[T]}" | tail -n 6
	fi
	stop_both
}
# The -50 case returns early: VI_2's VIP is removed once, after both cases.
clear_vip2() {
	local n
	for n in $T $P; do
		while has_vip2 "$n"; do ip -n "${VL_NS[n]}" addr del "$VIP2/24" dev eth0 || break; done
	done
}

sync_group 0
clear_vip2
sync_group -50
clear_vip2

hf_summary
