//! Netlink attributes (TLVs): reading a run of them into slots by type, typed getters that check
//! sizes, and writers that pad to 4 bytes.
//!
//! ```text
//! +-------------------------------+-------------------------------+
//! |         nla_len (u16)         |         nla_type (u16)        |
//! +-------------------------------+-------------------------------+
//! |              payload (nla_len - 4 bytes), padded to 4         |
//! ```

use super::error::{Attr, DecodeError};
use super::netlink::{align4, u16_at};
use super::uapi::{NLA_HDRLEN, NLA_TYPE_MASK};
use alloc::vec::Vec;

/// The attributes in `buf`, as `(type, payload)` with the nested/byte-order bits cleared.
/// Fewer than four trailing bytes are padding and end the run, as in the kernel's `nla_parse`.
pub fn attrs(buf: &[u8]) -> Attrs<'_> {
    Attrs { rest: buf }
}

/// Iterator returned by [`attrs`]. After an error it ends.
#[derive(Debug, Clone)]
pub struct Attrs<'a> {
    rest: &'a [u8],
}

impl<'a> Iterator for Attrs<'a> {
    type Item = Result<(u16, &'a [u8]), DecodeError>;

    fn next(&mut self) -> Option<Self::Item> {
        let b = self.rest;
        let (len, raw_kind) = (u16_at(b, 0..2)?, u16_at(b, 2..4)?);
        let ulen = usize::from(len);
        match b.get(NLA_HDRLEN..ulen) {
            Some(payload) if ulen >= NLA_HDRLEN => {
                self.rest = b.get(align4(ulen).min(b.len())..).unwrap_or(&[]);
                Some(Ok((raw_kind & NLA_TYPE_MASK, payload)))
            }
            _ => {
                self.rest = &[];
                Some(Err(DecodeError::BadAttrLength {
                    kind: raw_kind,
                    len,
                }))
            }
        }
    }
}

/// The attributes of `buf` by type, for types below `N` (others are ignored, as the kernel
/// ignores types above its policy's maximum). When a type repeats, the last one wins.
pub(crate) fn collect<const N: usize>(buf: &[u8]) -> Result<[Option<&[u8]>; N], DecodeError> {
    let mut slots = [None; N];
    for a in attrs(buf) {
        let (kind, payload) = a?;
        if let Some(slot) = slots.get_mut(usize::from(kind)) {
            *slot = Some(payload);
        }
    }
    Ok(slots)
}

/// The payload in slot `kind`, or `MissingAttr(attr)`.
pub(crate) fn required<'a>(
    slots: &[Option<&'a [u8]>],
    kind: u16,
    attr: Attr,
) -> Result<&'a [u8], DecodeError> {
    optional(slots, kind).ok_or(DecodeError::MissingAttr(attr))
}

/// The payload in slot `kind`, if present.
pub(crate) fn optional<'a>(slots: &[Option<&'a [u8]>], kind: u16) -> Option<&'a [u8]> {
    slots.get(usize::from(kind)).copied().flatten()
}

fn exact<const L: usize>(p: &[u8], attr: Attr) -> Result<[u8; L], DecodeError> {
    p.try_into()
        .map_err(|_| DecodeError::AttrSize { attr, len: p.len() })
}

/// A host-order u16 payload.
pub(crate) fn get_u16(p: &[u8], attr: Attr) -> Result<u16, DecodeError> {
    exact(p, attr).map(u16::from_ne_bytes)
}

/// A network-order u16 payload (ports).
pub(crate) fn get_be16(p: &[u8], attr: Attr) -> Result<u16, DecodeError> {
    exact(p, attr).map(u16::from_be_bytes)
}

/// A host-order u32 payload.
pub(crate) fn get_u32(p: &[u8], attr: Attr) -> Result<u32, DecodeError> {
    exact(p, attr).map(u32::from_ne_bytes)
}

/// A fixed-size payload.
pub(crate) fn get_array<const L: usize>(p: &[u8], attr: Attr) -> Result<[u8; L], DecodeError> {
    exact(p, attr)
}

/// Appends one attribute, padded.
pub(crate) fn put(out: &mut Vec<u8>, kind: u16, payload: &[u8]) {
    // Payloads are at most 16 bytes here, so the length always fits.
    let len = u16::try_from(NLA_HDRLEN + payload.len()).unwrap_or(u16::MAX);
    out.extend_from_slice(&len.to_ne_bytes());
    out.extend_from_slice(&kind.to_ne_bytes());
    out.extend_from_slice(payload);
    pad(out);
}

/// Appends a string attribute with its NUL (`nla_put_string`).
pub(crate) fn put_str(out: &mut Vec<u8>, kind: u16, s: &str) {
    let len = u16::try_from(NLA_HDRLEN + s.len() + 1).unwrap_or(u16::MAX);
    out.extend_from_slice(&len.to_ne_bytes());
    out.extend_from_slice(&kind.to_ne_bytes());
    out.extend_from_slice(s.as_bytes());
    out.push(0);
    pad(out);
}

/// Appends a nested attribute whose contents `fill` writes. Like the kernel's own IPVS replies
/// (`nla_nest_start_noflag`), the `NLA_F_NESTED` bit is not set.
pub(crate) fn nest(out: &mut Vec<u8>, kind: u16, fill: impl FnOnce(&mut Vec<u8>)) {
    let start = out.len();
    out.extend_from_slice(&0u16.to_ne_bytes());
    out.extend_from_slice(&kind.to_ne_bytes());
    fill(out);
    let len = u16::try_from(out.len() - start).unwrap_or(u16::MAX);
    if let Some(slot) = out.get_mut(start..start + 2) {
        slot.copy_from_slice(&len.to_ne_bytes());
    }
}

fn pad(out: &mut Vec<u8>) {
    out.resize(align4(out.len()), 0);
}
