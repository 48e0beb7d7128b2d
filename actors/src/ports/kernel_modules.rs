//! The kernel-module port (being written).
