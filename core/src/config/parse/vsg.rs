//! `virtual_server_group NAME { ADDR[-LAST|/LEN] PORT … ; fwmark N [inet|inet6] … }`
//! (keepalived's `alloc_vsg_entry` in `check_data.c`).

use super::{values, Parser};
use crate::config::model::{Config, Family, VirtualServerGroup, VsgEntry};
use crate::config::syntax::Statement;
use alloc::format;
use alloc::vec::Vec;
use core::net::{IpAddr, Ipv4Addr, Ipv6Addr};

pub(super) fn group(p: &mut Parser, st: &Statement, config: &mut Config) {
    let Some(block) = p.block(st) else { return };
    let Some(name) = p.string(st, "a group name") else {
        return;
    };
    let mut entries = Vec::new();
    for line in block {
        if let Some(e) = entry(p, &name, line) {
            entries.push(e);
        }
    }
    if entries.is_empty() {
        p.error(
            st.location,
            format!("virtual server group {name} has no entries - removing"),
        );
        return;
    }
    let has = |f: Family| {
        entries.iter().any(|e| match e {
            VsgEntry::Range { first, .. } => Family::of(first) == f,
            VsgEntry::Fwmark { family, .. } => *family == Some(f),
        })
    };
    let untyped_fwmark = entries
        .iter()
        .any(|e| matches!(e, VsgEntry::Fwmark { family: None, .. }));
    if has(Family::Ipv4) && has(Family::Ipv6) && untyped_fwmark {
        p.error(
            st.location,
            format!("virtual server group {name} cannot have IPv4, IPv6 and fwmark without family - removing"),
        );
        return;
    }
    config
        .virtual_server_groups
        .push(VirtualServerGroup { name, entries });
}

fn entry(p: &mut Parser, group: &str, line: &Statement) -> Option<VsgEntry> {
    let first = line.keyword();
    if first == "fwmark" {
        let mark = u32::try_from(p.uint_at(line, 1, 0, u32::MAX.into())?).ok()?;
        let family = match line.words.get(2).map(|s| s.as_str()) {
            None => None,
            Some("inet") => Some(Family::Ipv4),
            Some("inet6") => Some(Family::Ipv6),
            Some(o) => {
                p.error(
                    line.location,
                    format!("({group}): fwmark '{mark}' family {o} unknown - ignoring"),
                );
                return None;
            }
        };
        return Some(VsgEntry::Fwmark { mark, family });
    }
    let port = match line.words.get(1) {
        None => 0,
        Some(w) => match values::port(w) {
            Some(p) => p.unwrap_or(0),
            None => {
                p.error(
                    line.location,
                    format!("virtual server group port '{w}' out of range: expected 0-65535"),
                );
                return None;
            }
        },
    };
    let Some((first_addr, last)) = range(first) else {
        p.error(
            line.location,
            format!("Invalid virtual server group IP address {first} - skipping"),
        );
        return None;
    };
    Some(VsgEntry::Range {
        first: first_addr,
        last,
        port,
    })
}

/// `ADDR`, `ADDR/LEN` (host bits clear), `ADDR-N` (last byte or 16-bit group) or `ADDR-ADDR`.
fn range(word: &str) -> Option<(IpAddr, IpAddr)> {
    if let Some((a, len)) = word.split_once('/') {
        let addr = values::ip(a)?;
        let len = u32::try_from(values::unsigned(len)?).ok()?;
        return match addr {
            IpAddr::V4(v4) if (1..=32).contains(&len) => {
                let host = u32::MAX.checked_shr(len).unwrap_or(0);
                let bits = u32::from(v4);
                (bits & host == 0).then(|| (addr, IpAddr::V4(Ipv4Addr::from(bits | host))))
            }
            IpAddr::V6(v6) if (1..=128).contains(&len) => {
                let host = u128::MAX.checked_shr(len).unwrap_or(0);
                let bits = u128::from(v6);
                (bits & host == 0).then(|| (addr, IpAddr::V6(Ipv6Addr::from(bits | host))))
            }
            _ => None,
        };
    }
    let Some((a, end)) = word.split_once('-') else {
        let addr = values::ip(word)?;
        return Some((addr, addr));
    };
    let addr = values::ip(a)?;
    if let Some(end_addr) = values::ip(end) {
        return (Family::of(&end_addr) == Family::of(&addr) && end_addr >= addr)
            .then_some((addr, end_addr));
    }
    match addr {
        IpAddr::V4(v4) => {
            let last = u8::try_from(values::unsigned(end)?).ok()?;
            let mut o = v4.octets();
            (last >= o[3]).then(|| {
                o[3] = last;
                (addr, IpAddr::V4(Ipv4Addr::from(o)))
            })
        }
        IpAddr::V6(v6) => {
            let last = u16::from_str_radix(end, 16).ok()?;
            let mut s = v6.segments();
            (last >= s[7]).then(|| {
                s[7] = last;
                (addr, IpAddr::V6(Ipv6Addr::from(s)))
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::range;
    use alloc::string::ToString;

    #[test]
    fn ranges_in_all_three_spellings() {
        let (a, b) = range("192.0.2.1-10").unwrap();
        assert_eq!(
            (a.to_string(), b.to_string()),
            ("192.0.2.1".into(), "192.0.2.10".into())
        );
        let (a, b) = range("192.0.2.16/28").unwrap();
        assert_eq!(
            (a.to_string(), b.to_string()),
            ("192.0.2.16".into(), "192.0.2.31".into())
        );
        assert_eq!(range("192.0.2.17/28"), None);
        let (_, b) = range("2001:db8::1-1f").unwrap();
        assert_eq!(b.to_string(), "2001:db8::1f");
        assert_eq!(range("192.0.2.9-3"), None);
        assert!(range("192.0.2.1-192.0.2.4").is_some());
    }
}
