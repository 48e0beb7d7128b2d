//! The resolved generic-netlink family id of IPVS: a value that exists only after a successful
//! `CTRL_CMD_GETFAMILY "IPVS"`, so no IPVS message can be built with an unresolved or stale id.

use core::fmt;
use core::num::NonZeroU16;
use serde::{Deserialize, Serialize};

/// The IPVS family id the kernel handed out. It is dynamic (it changes when `ip_vs` is reloaded,
/// FIELD-NOTES §2), so a holder must re-resolve after a module load and after ENOENT.
///
/// The id is non-zero by construction: keepalived 2.3.1 kept a failed (negative) id and sent
/// requests with it; here a failed resolve has no value to keep.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct FamilyId(NonZeroU16);

impl FamilyId {
    /// Generic netlink reserves ids below `GENL_MIN_ID` (0x10, the controller itself) and never
    /// hands them to a family.
    pub const MIN: u16 = 0x10;

    /// The id from a `CTRL_ATTR_FAMILY_ID`; `None` for ids the kernel never assigns to a family
    /// (zero and the reserved range below the controller).
    pub fn new(raw: u16) -> Option<FamilyId> {
        if raw <= Self::MIN {
            return None;
        }
        NonZeroU16::new(raw).map(FamilyId)
    }

    /// The id as the `nlmsg_type` of a request.
    pub const fn get(self) -> u16 {
        self.0.get()
    }
}

impl fmt::Display for FamilyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reserved_and_zero_ids_are_unrepresentable() {
        assert_eq!(FamilyId::new(0), None);
        assert_eq!(FamilyId::new(0x10), None, "the controller's own id");
        assert_eq!(FamilyId::new(36).map(FamilyId::get), Some(36));
    }
}
