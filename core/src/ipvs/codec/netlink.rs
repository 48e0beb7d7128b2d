//! Netlink message framing: splitting a received datagram into messages, classifying each one
//! (data, ACK, error, end of dump), and writing the header of a request.
//!
//! ```text
//!  0               1               2               3
//! +---------------+---------------+---------------+---------------+
//! |                          nlmsg_len (u32)                      |
//! +-------------------------------+-------------------------------+
//! |        nlmsg_type (u16)       |       nlmsg_flags (u16)       |
//! +-------------------------------+-------------------------------+
//! |                          nlmsg_seq (u32)                      |
//! +---------------------------------------------------------------+
//! |                          nlmsg_pid (u32)                      |
//! +---------------+---------------+-------------------------------+
//! | genl cmd (u8) | version (u8)  |        reserved (u16)         |  generic netlink only
//! +---------------+---------------+-------------------------------+
//! |                      attributes (TLV) ...                     |
//! ```
//!
//! Fields are in host byte order; messages are padded to 4 bytes.

use super::error::DecodeError;
use super::uapi::*;
use super::Errno;
use alloc::vec::Vec;

mod field {
    use core::ops::Range;
    pub const LEN: Range<usize> = 0..4;
    pub const TYPE: Range<usize> = 4..6;
    pub const FLAGS: Range<usize> = 6..8;
    pub const SEQ: Range<usize> = 8..12;
    pub const PID: Range<usize> = 12..16;
    /// First four payload bytes: the error code of NLMSG_ERROR and NLMSG_DONE.
    pub const ERROR: Range<usize> = 0..4;
    pub const GENL_CMD: usize = 0;
    pub const GENL_VERSION: usize = 1;
}

pub(crate) fn align4(n: usize) -> usize {
    n.saturating_add(3) & !3
}

pub(crate) fn u16_at(b: &[u8], r: core::ops::Range<usize>) -> Option<u16> {
    Some(u16::from_ne_bytes(b.get(r)?.try_into().ok()?))
}

pub(crate) fn u32_at(b: &[u8], r: core::ops::Range<usize>) -> Option<u32> {
    Some(u32::from_ne_bytes(b.get(r)?.try_into().ok()?))
}

/// One netlink message of a received datagram.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Message<'a> {
    /// `nlmsg_type`: a control type below 0x10 or the generic-netlink family id.
    pub kind: u16,
    /// `nlmsg_flags` (`NLM_F_MULTI` on dump parts).
    pub flags: u16,
    /// `nlmsg_seq`, echoing the request's.
    pub seq: u32,
    /// `nlmsg_pid`.
    pub port: u32,
    /// The bytes after the netlink header.
    pub payload: &'a [u8],
}

/// What a message is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind<'a> {
    /// `NLMSG_NOOP`.
    Noop,
    /// `NLMSG_ERROR` with code 0: the request succeeded.
    Ack,
    /// `NLMSG_ERROR` with a negative code: the request failed with this errno.
    Error(Errno),
    /// `NLMSG_DONE`: the end of a dump, with the dump's error if it failed part-way.
    Done(Option<Errno>),
    /// `NLMSG_OVERRUN`.
    Overrun,
    /// A generic-netlink message (`nlmsg_type` is a family id).
    Data {
        /// The generic-netlink command.
        cmd: u8,
        /// The family version.
        version: u8,
        /// The attributes after the generic-netlink header.
        attrs: &'a [u8],
    },
}

/// Reads a netlink error code: 0 or a negative errno.
fn error_code(code: i32) -> Result<Option<Errno>, DecodeError> {
    match code {
        0 => Ok(None),
        c if c < 0 => c
            .checked_neg()
            .map(|e| Some(Errno(e)))
            .ok_or(DecodeError::BadErrorCode(c)),
        c => Err(DecodeError::BadErrorCode(c)),
    }
}

impl<'a> Message<'a> {
    /// Classifies the message. Any type of 0x10 or more is taken as generic-netlink data; the
    /// caller checks it is the family it asked.
    pub fn kind(&self) -> Result<Kind<'a>, DecodeError> {
        let code = || {
            self.payload
                .get(field::ERROR)
                .and_then(|b| b.try_into().ok())
                .map(i32::from_ne_bytes)
                .ok_or(DecodeError::Truncated)
        };
        match self.kind {
            NLMSG_NOOP => Ok(Kind::Noop),
            NLMSG_ERROR => Ok(match error_code(code()?)? {
                None => Kind::Ack,
                Some(e) => Kind::Error(e),
            }),
            // Kernels since 2.6 always carry the code; a bare DONE is read as success.
            NLMSG_DONE if self.payload.is_empty() => Ok(Kind::Done(None)),
            NLMSG_DONE => Ok(Kind::Done(error_code(code()?)?)),
            NLMSG_OVERRUN => Ok(Kind::Overrun),
            t if t < GENL_ID_CTRL => Err(DecodeError::UnexpectedMessageType(t)),
            _ => {
                let cmd = *self
                    .payload
                    .get(field::GENL_CMD)
                    .ok_or(DecodeError::Truncated)?;
                let version = *self
                    .payload
                    .get(field::GENL_VERSION)
                    .ok_or(DecodeError::Truncated)?;
                let attrs = self
                    .payload
                    .get(GENL_HDRLEN..)
                    .ok_or(DecodeError::Truncated)?;
                Ok(Kind::Data {
                    cmd,
                    version,
                    attrs,
                })
            }
        }
    }
}

/// The messages of a received datagram, in order. After the first framing error the iterator
/// yields that error and then ends: nothing after a bad length can be trusted.
#[derive(Debug, Clone)]
pub struct Messages<'a> {
    rest: &'a [u8],
}

/// Splits `datagram` into messages.
pub fn messages(datagram: &[u8]) -> Messages<'_> {
    Messages { rest: datagram }
}

impl<'a> Iterator for Messages<'a> {
    type Item = Result<Message<'a>, DecodeError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.rest.is_empty() {
            return None;
        }
        let b = self.rest;
        let item = (|| {
            let len = u32_at(b, field::LEN).ok_or(DecodeError::Truncated)?;
            let ulen = usize::try_from(len).map_err(|_| DecodeError::Truncated)?;
            if ulen < NLMSG_HDRLEN {
                return Err(DecodeError::BadMessageLength(len));
            }
            let payload = b.get(NLMSG_HDRLEN..ulen).ok_or(DecodeError::Truncated)?;
            let msg = Message {
                kind: u16_at(b, field::TYPE).ok_or(DecodeError::Truncated)?,
                flags: u16_at(b, field::FLAGS).ok_or(DecodeError::Truncated)?,
                seq: u32_at(b, field::SEQ).ok_or(DecodeError::Truncated)?,
                port: u32_at(b, field::PID).ok_or(DecodeError::Truncated)?,
                payload,
            };
            Ok((msg, align4(ulen).min(b.len())))
        })();
        match item {
            Ok((msg, used)) => {
                self.rest = b.get(used..).unwrap_or(&[]);
                Some(Ok(msg))
            }
            Err(e) => {
                self.rest = &[];
                Some(Err(e))
            }
        }
    }
}

/// Starts a request in `out` (cleared first): netlink header with a placeholder length, then the
/// generic-netlink header. [`finish`] writes the length.
pub(crate) fn begin(out: &mut Vec<u8>, kind: u16, flags: u16, seq: u32, cmd: u8, version: u8) {
    out.clear();
    out.extend_from_slice(&0u32.to_ne_bytes());
    out.extend_from_slice(&kind.to_ne_bytes());
    out.extend_from_slice(&flags.to_ne_bytes());
    out.extend_from_slice(&seq.to_ne_bytes());
    // The kernel fills in the sender's port id.
    out.extend_from_slice(&0u32.to_ne_bytes());
    out.extend_from_slice(&[cmd, version, 0, 0]);
}

/// Writes the final `nlmsg_len` of a request started by [`begin`].
pub(crate) fn finish(out: &mut [u8]) {
    // Requests are at most a few hundred bytes (names are bounded); saturation is unreachable.
    let len = u32::try_from(out.len()).unwrap_or(u32::MAX);
    if let Some(slot) = out.get_mut(field::LEN) {
        slot.copy_from_slice(&len.to_ne_bytes());
    }
}
