#!/usr/bin/env bash
# check-crates-inc.sh — fails when meta-layer/recipes-daemons/holdfast/holdfast-crates.inc is
# not what meta-layer/scripts/gen-crates-inc.py makes from the current Cargo.lock, i.e. when
# Cargo.lock changed and the include was not regenerated (the recipe's --frozen build would
# then miss crates). Prints the diff and the command that fixes it.
set -euo pipefail
cd "$(dirname "$0")/../.." || exit 1
inc=meta-layer/recipes-daemons/holdfast/holdfast-crates.inc
fresh=$(mktemp)
trap 'rm -f "$fresh"' EXIT

python3 meta-layer/scripts/gen-crates-inc.py --output "$fresh"
if diff -u "$inc" "$fresh"; then
	echo "$inc matches Cargo.lock ($(grep -c 'crate://' "$inc") crates)"
else
	echo "$inc is out of date with Cargo.lock; regenerate it with:"
	echo "    python3 meta-layer/scripts/gen-crates-inc.py"
	exit 1
fi
