# shellcheck shell=bash
# lib.sh — shared helpers for holdfast's system tests (sourced, never run).
#
# Owns: cleanup registration that survives Ctrl-C, the skip-or-fail rule
# (a missing prerequisite skips outside CI and fails under CI=true), network
# namespace creation with named interfaces, and PASS/FAIL counting with the
# summary line every system test prints ("N passed, M failed").
#
# Usage:
#   . "$(dirname "$0")/lib.sh"
#   hf_init                       # installs traps; call once, before anything else
#   hf_require_root; hf_require_cmd ip keepalived
#   hf_netns_create cmp; ns=$HF_NETNS   # removed again on exit
#   hf_netns_add_links "$ns" eth0 eth1
#   hf_pass NAME DETAIL / hf_fail NAME DETAIL
#   hf_summary                    # prints the summary; returns 1 on any failure
#
# Every function's name starts with hf_ and every global with HF_, so a test
# script can use any other name freely.

# Commands run by hf_cleanup, newest first (last registered runs first).
HF_CLEANUPS=()
HF_PASSED=0
HF_FAILED=0
HF_CLEANED=0

hf_log() {
	printf '%s\n' "$*" >&2
}

# hf_on_exit CMD... — registers a command run once at exit, Ctrl-C or TERM.
# The words are kept as given, so quote them as for a normal command.
hf_on_exit() {
	local quoted
	printf -v quoted '%q ' "$@"
	HF_CLEANUPS+=("$quoted")
}

hf_cleanup() {
	local i
	if [ "$HF_CLEANED" = 1 ]; then
		return 0
	fi
	HF_CLEANED=1
	for ((i = ${#HF_CLEANUPS[@]} - 1; i >= 0; i--)); do
		eval "${HF_CLEANUPS[i]}" >/dev/null 2>&1 || true
	done
}

# Signals: clean up, then die with the conventional 128+N status so a caller
# (make, CI) sees the interruption instead of a success.
hf_init() {
	trap hf_cleanup EXIT
	trap 'hf_cleanup; trap - INT; kill -INT $$' INT
	trap 'hf_cleanup; exit 143' TERM
	trap 'hf_cleanup; exit 129' HUP
}

# hf_skip REASON — a prerequisite is missing. Outside CI that is not this
# test's fault (exit 0); under CI=true the environment was meant to have it,
# so a skip is a failure (exit 1).
hf_skip() {
	if [ "${CI:-}" = true ]; then
		echo "FAIL (skip not allowed under CI=true): $*"
		exit 1
	fi
	echo "SKIP: $*"
	exit 0
}

hf_require_root() {
	if [ "$(id -u)" != 0 ]; then
		hf_skip "needs root (network namespaces)"
	fi
}

# hf_require_cmd CMD... — skips unless every command is on PATH (or a path
# to an executable file).
hf_require_cmd() {
	local c
	for c in "$@"; do
		if ! command -v "$c" >/dev/null 2>&1; then
			hf_skip "command not found: $c"
		fi
	done
}

# hf_netns_create PREFIX — creates a fresh namespace named PREFIX-<pid>-<n>,
# brings lo up (a fresh namespace has it down, which breaks unicast checks),
# registers its removal, and stores its name in HF_NETNS. Skips if namespaces
# are not available (e.g. an unprivileged container). Call it without a
# subshell: $(...) would lose both HF_NETNS and the cleanup registration.
# shellcheck disable=SC2034 # read by the sourcing script
HF_NETNS=
HF_NETNS_SEQ=0
HF_VETH_SEQ=0
hf_netns_create() {
	local name
	HF_NETNS_SEQ=$((HF_NETNS_SEQ + 1))
	name="hf-${1:-test}-$$-$HF_NETNS_SEQ"
	if ! ip netns add "$name" 2>/dev/null; then
		hf_skip "cannot create network namespace (ip netns add failed)"
	fi
	hf_on_exit ip netns delete "$name"
	if ! ip -n "$name" link set lo up; then
		hf_skip "cannot bring lo up in namespace $name"
	fi
	# shellcheck disable=SC2034 # read by the sourcing script
	HF_NETNS=$name
}

# hf_netns_add_links NS IFNAME... — creates each interface inside NS and sets
# it up. A dummy link is preferred; kernels without the dummy driver (no
# modules) get a veth pair whose peer, named IFNAME-p, stays in NS as well.
hf_netns_add_links() {
	local ns=$1 ifname
	shift
	for ifname in "$@"; do
		if ! ip -n "$ns" link add "$ifname" type dummy 2>/dev/null; then
			if ! ip -n "$ns" link add "$ifname" type veth peer name "$ifname-p"; then
				hf_skip "cannot create interface $ifname (neither dummy nor veth)"
			fi
			ip -n "$ns" link set "$ifname-p" up
		fi
		ip -n "$ns" link set "$ifname" up
	done
}

# hf_netns_veth_pair NS_A IF_A NS_B IF_B — a veth link between two namespaces,
# both ends up (for tests that exchange packets, e.g. VRRP interop).
hf_netns_veth_pair() {
	local ns_a=$1 if_a=$2 ns_b=$3 if_b=$4 tmp
	HF_VETH_SEQ=$((HF_VETH_SEQ + 1))
	tmp="hfv$$-$HF_VETH_SEQ"
	ip link add "$tmp" type veth peer name "${tmp}b" || return 1
	ip link set "$tmp" netns "$ns_a" name "$if_a" || return 1
	ip link set "${tmp}b" netns "$ns_b" name "$if_b" || return 1
	ip -n "$ns_a" link set "$if_a" up && ip -n "$ns_b" link set "$if_b" up
}

# hf_pass NAME [DETAIL...] / hf_fail NAME [DETAIL...] — one result line each.
hf_pass() {
	HF_PASSED=$((HF_PASSED + 1))
	echo "PASS $*"
}

hf_fail() {
	HF_FAILED=$((HF_FAILED + 1))
	echo "FAIL $*"
}

# hf_summary — prints exactly "N passed, M failed"; returns 1 if anything
# failed or nothing ran (a test that checked nothing proves nothing).
hf_summary() {
	echo "$HF_PASSED passed, $HF_FAILED failed"
	if [ "$HF_FAILED" -ne 0 ] || [ "$HF_PASSED" -eq 0 ]; then
		return 1
	fi
	return 0
}
