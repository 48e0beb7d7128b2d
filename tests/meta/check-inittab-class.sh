#!/usr/bin/env bash
# check-inittab-class.sh — runs the rootfs step of meta-layer/classes-recipe/holdfast_inittab.bbclass
# (holdfast_inittab_respawn) on a scratch rootfs, with the bitbake variables it uses expanded as
# bitbake would for an mdev-busybox image: the respawn line of platform-yocto/init/inittab-holdfast
# lands in /etc/inittab once (a second run adds nothing), and a missing snippet, a missing inittab
# or a non-busybox init manager stop the image build (bbfatal) instead of passing silently.
set -u
cd "$(dirname "$0")/../.." || exit 1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failed=0
ok() { echo "  ok: $*"; }
bad() {
	echo "  FAILED: $*"
	failed=1
}

class=meta-layer/classes-recipe/holdfast_inittab.bbclass
func=$(sed -n '/^holdfast_inittab_respawn() {$/,/^}$/p' "$class")
if [ -z "$func" ]; then
	echo "  FAILED: no holdfast_inittab_respawn() in $class"
	exit 1
fi

# make_step ROOTFS INIT_MANAGER: the function as bitbake would run it, plus a bbfatal that fails.
# The ${...} in single quotes are bitbake references to replace, not shell expansions.
# shellcheck disable=SC2016
make_step() {
	local expanded
	expanded=$(printf '%s\n' "$func" | sed -e "s|\${IMAGE_ROOTFS}|$1|g" -e 's|\${datadir}|/usr/share|g' \
		-e 's|\${sysconfdir}|/etc|g' -e "s|\${VIRTUAL-RUNTIME_init_manager}|$2|g")
	if printf '%s\n' "$expanded" | grep -q '\${'; then
		bad "the class uses a bitbake variable this test does not expand: $(printf '%s\n' "$expanded" | grep -o '\${[^}]*}' | sort -u | tr '\n' ' ')"
	fi
	printf 'bbfatal() { echo "bbfatal: $*" >&2; exit 1; }\n%s\nholdfast_inittab_respawn\n' "$expanded" >"$tmp/step.sh"
}

rootfs=$tmp/rootfs
mkdir -p "$rootfs/etc" "$rootfs/usr/share/holdfast"
# The shape of oe-core's busybox-inittab, and the snippet as the recipe installs it.
printf '::sysinit:/etc/init.d/rcS\n::shutdown:/etc/init.d/rcK\nttyS0::respawn:/sbin/getty -L 115200 ttyS0\n' \
	>"$rootfs/etc/inittab"
cp platform-yocto/init/inittab-holdfast "$rootfs/usr/share/holdfast/inittab-holdfast"
want=$(grep -v -e '^[[:space:]]*#' -e '^[[:space:]]*$' platform-yocto/init/inittab-holdfast)

case $want in
*$'\n'*) bad "inittab-holdfast should hold one respawn line, has: $want" ;;
::respawn:/usr/sbin/holdfast\ *-n*) ok "snippet: one busybox respawn line on the console, foreground: $want" ;;
*) bad "snippet line is not '::respawn:/usr/sbin/holdfast ... -n ...': $want" ;;
esac

make_step "$rootfs" busybox
if sh "$tmp/step.sh" && [ "$(grep -c -x -F "$want" "$rootfs/etc/inittab")" = 1 ] &&
	[ "$(wc -l <"$rootfs/etc/inittab")" = 4 ]; then
	ok "the respawn line is appended to /etc/inittab"
else
	bad "after the step, /etc/inittab is: $(cat "$rootfs/etc/inittab")"
fi
if sh "$tmp/step.sh" && [ "$(wc -l <"$rootfs/etc/inittab")" = 4 ]; then
	ok "a second run adds nothing"
else
	bad "a second run changed /etc/inittab: $(cat "$rootfs/etc/inittab")"
fi

make_step "$rootfs" sysvinit
if sh "$tmp/step.sh" 2>"$tmp/err"; then
	bad "a sysvinit image was accepted"
else
	if grep -q 'needs busybox init' "$tmp/err"; then
		ok "a non-busybox init manager is a build error"
	else
		bad "unexpected error: $(cat "$tmp/err")"
	fi
fi

make_step "$rootfs" busybox
rm "$rootfs/usr/share/holdfast/inittab-holdfast"
if sh "$tmp/step.sh" 2>"$tmp/err"; then bad "a missing snippet was accepted"; else ok "a missing holdfast-inittab is a build error"; fi
cp platform-yocto/init/inittab-holdfast "$rootfs/usr/share/holdfast/inittab-holdfast"
rm "$rootfs/etc/inittab"
if sh "$tmp/step.sh" 2>"$tmp/err"; then bad "a missing inittab was accepted"; else ok "a missing /etc/inittab is a build error"; fi
exit "$failed"
