# shellcheck shell=bash
# vrrp-lab.sh — a VRRP lab in network namespaces for the demo, the interop test and the
# benchmark (sourced after lib.sh, never run).
#
# Owns: the segment (a Linux bridge in its own namespace, multicast snooping off so every
# router hears every advert), routers joined to it by veth pairs (eth0, 192.0.2.N/24), starting
# holdfast or keepalived in a router as its own process group with its own pid files, killing
# that group, the capture on the bridge (tcpdump --immediate-mode, FIELD-NOTES §4) and reading
# adverts back from it with tshark.
#
# Usage:
#   vl_lab 3                              # VL_SEG, VL_NS[1..3], VL_IP[1..3]; removed on exit
#   vl_conf FILE VRID PRIO VERSION ADVERT [EXTRA_INSTANCE_LINES]
#   vl_start holdfast|keepalived N FILE   # VL_PID[N] (= its process group), log in VL_LOG[N]
#   vl_capture_start; ...; vl_capture_stop   # pcap in VL_PCAP
#   vl_adverts [FILTER]                   # "epoch src prio version checksum_status" lines
#   vl_kill N SIGNAL; vl_wait_gone N SECS; vl_has_vip N; vl_wait_vip N SECS
#
# Globals start with VL_, functions with vl_.

VL_VIP=192.0.2.100
VL_DIR=
VL_SEG=
VL_PCAP=
VL_CAPTURE_PID=
declare -a VL_NS VL_IP VL_PID VL_LOG

# vl_require — the commands the lab needs (skip, or fail under CI=true).
vl_require() {
	hf_require_root
	hf_require_cmd ip tcpdump tshark setsid timeout "$@"
}

# vl_lab N — the segment and N routers.
vl_lab() {
	local n=$1 i
	VL_DIR=$(mktemp -d /tmp/hf-vrrp-lab.XXXXXX)
	hf_on_exit rm -rf "$VL_DIR"
	hf_on_exit vl_stop_all
	hf_netns_create seg
	VL_SEG=$HF_NETNS
	ip -n "$VL_SEG" link add br0 type bridge mcast_snooping 0 || hf_skip "cannot create a bridge"
	ip -n "$VL_SEG" link set br0 up
	for ((i = 1; i <= n; i++)); do
		hf_netns_create "r$i"
		VL_NS[i]=$HF_NETNS
		VL_IP[i]=192.0.2.$i
		# No duplicate address detection: IPv6 link-local addresses usable at once, as on a
		# router whose link has been up for a while.
		ip netns exec "${VL_NS[i]}" sysctl -qw net.ipv6.conf.default.accept_dad=0 net.ipv6.conf.all.accept_dad=0
		hf_netns_veth_pair "${VL_NS[i]}" eth0 "$VL_SEG" "p$i" || hf_skip "cannot create veth pairs"
		ip -n "$VL_SEG" link set "p$i" master br0
		ip -n "${VL_NS[i]}" addr add "${VL_IP[i]}/24" dev eth0
	done
	# Let the bridge ports leave the (short) learning states before anything is measured.
	sleep 0.2
}

# vl_conf FILE VRID PRIO VERSION ADVERT [EXTRA] — one instance on eth0 with VL_VIP/24.
vl_conf() {
	local file=$1 vrid=$2 prio=$3 version=$4 advert=$5 extra=${6:-}
	cat >"$file" <<EOF
global_defs {
    vrrp_version $version
    router_id r$vrid-$prio
}
vrrp_instance VI_1 {
    state BACKUP
    interface eth0
    virtual_router_id $vrid
    priority $prio
    advert_int $advert
$extra
    virtual_ipaddress {
        $VL_VIP/24
    }
}
EOF
}

# vl_start KIND N FILE — runs holdfast ($HOLDFAST) or keepalived in router N, in the
# foreground (-n), logging to the console (-l), as a new process group.
vl_start() {
	local kind=$1 n=$2 file=$3 bin
	case $kind in
	holdfast) bin=$HOLDFAST ;;
	keepalived) bin=keepalived ;;
	*) return 1 ;;
	esac
	VL_LOG[n]=$VL_DIR/r$n.log
	# A crash (SIGKILL) leaves pid files; their pid may since name another live process, which
	# both daemons read as "already running". The router's previous daemon is gone by now.
	rm -f "$VL_DIR/r$n.pid" "$VL_DIR/r$n.vrrp.pid" "$VL_DIR/r$n.check.pid"
	ip netns exec "${VL_NS[n]}" setsid "$bin" -n -l -P -f "$file" \
		-p "$VL_DIR/r$n.pid" -r "$VL_DIR/r$n.vrrp.pid" -c "$VL_DIR/r$n.check.pid" \
		>>"${VL_LOG[n]}" 2>&1 &
	VL_PID[n]=$!
	# Not a job of this shell: no "Killed" line when the test kills it.
	disown "${VL_PID[n]}"
}

# vl_kill N SIGNAL — signals router N's process group (SIGKILL there is a crash: keepalived's
# VRRP child dies with its parent).
vl_kill() {
	[ -n "${VL_PID[$1]:-}" ] && kill "-$2" -- "-${VL_PID[$1]}" 2>/dev/null
	return 0
}

# vl_wait_gone N SECS — waits until router N's process has exited.
vl_wait_gone() {
	local n=$1 i
	[ -n "${VL_PID[n]:-}" ] || return 0
	for ((i = 0; i < $2 * 20; i++)); do
		kill -0 "${VL_PID[n]}" 2>/dev/null || return 0
		sleep 0.05
	done
	return 1
}

vl_stop_all() {
	local n
	for n in "${!VL_PID[@]}"; do
		vl_kill "$n" KILL
	done
	vl_capture_stop
}

vl_has_vip() {
	ip -n "${VL_NS[$1]}" -4 addr show dev eth0 2>/dev/null | grep -q " $VL_VIP/24 "
}

# vl_vip_count N — how many times the VIP is on router N's eth0 (a duplicate shows as 2).
vl_vip_count() {
	ip -n "${VL_NS[$1]}" -4 addr show dev eth0 2>/dev/null | grep -c " $VL_VIP/24 "
}

# vl_wait_vip N SECS — waits until router N holds the VIP.
vl_wait_vip() {
	local i
	for ((i = 0; i < $2 * 20; i++)); do
		vl_has_vip "$1" && return 0
		sleep 0.05
	done
	return 1
}

# vl_alive N — whether router N's daemon still runs.
vl_alive() {
	[ -n "${VL_PID[$1]:-}" ] && kill -0 "${VL_PID[$1]}" 2>/dev/null
}

# vl_master — the routers holding the VIP, space separated.
vl_master() {
	local n out=
	for n in "${!VL_NS[@]}"; do
		vl_has_vip "$n" && out="$out $n"
	done
	echo "${out# }"
}

vl_capture_start() {
	VL_PCAP=$VL_DIR/seg-$RANDOM.pcap
	ip netns exec "$VL_SEG" tcpdump --immediate-mode -U -s 256 -i br0 -w "$VL_PCAP" \
		'vrrp or (ip6 and proto 112) or arp' >/dev/null 2>&1 &
	VL_CAPTURE_PID=$!
	# tcpdump has no "ready" signal: wait for the file it creates once the socket is open.
	local i
	for ((i = 0; i < 40; i++)); do
		[ -s "$VL_PCAP" ] && break
		sleep 0.05
	done
	sleep 0.1
}

vl_capture_stop() {
	if [ -n "$VL_CAPTURE_PID" ]; then
		kill -INT "$VL_CAPTURE_PID" 2>/dev/null
		wait "$VL_CAPTURE_PID" 2>/dev/null
		VL_CAPTURE_PID=
	fi
	return 0
}

# vl_adverts FILTER — adverts in the capture matching the display filter (empty: all):
# "epoch src prio version checksum_status".
vl_adverts() {
	local filter=vrrp
	[ -n "$1" ] && filter="vrrp && ($1)"
	timeout 30 tshark -r "$VL_PCAP" -Y "$filter" -T fields -E separator=' ' \
		-e frame.time_epoch -e ip.src -e vrrp.prio -e vrrp.version -e vrrp.checksum.status \
		2>/dev/null
}

# vl_takeover_ms OLD_IP NEW_IP — from the capture: the last advert from OLD_IP with a nonzero
# priority to the first advert from NEW_IP after it, in ms; empty if either is missing.
vl_takeover_ms() {
	vl_adverts "" | awk -v old="$1" -v new="$2" '
		$2 == old && $3 != 0 { last = $1; seen_new = 0; next }
		$2 == new && last != "" && !seen_new { first = $1; seen_new = 1 }
		END { if (last != "" && first != "" && first > last) printf "%.0f\n", (first - last) * 1000 }'
}

# vl_takeover_after_zero_ms OLD_IP NEW_IP — from OLD_IP's priority-0 advert to NEW_IP's first
# advert after it (a graceful stop), in ms.
vl_takeover_after_zero_ms() {
	vl_adverts "" | awk -v old="$1" -v new="$2" '
		$2 == old && $3 == 0 && zero == "" { zero = $1; next }
		$2 == new && zero != "" && first == "" { first = $1 }
		END { if (zero != "" && first != "") printf "%.0f\n", (first - zero) * 1000 }'
}
