#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# compare-keepalived.sh — runs `keepalived -t` and `holdfast -t` on every
# config in tests/configs/compare/ and tests/configs/samples/ and checks that
# holdfast gives keepalived's verdict (exit code class).
#
# Usage: HOLDFAST=/path/to/holdfast tests/system/compare-keepalived.sh [FILE...]
#        tests/system/compare-keepalived.sh --record [FILE...]
#   HOLDFAST    holdfast binary (default: <repo>/target/debug/holdfast)
#   KEEPALIVED  keepalived binary (default: keepalived on PATH)
#   FILE...     corpus files to run (default: all of compare/*.conf + samples)
#   --record    run keepalived only and rewrite each compare/*.conf file's
#               "# keepalived-<version>: exit N: message" line (for authors
#               of new corpus files; review the diff before committing)
#
# Corpus file header (comment lines at the top; see tests/configs/compare/README.md):
#   # expect: ok|error|security|cannot-run|abort|no-config   (first line)
#   # keepalived-2.2.7: exit N: first message               (documentation)
#   # args: -i lb1                                         (extra options)
#   # holdfast: unsupported | <class>                      (holdfast differs)
#
# Verdict classes by exit code: 0 ok, 2 abort (keepalived stops parsing at a
# missing value, even under -t), 4 cannot-run, 5 error, 6 security (also
# "no-config": a missing file under -e exits 6 before the test runs).
# A file FAILs when holdfast's class differs from the expected one
# (keepalived's, or the `# holdfast:` override), or, when the installed
# keepalived is the version the corpus was recorded with, when keepalived
# itself disagrees with `# expect:` (the corpus would be lying).
#
# Output: one "PASS|FAIL file keepalived=N holdfast=M" line per file (FAIL
# lines are followed by indented details), then "N passed, M failed".
# Exit status: 0 all passed; 1 any failure. Not root / no `ip netns` / no
# keepalived: skip with exit 0, but under CI=true a skip is a failure.

set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
# shellcheck source=lib.sh
. "$HERE/lib.sh"
hf_init

CONFIGS="$REPO/tests/configs"
RECORDED_VERSION=2.2.7
KEEPALIVED=${KEEPALIVED:-keepalived}
HOLDFAST=${HOLDFAST:-$REPO/target/debug/holdfast}
RECORD=0
if [ "${1:-}" = --record ]; then
	RECORD=1
	shift
fi

hf_require_root
hf_require_cmd ip timeout "$KEEPALIVED"
if [ "$RECORD" = 0 ] && ! command -v "$HOLDFAST" >/dev/null 2>&1; then
	hf_skip "holdfast binary not found: $HOLDFAST (cargo build -p holdfast-linux, or set HOLDFAST=)"
fi

KA_VERSION=$("$KEEPALIVED" -v 2>&1 | sed -n 's/^Keepalived v\([0-9.]*\).*/\1/p' | head -n 1)
if [ -z "$KA_VERSION" ]; then
	hf_skip "cannot read the version of $KEEPALIVED"
fi
if [ "$KA_VERSION" != "$RECORDED_VERSION" ]; then
	echo "NOTE: keepalived $KA_VERSION, corpus recorded with $RECORDED_VERSION: '# expect:' lines are not enforced"
fi

# class_of EXIT_CODE — the verdict class of a `-t` exit code.
class_of() {
	case $1 in
	0) echo ok ;;
	2) echo abort ;;
	4) echo cannot-run ;;
	5) echo error ;;
	6) echo security ;;
	124) echo timeout ;;
	*) echo "exit-$1" ;;
	esac
}

# norm_class NAME — header spellings to the class class_of produces.
norm_class() {
	case $1 in
	no-config) echo security ;;
	unsupported) echo cannot-run ;;
	*) echo "$1" ;;
	esac
}

# header FILE KEY — the value of the "# KEY: value" header line, if any.
# Only the leading comment block counts, so config text never matches.
header() {
	awk -v key="$2" '
		!/^#/ { exit }
		{
			prefix = "# " key ":"
			if (substr($0, 1, length(prefix)) == prefix) {
				v = substr($0, length(prefix) + 1)
				sub(/^[ \t]+/, "", v); sub(/[ \t]+$/, "", v)
				print v
				exit
			}
		}' "$1"
}

# Stage the configs in a root-owned private copy: script-security verdicts
# depend on the owner and mode of every directory above a script, which a
# checkout does not control (CI user, umask, git's 644/755 only).
STAGE=$(mktemp -d /tmp/hf-compare.XXXXXX) || hf_skip "mktemp failed"
hf_on_exit rm -rf "$STAGE"
cp -R "$CONFIGS/." "$STAGE/"
chown -R 0:0 "$STAGE"
chmod -R u+rwX,go-w,go+rX "$STAGE"
find "$STAGE" -path '*/scripts/*' -type f -exec chmod 0755 {} +
find "$STAGE" -path '*/scripts/world-writable*' -type f -exec chmod 0777 {} +
find "$STAGE" -path '*/scripts/nonroot-owned*' -type f -exec chown 65534:65534 {} +

hf_netns_create cmp
NS=$HF_NETNS
hf_netns_add_links "$NS" eth0 eth1 eth2 eth3

# run_t BINARY FILE OUTFILE ARGS... — runs BINARY -t in the namespace; prints
# its exit code. stdout and stderr go to OUTFILE.
run_t() {
	local bin=$1 file=$2 out=$3
	shift 3
	ip netns exec "$NS" timeout 10 "$bin" -t -f "$file" "$@" </dev/null >"$out" 2>&1
	echo $?
}

# first_message OUTFILE — keepalived's first diagnostic, without the
# staging path (so the recorded line does not depend on the machine).
first_message() {
	local msg
	msg=$(grep -v '^[[:space:]]*$' "$1" | head -n 1 | sed -e "s#$STAGE/[^:]*: ##" -e 's/[[:space:]]*$//')
	printf '%s' "${msg:-(no message)}" | cut -c 1-160
}

show_output() {
	if [ ! -s "$2" ]; then
		echo "    $1: (no output)"
		return
	fi
	sed -e 's/^/    | /' "$2" | head -n 6 | sed -e "s#$STAGE/##g" -e "1s/^    | /    $1: /"
}

# record FILE — rewrite FILE's "# keepalived-VERSION:" header line.
record() {
	local src=$1 rel staged out rc msg line tmp
	rel=${src#"$CONFIGS"/}
	staged="$STAGE/$rel"
	out="$STAGE/.out.k"
	tmp=$(mktemp "$STAGE/.rec.XXXXXX")
	# set_line LINE: replace the existing verdict line, or insert one after
	# "# expect:" (line 1).
	set_line() {
		awk -v line="$1" -v tag="# keepalived-$KA_VERSION:" '
			FNR == NR { if (index($0, tag) == 1) has = 1; next }
			index($0, tag) == 1 { print line; next }
			{ print }
			FNR == 1 && !has { print line }
		' "$src" "$src" >"$tmp" && cat "$tmp" >"$src"
	}
	# Insert a placeholder first so keepalived's line numbers already count
	# the verdict line.
	set_line "# keepalived-$KA_VERSION: (recording)"
	cp "$src" "$staged"
	read -r -a args <<<"$(header "$src" args)"
	rc=$(run_t "$KEEPALIVED" "$staged" "$out" "${args[@]}")
	msg=$(first_message "$out")
	line="# keepalived-$KA_VERSION: exit $rc: $msg"
	set_line "$line"
	local expect
	expect=$(header "$src" expect)
	if [ -n "$expect" ] && [ "$(norm_class "$expect")" != "$(class_of "$rc")" ]; then
		echo "MISMATCH $rel: # expect: $expect, keepalived exit $rc ($(class_of "$rc"))"
	else
		echo "recorded $rel: exit $rc"
	fi
}

# check NAME STAGED_FILE EXPECT HOLDFAST_OVERRIDE ARGS... — one PASS/FAIL line.
check() {
	local name=$1 file=$2 expect=$3 override=$4
	shift 4
	local krc hrc kclass hclass want why=""
	krc=$(run_t "$KEEPALIVED" "$file" "$STAGE/.out.k" "$@")
	hrc=$(run_t "$HOLDFAST" "$file" "$STAGE/.out.h" "$@")
	kclass=$(class_of "$krc")
	hclass=$(class_of "$hrc")
	if [ -n "$override" ] && [ "$override" != "?" ] && [ "$override" != same ]; then
		want=$(norm_class "$override")
	else
		want=$kclass
	fi
	if [ "$KA_VERSION" = "$RECORDED_VERSION" ] && [ -n "$expect" ] &&
		[ "$(norm_class "$expect")" != "$kclass" ]; then
		why="keepalived gave $kclass but the corpus says '$expect'"
	elif [ "$hclass" != "$want" ]; then
		why="holdfast gave $hclass, expected $want"
	fi
	case $kclass in ok | abort | cannot-run | error | security) ;; *) why=${why:-"keepalived gave $kclass"} ;; esac
	if [ -z "$why" ]; then
		hf_pass "$name keepalived=$krc holdfast=$hrc"
	else
		hf_fail "$name keepalived=$krc holdfast=$hrc"
		echo "    why: $why"
		show_output keepalived "$STAGE/.out.k"
		show_output holdfast "$STAGE/.out.h"
	fi
}

# The corpus list: arguments, or every compare/*.conf then every sample in
# the manifest. Paths are relative to tests/configs.
declare -a FILES=()
if [ $# -gt 0 ]; then
	for f in "$@"; do
		abs=$(cd "$(dirname "$f")" && pwd)/$(basename "$f")
		FILES+=("${abs#"$CONFIGS"/}")
	done
else
	for f in "$CONFIGS"/compare/*.conf; do
		FILES+=("${f#"$CONFIGS"/}")
	done
	if [ "$RECORD" = 0 ] && [ -f "$CONFIGS/samples/EXPECTED" ]; then
		while read -r name _ _; do
			case $name in '' | '#'*) continue ;; esac
			FILES+=("samples/$name")
		done <"$CONFIGS/samples/EXPECTED"
	fi
fi
if [ ${#FILES[@]} -eq 0 ]; then
	hf_fail "corpus" "no config files found under $CONFIGS"
fi

for rel in "${FILES[@]}"; do
	src="$CONFIGS/$rel"
	if [ ! -f "$src" ] || [ ! -f "$STAGE/$rel" ]; then
		hf_fail "$rel keepalived=- holdfast=-"
		echo "    why: file not found under $CONFIGS"
		continue
	fi
	if [ "$RECORD" = 1 ]; then
		record "$src"
		continue
	fi
	case $rel in
	samples/*)
		# Manifest columns: name, keepalived exit code, holdfast verdict.
		read -r _ kexit hverdict _ < <(awk -v n="${rel#samples/}" '$1 == n { print; exit }' "$CONFIGS/samples/EXPECTED")
		expect=""
		if [ -n "${kexit:-}" ] && [ "$kexit" != "?" ]; then
			expect=$(class_of "$kexit")
		fi
		override=""
		case ${hverdict:-same} in
		same | "?") ;;
		[0-9]*) override=$(class_of "$hverdict") ;;
		*) override=$hverdict ;;
		esac
		check "$rel" "$STAGE/$rel" "$expect" "$override"
		;;
	*)
		read -r -a args <<<"$(header "$src" args)"
		check "$rel" "$STAGE/$rel" "$(header "$src" expect)" "$(header "$src" holdfast)" "${args[@]}"
		;;
	esac
done

if [ "$RECORD" = 1 ]; then
	exit 0
fi
hf_summary
