# IPVS and the schedulers holdfast uses, as modules, when the distro opts in:
#   DISTRO_FEATURES:append = " holdfast-ipvs"
# The require is conditional, so without the feature this layer leaves the kernel's
# signature unchanged (yocto-check-layer's rule for layers that are not distros).
require ${@bb.utils.contains('DISTRO_FEATURES', 'holdfast-ipvs', 'linux-yocto-holdfast-ipvs.inc', '', d)}
