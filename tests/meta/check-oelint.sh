#!/usr/bin/env bash
# check-oelint.sh — oelint-adv (PyPI) on every recipe, append, include, class and conf file of
# meta-layer/, once per release in LAYERSERIES_COMPAT_holdfast. Every finding fails the check
# unless oelint-suppressions.txt lists it with a reason; a listed finding that no longer
# occurs fails too, so the list cannot go stale.
#
# oelint-adv is installed into a venv under target/ (untracked), pinned, from PyPI on first use.
# The HOMEPAGE reachability rule is always off: it makes network requests, CI reaches only
# package registries, and the homepage is a placeholder (.invalid) until the project is published.
set -u
cd "$(dirname "$0")/../.." || exit 1
OELINT_VERSION=9.11.2
venv=target/meta-venv
oelint=$venv/bin/oelint-adv

if [ "$("$oelint" --version 2>/dev/null)" != "oelint-adv $OELINT_VERSION" ]; then
	echo "installing oelint-adv $OELINT_VERSION into $venv"
	if ! { python3 -m venv "$venv" && "$venv/bin/pip" install -q "oelint-adv==$OELINT_VERSION"; }; then
		echo "cannot install oelint-adv (needs python3-venv and PyPI)"
		exit 1
	fi
fi

mapfile -t files < <(find meta-layer -type f \( -name '*.bb' -o -name '*.bbappend' -o -name '*.inc' \
	-o -name '*.bbclass' -o -name '*.conf' \) | sort)
releases=$(sed -n 's/^LAYERSERIES_COMPAT_holdfast = "\(.*\)"/\1/p' meta-layer/conf/layer.conf)
if [ -z "$releases" ]; then
	echo "no LAYERSERIES_COMPAT_holdfast in meta-layer/conf/layer.conf"
	exit 1
fi

findings=$(mktemp)
trap 'rm -f "$findings"' EXIT
for release in $releases; do
	# oelint-adv exits non-zero whenever it reports anything; the findings decide here.
	"$oelint" --quiet --relpaths --release "$release" --suppress oelint.vars.homepageping \
		--messageformat "$release|{path}|{line}|{severity}|{id}|{msg}" "${files[@]}" >>"$findings" 2>&1
done

# $releases is a word list.
# shellcheck disable=SC2086
python3 - "$findings" tests/meta/oelint-suppressions.txt "${#files[@]}" $releases <<'PY'
import sys
findings_file, table_file, nfiles, *releases = sys.argv[1:]
accepted = {}
for line in open(table_file):
    if line.strip() and not line.startswith("#"):
        path, rule, reason = line.split(None, 2)
        accepted[(path, rule)] = reason.strip()
used = set()
failed = 0
for line in open(findings_file):
    line = line.rstrip("\n")
    parts = line.split("|", 5)
    if len(parts) != 6:
        print(f"  unexpected oelint-adv output: {line}")
        failed += 1
        continue
    release, path, lineno, severity, rule, msg = parts
    key = (path, rule)
    if key in accepted:
        used.add(key)
        print(f"  accepted ({release}) {path}:{lineno} {rule}: {accepted[key]}")
    else:
        print(f"  FINDING ({release}) {path}:{lineno}: {severity}: {rule}: {msg}")
        failed += 1
for key in sorted(set(accepted) - used):
    print(f"  STALE suppression, no such finding: {key[0]} {key[1]}")
    failed += 1
print(f"oelint-adv on {nfiles} files for {' '.join(releases)}: {failed} problems")
sys.exit(1 if failed else 0)
PY
