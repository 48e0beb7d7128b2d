#!/usr/bin/env bash
# Placeholder: replaced below in this session.
set -euo pipefail
cargo test --workspace
