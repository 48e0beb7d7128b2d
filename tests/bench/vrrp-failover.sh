#!/usr/bin/env bash
# vrrp-failover.sh — holdfast next to keepalived 2.2.7, same machine, same run, same lab (network
# namespaces around a Linux bridge, capture on the bridge with tcpdump --immediate-mode, times
# from pcap timestamps; FIELD-NOTES §4). Each implementation runs against itself (master priority
# 150, backup 100, VRRPv3, advert_int 0.1 unless said).
#
# Prints one table:
#   - failover after SIGKILL of the master's process group: last advert of the master to the
#     first advert of the backup, median (min-max) over RUNS runs, kill time jittered over the
#     advert interval;
#   - failover after TERM: the master's priority-0 advert to the backup's first advert, and TERM
#     to the priority-0 advert;
#   - start-up to the first advert (priority 255, the owner: no Master_Down wait), from exec;
#   - RSS and PSS of the whole process group (smaps_rollup), 1 and 100 instances;
#   - CPU (utime+stime of the process group) over CPU_SECONDS with 100 instances at 0.1 s, master
#     and backup;
#   - binary size and shared libraries (ldd).
#
# HOLDFAST=path (default target/release/holdfast), RUNS (5), CPU_SECONDS (30). Under CI=true a
# missing prerequisite fails.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/system/lib.sh
. "$here/../system/lib.sh"
# shellcheck source=tests/system/vrrp-lab.sh
. "$here/../system/vrrp-lab.sh"
hf_init
HOLDFAST=${HOLDFAST:-$here/../../target/release/holdfast}
RUNS=${RUNS:-5}
CPU_SECONDS=${CPU_SECONDS:-30}
[ -x "$HOLDFAST" ] || hf_skip "no holdfast binary at $HOLDFAST (cargo build --release -p holdfast-linux)"
vl_require keepalived awk pgrep ldd

M=1 B=2
vl_lab 2
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

# many FILE PRIO N — N instances (VRID 1..N, VIP 198.51.100.VRID/24) at 0.1 s, VRRPv3.
many() {
	local file=$1 prio=$2 n=$3 i
	printf 'global_defs {\n    vrrp_version 3\n}\n' >"$file"
	for ((i = 1; i <= n; i++)); do
		cat >>"$file" <<EOF
vrrp_instance VI_$i {
    state BACKUP
    interface eth0
    virtual_router_id $i
    priority $prio
    advert_int 0.1
    virtual_ipaddress {
        198.51.100.$i/24
    }
}
EOF
	done
}

# wait_all N COUNT — waits (10 s at most) until router N holds all COUNT VIPs of `many`.
wait_all() {
	local i
	for ((i = 0; i < 200; i++)); do
		[ "$(ip -n "${VL_NS[$1]}" -4 addr show dev eth0 | grep -c ' 198\.51\.100\.')" -ge "$2" ] && return 0
		sleep 0.05
	done
	echo "router $1 holds fewer than $2 VIPs after 10 s" >&2
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

bench_kill() {
	local kind=$1 i t out=()
	vl_conf "$VL_DIR/m.conf" 51 150 3 0.1
	vl_conf "$VL_DIR/b.conf" 51 100 3 0.1
	for ((i = 0; i < RUNS; i++)); do
		vl_start "$kind" $M "$VL_DIR/m.conf"
		vl_start "$kind" $B "$VL_DIR/b.conf"
		vl_wait_vip $M 10 || continue
		sleep 0.5
		vl_capture_start
		sleep "$(awk -v r="$RANDOM" 'BEGIN { printf "%.3f\n", 0.1 + 0.1 * r / 32768 }')"
		vl_kill $M KILL
		vl_wait_gone $M 5
		vl_wait_vip $B 5
		sleep 0.2
		vl_capture_stop
		t=$(vl_takeover_ms "${VL_IP[M]}" "${VL_IP[B]}")
		[ -n "$t" ] && out+=("$t")
		stop_both
	done
	R[kill,$kind]=$(printf '%s\n' "${out[@]}" | median)
}

bench_term() {
	local kind=$1 i t s zero sent out=() sig=()
	vl_conf "$VL_DIR/m.conf" 51 150 3 0.1
	vl_conf "$VL_DIR/b.conf" 51 100 3 0.1
	for ((i = 0; i < RUNS; i++)); do
		vl_start "$kind" $M "$VL_DIR/m.conf"
		vl_start "$kind" $B "$VL_DIR/b.conf"
		vl_wait_vip $M 10 || continue
		sleep 0.5
		vl_capture_start
		sleep "$(awk -v r="$RANDOM" 'BEGIN { printf "%.3f\n", 0.1 * r / 32768 }')"
		sent=$(now)
		# keepalived's parent forwards TERM to its VRRP child: signal the parent, as init does.
		kill -TERM "${VL_PID[M]}"
		vl_wait_gone $M 5
		vl_wait_vip $B 5
		sleep 0.2
		vl_capture_stop
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
		vl_start "$kind" $M "$VL_DIR/o.conf"
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
		vl_start "$kind" $M "$VL_DIR/mem.conf"
		wait_all $M "$n"
		sleep 2
		R[rss$n,$kind]="$(group_sum $M Rss) kB"
		R[pss$n,$kind]="$(group_sum $M Pss) kB"
		stop_both
	done
}

bench_cpu() {
	local kind=$1 m0 b0 m1 b1 hz
	hz=$(getconf CLK_TCK)
	many "$VL_DIR/cm.conf" 150 100
	many "$VL_DIR/cb.conf" 100 100
	vl_start "$kind" $M "$VL_DIR/cm.conf"
	vl_start "$kind" $B "$VL_DIR/cb.conf"
	wait_all $M 100
	sleep 2
	m0=$(group_ticks $M)
	b0=$(group_ticks $B)
	sleep "$CPU_SECONDS"
	m1=$(group_ticks $M)
	b1=$(group_ticks $B)
	R[cpum,$kind]=$(awk -v t=$((m1 - m0)) -v hz="$hz" -v s="$CPU_SECONDS" 'BEGIN { printf "%.2f s (%.1f %%)\n", t / hz, 100 * t / hz / s }')
	R[cpub,$kind]=$(awk -v t=$((b1 - b0)) -v hz="$hz" -v s="$CPU_SECONDS" 'BEGIN { printf "%.2f s (%.1f %%)\n", t / hz, 100 * t / hz / s }')
	stop_both
}

bench_binary() {
	local kind=$1 bin
	bin=$HOLDFAST
	[ "$kind" = keepalived ] && bin=$(command -v keepalived)
	R[size,$kind]="$(($(stat -c %s "$bin") / 1024)) KiB"
	R[libs,$kind]="$(ldd "$bin" | grep -c '=>\|ld-linux')"
}

for kind in holdfast keepalived; do
	echo "measuring $kind ..." >&2
	bench_binary "$kind"
	bench_kill "$kind"
	bench_term "$kind"
	bench_startup "$kind"
	bench_memory "$kind"
	bench_cpu "$kind"
done

row() { printf '%-52s %-24s %-24s\n' "$1" "${R[$2,holdfast]:--}" "${R[$2,keepalived]:--}"; }
echo
printf '%-52s %-24s %-24s\n' "VRRPv3, advert_int 0.1 unless said; $RUNS runs" "holdfast" "keepalived 2.2.7"
row "failover after SIGKILL (last advert -> backup's)" kill
row "failover after TERM (priority 0 -> backup's advert)" term
row "TERM -> priority-0 advert" sig0
row "start-up (exec) -> first advert, priority 255" start
row "RSS, 1 instance (process group)" rss1
row "PSS, 1 instance" pss1
row "RSS, 100 instances" rss100
row "PSS, 100 instances" pss100
row "CPU over ${CPU_SECONDS} s, 100 instances, master" cpum
row "CPU over ${CPU_SECONDS} s, 100 instances, backup" cpub
row "binary size" size
row "shared libraries (ldd)" libs
