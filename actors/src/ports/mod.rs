//! Port traits: the only way an actor reaches the operating system. Each trait is implemented on
//! Linux by `holdfast-linux` and in tests by in-memory fakes; each method's doc says what an
//! implementation must guarantee.

pub mod clock;
#[cfg(any(test, feature = "test-support"))]
pub mod fake_net;
pub mod ipvs;
pub mod kernel_modules;
pub mod notify;
pub mod probe;
pub mod vrrp_net;
