SUMMARY = "A small systemd-less image that runs holdfast"
DESCRIPTION = "A console-only image with busybox and holdfast, for a VRRP and IPVS \
               appliance. It needs INIT_MANAGER = \"sysvinit\" (holdfast starts from \
               /etc/init.d/holdfast) or INIT_MANAGER = \"mdev-busybox\" (busybox init \
               respawns holdfast from /etc/inittab). The login is on the machine's \
               serial console (SERIAL_CONSOLES)."
HOMEPAGE = "https://example.invalid/holdfast"
BUGTRACKER = "https://example.invalid/holdfast/issues"
SECTION = "images"
LICENSE = "MIT"

IMAGE_INSTALL = "packagegroup-core-boot packagegroup-holdfast ${CORE_IMAGE_EXTRA_INSTALL}"
IMAGE_LINGUAS = ""

inherit core-image features_check

# wrynose's default init manager is systemd, for which holdfast has no unit yet: the image
# is skipped, with this reason, unless local.conf sets INIT_MANAGER to sysvinit or
# mdev-busybox.
CONFLICT_DISTRO_FEATURES = "systemd"

# busybox init runs no rc links: put holdfast's respawn line in /etc/inittab instead.
inherit_defer ${@'holdfast_inittab' if d.getVar('VIRTUAL-RUNTIME_init_manager') == 'busybox' else ''}
