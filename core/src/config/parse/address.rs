//! One `virtual_ipaddress` line (keepalived's `alloc_ipaddress` in `vrrp_ipaddress.c`):
//! `ADDR[/LEN] [brd ADDR|+|-] [dev IF] [scope SCOPE] [label LABEL] [no_track]`.

use super::{values, Parser};
use crate::config::model::{AddressScope, Broadcast, Family, VirtualAddress};
use crate::config::syntax::Statement;
use alloc::format;

/// Options of `ip addr add` keepalived passes through that holdfast does not implement.
const UNSUPPORTED_OPTIONS: [&str; 8] = [
    "peer",
    "home",
    "-nodad",
    "mngtmpaddr",
    "noprefixroute",
    "autojoin",
    "preferred_lft",
    "use_vmac",
];

/// Reads one address line; `None` (with a diagnostic) when the address itself is bad.
pub(super) fn virtual_address(p: &mut Parser, line: &Statement) -> Option<VirtualAddress> {
    let first = line.keyword();
    let Some(prefix) = values::prefix(first) else {
        p.error(
            line.location,
            format!(
                "virtual address '{first}' is not an IPv4 or IPv6 address with optional /prefix"
            ),
        );
        return None;
    };
    let mut va = VirtualAddress {
        prefix,
        dev: None,
        label: None,
        scope: None,
        broadcast: None,
        no_track: false,
    };
    let mut i = 1;
    while let Some(opt) = line.words.get(i) {
        let opt = opt.as_str();
        if opt == "no_track" {
            va.no_track = true;
            i += 1;
            continue;
        }
        if UNSUPPORTED_OPTIONS.contains(&opt) {
            p.unsupported(
                line.location,
                format!("virtual address option '{opt}' is a keepalived option holdfast does not support"),
            );
            return None;
        }
        if !["dev", "scope", "brd", "broadcast", "label"].contains(&opt) {
            p.error(
                line.location,
                format!("Unknown configuration entry '{opt}' for ip address - ignoring"),
            );
            i += 1;
            continue;
        }
        let Some(value) = line.words.get(i + 1) else {
            p.error(
                line.location,
                format!("No {opt} parameter specified for {first}"),
            );
            break;
        };
        match opt {
            "dev" => {
                if va.dev.is_some() {
                    p.error(
                        line.location,
                        format!("Cannot specify ipaddress device more than once for {first}"),
                    );
                } else {
                    va.dev = Some(value.clone());
                }
            }
            "scope" => match scope(value) {
                Some(s) => va.scope = Some(s),
                None => p.error(
                    line.location,
                    format!("Invalid scope '{value}' specified for {first} - ignoring"),
                ),
            },
            "label" => {
                // IFNAMSIZ - 1: the kernel stores labels in an interface-name field.
                if value.len() > 15 {
                    p.error(
                        line.location,
                        format!("Address label {value} is longer than maximum length 15 - removing address"),
                    );
                    return None;
                }
                va.label = Some(value.clone());
            }
            _ => match value.as_str() {
                "+" => va.broadcast = Some(Broadcast::AllOnes),
                "-" => va.broadcast = Some(Broadcast::AllZeros),
                v => match values::ip(v) {
                    Some(a) if Family::of(&a) == prefix.family() => {
                        va.broadcast = Some(Broadcast::Address(a))
                    }
                    _ => p.error(
                        line.location,
                        format!("broadcast '{v}' for {first} is not valid: expected an address of the same family, + or -"),
                    ),
                },
            },
        }
        i += 2;
    }
    if prefix.family() == Family::Ipv6 {
        if va.broadcast.take().is_some() {
            p.error(
                line.location,
                format!("Cannot specify a broadcast address for IPv6 address {first} - ignoring"),
            );
        }
        if va.scope.take().is_some() {
            p.error(
                line.location,
                format!("Cannot specify scope for IPv6 addresses ({first}) - ignoring scope"),
            );
        }
        if va.label.take().is_some() {
            p.error(
                line.location,
                format!("Cannot specify label for IPv6 addresses ({first}) - ignoring label"),
            );
        }
    } else if va.broadcast.is_some() && prefix.len > 30 {
        p.error(
            line.location,
            format!(
                "Address prefix length {} too long for broadcast",
                prefix.len
            ),
        );
        va.broadcast = None;
    }
    Some(va)
}

/// `/etc/iproute2/rt_scopes` names, or a number.
fn scope(word: &str) -> Option<AddressScope> {
    Some(match word {
        "global" => AddressScope::Global,
        "site" => AddressScope::Site,
        "link" => AddressScope::Link,
        "host" => AddressScope::Host,
        "nowhere" => AddressScope::Nowhere,
        n => match u8::try_from(values::unsigned(n)?).ok()? {
            0 => AddressScope::Global,
            200 => AddressScope::Site,
            253 => AddressScope::Link,
            254 => AddressScope::Host,
            255 => AddressScope::Nowhere,
            v => AddressScope::Other(v),
        },
    })
}
