SUMMARY = "holdfast and what it needs at run time"
DESCRIPTION = "The holdfast daemon, and a syslog daemon where holdfast runs in the \
               background under sysvinit."
HOMEPAGE = "https://example.invalid/holdfast"
BUGTRACKER = "https://example.invalid/holdfast/issues"
SECTION = "net"
LICENSE = "MIT"

inherit packagegroup

# Where holdfast is started by /etc/init.d/holdfast (sysvinit), its log goes to syslog:
# start-stop-daemon points its standard output at /dev/null.
VIRTUAL-RUNTIME_syslog ??= "busybox-syslog"

# Under busybox init (mdev-busybox), the holdfast_inittab image class adds holdfast-inittab
# and its respawn line; holdfast-image-minimal inherits it there.
RDEPENDS:${PN} = "holdfast"
RRECOMMENDS:${PN} = "${@bb.utils.contains('DISTRO_FEATURES', 'sysvinit', d.getVar('VIRTUAL-RUNTIME_syslog'), '', d)}"
