//! The Internet checksum (RFC 1071) and the IPv4/IPv6 pseudo-headers that VRRPv3 (RFC 5798
//! §5.2.8) and ICMPv6 (RFC 4443 §2.3) fold into theirs.
//!
//! Sums are kept folded to 16 bits and not yet complemented, so partial sums combine with
//! [`combine`]; the sender writes `!sum`, and a receiver summing a packet that includes its
//! checksum field gets `0xffff` when it verifies.

use core::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Folds a 32-bit accumulator into 16 bits with end-around carry.
const fn fold(mut acc: u32) -> u16 {
    while acc > 0xffff {
        acc = (acc & 0xffff) + (acc >> 16);
    }
    acc as u16
}

/// The one's complement sum of `data` read as big-endian 16-bit words, an odd last byte padded
/// with zero (RFC 1071 §4.1).
pub fn data(data: &[u8]) -> u16 {
    let mut acc: u32 = 0;
    let mut words = data.chunks_exact(2);
    for word in &mut words {
        if let [hi, lo] = *word {
            acc += u32::from(u16::from_be_bytes([hi, lo]));
        }
        // Folding inside the loop keeps the accumulator from overflowing on any input size.
        acc = u32::from(fold(acc));
    }
    if let [last] = *words.remainder() {
        acc += u32::from(u16::from_be_bytes([last, 0]));
    }
    fold(acc)
}

/// One's complement sum of partial sums.
pub fn combine(sums: &[u16]) -> u16 {
    let mut acc: u32 = 0;
    for &sum in sums {
        acc = u32::from(fold(acc + u32::from(sum)));
    }
    fold(acc)
}

/// The IPv4 pseudo-header sum: source, destination, zero, protocol, upper-layer length
/// (RFC 768 / RFC 5798 §5.2.8).
pub fn pseudo_header_v4(src: &Ipv4Addr, dst: &Ipv4Addr, protocol: u8, length: u16) -> u16 {
    let [s0, s1, s2, s3] = src.octets();
    let [d0, d1, d2, d3] = dst.octets();
    let [l0, l1] = length.to_be_bytes();
    data(&[s0, s1, s2, s3, d0, d1, d2, d3, 0, protocol, l0, l1])
}

/// The IPv6 pseudo-header sum: source, destination, 32-bit upper-layer length, three zero bytes,
/// next header (RFC 8200 §8.1).
pub fn pseudo_header_v6(src: &Ipv6Addr, dst: &Ipv6Addr, next_header: u8, length: u32) -> u16 {
    let [l0, l1, l2, l3] = length.to_be_bytes();
    combine(&[
        data(&src.octets()),
        data(&dst.octets()),
        data(&[l0, l1, l2, l3, 0, 0, 0, next_header]),
    ])
}

/// The pseudo-header sum for a pair of addresses of one family, `None` when the families differ.
/// IPv4 lengths above 65535 cannot occur in an IPv4 datagram and also give `None`.
pub fn pseudo_header(src: &IpAddr, dst: &IpAddr, protocol: u8, length: usize) -> Option<u16> {
    match (src, dst) {
        (IpAddr::V4(src), IpAddr::V4(dst)) => Some(pseudo_header_v4(
            src,
            dst,
            protocol,
            u16::try_from(length).ok()?,
        )),
        (IpAddr::V6(src), IpAddr::V6(dst)) => Some(pseudo_header_v6(
            src,
            dst,
            protocol,
            u32::try_from(length).ok()?,
        )),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc1071_example() {
        // RFC 1071 §3: the words 0001 f203 f4f5 f6f7 sum to ddf2.
        assert_eq!(
            data(&[0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7]),
            0xddf2
        );
    }

    #[test]
    fn odd_length_pads_with_zero() {
        assert_eq!(data(&[0x12, 0x34, 0x56]), 0x1234 + 0x5600);
    }

    #[test]
    fn carries_wrap_around() {
        assert_eq!(data(&[0xff, 0xff, 0x00, 0x02]), 0x0002);
        assert_eq!(combine(&[0xffff, 0x0002]), 0x0002);
        assert_eq!(combine(&[0x8000, 0x8000]), 0x0001);
    }

    #[test]
    fn large_input_does_not_overflow() {
        let big = [0xffu8; 70_000];
        assert_eq!(data(&big), 0xffff);
    }

    #[test]
    fn mixed_families_have_no_pseudo_header() {
        let v4 = IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1));
        let v6 = IpAddr::V6(Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 1));
        assert_eq!(pseudo_header(&v4, &v6, 112, 12), None);
        assert_eq!(pseudo_header(&v4, &v4, 112, 70_000), None);
        assert!(pseudo_header(&v6, &v6, 112, 70_000).is_some());
    }
}
