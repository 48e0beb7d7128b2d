//! Port traits: the only way an actor reaches the operating system. Each trait is implemented on
//! Linux by `holdfast-linux` and in tests by in-memory fakes; each method's doc says what an
//! implementation must guarantee.

pub mod ipvs;
pub mod kernel_modules;
