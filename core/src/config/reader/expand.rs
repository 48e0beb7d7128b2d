//! Replacing references in one line by their values: keepalived 2.2.7's `replace_param()`.
//!
//! The line is scanned for `$`; each reference to a definition is replaced in place and the
//! scan resumes *at the start of the replacement*, so values that contain references expand
//! recursively. Scanning stops after a value that starts with `~` (a generator kept for later).
//! A replacement that would make the line 1024 bytes or longer stops the expansion where it
//! is (keepalived logs "would exceed maximum line length"). A multi-line definition puts its
//! first line in place; its other lines are handed back to become lines of their own.
//!
//! keepalived never gives up on a definition that expands to itself without growing
//! (`$A=$A`): it loops forever. Here each line gets a substitution budget instead.
//!
//! One 2.2.7 bug is reproduced because it changes the words keepalived sees: when
//! `${_RANDOM MIN MAX}` is replaced by a shorter number and is not at the end of the line,
//! 2.2.7 moves only one byte of the text after it, leaving the line garbled (fixed in later
//! versions). The reader warns when that happens.

use super::defines::{find_reference, Builtin, Definitions};
use alloc::format;
use alloc::rc::Rc;
use alloc::string::String;
use alloc::vec::Vec;

/// What the built-ins need from the reader.
pub(crate) struct Context<'a> {
    /// `${_PWD}`.
    pub pwd: &'a [u8],
    /// `${_INSTANCE}`.
    pub instance: &'a [u8],
    /// State of the `${_RANDOM}` generator.
    pub rng: &'a mut u64,
    /// Substitutions still allowed on this line.
    pub steps_left: &'a mut usize,
}

/// The remaining lines of a multi-line definition, from `start` in `value`.
#[derive(Debug, Clone)]
pub(crate) struct MoreLines {
    pub value: Rc<Vec<u8>>,
    pub start: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Stop {
    /// Nothing was replaced.
    Unchanged,
    /// At least one reference was replaced.
    Changed,
    /// A replacement would have made the line too long; the line stays as far as it got.
    TooLong { reference: String },
    /// The substitution budget ran out at this reference.
    Runaway { reference: String },
}

pub(crate) struct Expansion {
    pub stop: Stop,
    /// Multi-line definitions expanded, in the order found (the last one is read first).
    pub more: Vec<MoreLines>,
    /// Warnings to attach to the line.
    pub notes: Vec<String>,
}

/// splitmix64, reduced to `random()`'s 31 bits.
pub(crate) fn next_random(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    (z ^ (z >> 31)) >> 33
}

/// `strtoul` on digits and spaces: the value and the index after it.
fn strtoul(s: &[u8], mut i: usize) -> (u64, usize) {
    while s.get(i) == Some(&b' ') {
        i += 1;
    }
    let start = i;
    let mut v: u64 = 0;
    while let Some(&b) = s.get(i).filter(|b| b.is_ascii_digit()) {
        v = v.saturating_mul(10).saturating_add(u64::from(b - b'0'));
        i += 1;
    }
    if i == start {
        return (0, start);
    }
    (v, i)
}

/// `get_random()`: a number in [MIN, MAX] (defaults 0 and 32767), printed in at most as many
/// characters as MAX has digits, as keepalived's buffer allows.
fn random_value(params: &[u8], rng: &mut u64, notes: &mut Vec<String>) -> Vec<u8> {
    let (mut min, mut max) = (0u64, 32767u64);
    if !params.is_empty() {
        let (a, end) = strtoul(params, 0);
        min = a;
        if end < params.len() {
            let (b, end2) = strtoul(params, end);
            max = b;
            if end2 != params.len() {
                notes.push(format!(
                    "'${{_RANDOM {}}}' takes at most two numbers, MIN and MAX; the rest is ignored",
                    String::from_utf8_lossy(params)
                ));
            }
        }
    }
    let mut digits = 1usize;
    let mut m = max;
    while m >= 10 {
        m /= 10;
        digits += 1;
    }
    let span = max.wrapping_sub(min).wrapping_add(1);
    let r = next_random(rng);
    // keepalived divides by zero here for MIN 0 and MAX 2^64-1; use the raw number instead.
    let val = if span == 0 { r } else { r % span }.wrapping_add(min);
    let mut text = format!("{}", val as i64).into_bytes();
    text.truncate(digits);
    text
}

/// Expands the references in `buf`, which must stay shorter than `max_len` bytes.
pub(crate) fn replace_params(
    defs: &Definitions,
    buf: &mut Vec<u8>,
    max_len: usize,
    ctx: &mut Context<'_>,
) -> Expansion {
    let mut out = Expansion {
        stop: Stop::Unchanged,
        more: Vec::new(),
        notes: Vec::new(),
    };
    let mut cur = 0usize;
    while let Some(off) = buf
        .get(cur..)
        .and_then(|rest| rest.iter().position(|&b| b == b'$'))
    {
        let dollar = cur + off;
        if dollar + 1 >= buf.len() {
            break;
        }
        let found =
            find_reference(buf, dollar).and_then(|r| defs.lookup(buf, &r).map(|d| (r, d.clone())));
        let Some((r, def)) = found else {
            cur = dollar + 1;
            continue;
        };
        let reference =
            String::from_utf8_lossy(buf.get(dollar..dollar + r.total_len).unwrap_or(&[]))
                .into_owned();
        if *ctx.steps_left == 0 {
            out.stop = Stop::Runaway { reference };
            return out;
        }
        *ctx.steps_left -= 1;

        let params = r
            .params
            .clone()
            .and_then(|p| buf.get(p))
            .map(<[u8]>::to_vec);
        let value: Rc<Vec<u8>> = match def.builtin {
            Some(Builtin::Pwd) => Rc::new(ctx.pwd.to_vec()),
            Some(Builtin::Instance) => Rc::new(ctx.instance.to_vec()),
            Some(Builtin::Random) => Rc::new(random_value(
                params.as_deref().unwrap_or(&[]),
                ctx.rng,
                &mut out.notes,
            )),
            None => def.value.clone(),
        };
        let replacing: &[u8] = if def.multiline {
            let first = value
                .iter()
                .position(|&b| b == b'\n')
                .unwrap_or(value.len());
            out.more.push(MoreLines {
                value: value.clone(),
                start: first + 1,
            });
            value.get(..first).unwrap_or(&[])
        } else {
            value.as_slice()
        };
        let t = r.total_len;
        let rl = replacing.len();
        if buf.len() - t + rl >= max_len {
            // keepalived returns before recording the last multi-line definition.
            if def.multiline {
                out.more.pop();
            }
            out.stop = Stop::TooLong { reference };
            return out;
        }
        let tail_start = dollar + t;
        if params.is_some() && rl < t && tail_start < buf.len() {
            // 2.2.7 moves one byte of the tail, then leaves the old bytes in place.
            let mut line = buf.get(..dollar).unwrap_or(&[]).to_vec();
            line.extend_from_slice(replacing);
            line.extend_from_slice(buf.get(tail_start..tail_start + 1).unwrap_or(&[]));
            line.extend_from_slice(buf.get(dollar + rl + 1..).unwrap_or(&[]));
            out.notes.push(format!(
                "keepalived 2.2.7 garbles the text after '{reference}' when it is not at the end of \
                 the line; move it to the end of the line"
            ));
            *buf = line;
        } else {
            buf.splice(dollar..tail_start, replacing.iter().copied());
        }
        out.stop = Stop::Changed;
        let first_non_blank = value.iter().find(|&&b| b != b' ' && b != b'\t');
        if first_non_blank == Some(&b'~') {
            break;
        }
        cur = dollar;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;

    fn run(defs: &Definitions, line: &str, steps: usize) -> (String, Stop, usize, Vec<String>) {
        let mut buf = line.as_bytes().to_vec();
        let mut rng = 1u64;
        let mut steps_left = steps;
        let mut ctx = Context {
            pwd: b"/etc/keepalived",
            instance: b"node1",
            rng: &mut rng,
            steps_left: &mut steps_left,
        };
        let e = replace_params(defs, &mut buf, 1024, &mut ctx);
        (
            String::from_utf8(buf).unwrap(),
            e.stop,
            e.more.len(),
            e.notes,
        )
    }

    #[test]
    fn recursive_and_braced() {
        let mut d = Definitions::with_builtins();
        d.define(b"$NET=192.0.2").unwrap();
        d.define(b"$VIP=${NET}.10/24").unwrap();
        let (line, stop, _, _) = run(&d, "virtual_ipaddress $VIP", 100);
        assert_eq!(line, "virtual_ipaddress 192.0.2.10/24");
        assert_eq!(stop, Stop::Changed);
        let (line, stop, _, _) = run(&d, "x $NET.1 $UNDEF", 100);
        assert_eq!((line.as_str(), stop), ("x $NET.1 $UNDEF", Stop::Unchanged));
    }

    #[test]
    fn builtins() {
        let d = Definitions::with_builtins();
        let (line, ..) = run(&d, "a ${_PWD} $_INSTANCE \"${_HASH}${_BANG}\"", 100);
        assert_eq!(line, "a /etc/keepalived node1 \"#!\"");
        let (line, ..) = run(&d, "r ${_RANDOM 5 9}", 100);
        let n: u64 = line.strip_prefix("r ").unwrap().parse().unwrap();
        assert!((5..=9).contains(&n), "{line}");
    }

    #[test]
    fn random_in_mid_line_is_garbled_like_2_2_7() {
        let d = Definitions::with_builtins();
        let (line, _, _, notes) = run(&d, "${_RANDOM 1 9} tail", 100);
        // value (1 byte) + the byte after '}' + the original from index 2.
        assert_eq!(&line[1..], " _RANDOM 1 9} tail");
        assert_eq!(notes.len(), 1);
    }

    #[test]
    fn tilde_value_stops_the_scan() {
        let mut d = Definitions::with_builtins();
        d.define(b"$G=~SEQ(i,1,2) $X").unwrap();
        d.define(b"$X=x").unwrap();
        let (line, ..) = run(&d, "$G", 100);
        assert_eq!(line, "~SEQ(i,1,2) $X");
    }

    #[test]
    fn multiline_first_line_in_place() {
        let mut d = Definitions::with_builtins();
        d.define(b"$M=a\\").unwrap();
        d.continue_multiline(b"M", b"b", 100).unwrap();
        let (line, stop, more, _) = run(&d, "x $M", 100);
        assert_eq!((line.as_str(), stop, more), ("x a", Stop::Changed, 1));
    }

    #[test]
    fn self_reference_runs_out_of_budget() {
        let mut d = Definitions::with_builtins();
        d.define(b"$A=$A").unwrap();
        let (_, stop, _, _) = run(&d, "x $A", 50);
        assert_eq!(
            stop,
            Stop::Runaway {
                reference: "$A".to_string()
            }
        );
    }

    #[test]
    fn growth_stops_at_line_limit() {
        let mut d = Definitions::with_builtins();
        d.define(b"$A=xx $A").unwrap();
        let (line, stop, _, _) = run(&d, "$A", 10_000);
        assert_eq!(
            stop,
            Stop::TooLong {
                reference: "$A".to_string()
            }
        );
        assert!(line.len() < 1024 && line.len() > 1000, "{}", line.len());
    }
}
