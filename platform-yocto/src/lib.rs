//! holdfast in small systemd-less images: serial-console diagnostics over `embedded-io`, the
//! hardware watchdog, busybox/sysvinit behaviour and appliance paths.
//!
//! Nothing here yet; issue 8 builds it.
