#!/usr/bin/env bash
# check-init-script.sh — runs platform-yocto/init/holdfast.init through start, status, reload,
# configtest, restart and stop against a stand-in daemon (fake-holdfast.c), once under busybox
# ash with busybox's start-stop-daemon and once under dash with dpkg's, the two an image may
# have. Needs cc, busybox, dash and dpkg's start-stop-daemon; exits 1 if one is missing.
#
# The script is installed into a scratch root with its paths rewritten, as the recipe's
# do_install rewrites /usr/sbin/ and /etc/ (plus /var/run/ and PATH here, for the scratch
# root and the start-stop-daemon under test).
set -u
cd "$(dirname "$0")/../.." || exit 1
TMP=$(mktemp -d)
FAILED=0
PIDS_TO_KILL=()

cleanup() {
	local pid exe
	for pid in "${PIDS_TO_KILL[@]}"; do
		kill -KILL "$pid" 2>/dev/null
	done
	# Any stand-in the script started and a failed check left behind.
	for exe in /proc/[0-9]*/exe; do
		case $(readlink "$exe" 2>/dev/null) in
		"$TMP"/*)
			pid=${exe#/proc/}
			kill -KILL "${pid%/exe}" 2>/dev/null
			;;
		esac
	done
	rm -rf "$TMP"
}
trap cleanup EXIT

ok() { echo "  ok: $*"; }
bad() {
	echo "  FAILED: $*"
	FAILED=$((FAILED + 1))
}

# alive PID: a live process (a zombie has no exe link).
alive() { readlink "/proc/$1/exe" >/dev/null 2>&1; }

# expect_rc WANT NAME CMD...: runs CMD, keeps its output in $OUT.
expect_rc() {
	local want=$1 name=$2 rc
	shift 2
	OUT=$("$@" 2>&1)
	rc=$?
	if [ "$rc" = "$want" ]; then
		ok "$name (exit $rc)"
	else
		bad "$name: exit $rc, expected $want; output: $OUT"
	fi
}

expect_output() {
	local name=$1 pattern=$2
	if printf '%s\n' "$OUT" | grep -q -- "$pattern"; then
		ok "$name"
	else
		bad "$name: output lacks '$pattern': $OUT"
	fi
}

count_events() {
	if [ -f "$STATE/events" ]; then
		grep -c -x "$1" "$STATE/events"
	else
		echo 0
	fi
}

pid_in_file() {
	local pid=""
	[ -f "$ROOT/var/run/holdfast.pid" ] && read -r pid <"$ROOT/var/run/holdfast.pid"
	echo "$pid"
}

# suite NAME SSD SHELL...: installs the script into $TMP/NAME and runs every case with
# SHELL (a command, e.g. "busybox sh") and SSD as start-stop-daemon.
suite() {
	local name=$1 ssd=$2 bin pid pid2 other
	shift 2
	echo "$name:"
	ROOT=$TMP/$name/root
	STATE=$TMP/$name/state
	bin=$TMP/$name/bin
	mkdir -p "$ROOT/usr/sbin" "$ROOT/etc/default" "$ROOT/etc/keepalived" "$ROOT/etc/init.d" \
		"$ROOT/var/run" "$STATE" "$bin"
	ln -s "$ssd" "$bin/start-stop-daemon"
	if ! cc -O -DSTATE_DIR="\"$STATE\"" -o "$ROOT/usr/sbin/holdfast" tests/meta/fake-holdfast.c; then
		bad "cannot compile tests/meta/fake-holdfast.c"
		return
	fi
	local rewrite=(-e "s|/usr/sbin/|$ROOT/usr/sbin/|g" -e "s|/etc/|$ROOT/etc/|g"
		-e "s|/var/run/|$ROOT/var/run/|g" -e "s|^PATH=|PATH=$bin:|")
	sed "${rewrite[@]}" platform-yocto/init/holdfast.init >"$ROOT/etc/init.d/holdfast"
	sed "${rewrite[@]}" platform-yocto/init/holdfast.default >"$ROOT/etc/default/holdfast"
	printf 'DAEMON_ARGS="-D -S 2"\nSTOP_TIMEOUT=2\n' >>"$ROOT/etc/default/holdfast"
	cp platform-yocto/init/holdfast.conf.sample "$ROOT/etc/keepalived/keepalived.conf"
	local init=("$@" "$ROOT/etc/init.d/holdfast")

	expect_rc 2 "unknown action is a usage error" "${init[@]}" frobnicate
	expect_rc 3 "status before start: not running" "${init[@]}" status

	echo 0 >"$STATE/t-exit"
	expect_rc 0 "configtest passes holdfast -t's exit code (0)" "${init[@]}" configtest
	expect_output "configtest shows holdfast -t's report" "fake holdfast -t: exit 0"
	echo 5 >"$STATE/t-exit"
	expect_rc 5 "configtest passes holdfast -t's exit code (5)" "${init[@]}" configtest

	echo 4 >"$STATE/t-exit"
	expect_rc 6 "start refuses a config holdfast -t says cannot run" "${init[@]}" start
	if [ -z "$(pid_in_file)" ]; then ok "no pid file after a refused start"; else bad "pid file after a refused start"; fi

	echo 0 >"$STATE/t-exit"
	expect_rc 0 "start" "${init[@]}" start
	pid=$(pid_in_file)
	if [ -n "$pid" ] && alive "$pid"; then ok "pid file names the running daemon ($pid)"; else bad "no live daemon behind pid file '$pid'"; fi
	if [ "$(tr '\n' ' ' <"$STATE/args" 2>/dev/null)" = "-n -f $ROOT/etc/keepalived/keepalived.conf -D -S 2 " ]; then
		ok "daemon arguments: -n -f CONFIG, then DAEMON_ARGS"
	else
		bad "daemon arguments: '$(tr '\n' ' ' <"$STATE/args" 2>/dev/null)'"
	fi
	expect_rc 0 "status while running" "${init[@]}" status
	expect_output "status names the pid" "running (pid $pid)"
	expect_rc 0 "start while running succeeds" "${init[@]}" start
	expect_output "start while running says so" "already running"
	if [ "$(pid_in_file)" = "$pid" ]; then ok "second start kept the same daemon"; else bad "second start replaced the daemon"; fi

	expect_rc 0 "reload" "${init[@]}" reload
	sleep 0.3
	if [ "$(count_events hup)" = 1 ]; then ok "reload sent one SIGHUP"; else bad "reload: $(count_events hup) SIGHUPs seen"; fi
	echo 4 >"$STATE/t-exit"
	expect_rc 1 "reload refuses a config holdfast -t says cannot run" "${init[@]}" reload
	sleep 0.3
	if [ "$(count_events hup)" = 1 ]; then ok "refused reload sent no SIGHUP"; else bad "refused reload: $(count_events hup) SIGHUPs seen"; fi
	echo 0 >"$STATE/t-exit"

	expect_rc 0 "restart" "${init[@]}" restart
	pid2=$(pid_in_file)
	if ! alive "$pid" && [ -n "$pid2" ] && [ "$pid2" != "$pid" ] && alive "$pid2"; then
		ok "restart replaced the daemon ($pid -> $pid2)"
	else
		bad "restart: old $pid alive=$(alive "$pid" && echo yes || echo no), new '$pid2'"
	fi
	if [ "$(count_events term)" = 1 ]; then ok "restart stopped the old daemon with SIGTERM"; else bad "restart: $(count_events term) SIGTERMs seen"; fi

	expect_rc 0 "stop" "${init[@]}" stop
	sleep 0.2
	if ! alive "$pid2" && [ ! -e "$ROOT/var/run/holdfast.pid" ]; then ok "stop ended the daemon and removed the pid file"; else bad "stop left the daemon or its pid file"; fi
	expect_rc 0 "stop when stopped succeeds" "${init[@]}" stop
	expect_rc 7 "reload when stopped: not running" "${init[@]}" reload

	touch "$STATE/ignore-term"
	expect_rc 0 "start a daemon that ignores SIGTERM" "${init[@]}" start
	pid=$(pid_in_file)
	expect_rc 0 "stop escalates to SIGKILL after STOP_TIMEOUT" "${init[@]}" stop
	expect_output "stop says it sent SIGKILL" "sending SIGKILL"
	if [ -n "$pid" ] && ! alive "$pid"; then ok "SIGKILL ended it"; else bad "daemon $pid survived stop"; fi
	rm -f "$STATE/ignore-term"

	touch "$STATE/exit-at-start"
	expect_rc 1 "start reports a daemon that exits at once" "${init[@]}" start
	if [ -z "$(pid_in_file)" ]; then ok "no pid file left by a failed start"; else bad "pid file left by a failed start"; fi
	rm -f "$STATE/exit-at-start"

	# A holdfast busybox init respawns from /etc/inittab, not started by this script.
	"$ROOT/usr/sbin/holdfast" -n -l </dev/null >/dev/null 2>&1 &
	other=$!
	PIDS_TO_KILL+=("$other")
	sleep 0.3
	expect_rc 1 "start refuses a second holdfast" "${init[@]}" start
	expect_rc 0 "status sees the other holdfast" "${init[@]}" status
	expect_output "status says it is not under this script" "not under this script"
	expect_rc 0 "stop leaves the other holdfast alone" "${init[@]}" stop
	if alive "$other"; then ok "the other holdfast still runs"; else bad "stop killed the other holdfast"; fi
	kill -KILL "$other" 2>/dev/null
	wait "$other" 2>/dev/null

	printf 'STOP_TIMEOUT=soon\n' >>"$ROOT/etc/default/holdfast"
	expect_rc 6 "a non-numeric STOP_TIMEOUT is a configuration error" "${init[@]}" status
	sed -i '$d' "$ROOT/etc/default/holdfast"

	rm "$ROOT/etc/keepalived/keepalived.conf"
	expect_rc 6 "start without a config file: not configured" "${init[@]}" start
	rm "$ROOT/usr/sbin/holdfast"
	expect_rc 5 "start without the binary: not installed" "${init[@]}" start
}

missing=()
for tool in cc busybox dash; do
	command -v "$tool" >/dev/null || missing+=("$tool")
done
dpkg_ssd=""
for candidate in /sbin/start-stop-daemon /usr/sbin/start-stop-daemon; do
	if [ -x "$candidate" ] && ! readlink -f "$candidate" | grep -q busybox; then
		dpkg_ssd=$candidate
		break
	fi
done
[ -n "$dpkg_ssd" ] || missing+=("dpkg's start-stop-daemon")
if [ ${#missing[@]} -gt 0 ]; then
	echo "missing: ${missing[*]}"
	exit 1
fi

suite busybox "$(command -v busybox)" "$(command -v busybox)" sh
suite dpkg "$dpkg_ssd" "$(command -v dash)"

echo "init script: $FAILED failed checks"
[ "$FAILED" = 0 ]
