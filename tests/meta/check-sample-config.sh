#!/usr/bin/env bash
# check-sample-config.sh — platform-yocto/init/holdfast.conf.sample, which the recipe installs as
# /etc/keepalived/keepalived.conf, passes `keepalived -t` (keepalived is holdfast's reference for
# the format) in a network namespace that has the eth0 it names. A broken copy must fail the
# same way, so the oracle is known to look. Needs root, keepalived, ip and unshare: exits 77
# (skip) without them.
set -u
cd "$(dirname "$0")/../.." || exit 1
sample=platform-yocto/init/holdfast.conf.sample
if [ "$(id -u)" != 0 ]; then
	echo "not root: cannot make a network namespace"
	exit 77
fi
for tool in keepalived ip unshare; do
	if ! command -v "$tool" >/dev/null; then
		echo "$tool not installed"
		exit 77
	fi
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# keepalived_t FILE: keepalived -t's exit code with an eth0 present (dummy, else veth).
# The inner script gets the file as $1, so it is single-quoted on purpose.
# shellcheck disable=SC2016
keepalived_t() {
	unshare --net sh -c '
		ip link add eth0 type dummy 2>/dev/null || ip link add eth0 type veth peer name eth0-p || exit 90
		ip link set eth0 up || exit 90
		exec keepalived -t -f "$1"' sh "$1" >"$tmp/out" 2>&1
}

keepalived_t "$sample"
rc=$?
if [ "$rc" = 90 ]; then
	echo "cannot create eth0 in a network namespace: $(cat "$tmp/out")"
	exit 77
fi
failed=0
if [ "$rc" = 0 ]; then
	echo "  ok: keepalived -t accepts $sample"
else
	echo "  FAILED: keepalived -t exits $rc on $sample: $(cat "$tmp/out")"
	failed=1
fi
sed 's/interface eth0/interface eth9/' "$sample" >"$tmp/broken.conf"
keepalived_t "$tmp/broken.conf"
rc=$?
if [ "$rc" != 0 ]; then
	echo "  ok: keepalived -t rejects a copy naming a missing interface (exit $rc)"
else
	echo "  FAILED: keepalived -t accepted a copy naming a missing interface"
	failed=1
fi
bad_addrs=$(grep -v '^[[:space:]]*!' "$sample" | grep -oE '\b([0-9]{1,3}\.){3}[0-9]{1,3}\b' |
	grep -vE '^(192\.0\.2|198\.51\.100|203\.0\.113)\.' | sort -u)
if [ -z "$bad_addrs" ]; then
	echo "  ok: only documentation addresses (RFC 5737)"
else
	echo "  FAILED: non-documentation addresses: $bad_addrs"
	failed=1
fi
exit "$failed"
