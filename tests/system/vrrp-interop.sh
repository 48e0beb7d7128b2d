#!/usr/bin/env bash
# vrrp-interop.sh — holdfast and a real keepalived 2.2.7 on one segment (network namespaces
# around a Linux bridge, capture on the bridge). Four scenarios: holdfast master + keepalived
# backup and the reverse, each with VRRPv2 (advert_int 1) and VRRPv3 (advert_int 0.1).
#
# Each scenario checks, from the capture and `ip addr`:
#   - steady state: exactly one VIP holder; the backup sends no advert over 5 s;
#   - every advert holdfast sends decodes in tshark with a Good checksum (vrrp.checksum.status 1);
#   - HUP on a holdfast master, with an unchanged configuration and with one that adds an
#     instance: VI_1's VIP kept, no gratuitous ARP for it, no advert from the backup;
#   - TERM of the master: its priority-0 advert, its VIP removed, the backup's first advert
#     within Skew_Time + 50 ms of it;
#   - the master restarted preempts back;
#   - SIGKILL of the master's process group: the backup's first advert within
#     Master_Down_Interval + margin of the master's last advert. The backup's timer restarts at
#     that last advert, so the takeover is MDI plus the backup's reaction (keepalived: 1-5 ms,
#     FIELD-NOTES §4) plus the time stamps' spread on a loaded 2-core machine: margin 60 ms at
#     0.1 s, 100 ms at 1 s;
#   - a holdfast restarted after its SIGKILL removes the VIP the crash left: never two holders
#     once it runs, never the VIP twice on one interface.
# Then, holdfast master and keepalived backup at VRRPv3 0.1 s: link down on the master (FAULT,
# VIP removed, back on link up), nopreempt, unicast, bad packets from a third router (bad
# checksum, TTL 64, VRRPv2, short, wrong VRID, version 4, garbage: counted in the USR1 and
# SIGRTMIN+2 JSON dumps, dropped, the VIP stays, no gap in the master's adverts), the JSON dump's
# instance states, IPv6, and a HUP that removes every instance (stops VRRP like TERM) and one
# that restores it.
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

M=1 B=2
# Router 3 only emits bad packets.
vl_lab 3

# ms_of ADVERT_SECONDS FACTOR_NUM FACTOR_DEN — ADVERT × NUM / DEN in whole ms.
ms_of() { awk -v a="$1" -v n="$2" -v d="$3" 'BEGIN { printf "%d\n", a * 1000 * n / d }'; }

clear_vips() {
	local n
	for n in $M $B; do
		while vl_has_vip "$n"; do ip -n "${VL_NS[n]}" addr del "$VL_VIP/24" dev eth0 || break; done
	done
}

# holdfast_adverts_good TAG — every advert holdfast sent in the current capture has a Good
# checksum; a capture without holdfast adverts checks nothing (not counted).
holdfast_adverts_good() {
	local tag=$1 ip=$2 total bad
	total=$(vl_adverts "ip.src == $ip" | wc -l)
	bad=$(vl_adverts "ip.src == $ip" | awk '$5 != 1' | wc -l)
	[ "$total" -gt 0 ] || return 0
	if [ "$bad" -eq 0 ]; then
		hf_pass "$tag: holdfast adverts decode with a Good checksum" "($total adverts)"
	else
		hf_fail "$tag: holdfast adverts decode with a Good checksum" "($bad of $total not Good)"
	fi
}

# hup_check NAME LOG_LINE ADVERT — HUPs the holdfast master: its log says LOG_LINE, VI_1's VIP
# never goes, no gratuitous ARP for it, no advert from the backup.
hup_check() {
	local name=$1 want=$2 advert=$3 removed_before removed_after garps backup_adverts lost=0
	removed_before=$(grep -c "(VI_1) removed" "${VL_LOG[M]}")
	# Address changes from the kernel, not polls of `ip addr` (a dump that races a change can
	# come back partial).
	ip -n "${VL_NS[M]}" monitor address >"$VL_DIR/addr-monitor" 2>&1 &
	local monitor=$!
	vl_capture_start
	vl_kill $M HUP
	sleep "$(awk -v a="$advert" 'BEGIN { print (a < 1 ? 2 : 3 * a) }')"
	vl_capture_stop
	kill "$monitor" 2>/dev/null
	wait "$monitor" 2>/dev/null
	grep -q "^Deleted.* $VL_VIP/24 " "$VL_DIR/addr-monitor" && lost=1
	vl_has_vip $M || vl_has_vip $M || lost=2
	removed_after=$(grep -c "(VI_1) removed" "${VL_LOG[M]}")
	garps=$(timeout 30 tshark -r "$VL_PCAP" -Y "arp.src.proto_ipv4 == $VL_VIP" 2>/dev/null | wc -l)
	backup_adverts=$(vl_adverts "ip.src == ${VL_IP[B]}" | wc -l)
	if [ "$lost" = 0 ] && [ "$removed_after" = "$removed_before" ] && [ "$garps" = 0 ] &&
		[ "$backup_adverts" = 0 ] && grep -q "$want" "${VL_LOG[M]}"; then
		hf_pass "$name changes nothing for VI_1" "(VIP kept, 0 GARP, 0 backup adverts; log: $want)"
	else
		hf_fail "$name changes nothing for VI_1" "(VIP lost $lost, removals $removed_before->$removed_after, $garps GARP, $backup_adverts backup adverts)"
		grep -E "reload|unchanged|Entering" "${VL_LOG[M]}" | tail -n 3
		grep "$VL_VIP" "$VL_DIR/addr-monitor"
	fi
}

# scenario MASTER_KIND BACKUP_KIND VERSION ADVERT
scenario() {
	local mk=$1 bk=$2 version=$3 advert=$4 tag hf_ip
	tag="v$version/$advert $mk master, $bk backup"
	local mdi skew margin
	# Backup priority 100: Skew = 156/256 adv, MDI = 3 adv + Skew.
	skew=$(ms_of "$advert" 156 256)
	mdi=$(ms_of "$advert" $((3 * 256 + 156)) 256)
	margin=100
	[ "$advert" = 0.1 ] && margin=60
	echo "--- $tag (MDI $mdi ms, Skew $skew ms)"
	if [ "$mk" = holdfast ]; then hf_ip=${VL_IP[M]}; else hf_ip=${VL_IP[B]}; fi
	vl_conf "$VL_DIR/m.conf" 51 150 "$version" "$advert"
	vl_conf "$VL_DIR/b.conf" 51 100 "$version" "$advert"
	clear_vips

	vl_capture_start
	vl_start "$mk" $M "$VL_DIR/m.conf"
	vl_start "$bk" $B "$VL_DIR/b.conf"
	if ! vl_wait_vip $M 10; then
		hf_fail "$tag: master elected" "(no VIP on the priority-150 router within 10 s)"
		tail -n 5 "${VL_LOG[M]}" "${VL_LOG[B]}"
		vl_kill $M KILL
		vl_kill $B KILL
		vl_capture_stop
		return
	fi
	# Steady state: let the backup's state settle, then watch 5 s.
	sleep 1
	vl_capture_stop
	vl_capture_start
	sleep 5
	vl_capture_stop
	local backup_adverts master_adverts
	backup_adverts=$(vl_adverts "ip.src == ${VL_IP[B]}" | wc -l)
	master_adverts=$(vl_adverts "ip.src == ${VL_IP[M]}" | wc -l)
	if [ "$backup_adverts" -eq 0 ] && [ "$master_adverts" -gt 0 ] && vl_alive $M && vl_alive $B &&
		[ "$(vl_vip_count $M)" = 1 ] && [ "$(vl_vip_count $B)" = 0 ]; then
		hf_pass "$tag: one master in steady state" "($master_adverts master adverts, none from the backup, in 5 s)"
	else
		hf_fail "$tag: one master in steady state" "(master $master_adverts adverts, backup $backup_adverts, VIPs $(vl_vip_count $M)/$(vl_vip_count $B))"
	fi
	holdfast_adverts_good "$tag" "$hf_ip"

	if [ "$mk" = holdfast ]; then
		hup_check "$tag: HUP with the same configuration" "configuration unchanged" "$advert"
		# A changed configuration that keeps VI_1 as it is: the actor reloads and keeps it.
		cat >>"$VL_DIR/m.conf" <<EOF
vrrp_instance VI_2 {
    interface eth0
    virtual_router_id 52
    priority 150
    advert_int $advert
    virtual_ipaddress {
        192.0.2.101/24
    }
}
EOF
		hup_check "$tag: HUP adding an instance" "1 instance(s) kept, 0 restarted, 1 added" "$advert"
		vl_conf "$VL_DIR/m.conf" 51 150 "$version" "$advert"
	fi

	# TERM: priority-0 advert, VIP removed, the backup within Skew + 50 ms.
	vl_capture_start
	vl_kill $M TERM
	vl_wait_gone $M 5
	vl_wait_vip $B 5
	sleep 0.3
	vl_capture_stop
	local t zero
	zero=$(vl_adverts "ip.src == ${VL_IP[M]} && vrrp.prio == 0" | wc -l)
	t=$(vl_takeover_after_zero_ms "${VL_IP[M]}" "${VL_IP[B]}")
	if [ "$zero" -ge 1 ] && [ -n "$t" ] && [ "$t" -le $((skew + 50)) ] && ! vl_has_vip $M && vl_has_vip $B; then
		hf_pass "$tag: TERM hands over within Skew + 50 ms" "(${t} ms, bound $((skew + 50)) ms)"
	else
		hf_fail "$tag: TERM hands over within Skew + 50 ms" "(${t:-no} ms, bound $((skew + 50)) ms, priority-0 adverts $zero, VIPs $(vl_vip_count $M)/$(vl_vip_count $B))"
	fi
	holdfast_adverts_good "$tag (TERM)" "$hf_ip"

	# Restart the master: it preempts.
	vl_start "$mk" $M "$VL_DIR/m.conf"
	local back=0
	for ((i = 0; i < 200; i++)); do
		if vl_has_vip $M && ! vl_has_vip $B; then back=1 && break; fi
		sleep 0.05
	done
	if [ "$back" = 1 ]; then
		hf_pass "$tag: the restarted master preempts"
	else
		hf_fail "$tag: the restarted master preempts" "(VIPs $(vl_vip_count $M)/$(vl_vip_count $B))"
	fi
	sleep "$advert"

	# SIGKILL at a random phase of the advert interval, after at least one advert was captured.
	vl_capture_start
	sleep "$(awk -v a="$advert" -v r="$RANDOM" 'BEGIN { printf "%.3f\n", a + a * r / 32768 }')"
	vl_kill $M KILL
	vl_wait_gone $M 5
	vl_wait_vip $B 10
	sleep 0.3
	vl_capture_stop
	t=$(vl_takeover_ms "${VL_IP[M]}" "${VL_IP[B]}")
	if [ -n "$t" ] && [ "$t" -le $((mdi + margin)) ] && vl_has_vip $B; then
		hf_pass "$tag: SIGKILL: backup takes over within MDI + ${margin} ms" "(${t} ms, bound $((mdi + margin)) ms)"
	else
		hf_fail "$tag: SIGKILL: backup takes over within MDI + ${margin} ms" "(${t:-no} ms, bound $((mdi + margin)) ms)"
	fi
	holdfast_adverts_good "$tag (SIGKILL)" "$hf_ip"

	if [ "$mk" = holdfast ]; then
		# The crashed holdfast left its VIP; restarted, it must remove it before anything else.
		vl_start holdfast $M "$VL_DIR/m.conf"
		local dup=0 both=0 max
		for ((i = 0; i < 100; i++)); do
			max=$(($(vl_vip_count $M) > $(vl_vip_count $B) ? $(vl_vip_count $M) : $(vl_vip_count $B)))
			[ "$max" -gt 1 ] && dup=1
			if [ "$i" -ge 4 ] && vl_has_vip $M && vl_has_vip $B; then both=$((both + 1)); fi
			sleep 0.05
		done
		vl_wait_vip $M 10
		# Preempting, the backup drops it on the master's first advert: allow that one moment.
		if [ "$dup" = 0 ] && [ "$both" -le 1 ] && grep -q "stale VIP" "${VL_LOG[M]}"; then
			hf_pass "$tag: a restart after SIGKILL removes the stale VIP" "(no duplicate)"
		else
			hf_fail "$tag: a restart after SIGKILL removes the stale VIP" "(duplicate on one interface $dup, two holders for $both polls)"
		fi
	fi
	vl_kill $M TERM
	vl_kill $B TERM
	vl_wait_gone $M 5 || vl_kill $M KILL
	vl_wait_gone $B 5 || vl_kill $B KILL
	clear_vips
	VL_PID=()
}

scenario holdfast keepalived 3 0.1
scenario keepalived holdfast 3 0.1
scenario holdfast keepalived 2 1
scenario keepalived holdfast 2 1

# --- Extras, holdfast master (priority 150) and keepalived backup (100), VRRPv3 at 0.1 s.

# pair EXTRA_MASTER EXTRA_BACKUP — starts both with the extra instance lines; 0 once the holdfast
# master holds the VIP.
pair() {
	vl_conf "$VL_DIR/m.conf" 51 150 3 0.1 "$1"
	vl_conf "$VL_DIR/b.conf" 51 100 3 0.1 "$2"
	clear_vips
	vl_start holdfast $M "$VL_DIR/m.conf"
	vl_start keepalived $B "$VL_DIR/b.conf"
	vl_wait_vip $M 5
}

unpair() {
	vl_kill $M TERM
	vl_kill $B TERM
	vl_wait_gone $M 5 || vl_kill $M KILL
	vl_wait_gone $B 5 || vl_kill $B KILL
	clear_vips
	VL_PID=()
}

extra_link_down() {
	local tag="v3/0.1 link down on the holdfast master"
	if ! pair "" ""; then
		hf_fail "$tag" "(no master)"
		unpair
		return
	fi
	sleep 0.5
	ip -n "${VL_NS[M]}" link set eth0 down
	if vl_wait_vip $B 2 && grep -q "(VI_1) Entering FAULT STATE" "${VL_LOG[M]}" &&
		sleep 0.2 && ! vl_has_vip $M; then
		hf_pass "$tag: FAULT, VIP removed, keepalived takes over"
	else
		hf_fail "$tag: FAULT, VIP removed, keepalived takes over" "(VIPs $(vl_vip_count $M)/$(vl_vip_count $B))"
		grep -E "Entering|link" "${VL_LOG[M]}" | tail -n 3
	fi
	ip -n "${VL_NS[M]}" link set eth0 up
	local i back=0
	for ((i = 0; i < 60; i++)); do
		if vl_has_vip $M && ! vl_has_vip $B; then back=1 && break; fi
		sleep 0.05
	done
	if [ "$back" = 1 ]; then
		hf_pass "$tag: link up again, holdfast preempts back"
	else
		hf_fail "$tag: link up again, holdfast preempts back" "(VIPs $(vl_vip_count $M)/$(vl_vip_count $B) after 3 s)"
	fi
	unpair
}

extra_nopreempt() {
	local tag="v3/0.1 nopreempt"
	vl_conf "$VL_DIR/m.conf" 51 150 3 0.1 "    nopreempt"
	vl_conf "$VL_DIR/b.conf" 51 100 3 0.1 ""
	clear_vips
	vl_start keepalived $B "$VL_DIR/b.conf"
	if ! vl_wait_vip $B 5; then
		hf_fail "$tag" "(keepalived alone did not become master)"
		unpair
		return
	fi
	vl_capture_start
	vl_start holdfast $M "$VL_DIR/m.conf"
	sleep 2
	vl_capture_stop
	local sent
	sent=$(vl_adverts "ip.src == ${VL_IP[M]}" | wc -l)
	if vl_has_vip $B && ! vl_has_vip $M && [ "$sent" = 0 ]; then
		hf_pass "$tag: a higher-priority holdfast with nopreempt stays backup" "(0 adverts in 2 s)"
	else
		hf_fail "$tag: a higher-priority holdfast with nopreempt stays backup" "($sent adverts, VIPs $(vl_vip_count $M)/$(vl_vip_count $B))"
	fi
	unpair
}

extra_unicast() {
	local tag="v3/0.1 unicast"
	local um="    unicast_src_ip ${VL_IP[M]}
    unicast_peer {
        ${VL_IP[B]}
    }"
	local ub="    unicast_src_ip ${VL_IP[B]}
    unicast_peer {
        ${VL_IP[M]}
    }"
	vl_capture_start
	if ! pair "$um" "$ub"; then
		hf_fail "$tag" "(no master)"
		vl_capture_stop
		unpair
		return
	fi
	sleep 1.5
	vl_kill $M KILL
	vl_wait_gone $M 5
	vl_wait_vip $B 5
	sleep 0.3
	vl_capture_stop
	local to_peer multicast t
	to_peer=$(vl_adverts "ip.src == ${VL_IP[M]} && ip.dst == ${VL_IP[B]}" | wc -l)
	multicast=$(vl_adverts "ip.dst == 224.0.0.18" | wc -l)
	t=$(vl_takeover_ms "${VL_IP[M]}" "${VL_IP[B]}")
	if [ "$to_peer" -gt 0 ] && [ "$multicast" = 0 ] && [ -n "$t" ] && [ "$t" -le 420 ]; then
		hf_pass "$tag: adverts to the peer only; keepalived takes over a crash" "($to_peer unicast adverts, takeover $t ms)"
	else
		hf_fail "$tag: adverts to the peer only; keepalived takes over a crash" "($to_peer to the peer, $multicast multicast, takeover ${t:-no} ms)"
	fi
	holdfast_adverts_good "$tag" "${VL_IP[M]}"
	unpair
}

# Bad packets from a third router, 20 of each, while holdfast is master: VRRPv3 adverts for
# VRID 51 at priority 254 (each would win if accepted) with a bad checksum, with TTL 64, and as
# VRRPv2; a 4-byte packet; a valid advert for VRID 52 (no such instance); version 4; 40 bytes
# of garbage. The holdfast master counts each kind (USR1 dump and SIGRTMIN+2 JSON dump), drops
# them, keeps the VIP, and its adverts go on with no gap beyond the interval (+50 ms).
extra_bad_packets() {
	local tag="v3/0.1 bad packets on the segment"
	hf_require_cmd python3
	if ! pair "" ""; then
		hf_fail "$tag" "(no master)"
		unpair
		return
	fi
	sleep 0.5
	vl_capture_start
	ip netns exec "${VL_NS[3]}" timeout 10 python3 - "${VL_IP[3]}" <<'EOF'
import socket, struct, sys, time
src = sys.argv[1]
dst = "224.0.0.18"

def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF

def advert(version, good, vrid=51, first=None):
    vip = socket.inet_aton("192.0.2.100")
    if version == 3:
        body = struct.pack("!BBBBH", 0x31, vrid, 254, 1, 10) + b"\0\0" + vip
        pseudo = socket.inet_aton(src) + socket.inet_aton(dst) + struct.pack("!BBH", 0, 112, len(body))
        c = csum(pseudo + body)
    else:
        body = struct.pack("!BBBBBB", 0x21, vrid, 254, 1, 0, 1) + b"\0\0" + vip + b"\0" * 8
        c = csum(body)
    if not good:
        c ^= 0x5555
    packet = body[:6] + struct.pack("!H", c) + body[8:]
    if first is not None:
        packet = bytes([first]) + packet[1:]
    return packet

s = socket.socket(socket.AF_INET, socket.SOCK_RAW, 112)
s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton(src))
s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_LOOP, 0)
kinds = (
    (255, advert(3, False)),              # bad checksum
    (64, advert(3, True)),                # TTL 64
    (255, advert(2, True)),               # VRRPv2 to a v3 instance
    (255, advert(3, True)[:4]),           # short
    (255, advert(3, True, vrid=52)),      # no instance for VRID 52
    (255, advert(3, True, first=0x41)),   # version 4
    (255, bytes((i * 37 + 11) % 256 for i in range(40))),  # garbage (version 0)
)
for ttl, packet in kinds:
    s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, ttl)
    for _ in range(20):
        s.sendto(packet, (dst, 0))
        time.sleep(0.002)
EOF
	sleep 1
	vl_capture_stop
	vl_kill $M USR1
	vl_kill $M RTMIN+2
	sleep 0.3
	local sent backup dump json gap
	sent=$(timeout 30 tshark -r "$VL_PCAP" -Y "ip.src == ${VL_IP[3]} && ip.proto == 112" 2>/dev/null | wc -l)
	backup=$(vl_adverts "ip.src == ${VL_IP[B]}" | wc -l)
	gap=$(vl_adverts "ip.src == ${VL_IP[M]}" | awk '{ if (last != "" && $1 - last > g) g = $1 - last; last = $1 } END { printf "%.0f\n", g * 1000 }')
	dump=$(grep "received packets" /tmp/keepalived.data 2>/dev/null | tr '\n' ';')
	json=$(python3 -c '
import json, sys
d = json.load(open("/tmp/holdfast.json"))
r = d["counters"]["received"]
print(" ".join("%s=%d" % (k, r[k]) for k in ("bad_checksum", "bad_ttl", "version_mismatch", "truncated", "unknown_vrid", "bad_version")))
' 2>&1)
	if [ "$sent" = 140 ] && [ "$backup" = 0 ] && vl_has_vip $M && ! vl_has_vip $B &&
		grep -q "bad checksum: 20" <<<"$dump" && grep -q "TTL/hop limit not 255: 20" <<<"$dump" &&
		grep -q "other VRRP version than configured: 20" <<<"$dump" && grep -q "truncated: 20" <<<"$dump" &&
		grep -q "no instance for this VRID: 20" <<<"$dump" && grep -q "unsupported VRRP version: 40" <<<"$dump"; then
		hf_pass "$tag: counted in the USR1 dump, dropped, the master keeps the VIP" "($dump)"
	else
		hf_fail "$tag: counted in the USR1 dump, dropped, the master keeps the VIP" "(emitted $sent, backup adverts $backup, VIPs $(vl_vip_count $M)/$(vl_vip_count $B), dump: $dump)"
	fi
	if [ "$json" = "bad_checksum=20 bad_ttl=20 version_mismatch=20 truncated=20 unknown_vrid=20 bad_version=40" ]; then
		hf_pass "$tag: counted in the SIGRTMIN+2 JSON dump" "($json)"
	else
		hf_fail "$tag: counted in the SIGRTMIN+2 JSON dump" "($json)"
	fi
	if [ -n "$gap" ] && [ "$gap" -le 150 ]; then
		hf_pass "$tag: the master's adverts go on" "(longest gap $gap ms)"
	else
		hf_fail "$tag: the master's adverts go on" "(longest gap ${gap:-none} ms)"
	fi
	unpair
}

# The SIGRTMIN+2 JSON dump (keepalived's --json signal): valid JSON whose instance states match
# the routers' roles, holdfast master and holdfast backup.
extra_json_dump() {
	local tag="v3/0.1 SIGRTMIN+2 JSON dump"
	vl_conf "$VL_DIR/m.conf" 51 150 3 0.1
	vl_conf "$VL_DIR/b.conf" 51 100 3 0.1
	clear_vips
	vl_start holdfast $M "$VL_DIR/m.conf"
	vl_start holdfast $B "$VL_DIR/b.conf"
	if ! vl_wait_vip $M 5; then
		hf_fail "$tag" "(no master)"
		unpair
		return
	fi
	sleep 0.5
	local n states=
	for n in $M $B; do
		rm -f /tmp/keepalived.json /tmp/holdfast.json
		vl_kill "$n" RTMIN+2
		sleep 0.3
		if python3 -m json.tool /tmp/keepalived.json >/dev/null 2>&1; then
			states="$states $(python3 -c '
import json
d = json.load(open("/tmp/keepalived.json"))
assert isinstance(d, list), "keepalived writes a bare array"
i = d[0]
print("%s:%s:%d:%d:%d" % (i["data"]["iname"], i["data"]["state_name"], i["data"]["state"], i["data"]["effective_priority"], i["data"]["vrid"]))
')"
		else
			states="$states invalid-json"
		fi
	done
	if [ "$states" = " VI_1:MASTER:2:150:51 VI_1:BACKUP:1:100:51" ] && vl_alive $M && vl_alive $B; then
		hf_pass "$tag: valid JSON, master and backup states" "($states)"
	else
		hf_fail "$tag: valid JSON, master and backup states" "($states)"
	fi
	unpair
}

# IPv6 (VRRPv3 only): adverts from the link-local address to ff02::12, VIP 2001:db8::100/64.
extra_ipv6() {
	local tag="v3/0.1 IPv6" n conf prio vip6=2001:db8::100/64
	for n in $M $B; do
		prio=150
		[ "$n" = $B ] && prio=100
		conf=$VL_DIR/v6-$n.conf
		cat >"$conf" <<EOF
global_defs {
    vrrp_version 3
}
vrrp_instance VI_6 {
    state BACKUP
    interface eth0
    virtual_router_id 61
    priority $prio
    advert_int 0.1
    virtual_ipaddress {
        $vip6
    }
}
EOF
	done
	has6() { ip -n "${VL_NS[$1]}" -6 addr show dev eth0 | grep -q " $vip6 "; }
	local ll_m ll_b
	ll_m=$(ip -n "${VL_NS[M]}" -6 addr show dev eth0 scope link | awk '/inet6/ { sub("/.*", "", $2); print $2; exit }')
	ll_b=$(ip -n "${VL_NS[B]}" -6 addr show dev eth0 scope link | awk '/inet6/ { sub("/.*", "", $2); print $2; exit }')
	vl_capture_start
	vl_start holdfast $M "$VL_DIR/v6-$M.conf"
	vl_start keepalived $B "$VL_DIR/v6-$B.conf"
	local i up=0
	for ((i = 0; i < 100; i++)); do
		has6 $M && up=1 && break
		sleep 0.05
	done
	# Long enough for keepalived's IPv6 socket to be up on a loaded CI machine: the takeover
	# itself is timed from the capture, so waiting longer here costs nothing in accuracy.
	sleep 4
	vl_kill $M KILL
	vl_wait_gone $M 5
	for ((i = 0; i < 200; i++)); do
		has6 $B && break
		sleep 0.05
	done
	sleep 0.3
	vl_capture_stop
	local adverts steady_backup bad t
	adverts=$(timeout 30 tshark -r "$VL_PCAP" -Y "vrrp && ipv6.src == $ll_m && ipv6.dst == ff02::12" -T fields \
		-e frame.time_epoch -e vrrp.checksum.status 2>/dev/null)
	bad=$(awk '$2 != 1' <<<"$adverts" | grep -c .)
	# The backup's adverts before the master's last one (steady state): none.
	t=$(timeout 30 tshark -r "$VL_PCAP" -Y "vrrp" -T fields -e frame.time_epoch -e ipv6.src -e vrrp.prio 2>/dev/null |
		awk -v old="$ll_m" -v new="$ll_b" '
			$2 == old && $3 != 0 { last = $1; if (seen) early++; next }
			$2 == new { seen = 1; if (last != "" && first == "") first = $1 }
			END { if (early) print "early"; else if (first != "") printf "%.0f\n", (first - last) * 1000 }')
	steady_backup=0
	[ "$t" = early ] && steady_backup=1
	if [ "$up" = 1 ] && [ -n "$adverts" ] && [ "$bad" = 0 ] && [ "$steady_backup" = 0 ] &&
		[ -n "$t" ] && [ "$t" -le 420 ] && has6 $B; then
		hf_pass "$tag: holdfast master from $ll_m, Good checksums, keepalived takes over a crash" "($(grep -c . <<<"$adverts") adverts, takeover $t ms)"
	else
		hf_fail "$tag: holdfast master from $ll_m, Good checksums, keepalived takes over a crash" "(master up $up, $bad not Good, takeover ${t:-no})"
		grep -E "Entering|fail" "${VL_LOG[M]}" | tail -n 3
	fi
	vl_kill $B TERM
	vl_wait_gone $B 5 || vl_kill $B KILL
	ip -n "${VL_NS[M]}" addr del "$vip6" dev eth0 2>/dev/null
	ip -n "${VL_NS[B]}" addr del "$vip6" dev eth0 2>/dev/null
	VL_PID=()
}

# A reload that removes every instance stops VRRP as TERM does (priority 0, VIP removed); one
# that brings the instance back starts it again.
extra_reload_all() {
	local tag="v3/0.1 HUP removing every instance, then restoring it"
	if ! pair "" ""; then
		hf_fail "$tag" "(no master)"
		unpair
		return
	fi
	cp "$VL_DIR/m.conf" "$VL_DIR/m.keep"
	echo "# no instance" >"$VL_DIR/m.conf"
	vl_capture_start
	vl_kill $M HUP
	vl_wait_vip $B 2
	sleep 0.2
	vl_capture_stop
	local t
	t=$(vl_takeover_after_zero_ms "${VL_IP[M]}" "${VL_IP[B]}")
	if [ -n "$t" ] && [ "$t" -le 110 ] && ! vl_has_vip $M && vl_alive $M; then
		hf_pass "$tag: stops VRRP like TERM, the daemon keeps running" "(keepalived's first advert $t ms after the priority-0 one)"
	else
		hf_fail "$tag: stops VRRP like TERM, the daemon keeps running" "(takeover ${t:-no} ms, VIPs $(vl_vip_count $M)/$(vl_vip_count $B))"
	fi
	cp "$VL_DIR/m.keep" "$VL_DIR/m.conf"
	vl_kill $M HUP
	local i back=0
	for ((i = 0; i < 60; i++)); do
		if vl_has_vip $M && ! vl_has_vip $B; then back=1 && break; fi
		sleep 0.05
	done
	if [ "$back" = 1 ]; then
		hf_pass "$tag: restored, holdfast preempts back"
	else
		hf_fail "$tag: restored, holdfast preempts back" "(VIPs $(vl_vip_count $M)/$(vl_vip_count $B) after 3 s)"
	fi
	unpair
}

extra_link_down
extra_nopreempt
extra_unicast
extra_bad_packets
extra_json_dump
extra_ipv6
extra_reload_all
hf_summary
