//! holdfast on Linux: implementations of the actors' port traits over Linux system calls, and the
//! pieces of the `holdfast` binary (command line, configuration loading).
//!
//! Only this crate and `holdfast-yocto` touch files, sockets, netlink and kernel modules.

pub mod cli;
pub mod clock;
pub mod config_files;
pub mod config_test;
pub mod daemon;
pub mod dump;
pub mod ipvs;
pub mod kmod;
pub mod load;
pub mod net;
pub mod notify;
pub mod probe;
pub mod system_facts;
