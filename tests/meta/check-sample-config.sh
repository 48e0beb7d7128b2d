#!/usr/bin/env bash
# check-sample-config.sh — platform-yocto/init/holdfast.conf.sample, which the recipe installs as
# /etc/keepalived/keepalived.conf, passes `keepalived -t` (the reference for the format) and
# `holdfast -t` (built here with cargo) in a network namespace that has the eth0 it names. A
# broken copy must fail under each, so neither oracle passes by not looking. Needs root, ip,
# unshare, keepalived and cargo: exits 77 (skip) without them.
set -u
cd "$(dirname "$0")/../.." || exit 1
sample=platform-yocto/init/holdfast.conf.sample
if [ "$(id -u)" != 0 ]; then
	echo "not root: cannot make a network namespace"
	exit 77
fi
for tool in keepalived ip unshare cargo; do
	if ! command -v "$tool" >/dev/null; then
		echo "$tool not installed"
		exit 77
	fi
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

if ! cargo build -q -p holdfast-linux --bin holdfast 2>"$tmp/build"; then
	echo "  FAILED: cannot build holdfast: $(cat "$tmp/build")"
	exit 1
fi
holdfast=$PWD/target/debug/holdfast

# config_test TOOL FILE: TOOL -t's exit code with an eth0 present (dummy, else veth); 90 if the
# namespace could not be set up. The inner script gets its arguments as $1 and $2.
# shellcheck disable=SC2016
config_test() {
	unshare --net sh -c '
		ip link add eth0 type dummy 2>/dev/null || ip link add eth0 type veth peer name eth0-p || exit 90
		ip link set eth0 up || exit 90
		exec "$1" -t -f "$2"' sh "$1" "$2" >"$tmp/out" 2>&1
}

# The sample names eth0 and its scheduler; each broken copy breaks what one oracle checks.
sed 's/interface eth0/interface eth9/' "$sample" >"$tmp/bad-interface.conf"
sed 's/lb_algo rr/lb_algo bogus/' "$sample" >"$tmp/bad-scheduler.conf"

failed=0
for oracle in "keepalived:$(command -v keepalived):bad-interface" "holdfast:$holdfast:bad-scheduler"; do
	IFS=: read -r name bin broken <<<"$oracle"
	config_test "$bin" "$sample"
	rc=$?
	if [ "$rc" = 90 ]; then
		echo "cannot create eth0 in a network namespace: $(cat "$tmp/out")"
		exit 77
	fi
	if [ "$rc" = 0 ]; then
		echo "  ok: $name -t accepts $sample"
	else
		echo "  FAILED: $name -t exits $rc on $sample: $(cat "$tmp/out")"
		failed=1
	fi
	config_test "$bin" "$tmp/$broken.conf"
	rc=$?
	if [ "$rc" != 0 ]; then
		echo "  ok: $name -t rejects a copy with a $broken (exit $rc)"
	else
		echo "  FAILED: $name -t accepted a copy with a $broken"
		failed=1
	fi
done

bad_addrs=$(grep -v '^[[:space:]]*!' "$sample" | grep -oE '\b([0-9]{1,3}\.){3}[0-9]{1,3}\b' |
	grep -vE '^(192\.0\.2|198\.51\.100|203\.0\.113)\.' | sort -u)
if [ -z "$bad_addrs" ]; then
	echo "  ok: only documentation addresses (RFC 5737)"
else
	echo "  FAILED: non-documentation addresses: $bad_addrs"
	failed=1
fi
exit "$failed"
