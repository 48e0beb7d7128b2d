SUMMARY = "keepalived-compatible VRRP, IPVS and health-check daemon"
DESCRIPTION = "holdfast keeps virtual IP addresses alive with VRRP, checks real \
               servers and programs the kernel's IPVS load balancer. It reads \
               keepalived.conf and accepts keepalived's command line, and loads \
               the IPVS kernel modules itself before it programs IPVS, so a cold \
               boot needs no modprobe or module autoloading."
# Not published yet (.invalid).
HOMEPAGE = "https://example.invalid/holdfast"
BUGTRACKER = "https://example.invalid/holdfast/issues"
SECTION = "net"
LICENSE = "MIT | Apache-2.0"
LIC_FILES_CHKSUM = "file://LICENSE-MIT;md5=29be5f63ad04c2fd0a07f2c4b82a2504 \
                    file://LICENSE-APACHE;md5=3b83ef96387f14655fc854ddc3c6bd57"
CVE_PRODUCT = "holdfast"

# Cargo.toml's workspace version; tests/meta/run.sh checks they agree.
PV = "0.1.0+git"

# The layer sits in the holdfast repository (meta-layer/), so by default the recipe builds
# the main branch of that same checkout, whose Cargo.lock holdfast-crates.inc is generated
# from. A layer copied elsewhere points this at the published repository, e.g.
#   HOLDFAST_GIT_URI = "git://example.invalid/holdfast.git;protocol=https"
HOLDFAST_GIT_URI ?= "git://${@os.path.normpath(os.path.join(d.getVar('THISDIR'), '..', '..', '..'))};protocol=file"
SRC_URI = "${HOLDFAST_GIT_URI};branch=main;destsuffix=${BP}"
# Follows main by default, so that the layer and the source it builds come from one
# checkout. A release build pins the commit, e.g. in local.conf:
#   SRCREV:pn-holdfast = "<40-digit commit>"
# nooelint: oelint.vars.autorev
SRCREV ?= "${AUTOREV}"

inherit cargo cargo-update-recipe-crates update-rc.d

require ${BPN}-crates.inc

# Only the daemon binary: the workspace's other members are libraries and test tools.
CARGO_BUILD_FLAGS += "-p holdfast-linux --bin holdfast"
# The workspace profile strips the binary for hand-made images; here do_package strips it
# and keeps the debug symbols in ${PN}-dbg.
CARGO_BUILD_FLAGS += "--config profile.release.strip=false"

do_install() {
    install -D -m 0755 ${B}/target/${CARGO_TARGET_SUBDIR}/holdfast ${D}${sbindir}/holdfast
    install -D -m 0755 ${S}/platform-yocto/init/holdfast.init ${D}${sysconfdir}/init.d/holdfast
    install -D -m 0644 ${S}/platform-yocto/init/holdfast.default ${D}${sysconfdir}/default/holdfast
    # keepalived's path, which holdfast reads by default: an existing keepalived.conf and
    # keepalived init scripts work unchanged. 0600 because a real one may hold auth_pass.
    install -D -m 0600 ${S}/platform-yocto/init/holdfast.conf.sample ${D}${sysconfdir}/keepalived/keepalived.conf
    install -D -m 0644 ${S}/platform-yocto/init/inittab-holdfast ${D}${datadir}/holdfast/inittab-holdfast
    sed -i -e 's|/usr/sbin/|${sbindir}/|g' -e 's|/etc/|${sysconfdir}/|g' \
        ${D}${sysconfdir}/init.d/holdfast \
        ${D}${sysconfdir}/default/holdfast \
        ${D}${datadir}/holdfast/inittab-holdfast
}

INITSCRIPT_NAME = "holdfast"
# After networking and syslog on the way up, early on the way down so that holdfast hands
# mastership over while the network is still up.
INITSCRIPT_PARAMS = "start 30 2 3 4 5 . stop 20 0 1 6 ."

# ${PN}-inittab: the busybox-init respawn line, for images without sysvinit (update-rc.d
# links are made only when DISTRO_FEATURES has sysvinit). The holdfast_inittab image class
# installs it and appends the line to /etc/inittab.
PACKAGE_BEFORE_PN = "${PN}-inittab"
# A package of its own, so FILES has no default to override.
# nooelint: oelint.var.filesoverride
FILES:${PN}-inittab = "${datadir}/holdfast/inittab-holdfast"
RDEPENDS:${PN}-inittab = "${PN}"

CONFFILES:${PN} = "${sysconfdir}/default/holdfast \
                   ${sysconfdir}/keepalived/keepalived.conf"

# holdfast loads these itself (finit_module), before it talks to IPVS; the kernel-module
# packages pull in their own dependencies (nf_conntrack, nf_defrag_*, libcrc32c). crc32c
# is only a soft dependency of libcrc32c, which module packaging does not follow.
# The kernel builds them with the holdfast-ipvs DISTRO_FEATURE (recipes-kernel/linux).
RRECOMMENDS:${PN} = "kernel-module-ip-vs \
                     kernel-module-ip-vs-rr \
                     kernel-module-ip-vs-wrr \
                     kernel-module-ip-vs-lc \
                     kernel-module-ip-vs-wlc \
                     kernel-module-ip-vs-sh \
                     kernel-module-nf-conntrack \
                     kernel-module-crc32c-generic"
