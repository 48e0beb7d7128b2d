//! The IPVS port: the ipvs actor's only way to the kernel's IPVS tables (generic netlink on
//! Linux, an in-memory kernel in tests).
//!
//! Guarantees every implementation gives, for every method:
//! - **Bounded time.** Each method returns within the implementation's request timeout for every
//!   kernel request it makes (a dump makes one per service plus one), or returns
//!   [`IpvsError::Timeout`]. A kernel that never answers cannot stall the actor.
//! - **Acknowledged.** A change is reported `Ok` only after the kernel's ACK for that very request
//!   (matched by sequence number); a late answer to an earlier, timed-out request is never taken
//!   for the current one.
//! - **Typed errors.** Kernel errnos are mapped with [`IpvsError::from_errno`], the same mapping
//!   for every implementation, so the actor's reactions (re-resolve on ENOENT, report a missing
//!   scheduler) do not depend on which port runs.
//! - **No stale family.** Every request but [`Ipvs::resolve_family`] takes the [`FamilyId`] to
//!   use; the port keeps none of its own.

use core::fmt;
use holdfast_core::ipvs::codec::{DecodeError, Errno, Info};
use holdfast_core::ipvs::{FamilyId, Name, Op, Table};

/// Why an IPVS request failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IpvsError {
    /// ENOENT from the family lookup, or from a request whose family id the kernel no longer
    /// knows: `ip_vs` is not loaded (or was unloaded and reloaded under another id).
    FamilyNotRegistered,
    /// ESRCH: the service does not exist.
    NoSuchService,
    /// ENOENT on SET_DEST/DEL_DEST: the real server does not exist.
    NoSuchDest,
    /// ENOENT on NEW_SERVICE/SET_SERVICE: the kernel has no scheduler `ip_vs_<scheduler>` and could
    /// not load one (dmesg: "Scheduler module ip_vs_X not found").
    SchedulerMissing {
        /// The scheduler asked for.
        scheduler: Name,
    },
    /// EPERM or EACCES: holdfast lacks CAP_NET_ADMIN.
    PermissionDenied,
    /// No complete answer within the port's timeout.
    Timeout,
    /// The answer broke the protocol.
    BadReply(DecodeError),
    /// Any other errno, from the kernel or the socket.
    Other(Errno),
}

/// The request an errno answered, which decides what ENOENT means.
#[derive(Debug, Clone, Copy)]
pub enum Call<'a> {
    /// `CTRL_CMD_GETFAMILY "IPVS"`.
    Resolve,
    /// GET_INFO.
    Info,
    /// A GET_SERVICE or GET_DEST dump.
    Dump,
    /// FLUSH.
    Flush,
    /// One change.
    Apply(&'a Op),
}

impl IpvsError {
    /// The error for `errno` in answer to `call`.
    pub fn from_errno(errno: Errno, call: Call<'_>) -> IpvsError {
        match (errno, call) {
            (Errno::EPERM | Errno::EACCES, _) => IpvsError::PermissionDenied,
            (Errno::ESRCH, _) => IpvsError::NoSuchService,
            (Errno::ENOENT, Call::Apply(Op::AddService(s) | Op::EditService(s))) => {
                IpvsError::SchedulerMissing {
                    scheduler: s.scheduler.clone(),
                }
            }
            (Errno::ENOENT, Call::Apply(Op::EditDest(..) | Op::DelDest(..))) => {
                IpvsError::NoSuchDest
            }
            (Errno::ENOENT, _) => IpvsError::FamilyNotRegistered,
            (e, _) => IpvsError::Other(e),
        }
    }

    /// Whether the kernel answered ENOENT, which is also what every request gets once the
    /// family id is stale: the caller should check the id before believing the error.
    pub fn is_enoent(&self) -> bool {
        matches!(
            self,
            IpvsError::FamilyNotRegistered
                | IpvsError::NoSuchDest
                | IpvsError::SchedulerMissing { .. }
        )
    }
}

impl fmt::Display for IpvsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IpvsError::FamilyNotRegistered => {
                f.write_str("IPVS generic-netlink family not registered (ip_vs not loaded)")
            }
            IpvsError::NoSuchService => f.write_str("no such virtual service (ESRCH)"),
            IpvsError::NoSuchDest => f.write_str("no such real server (ENOENT)"),
            IpvsError::SchedulerMissing { scheduler } => {
                write!(f, "scheduler module ip_vs_{scheduler} not found")
            }
            IpvsError::PermissionDenied => f.write_str("permission denied (needs CAP_NET_ADMIN)"),
            IpvsError::Timeout => f.write_str("no answer from the kernel in time"),
            IpvsError::BadReply(e) => write!(f, "bad reply from the kernel: {e}"),
            IpvsError::Other(e) if *e == Errno::EINVAL => {
                write!(
                    f,
                    "{e}: invalid argument (a real server needs `lo` up, FIELD-NOTES §2)"
                )
            }
            IpvsError::Other(e) => write!(f, "{e}"),
        }
    }
}

/// The kernel's IPVS tables.
///
/// The actors run on one local executor, so the futures need not be `Send`.
#[allow(async_fn_in_trait)]
pub trait Ipvs {
    /// Looks the family up by name (`CTRL_CMD_GETFAMILY "IPVS"`), every time it is called: the
    /// id changes when `ip_vs` is reloaded. `FamilyNotRegistered` when the kernel answers ENOENT.
    async fn resolve_family(&mut self) -> Result<FamilyId, IpvsError>;

    /// GET_INFO: the IPVS version and connection-table size; the first request made with a newly
    /// resolved id, proving the id works.
    async fn info(&mut self, family: FamilyId) -> Result<Info, IpvsError>;

    /// Every service with its real servers: a GET_SERVICE dump, then one GET_DEST dump per
    /// service. Each dump is read to its `NLMSG_DONE`; a service that disappears between the two
    /// dumps is listed without real servers.
    async fn dump(&mut self, family: FamilyId) -> Result<Table, IpvsError>;

    /// Applies one change and waits for its ACK.
    async fn apply(&mut self, family: FamilyId, op: &Op) -> Result<(), IpvsError>;

    /// FLUSH: removes every virtual service (of every owner) and waits for the ACK.
    async fn flush(&mut self, family: FamilyId) -> Result<(), IpvsError>;
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::net::{IpAddr, Ipv4Addr};
    use holdfast_core::ipvs::{Destination, FwdMethod, Protocol, Service, ServiceKey};

    #[test]
    fn enoent_means_what_the_request_was() {
        let key = ServiceKey::Addr {
            protocol: Protocol::Tcp,
            addr: IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1)),
            port: 80,
        };
        let rr = Name::new("rr").expect("valid");
        let add = Op::AddService(Service::new(key, rr.clone()));
        let d = Destination::new(
            IpAddr::V4(Ipv4Addr::new(198, 51, 100, 1)),
            80,
            FwdMethod::Masq,
            1,
        );
        fn enoent(call: Call<'_>) -> IpvsError {
            IpvsError::from_errno(Errno::ENOENT, call)
        }
        assert_eq!(enoent(Call::Resolve), IpvsError::FamilyNotRegistered);
        assert_eq!(
            enoent(Call::Apply(&add)),
            IpvsError::SchedulerMissing { scheduler: rr }
        );
        assert_eq!(
            enoent(Call::Apply(&Op::DelDest(key, d.key))),
            IpvsError::NoSuchDest
        );
        assert_eq!(
            enoent(Call::Apply(&Op::AddDest(key, d))),
            IpvsError::FamilyNotRegistered
        );
        assert_eq!(enoent(Call::Dump), IpvsError::FamilyNotRegistered);
        assert!(enoent(Call::Info).is_enoent());
        assert_eq!(
            IpvsError::from_errno(Errno::EPERM, Call::Dump),
            IpvsError::PermissionDenied
        );
        assert_eq!(
            IpvsError::from_errno(Errno::ESRCH, Call::Apply(&add)),
            IpvsError::NoSuchService
        );
        assert_eq!(
            IpvsError::from_errno(Errno::EEXIST, Call::Flush),
            IpvsError::Other(Errno::EEXIST)
        );
        assert!(!IpvsError::NoSuchService.is_enoent());
        assert_eq!(
            IpvsError::SchedulerMissing {
                scheduler: Name::new("mh").expect("valid")
            }
            .to_string(),
            "scheduler module ip_vs_mh not found"
        );
    }
}
