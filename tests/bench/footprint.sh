#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# footprint.sh — what holdfast costs on an appliance, side by side with keepalived:
#   1. binary size and shared libraries: the static musl holdfast (x86_64, and aarch64 when
#      tests/cross/aarch64.sh has built it) against keepalived plus the closure of libraries
#      ldd resolves for it;
#   2. start-up time of a configuration test (`-t -f`) on a small sample, median of N runs;
#   3. idle memory of the running daemon after IDLE_S (12) seconds, past start-up: a single
#      instance becomes master after about 3.6 s (advert_int 1) and holdfast releases its
#      start-up code's pages once quiet for 3 s after that (platform-linux/src/daemon/residency).
#      RSS and PSS summed over every
#      process of the daemon (keepalived runs a parent and a child per part): VRRP with 1 and with
#      100 instances, and IPVS with 1 and with 10 virtual servers. Each line runs what the binary can run here and
#      says n/a with the daemon's own reason otherwise (this machine's kernel has no IPVS, which
#      keepalived treats as fatal and holdfast retries; holdfast's VRRP may not be built yet).
# Runs in a network namespace with eth0. Only documentation addresses are used.
#
# Usage: tests/bench/footprint.sh [--runs N]
#   HOLDFAST    holdfast binary (default: the x86_64 static musl release build, built here)
#   KEEPALIVED  keepalived binary (default: keepalived on PATH)
# Needs root, `ip netns` and keepalived; without them it skips (exit 0), under CI=true a skip
# fails (exit 1).

set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
# shellcheck source=../system/lib.sh
. "$HERE/../system/lib.sh"
hf_init

RUNS=10
IDLE_S=${IDLE_S:-12}
[ "${1:-}" = --runs ] && RUNS=${2:?--runs needs a number}
KEEPALIVED=${KEEPALIVED:-keepalived}

hf_require_root
hf_require_cmd ip "$KEEPALIVED" ldd readelf awk

if [ -z "${HOLDFAST:-}" ]; then
    (cd "$REPO" && cargo build --quiet --release --target x86_64-unknown-linux-musl -p holdfast-linux --bin holdfast) ||
        hf_skip "cannot build the x86_64 musl release binary (rustup target add x86_64-unknown-linux-musl)"
    HOLDFAST=$REPO/target/x86_64-unknown-linux-musl/release/holdfast
fi
KA=$(command -v "$KEEPALIVED")
AARCH64=$REPO/target/aarch64-unknown-linux-musl/release/holdfast

work=$(mktemp -d)
hf_on_exit rm -rf "$work"
hf_netns_create fp
ns=$HF_NETNS
hf_netns_add_links "$ns" eth0
ip -n "$ns" addr add 192.0.2.2/24 dev eth0

# VRRP only.
cat >"$work/vrrp.conf" <<'EOF'
global_defs {
    router_id fp1
}
vrrp_instance VI_1 {
    state BACKUP
    interface eth0
    virtual_router_id 51
    priority 100
    advert_int 1
    virtual_ipaddress {
        192.0.2.10/24
    }
}
EOF
# The configuration test also parses a virtual server with a checker.
cp "$work/vrrp.conf" "$work/full.conf"
cat >>"$work/full.conf" <<'EOF'
virtual_server 192.0.2.10 80 {
    delay_loop 6
    lb_algo rr
    lb_kind NAT
    protocol TCP
    real_server 198.51.100.11 80 {
        weight 1
        TCP_CHECK {
            connect_timeout 3
        }
    }
}
EOF

# VRRP only, 100 instances (VRIDs 1-100, one VIP each).
{
    printf 'global_defs {\n    router_id fp1\n}\n'
    for i in $(seq 1 100); do
        printf 'vrrp_instance VI_%d {\n    state BACKUP\n    interface eth0\n' "$i"
        printf '    virtual_router_id %d\n    priority 100\n    advert_int 1\n' "$i"
        printf '    virtual_ipaddress {\n        203.0.113.%d/24\n    }\n}\n' "$i"
    done
} >"$work/vrrp100.conf"

# IPVS only, 10 virtual servers with two real servers each, no checker.
{
    printf 'global_defs {\n    router_id fp1\n}\n'
    for i in $(seq 1 10); do
        printf 'virtual_server 192.0.2.%d 80 {\n    lb_algo rr\n    lb_kind NAT\n' $((10 + i))
        printf '    protocol TCP\n    real_server 198.51.100.%d 80 {\n        weight 1\n    }\n' "$i"
        printf '    real_server 198.51.100.%d 80 {\n        weight 1\n    }\n}\n' $((100 + i))
    done
} >"$work/ipvs10.conf"

# IPVS only: one virtual server, one real server, no checker.
cat >"$work/ipvs.conf" <<'EOF'
global_defs {
    router_id fp1
}
virtual_server 192.0.2.10 80 {
    delay_loop 6
    lb_algo rr
    lb_kind NAT
    protocol TCP
    real_server 198.51.100.11 80 {
        weight 1
    }
}
EOF

kib() { awk -v b="$1" 'BEGIN { printf "%.0f KiB", b / 1024 }'; }

echo "== 1. binary size and shared libraries"
hf_size=$(stat -c %s "$HOLDFAST")
hf_needed=$(readelf -d "$HOLDFAST" 2>/dev/null | grep -c NEEDED)
ka_size=$(stat -c %s "$KA")
ka_needed=$(readelf -d "$KA" 2>/dev/null | grep -c NEEDED)
# Every library ldd resolves (the loader included), each counted once by its real path.
mapfile -t ka_libs < <(ldd "$KA" | awk '/=> \// { print $3 } /^\t\// { print $1 }' | xargs -r readlink -f | sort -u)
ka_lib_bytes=0
for l in "${ka_libs[@]}"; do
    ka_lib_bytes=$((ka_lib_bytes + $(stat -c %s "$l")))
done
printf '%-34s %12s %14s %16s\n' "" "binary" "direct libs" "with closure"
printf '%-34s %12s %14s %16s\n' "holdfast x86_64 (static musl)" "$(kib "$hf_size")" "$hf_needed" "$(kib "$hf_size") (0 libs)"
if [ -f "$AARCH64" ]; then
    stale=""
    [ "$AARCH64" -ot "$HOLDFAST" ] && stale=" (older build: rerun tests/cross/aarch64.sh)"
    printf '%-34s %12s %14s %16s%s\n' "holdfast aarch64 (static musl)" "$(kib "$(stat -c %s "$AARCH64")")" \
        "$(readelf -d "$AARCH64" 2>/dev/null | grep -c NEEDED)" "$(kib "$(stat -c %s "$AARCH64")") (0 libs)" "$stale"
else
    printf '%-34s %s\n' "holdfast aarch64 (static musl)" "n/a (run tests/cross/aarch64.sh first)"
fi
printf '%-34s %12s %14s %16s\n' "keepalived $($KA -v 2>&1 | awk 'NR==1 { print $2 }')" "$(kib "$ka_size")" "$ka_needed" \
    "$(kib $((ka_size + ka_lib_bytes))) (${#ka_libs[@]} libs)"

echo
echo "== 2. start-up: configuration test on a small sample, median of $RUNS"
# median_ms CMD...: runs CMD RUNS times in the namespace, prints the median wall time and the
# last exit code.
median_ms() {
    local i t0 t1 rc times=()
    for ((i = 0; i < RUNS; i++)); do
        t0=$(date +%s%N)
        ip netns exec "$ns" "$@" >/dev/null 2>&1
        rc=$?
        t1=$(date +%s%N)
        times+=($(((t1 - t0) / 1000)))
    done
    printf '%s\n' "${times[@]}" | sort -n | awk -v rc="$rc" '{ a[NR] = $1 } END { printf "%.1f ms (exit %d)", a[int((NR + 1) / 2)] / 1000, rc }'
}
printf '%-34s %s\n' "holdfast -t" "$(median_ms "$HOLDFAST" -t -f "$work/full.conf")"
printf '%-34s %s\n' "keepalived -t" "$(median_ms "$KA" -t -f "$work/full.conf")"

echo
echo "== 3. idle daemon after ${IDLE_S} s: RSS and PSS over all its processes"
# mem_of PID: "RSS KiB, PSS KiB" summed over PID and its children, with their thread count.
mem_of() {
    local pids=("$1") p rss=0 pss=0 threads=0 r s
    # keepalived's VRRP/checker children.
    mapfile -t -O 1 pids < <(ps -o pid= --ppid "$1" 2>/dev/null | tr -d ' ')
    for p in "${pids[@]}"; do
        [ -r "/proc/$p/smaps_rollup" ] || continue
        r=$(awk '/^Rss:/ { print $2 }' "/proc/$p/smaps_rollup")
        s=$(awk '/^Pss:/ { print $2 }' "/proc/$p/smaps_rollup")
        rss=$((rss + r))
        pss=$((pss + s))
        threads=$((threads + $(find "/proc/$p/task" -mindepth 1 -maxdepth 1 | wc -l)))
    done
    echo "RSS $rss KiB, PSS $pss KiB (${#pids[@]} processes, $threads threads)"
}
# idle LABEL CMD...: starts the daemon in the namespace (`ip netns exec` execs it, so the
# background job's pid is the daemon's), waits, measures, stops it.
idle() {
    local label=$1 log=$work/idle.log pid why
    shift
    ip netns exec "$ns" "$@" >"$log" 2>&1 &
    pid=$!
    sleep "$IDLE_S"
    if ! kill -0 "$pid" 2>/dev/null; then
        why=$(grep -m1 -iE "error|can't|fatal|refused" "$log" || tail -n 1 "$log")
        printf '%-40s %s\n' "$label" "n/a (exited: ${why#*: })"
        return
    fi
    printf '%-40s %s\n' "$label" "$(mem_of "$pid")"
    kill -TERM "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null || true
}
ka_pids=(-p "$work/ka.pid" -r "$work/ka-vrrp.pid" -c "$work/ka-check.pid")
idle "holdfast, VRRP (1 instance)" "$HOLDFAST" -n -l -f "$work/vrrp.conf" -p "$work/hf.pid"
idle "keepalived -P, VRRP (1 instance)" "$KA" -n -l -P -f "$work/vrrp.conf" "${ka_pids[@]}"
idle "holdfast, VRRP (100 instances)" "$HOLDFAST" -n -l -f "$work/vrrp100.conf" -p "$work/hf.pid"
idle "keepalived -P, VRRP (100 instances)" "$KA" -n -l -P -f "$work/vrrp100.conf" "${ka_pids[@]}"
idle "holdfast, IPVS (1 virtual server)" "$HOLDFAST" -n -l -f "$work/ipvs.conf" -p "$work/hf.pid"
idle "keepalived -C, IPVS (1 virtual server)" "$KA" -n -l -C -f "$work/ipvs.conf" "${ka_pids[@]}"
idle "holdfast, IPVS (10 virtual servers)" "$HOLDFAST" -n -l -f "$work/ipvs10.conf" -p "$work/hf.pid"
idle "keepalived -C, IPVS (10 virtual servers)" "$KA" -n -l -C -f "$work/ipvs10.conf" "${ka_pids[@]}"
