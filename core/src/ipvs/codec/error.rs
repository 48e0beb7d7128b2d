//! Why a reply from the kernel could not be read. One small `Copy` enum, one variant per reason,
//! naming the attribute when one is at fault.

use core::fmt;
use serde::{Deserialize, Serialize};

/// The attributes the decoder reads, to say which one was missing or malformed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[allow(missing_docs)] // named after the kernel's attribute constants
pub enum Attr {
    CtrlFamilyId,
    InfoVersion,
    InfoConnTabSize,
    CmdService,
    CmdDest,
    SvcAf,
    SvcProtocol,
    SvcAddr,
    SvcPort,
    SvcFwmark,
    SvcSchedName,
    SvcFlags,
    SvcTimeout,
    SvcNetmask,
    SvcPeName,
    DestAddr,
    DestPort,
    DestFwdMethod,
    DestWeight,
    DestUThresh,
    DestLThresh,
    DestAddrFamily,
}

/// A reply that is not what the protocol promises.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum DecodeError {
    /// Fewer bytes than a header or length field needs.
    Truncated,
    /// `nlmsg_len` smaller than the netlink header.
    BadMessageLength(u32),
    /// An attribute whose `nla_len` is below 4 or runs past its container.
    BadAttrLength {
        /// The raw attribute type.
        kind: u16,
        /// The raw length.
        len: u16,
    },
    /// A required attribute is absent.
    MissingAttr(Attr),
    /// An attribute has the wrong size for its type.
    AttrSize {
        /// Which attribute.
        attr: Attr,
        /// Its payload length.
        len: usize,
    },
    /// A name attribute that is not NUL-terminated printable ASCII of at most 15 bytes.
    BadName(Attr),
    /// An address family IPVS does not serve.
    UnknownAddressFamily(u16),
    /// A family id of zero or in the reserved range.
    BadFamilyId(u16),
    /// A firewall-mark attribute of zero.
    ZeroFwmark,
    /// A positive value in `NLMSG_ERROR`, which the kernel never sends.
    BadErrorCode(i32),
    /// A generic-netlink reply with another command than the request's reply command.
    UnexpectedCommand {
        /// The command expected.
        expected: u8,
        /// The command received.
        got: u8,
    },
    /// A message type that is neither a control message nor the family's.
    UnexpectedMessageType(u16),
    /// `NLMSG_OVERRUN`: the kernel dropped part of the reply.
    Overrun,
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DecodeError::Truncated => f.write_str("truncated reply"),
            DecodeError::BadMessageLength(n) => write!(f, "netlink message length {n}"),
            DecodeError::BadAttrLength { kind, len } => {
                write!(f, "attribute {kind} has bad length {len}")
            }
            DecodeError::MissingAttr(a) => write!(f, "attribute {a:?} missing"),
            DecodeError::AttrSize { attr, len } => write!(f, "attribute {attr:?} has {len} bytes"),
            DecodeError::BadName(a) => write!(f, "attribute {a:?} is not a valid name"),
            DecodeError::UnknownAddressFamily(af) => write!(f, "address family {af}"),
            DecodeError::BadFamilyId(id) => write!(f, "family id {id}"),
            DecodeError::ZeroFwmark => f.write_str("firewall mark 0"),
            DecodeError::BadErrorCode(e) => write!(f, "positive error code {e}"),
            DecodeError::UnexpectedCommand { expected, got } => {
                write!(f, "command {got} where {expected} was expected")
            }
            DecodeError::UnexpectedMessageType(t) => write!(f, "message type {t}"),
            DecodeError::Overrun => f.write_str("netlink overrun"),
        }
    }
}
