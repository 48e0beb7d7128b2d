//! holdfast in small systemd-less images: the serial-console diagnostics ([`console`]), the
//! hardware watchdog ([`watchdog`]) and boot logging for a daemon started in the background
//! ([`bootlog`]).
//!
//! The daemon wires these in; this crate never decides protocol behaviour and never reaches into
//! an actor. It sees the daemon's state only as the plain data of [`snapshot::Snapshot`] and
//! [`events::Event`], and the supervisor's view of its actors only through
//! [`watchdog::Liveness`].

pub mod bootlog;
pub mod console;
pub mod events;
pub mod snapshot;
#[cfg(feature = "test-support")]
pub mod test_support;
pub mod watchdog;
