//! Reading single words as keepalived does: unsigned and signed decimals, decimal-second timers,
//! booleans and addresses. Pure functions returning `None` on bad input; the caller words the
//! diagnostic.

use crate::config::model::{Family, IpPrefix};
use crate::time::Duration;
use core::net::IpAddr;

/// keepalived's booleans: `on|true|yes` and `off|false|no` (exact, lower case).
pub fn boolean(word: &str) -> Option<bool> {
    match word {
        "on" | "true" | "yes" => Some(true),
        "off" | "false" | "no" => Some(false),
        _ => None,
    }
}

/// A plain decimal number (digits only, optional leading `+`).
pub fn unsigned(word: &str) -> Option<u64> {
    let digits = word.strip_prefix('+').unwrap_or(word);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// A decimal number with an optional sign.
pub fn signed(word: &str) -> Option<i64> {
    match word.strip_prefix('-') {
        Some(rest) => unsigned(rest)
            .and_then(|v| i64::try_from(v).ok())
            .map(|v| -v),
        None => unsigned(word).and_then(|v| i64::try_from(v).ok()),
    }
}

/// Decimal seconds (`3`, `0.5`, `1.25`) with at most six fractional digits (keepalived's
/// microsecond timer), truncated to whole milliseconds.
pub fn seconds(word: &str) -> Option<Duration> {
    let (int, frac) = match word.split_once('.') {
        Some((i, f)) => (i, f),
        None => (word, ""),
    };
    if frac.len() > 6 || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if int.is_empty() && frac.is_empty() {
        return None;
    }
    let whole = if int.is_empty() { 0 } else { unsigned(int)? };
    let mut micros: u64 = 0;
    for (i, b) in frac.bytes().enumerate() {
        let digit = u64::from(b - b'0');
        let scale = 10u64.pow(5 - u32::try_from(i).ok()?);
        micros += digit * scale;
    }
    let millis = whole.checked_mul(1000)?.checked_add(micros / 1000)?;
    Some(Duration::from_millis(millis))
}

/// An IPv4 or IPv6 address (no prefix).
pub fn ip(word: &str) -> Option<IpAddr> {
    word.parse().ok()
}

/// `ADDR` or `ADDR/LEN`; a bare address gets its family's full length.
pub fn prefix(word: &str) -> Option<IpPrefix> {
    match word.split_once('/') {
        Some((a, l)) => {
            let addr = ip(a)?;
            let len = u8::try_from(unsigned(l)?).ok()?;
            (len <= Family::of(&addr).max_prefix_len()).then_some(IpPrefix { addr, len })
        }
        None => {
            let addr = ip(word)?;
            Some(IpPrefix {
                addr,
                len: Family::of(&addr).max_prefix_len(),
            })
        }
    }
}

/// A port: keepalived treats `0` (or `000`) as "no port".
pub fn port(word: &str) -> Option<Option<u16>> {
    let v = u16::try_from(unsigned(word)?).ok()?;
    Some((v != 0).then_some(v))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn booleans_are_keepalived_s_six_words() {
        for (w, v) in [
            ("on", true),
            ("yes", true),
            ("true", true),
            ("off", false),
            ("no", false),
            ("false", false),
        ] {
            assert_eq!(boolean(w), Some(v));
        }
        assert_eq!(boolean("True"), None);
        assert_eq!(boolean("1"), None);
    }

    #[test]
    fn numbers_reject_junk() {
        assert_eq!(unsigned("42"), Some(42));
        assert_eq!(unsigned("+7"), Some(7));
        assert_eq!(unsigned("4x"), None);
        assert_eq!(unsigned(""), None);
        assert_eq!(unsigned("-1"), None);
        assert_eq!(unsigned("99999999999999999999999"), None);
        assert_eq!(signed("-253"), Some(-253));
        assert_eq!(signed("--1"), None);
    }

    #[test]
    fn seconds_are_decimal() {
        assert_eq!(seconds("3"), Some(Duration::from_secs(3)));
        assert_eq!(seconds("0.1"), Some(Duration::from_millis(100)));
        assert_eq!(seconds(".5"), Some(Duration::from_millis(500)));
        assert_eq!(seconds("1.25"), Some(Duration::from_millis(1250)));
        assert_eq!(seconds("1.000001"), Some(Duration::from_millis(1000)));
        assert_eq!(seconds("1.0000001"), None);
        assert_eq!(seconds("1e3"), None);
        assert_eq!(seconds("."), None);
        assert_eq!(seconds("-1"), None);
    }

    #[test]
    fn prefixes_default_to_host_length() {
        let p = prefix("192.0.2.1").unwrap();
        assert_eq!(p.len, 32);
        assert_eq!(prefix("2001:db8::1/64").unwrap().len, 64);
        assert_eq!(prefix("192.0.2.1/33"), None);
        assert_eq!(prefix("192.0.2.1/x"), None);
        assert_eq!(prefix("192.0.2.300"), None);
    }

    #[test]
    fn port_zero_means_none() {
        assert_eq!(port("80"), Some(Some(80)));
        assert_eq!(port("0"), Some(None));
        assert_eq!(port("65536"), None);
    }
}
