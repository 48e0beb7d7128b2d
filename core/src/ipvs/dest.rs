//! A real server (IPVS "destination") of a virtual service: its identity within the service
//! ([`DestKey`]) and the parameters that can be edited in place ([`Destination`]).

use core::fmt;
use core::net::IpAddr;
use serde::{Deserialize, Serialize};

/// How packets reach a real server (`lb_kind`), `IP_VS_CONN_F_*` on the wire. Unknown values
/// parse so a dump of some other tool's destination never fails.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum FwdMethod {
    /// NAT (0).
    Masq,
    /// The director itself (1).
    Local,
    /// IP-in-IP tunnel (2).
    Tunnel,
    /// Direct routing (3).
    Route,
    /// Another value of the 3-bit field.
    Other(u32),
}

impl FwdMethod {
    /// The wire value.
    pub const fn number(self) -> u32 {
        match self {
            FwdMethod::Masq => 0,
            FwdMethod::Local => 1,
            FwdMethod::Tunnel => 2,
            FwdMethod::Route => 3,
            FwdMethod::Other(n) => n,
        }
    }

    /// The method for a wire value.
    pub const fn from_number(n: u32) -> FwdMethod {
        match n {
            0 => FwdMethod::Masq,
            1 => FwdMethod::Local,
            2 => FwdMethod::Tunnel,
            3 => FwdMethod::Route,
            n => FwdMethod::Other(n),
        }
    }
}

/// What identifies a real server within its service.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct DestKey {
    /// The real server's address (its family may differ from the service's only for tunnels).
    pub addr: IpAddr,
    /// The real server's port (0 is allowed for firewall-mark services).
    pub port: u16,
}

impl fmt::Display for DestKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.addr {
            IpAddr::V4(a) => write!(f, "{a}:{}", self.port),
            IpAddr::V6(a) => write!(f, "[{a}]:{}", self.port),
        }
    }
}

/// Everything IPVS stores about a real server that holdfast sets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Destination {
    /// Identity within the service.
    pub key: DestKey,
    /// Forwarding method.
    pub fwd: FwdMethod,
    /// Scheduling weight; 0 keeps the server but sends it no new connections. The kernel
    /// rejects values above `i32::MAX` with ERANGE.
    pub weight: u32,
    /// Upper connection threshold (0: none).
    pub u_thresh: u32,
    /// Lower connection threshold (0: none).
    pub l_thresh: u32,
}

impl Destination {
    /// A destination with no thresholds.
    pub const fn new(addr: IpAddr, port: u16, fwd: FwdMethod, weight: u32) -> Destination {
        Destination {
            key: DestKey { addr, port },
            fwd,
            weight,
            u_thresh: 0,
            l_thresh: 0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fwd_method_numbers_round_trip() {
        for n in 0..8 {
            assert_eq!(FwdMethod::from_number(n).number(), n);
        }
        assert_eq!(FwdMethod::from_number(3), FwdMethod::Route);
    }
}
