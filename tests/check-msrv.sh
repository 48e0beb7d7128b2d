#!/usr/bin/env bash
# The workspace's rust-version must be at least every dependency's declared rust-version, so the
# MSRV stated in Cargo.toml is true for the dependency set (only one toolchain exists here, so
# this is checked from metadata rather than by building with an old compiler).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo metadata --format-version 1 --locked | python3 -c '
import json, sys
meta = json.load(sys.stdin)
ws = set(meta["workspace_members"])
def v(s): return tuple(int(x) for x in (s.split(".") + ["0", "0"])[:3])
ours = {p["rust_version"] for p in meta["packages"] if p["id"] in ws}
assert len(ours) == 1, f"workspace members disagree on rust-version: {ours}"
ours = ours.pop()
worst = max(((v(p["rust_version"]), p["name"]) for p in meta["packages"] if p.get("rust_version") and p["id"] not in ws), default=((0,0,0), "-"))
print(f"workspace rust-version {ours}; highest dependency rust-version {worst[0]} ({worst[1]})")
if worst[0] > v(ours):
    sys.exit(f"MSRV {ours} is lower than {worst[1]} needs")
'
