//! Reading single words as keepalived does: unsigned and signed decimals, decimal-second timers,
//! booleans and addresses. Pure functions returning `None` on bad input; the caller words the
//! diagnostic.

use crate::config::model::{Family, IpPrefix};
use crate::time::Duration;
use alloc::string::String;
use alloc::vec::Vec;
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

/// Splits a script's command line as keepalived's `alloc_strvec_quoted_escaped` does: words
/// separated by white space, `'…'` and `"…"` quoting, and C-style backslash escapes (`\n`,
/// `\t`, `\xHH`, `\NNN` octal, `\cX` control, anything else literal), inside quotes too.
/// `Err` names the problem (an unterminated quote, a trailing backslash).
pub fn command_words(line: &str) -> Result<Vec<String>, &'static str> {
    let mut words = Vec::new();
    let mut chars = line.chars().peekable();
    loop {
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
        if chars.peek().is_none() {
            break;
        }
        let mut word = String::new();
        let mut quote: Option<char> = None;
        while let Some(c) = chars.next() {
            match (c, quote) {
                ('\\', _) => word.push(escape(&mut chars)?),
                (q, Some(open)) if q == open => quote = None,
                (_, Some(_)) => word.push(c),
                ('\'' | '"', None) => quote = Some(c),
                (w, None) if w.is_whitespace() => break,
                (_, None) => word.push(c),
            }
        }
        if quote.is_some() {
            return Err("missing terminating quote");
        }
        words.push(word);
    }
    Ok(words)
}

fn escape(chars: &mut core::iter::Peekable<core::str::Chars<'_>>) -> Result<char, &'static str> {
    let c = chars.next().ok_or("missing escape character at end")?;
    let byte = |v: u32| char::from_u32(v & 0xff).unwrap_or('\0');
    Ok(match c {
        'x' if chars.peek().is_some_and(char::is_ascii_hexdigit) => {
            let mut v: u32 = 0;
            while let Some(d) = chars.next_if(char::is_ascii_hexdigit) {
                v = (v << 4) | d.to_digit(16).unwrap_or(0);
            }
            byte(v)
        }
        'c' if chars.peek().is_some() => byte(chars.next().map_or(0, u32::from) & 0x1f),
        '0'..='7' => {
            let mut v = c.to_digit(8).unwrap_or(0);
            for _ in 0..2 {
                match chars.next_if(|d| ('0'..='7').contains(d)) {
                    Some(d) => v = (v << 3) + d.to_digit(8).unwrap_or(0),
                    None => break,
                }
            }
            byte(v)
        }
        'a' => '\u{7}',
        'b' => '\u{8}',
        'E' => '\u{1b}',
        'f' => '\u{c}',
        'n' => '\n',
        'r' => '\r',
        't' => '\t',
        'v' => '\u{b}',
        other => other,
    })
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
    fn command_lines_split_like_keepalived() {
        assert_eq!(
            command_words("/usr/bin/killall -0 haproxy").unwrap(),
            ["/usr/bin/killall", "-0", "haproxy"]
        );
        assert_eq!(
            command_words("/bin/sh -c 'pidof x || exit 1'").unwrap(),
            ["/bin/sh", "-c", "pidof x || exit 1"]
        );
        assert_eq!(command_words(r"a\ b c\tq").unwrap(), ["a b", "c\tq"]);
        assert_eq!(command_words(r"\x41\101\cA").unwrap(), ["AA\u{1}"]);
        assert_eq!(command_words("  ").unwrap(), [] as [&str; 0]);
        assert!(command_words("'open").is_err());
        assert!(command_words("trailing\\").is_err());
    }

    #[test]
    fn port_zero_means_none() {
        assert_eq!(port("80"), Some(Some(80)));
        assert_eq!(port("0"), Some(None));
        assert_eq!(port("65536"), None);
    }
}
