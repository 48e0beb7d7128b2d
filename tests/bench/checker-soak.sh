#!/usr/bin/env bash
# checker-soak.sh — the checker actor with the Linux probe against 500 real local
# servers (250 TCP_CHECK, 250 HTTP_GET with a digest; the servers run in a child
# process on 127.0.0.1 ephemeral ports) plus 10 MISC_CHECK scripts, every one
# checked every second, for SOAK_SECONDS (default 120).
#
# Prints the checker process's RSS, open descriptors and child processes at the
# start (after a 5 s warm-up) and at the end, RSS and the live heap (bytes
# allocated and not freed, counted by the example's allocator) every 10 s, and
# the CPU seconds it used. Fails when memory, descriptors or processes grew.
# Live heap: the end may not exceed the start by more than 10 % + 64 KiB (this
# is the leak test). RSS: the end may not
# exceed the highest sample of the first half of the run by more than 10 % +
# 512 KiB (a burst of probes in flight when the machine is busy raises RSS once,
# bounded by the checker count; a leak keeps raising it). Descriptors: no more
# than the checks that may be in flight at a sample (20). Child processes: no
# more than the MISC scripts that may be running.
#
# Usage: tests/bench/checker-soak.sh            (SOAK_SECONDS=20 for a short run)
#   SOAK_SERVERS  real servers (default 500)
#   SOAK_MISC     MISC_CHECK scripts (default 10)

set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
SECONDS_TO_RUN=${SOAK_SECONDS:-120}
SERVERS=${SOAK_SERVERS:-500}
MISC=${SOAK_MISC:-10}

cd "$REPO"
cargo build --quiet --release -p holdfast-linux --example checker_soak
# 500 listeners plus the checker's sockets: make sure the descriptor limit allows them.
ulimit -n 4096 2>/dev/null || true

out=$(target/release/examples/checker_soak --servers "$SERVERS" --misc "$MISC" --seconds "$SECONDS_TO_RUN")
echo "$out"

field() { echo "$out" | awk -v k="$1" -v n="$2" '$1 == k { print $n }'; }
rss0=$(field rss_kib 3); rss1=$(field rss_kib 5)
# The highest RSS over the start and the first half of the 10 s samples.
read -r -a series <<<"$(echo "$out" | awk '$1 == "rss_series_kib" { $1 = ""; print }')"
base=$rss0
for ((i = 0; i < ${#series[@]} / 2; i++)); do
    if (( series[i] > base )); then base=${series[i]}; fi
done
fd0=$(field fds 3); fd1=$(field fds 5)
ch1=$(field children 5)
heap=$(echo "$out" | awk '$1 == "heap_live_kib" { print $2, $NF }')
heap0=${heap% *}; heap1=${heap#* }
fail=0
if (( heap1 > heap0 + heap0 / 10 + 64 )); then echo "FAIL: live heap grew from $heap0 to $heap1 KiB"; fail=1; fi
if (( rss1 > base + base / 10 + 512 )); then echo "FAIL: RSS grew from $base to $rss1 KiB"; fail=1; fi
if (( fd1 > fd0 + 20 )); then echo "FAIL: descriptors grew from $fd0 to $fd1"; fail=1; fi
if (( ch1 > MISC )); then echo "FAIL: $ch1 child processes at the end"; fail=1; fi
if (( fail == 0 )); then echo "checker soak: no growth in memory, descriptors or processes"; fi
exit "$fail"
