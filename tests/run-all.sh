#!/usr/bin/env bash
# holdfast's whole test suite, the README's test command and what CI runs (.ci/run).
#
# On a fresh Debian 12 machine (as root) it first installs what the tests need; then it runs
# formatting and lint checks, the unit and integration tests, the no_std build of the core, the
# MSRV check, bounded fuzz runs, and the system tests (keepalived comparison in a network
# namespace, VRRP interop with a real keepalived on a namespace segment). Outside CI a system
# test may skip with a printed reason; under CI=true a skip fails.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TERM_COLOR=never

FUZZ_SECONDS=${FUZZ_SECONDS:-30}
steps_passed=0
steps_failed=0
failed_names=()

step() {
    local name=$1
    shift
    echo
    echo "=== $name"
    local start=$SECONDS
    if "$@"; then
        steps_passed=$((steps_passed + 1))
        echo "=== $name: ok ($((SECONDS - start)) s)"
    else
        steps_failed=$((steps_failed + 1))
        failed_names+=("$name")
        echo "=== $name: FAILED ($((SECONDS - start)) s)"
    fi
}

fuzz_all() {
    local entry dir target seeds log
    log=$(mktemp)
    for entry in core/fuzz:config_reader core/fuzz:config_parse core/fuzz:vrrp_packet \
        core/fuzz:ipvs_codec core/fuzz:module_index platform-yocto/fuzz:console_input; do
        dir=${entry%%:*} target=${entry#*:}
        mkdir -p "$dir/corpus/$target"
        seeds=()
        [ -d "$dir/seeds/$target" ] && seeds=("seeds/$target")
        # Quiet on success; on a finding, the panic message and the reproducer's path.
        if ! (cd "$dir" && cargo fuzz run -s none "$target" "corpus/$target" "${seeds[@]}" -- \
            -max_total_time="$FUZZ_SECONDS" -print_final_stats=0 >"$log" 2>&1); then
            grep -v '^#[0-9]' "$log" | tail -n 60
            return 1
        fi
        echo "$target: $(grep -o 'Done [0-9]* runs in [0-9]* second(s)' "$log" | tail -n 1)"
    done
}

system_tests() {
    cargo build --quiet -p holdfast-linux
    HOLDFAST="$PWD/target/debug/holdfast" bash tests/system/compare-keepalived.sh
}

vrrp_interop() {
    cargo build --quiet -p holdfast-linux
    HOLDFAST="$PWD/target/debug/holdfast" bash tests/system/vrrp-interop.sh
}

vrrp_track() {
    cargo build --quiet -p holdfast-linux
    HOLDFAST="$PWD/target/debug/holdfast" bash tests/system/vrrp-track.sh
}

step "install dependencies" bash tests/install-deps.sh
step "cargo fmt" cargo fmt --all -- --check
step "cargo clippy" cargo clippy --workspace --all-targets --quiet -- -D warnings
step "cargo test" cargo test --workspace
step "core is no_std (thumbv7em-none-eabihf, with and without defmt)" bash -c \
    'cargo build --quiet -p holdfast-core --target thumbv7em-none-eabihf &&
     cargo build --quiet -p holdfast-core --target thumbv7em-none-eabihf --features defmt'
step "MSRV covers every dependency" bash tests/check-msrv.sh
step "fuzz (${FUZZ_SECONDS}s per target)" fuzz_all
step "system tests" system_tests
step "VRRP interop with keepalived 2.2.7 (namespaces)" vrrp_interop
step "VRRP tracking (vrrp_script) with keepalived 2.2.7 (namespaces)" vrrp_track
step "real kernel (QEMU): IPVS premise" bash tests/vm/vm-premise.sh
step "real kernel (QEMU): IPVS port" bash tests/vm/vm-ipvs-port.sh
step "real kernel (QEMU): module loader" bash tests/vm/vm-module-loader.sh
step "real kernel (QEMU): holdfast daemon cold boot" bash tests/vm/vm-cold-boot.sh
step "real kernel (QEMU): hardware watchdog (i6300esb)" bash tests/vm/vm-watchdog.sh
step "real kernel (QEMU): holdfast --watchdog (i6300esb): up while running, reset on SIGSTOP, none after TERM" bash tests/vm/vm-daemon-watchdog.sh
step "real kernel (QEMU): holdfast --console on ttyS1 (modules shows the loader's work)" bash tests/vm/vm-console.sh
step "real kernel (QEMU): image-shaped boot, holdfast started by init" bash tests/vm/vm-image.sh
step "aarch64: static cross build, core+actors tests under qemu-aarch64" bash tests/cross/aarch64.sh
step "Yocto layer checks" bash tests/meta/run.sh
step "footprint against keepalived (printed)" bash tests/bench/footprint.sh
step "shellcheck" bash -c 'shellcheck -x tests/*.sh tests/system/*.sh tests/bench/*.sh tests/vm/*.sh tests/cross/*.sh .ci/run'

echo
if [ "$steps_failed" -gt 0 ]; then
    echo "failed steps: ${failed_names[*]}"
fi
echo "steps: $steps_passed passed, $steps_failed failed"
[ "$steps_failed" -eq 0 ]
