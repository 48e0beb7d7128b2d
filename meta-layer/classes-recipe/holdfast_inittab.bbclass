# holdfast_inittab: starts holdfast from busybox init's /etc/inittab in an image whose init
# manager is busybox (INIT_MANAGER = "mdev-busybox"). There update-rc.d makes no rc links,
# so /etc/init.d/holdfast never runs at boot; busybox init respawns holdfast instead, in the
# foreground (-n) with its log on the console (-l).
#
# Use it in an image recipe (inherit holdfast_inittab) or for every image from local.conf:
#   IMAGE_CLASSES += "holdfast_inittab"
# holdfast-image-minimal inherits it by itself when the init manager is busybox.
#
# The line comes from the holdfast-inittab package (${datadir}/holdfast/inittab-holdfast),
# built from platform-yocto/init/inittab-holdfast, so the recipe's paths apply to it. It is
# appended after the packages are installed, the way oe-core's read-only-rootfs support edits
# busybox's inittab, so no other recipe changes.

IMAGE_INSTALL:append = " holdfast-inittab"
ROOTFS_POSTPROCESS_COMMAND += "holdfast_inittab_respawn"

holdfast_inittab_respawn[doc] = "Appends holdfast's respawn line to the image's busybox inittab"
holdfast_inittab_respawn() {
    if [ "${VIRTUAL-RUNTIME_init_manager}" != "busybox" ]; then
        bbfatal "holdfast_inittab needs busybox init (INIT_MANAGER = \"mdev-busybox\"), not ${VIRTUAL-RUNTIME_init_manager}; with sysvinit, ${sysconfdir}/init.d/holdfast starts holdfast"
    fi
    snippet=${IMAGE_ROOTFS}${datadir}/holdfast/inittab-holdfast
    inittab=${IMAGE_ROOTFS}${sysconfdir}/inittab
    if [ ! -f "$snippet" ]; then
        bbfatal "holdfast_inittab: $snippet is missing; is holdfast-inittab installed?"
    fi
    if [ ! -f "$inittab" ]; then
        bbfatal "holdfast_inittab: the image has no ${sysconfdir}/inittab (busybox-inittab)"
    fi
    grep -v -e '^[[:space:]]*#' -e '^[[:space:]]*$' "$snippet" | while IFS= read -r line; do
        if ! grep -qxF "$line" "$inittab"; then
            printf '%s\n' "$line" >> "$inittab"
        fi
    done
}
