#!/usr/bin/env bash
# vrrp-failover.sh — holdfast next to keepalived 2.2.7, same machine, same run, same lab (network
# namespaces around a Linux bridge, capture on the bridge with tcpdump --immediate-mode, times
# from pcap timestamps; FIELD-NOTES §4). Each implementation runs against itself (master priority
# 150, backup 100, VRRPv3, advert_int 0.1 unless said).
#
# Prints one table, one column per build: holdfast's static musl release build (what an
# appliance ships), holdfast's glibc release build (when there is one), keepalived:
#   - failover after SIGKILL of the master's process group: last advert of the master to the
#     first advert of the backup, median (min-max) over RUNS runs, kill time jittered over the
#     advert interval;
#   - failover after TERM: the master's priority-0 advert to the backup's first advert, and TERM
#     to the priority-0 advert;
#   - start-up to the first advert (priority 255, the owner: no Master_Down wait), from exec;
#   - RSS and PSS of the whole process group (smaps_rollup), 1 and 100 instances, MEM_SETTLE
#     seconds after every VIP is up (holdfast releases its start-up code's pages 3 s after
#     start, see platform-linux/src/daemon/residency), and with 100 instances once more
#     MEM_LATER seconds after that, to show the figure holds while the daemon runs;
#   - CPU (utime+stime of the process group) over CPU_SECONDS with 100 instances at 0.1 s, master
#     and backup;
#   - no flap with 1,000 instances at 1 s: master and backup of the same build for FLAP_SECONDS;
#     from the capture, every instance's master adverted every interval (no gap over 2 intervals),
#     the backup sent no advert, no priority changed; CPU and PSS of both sides;
#   - binary size and shared libraries (ldd).
#
# HOLDFAST (default: the x86_64 static musl release build, built here as tests/bench/footprint.sh
# builds it), HOLDFAST_GLIBC (default target/release/holdfast if present; "none" leaves the
# column out), RUNS (5), CPU_SECONDS (30), FLAP_SECONDS (60), MEM_SETTLE (5), MEM_LATER (30),
# ONLY (parts to run, out of
# "binary kill term startup memory cpu flap"; default all), KINDS (columns, out of "musl glibc
# keepalived"). Under CI=true a missing prerequisite fails, and so does a flap.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
# shellcheck source=tests/system/lib.sh
. "$here/../system/lib.sh"
# shellcheck source=tests/system/vrrp-lab.sh
. "$here/../system/vrrp-lab.sh"
hf_init
RUNS=${RUNS:-5}
CPU_SECONDS=${CPU_SECONDS:-30}
FLAP_SECONDS=${FLAP_SECONDS:-60}
MEM_SETTLE=${MEM_SETTLE:-5}
MEM_LATER=${MEM_LATER:-30}
ONLY=${ONLY:-binary kill term startup memory cpu flap}
KINDS=${KINDS:-musl glibc keepalived}
vl_require keepalived awk pgrep ldd
if [ -z "${HOLDFAST:-}" ]; then
	(cd "$repo" && cargo build --quiet --release --target x86_64-unknown-linux-musl -p holdfast-linux --bin holdfast) ||
		hf_skip "cannot build the x86_64 musl release binary (rustup target add x86_64-unknown-linux-musl)"
	HOLDFAST=$repo/target/x86_64-unknown-linux-musl/release/holdfast
fi
[ -x "$HOLDFAST" ] || hf_skip "no holdfast binary at $HOLDFAST"
HOLDFAST_GLIBC=${HOLDFAST_GLIBC:-$repo/target/release/holdfast}
declare -A BIN=([musl]=$HOLDFAST [glibc]=$HOLDFAST_GLIBC [keepalived]=$(command -v keepalived))
kinds=()
for k in $KINDS; do
	[ "$k" = glibc ] && ! [ -x "$HOLDFAST_GLIBC" ] && continue
	kinds+=("$k")
done
wants() { [[ " $ONLY " == *" $1 "* ]]; }

M=1 B=2
vl_lab 2

# start KIND N FILE — the build KIND (musl, glibc, keepalived) in router N.
start() {
	case $1 in
	keepalived) vl_start keepalived "$2" "$3" ;;
	*) HOLDFAST=${BIN[$1]} vl_start holdfast "$2" "$3" ;;
	esac
}
declare -A R

now() { date +%s.%N; }

median() { sort -n | awk '{ v[NR] = $1 } END { if (NR == 0) { print "-"; exit } m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; printf "%d ms (%d-%d)\n", m, v[1], v[NR] }'; }

clear_vips() {
	local n
	for n in $M $B; do
		ip -n "${VL_NS[n]}" -4 addr show dev eth0 | awk '/ secondary / { print $2 }' |
			while read -r a; do ip -n "${VL_NS[n]}" addr del "$a" dev eth0; done
	done
}

stop_both() {
	vl_kill $M TERM
	vl_kill $B TERM
	vl_wait_gone $M 5 || vl_kill $M KILL
	vl_wait_gone $B 5 || vl_kill $B KILL
	clear_vips
	VL_PID=()
}

# many FILE PRIO N [ADVERT] — N instances at ADVERT seconds (default 0.1), VRRPv3, 250 per link
# (a VRID is unique per interface): VRID 1..250 on eth0, then on eth1, eth2, ... (see `links`).
# VIP 198.51.100.VRID, /24 on eth0 and /32 on the others (one address may sit on several
# interfaces; the documentation ranges hold fewer than 1,000 addresses).
many() {
	local file=$1 prio=$2 n=$3 advert=${4:-0.1} i dev vrid vip
	printf 'global_defs {\n    vrrp_version 3\n}\n' >"$file"
	for ((i = 1; i <= n; i++)); do
		vrid=$(((i - 1) % 250 + 1))
		dev=eth0 vip=198.51.100.$vrid/24
		if [ "$i" -gt 250 ]; then
			dev=eth$(((i - 1) / 250)) vip=198.51.100.$vrid/32
		fi
		cat >>"$file" <<EOF
vrrp_instance VI_$i {
    state BACKUP
    interface $dev
    virtual_router_id $vrid
    priority $prio
    advert_int $advert
    virtual_ipaddress {
        $vip
    }
}
EOF
	done
}

# links COUNT — segments 1 .. COUNT-1 besides the lab's: bridge brK in the segment namespace,
# and ethK on both routers with the /32 address 203.0.113.(10K + router) that adverts go out from.
# (Separate segments, not VLANs: this kernel has no 8021q, and instances with one VRID on two
# interfaces of one segment would hear each other.)
links() {
	local n k
	for ((k = 1; k < $1; k++)); do
		ip -n "$VL_SEG" link show "br$k" >/dev/null 2>&1 && continue
		ip -n "$VL_SEG" link add "br$k" type bridge mcast_snooping 0
		ip -n "$VL_SEG" link set "br$k" up
		for n in $M $B; do
			hf_netns_veth_pair "${VL_NS[n]}" "eth$k" "$VL_SEG" "p$n-$k" || hf_skip "cannot create veth pairs"
			ip -n "$VL_SEG" link set "p$n-$k" master "br$k"
			ip -n "${VL_NS[n]}" addr add "203.0.113.$((10 * k + n))/32" dev "eth$k"
		done
	done
	sleep 0.2
}

# vip_count N — how many of `many`'s VIPs router N holds, on every link.
vip_count() { ip -n "${VL_NS[$1]}" -4 addr show | grep -c ' 198\.51\.100\.'; }

# wait_all N COUNT [SECS] — waits (10 s) until router N holds all COUNT VIPs of `many`.
wait_all() {
	local i
	for ((i = 0; i < ${3:-10} * 20; i++)); do
		[ "$(vip_count "$1")" -ge "$2" ] && return 0
		sleep 0.05
	done
	echo "router $1 holds $(vip_count "$1") of $2 VIPs after ${3:-10} s" >&2
	return 1
}

# group_sum N FIELD — sums FIELD (kB) of smaps_rollup over router N's process group.
group_sum() {
	local pid total=0 v
	for pid in $(pgrep -g "${VL_PID[$1]}"); do
		v=$(awk -v f="$2:" '$1 == f { print $2 }' "/proc/$pid/smaps_rollup" 2>/dev/null)
		total=$((total + ${v:-0}))
	done
	echo "$total"
}

# group_ticks N — utime+stime (clock ticks) over router N's process group.
group_ticks() {
	local pid total=0 v
	for pid in $(pgrep -g "${VL_PID[$1]}"); do
		# Fields after the command name (which may hold spaces): utime is the 12th, stime 13th.
		v=$(sed 's/^.*) //' "/proc/$pid/stat" 2>/dev/null | awk '{ print $12 + $13 }')
		total=$((total + ${v:-0}))
	done
	echo "$total"
}

# cpu_text TICKS SECONDS — "1.23 s (4.1 %)".
cpu_text() { awk -v t="$1" -v hz="$(getconf CLK_TCK)" -v s="$2" 'BEGIN { printf "%.2f s (%.1f %%)\n", t / hz, 100 * t / hz / s }'; }

# pair_up KIND — master (150) and backup (100), one instance at 0.1 s, started; once the master
# holds the VIP and has adverted for 0.5 s, the capture runs. Fails if the master never does.
pair_up() {
	vl_conf "$VL_DIR/m.conf" 51 150 3 0.1
	vl_conf "$VL_DIR/b.conf" 51 100 3 0.1
	start "$1" $M "$VL_DIR/m.conf"
	start "$1" $B "$VL_DIR/b.conf"
	vl_wait_vip $M 10 || return 1
	sleep 0.5
	vl_capture_start
}

# taken_over — after the master was stopped: waits for it to go and for the backup to hold the
# VIP, captures 0.2 s more, and stops the capture.
taken_over() {
	vl_wait_gone $M 5
	vl_wait_vip $B 5
	sleep 0.2
	vl_capture_stop
}

# random_sleep BASE — sleeps BASE to BASE + 0.1 s, so the stop falls anywhere in an interval.
random_sleep() { sleep "$(awk -v b="$1" -v r="$RANDOM" 'BEGIN { printf "%.3f\n", b + 0.1 * r / 32768 }')"; }

bench_kill() {
	local kind=$1 i t out=()
	for ((i = 0; i < RUNS; i++)); do
		pair_up "$kind" || { stop_both; continue; }
		random_sleep 0.1
		vl_kill $M KILL
		taken_over
		t=$(vl_takeover_ms "${VL_IP[M]}" "${VL_IP[B]}")
		[ -n "$t" ] && out+=("$t")
		stop_both
	done
	R[kill,$kind]=$(printf '%s\n' "${out[@]}" | median)
}

bench_term() {
	local kind=$1 i t s zero sent out=() sig=()
	for ((i = 0; i < RUNS; i++)); do
		pair_up "$kind" || { stop_both; continue; }
		random_sleep 0
		sent=$(now)
		# keepalived's parent forwards TERM to its VRRP child: signal the parent, as init does.
		kill -TERM "${VL_PID[M]}"
		taken_over
		t=$(vl_takeover_after_zero_ms "${VL_IP[M]}" "${VL_IP[B]}")
		[ -n "$t" ] && out+=("$t")
		zero=$(vl_adverts "ip.src == ${VL_IP[M]} && vrrp.prio == 0" | awk 'NR == 1 { print $1 }')
		if [ -n "$zero" ]; then
			s=$(awk -v a="$sent" -v b="$zero" 'BEGIN { printf "%.0f\n", (b - a) * 1000 }')
			sig+=("$s")
		fi
		stop_both
	done
	R[term,$kind]=$(printf '%s\n' "${out[@]}" | median)
	R[sig0,$kind]=$(printf '%s\n' "${sig[@]}" | median)
}

bench_startup() {
	local kind=$1 i t started first out=()
	vl_conf "$VL_DIR/o.conf" 51 255 3 0.1
	for ((i = 0; i < RUNS; i++)); do
		vl_capture_start
		started=$(now)
		start "$kind" $M "$VL_DIR/o.conf"
		vl_wait_vip $M 10
		sleep 0.3
		vl_capture_stop
		first=$(vl_adverts "ip.src == ${VL_IP[M]}" | awk 'NR == 1 { print $1 }')
		if [ -n "$first" ]; then
			t=$(awk -v a="$started" -v b="$first" 'BEGIN { printf "%.0f\n", (b - a) * 1000 }')
			out+=("$t")
		fi
		stop_both
	done
	R[start,$kind]=$(printf '%s\n' "${out[@]}" | median)
}

bench_memory() {
	local kind=$1 n
	for n in 1 100; do
		many "$VL_DIR/mem.conf" 150 "$n"
		start "$kind" $M "$VL_DIR/mem.conf"
		wait_all $M "$n"
		sleep "$MEM_SETTLE"
		R[rss$n,$kind]="$(group_sum $M Rss) kB"
		R[pss$n,$kind]="$(group_sum $M Pss) kB"
		if [ "$n" = 100 ]; then
			sleep "$MEM_LATER"
			R[later$n,$kind]="$(group_sum $M Rss) / $(group_sum $M Pss) kB"
		fi
		stop_both
	done
}

bench_cpu() {
	local kind=$1 m0 b0 m1 b1
	many "$VL_DIR/cm.conf" 150 100
	many "$VL_DIR/cb.conf" 100 100
	start "$kind" $M "$VL_DIR/cm.conf"
	start "$kind" $B "$VL_DIR/cb.conf"
	wait_all $M 100
	sleep 2
	m0=$(group_ticks $M)
	b0=$(group_ticks $B)
	sleep "$CPU_SECONDS"
	m1=$(group_ticks $M)
	b1=$(group_ticks $B)
	R[cpum,$kind]=$(cpu_text $((m1 - m0)) "$CPU_SECONDS")
	R[cpub,$kind]=$(cpu_text $((b1 - b0)) "$CPU_SECONDS")
	stop_both
}

bench_binary() {
	local kind=$1 bin=${BIN[$1]}
	R[size,$kind]="$(($(stat -c %s "$bin") / 1024)) KiB"
	# A static binary: ldd prints "not a dynamic executable" and fails.
	R[libs,$kind]="$(ldd "$bin" 2>/dev/null | grep -c '=>\|ld-linux')"
}

# bench_flap KIND — 1,000 instances at 1 s, master (150) and backup (100) of KIND, for
# FLAP_SECONDS once every VIP is up. From the capture: every instance heard, the backup sends no
# advert, every advert carries priority 150, and the longest gap between two adverts of one
# instance (a backup takes over after Master_Down_Interval, 3.6 s: a gap near it is a near flap).
bench_flap() {
	local kind=$1 m0 b0 m1 b1 out pcap=$VL_DIR/flap.pcap capture
	links 4
	many "$VL_DIR/fm.conf" 150 1000 1
	many "$VL_DIR/fb.conf" 100 1000 1
	start "$kind" $M "$VL_DIR/fm.conf"
	start "$kind" $B "$VL_DIR/fb.conf"
	if ! wait_all $M 1000 30; then
		R[flap,$kind]="FAILED: the master holds $(vip_count $M) of 1000 VIPs"
		stop_both
		return
	fi
	# Past the start-up: the backup's first Master_Down_Interval and the GARP repeat.
	sleep 6
	m0=$(group_ticks $M)
	b0=$(group_ticks $B)
	# In the backup, on every link: each advert once, the master's as received.
	ip netns exec "${VL_NS[B]}" tcpdump --immediate-mode -U -s 128 -i any -w "$pcap" 'proto 112' >/dev/null 2>&1 &
	capture=$!
	sleep "$FLAP_SECONDS"
	kill -INT "$capture"
	wait "$capture" 2>/dev/null
	m1=$(group_ticks $M)
	b1=$(group_ticks $B)
	R[flapcpum,$kind]=$(cpu_text $((m1 - m0)) "$FLAP_SECONDS")
	R[flapcpub,$kind]=$(cpu_text $((b1 - b0)) "$FLAP_SECONDS")
	R[flappss,$kind]="$(group_sum $M Pss) / $(group_sum $B Pss) kB"
	# One line per advert: "source vrid priority time". The master sends from 192.0.2.1 on
	# eth0 and 203.0.113.(10k + 1) on ethk: the source names the link.
	out=$(timeout 300 tshark -r "$pcap" -Y vrrp -T fields -E separator=' ' \
		-e ip.src -e vrrp.virt_rtr_id -e vrrp.prio -e frame.time_epoch 2>/dev/null |
		awk -v m="${VL_IP[M]}" '
			$1 != m && $1 !~ /^203\.0\.113\.[0-9]*1$/ { backup++ }
			$3 != 150 { prio++ }
			{
				key = $1 "/" $2
				if (key in last) { g = $4 - last[key]; if (g > gap) gap = g } else seen++
				last[key] = $4; n++
			}
			END { printf "%d instances heard, %d adverts, backup adverts %d, priority changes %d, longest gap %.2f s\n", seen, n, backup, prio, gap }')
	R[flap,$kind]=$out
	echo "$kind, 1,000 instances at 1 s for $FLAP_SECONDS s: $out" >&2
	if ! [[ $out == "1000 instances heard, "*", backup adverts 0, priority changes 0, "* ]]; then
		R[flapfail,$kind]=1
	fi
	stop_both
}

for kind in "${kinds[@]}"; do
	echo "measuring $kind ..." >&2
	wants binary && bench_binary "$kind"
	wants kill && bench_kill "$kind"
	wants term && bench_term "$kind"
	wants startup && bench_startup "$kind"
	wants memory && bench_memory "$kind"
	wants cpu && bench_cpu "$kind"
	wants flap && bench_flap "$kind"
done

declare -A TITLE=([musl]="holdfast (static musl)" [glibc]="holdfast (glibc)" [keepalived]="keepalived 2.2.7")
row() {
	local k
	printf '%-54s' "$1"
	for k in "${kinds[@]}"; do printf ' %-24s' "${R[$2,$k]:--}"; done
	echo
}
echo
printf '%-54s' "VRRPv3, advert_int 0.1 unless said; $RUNS runs"
for k in "${kinds[@]}"; do printf ' %-24s' "${TITLE[$k]}"; done
echo
row "failover after SIGKILL (last advert -> backup's)" kill
row "failover after TERM (priority 0 -> backup's advert)" term
row "TERM -> priority-0 advert" sig0
row "start-up (exec) -> first advert, priority 255" start
row "RSS, 1 instance (process group)" rss1
row "PSS, 1 instance" pss1
row "RSS, 100 instances" rss100
row "PSS, 100 instances" pss100
row "RSS / PSS, 100 instances, ${MEM_LATER} s later" later100
row "CPU over ${CPU_SECONDS} s, 100 instances, master" cpum
row "CPU over ${CPU_SECONDS} s, 100 instances, backup" cpub
row "1,000 at 1 s: CPU over ${FLAP_SECONDS} s, master" flapcpum
row "1,000 at 1 s: CPU over ${FLAP_SECONDS} s, backup" flapcpub
row "1,000 at 1 s: PSS master / backup" flappss
row "binary size" size
row "shared libraries (ldd)" libs
if wants flap; then
	echo
	for k in "${kinds[@]}"; do echo "1,000 instances at 1 s, ${TITLE[$k]}: ${R[flap,$k]:--}"; done
fi
for k in "${kinds[@]}"; do
	if [ -n "${R[flapfail,$k]:-}" ]; then
		echo "FLAP: ${TITLE[$k]} lost or changed a master in the 1,000-instance run"
		[ "${CI:-}" = true ] && exit 1
	fi
done
exit 0
