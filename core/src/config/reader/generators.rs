//! `~SEQ` and `~LST` lines: parsing them and producing the lines they repeat.
//!
//! keepalived 2.2.7 (`add_seq()`, `add_lst()`), for a line that *starts* with the generator:
//! * `~SEQ(VAR, END)` counts 1..END (or -1 down to END when END < 0; END 0 gives 1, 0),
//!   `~SEQ(VAR, START, END)` counts by ±1, `~SEQ(VAR, START, STEP, END)` by STEP; numbers are
//!   C `strtol(.., 0)` (decimal, `0x` hex, leading-`0` octal) and may be definitions;
//!   `~SEQx` prints the values in hex and needs them non-negative;
//! * `~LST(VAR, V1, V2, ...)` or `~LST({VAR1, VAR2}, {V1, V2}, ...)` sets the variables to each
//!   value set in turn (missing values are empty); values end at a blank, `,`, `}` or `)`;
//! * the text after `)` is the line repeated, with `$VAR` set by a definition each time.

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

/// A parsed `~SEQ` head: what remains is to expand and read its numbers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SeqHead {
    pub hex: bool,
    pub var: Vec<u8>,
    /// The numbers, up to and including `)`.
    pub params: Vec<u8>,
    pub text: Vec<u8>,
}

/// A repeating line source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Generator {
    Seq {
        var: Vec<u8>,
        next: i64,
        step: i64,
        last: i64,
        hex: bool,
        text: Vec<u8>,
    },
    Lst {
        vars: Vec<Vec<u8>>,
        sets: Vec<Vec<Vec<u8>>>,
        next: usize,
        text: Vec<u8>,
    },
}

/// One produced line: definitions to set, then the text.
pub(crate) struct Emitted {
    pub assignments: Vec<(Vec<u8>, Vec<u8>)>,
    pub text: Vec<u8>,
    /// This was the generator's last line.
    pub last: bool,
}

const SEQ_FORM: &str = "write ~SEQ(VAR, [START,] [STEP,] END) followed by the text to repeat";
const LST_FORM: &str =
    "write ~LST(VAR, V1, V2, ...) or ~LST({VAR1, VAR2}, {V1, V2}, ...) followed by the text to repeat";

/// keepalived's `seq_buf`: three numbers with separators, at most 63 bytes with the `)`.
pub(crate) const SEQ_PARAMS_MAX: usize = 64;

fn skip_blanks(s: &[u8], mut i: usize) -> usize {
    while matches!(s.get(i), Some(b' ') | Some(b'\t')) {
        i += 1;
    }
    i
}

fn show(line: &[u8]) -> String {
    super::diagnostics::quote(line)
}

/// Parses `~SEQ[x](VAR, ...) TEXT` up to its numbers.
pub(crate) fn seq_head(line: &[u8]) -> Result<SeqHead, String> {
    let mut p = 4;
    let hex = line.get(p) == Some(&b'x');
    if hex {
        p += 1;
    }
    p = skip_blanks(line, p);
    if line.get(p) != Some(&b'(') {
        return Err(format!("{} has no '(' after ~SEQ: {SEQ_FORM}", show(line)));
    }
    p = skip_blanks(line, p + 1);
    let var_start = p;
    while line
        .get(p)
        .is_some_and(|&b| !matches!(b, b' ' | b'\t' | b',' | b')'))
    {
        p += 1;
    }
    let var = line.get(var_start..p).unwrap_or(&[]).to_vec();
    p = skip_blanks(line, p);
    if var.is_empty() || matches!(line.get(p), None | Some(b')')) {
        return Err(format!(
            "{} names no variable or no numbers: {SEQ_FORM}",
            show(line)
        ));
    }
    // keepalived skips whatever separates the variable from the numbers.
    p = skip_blanks(line, p + 1);
    let Some(close) = line
        .get(p..)
        .and_then(|rest| rest.iter().position(|&b| b == b')'))
        .map(|c| c + p)
    else {
        return Err(format!("{} has no closing ')': {SEQ_FORM}", show(line)));
    };
    let params = line.get(p..=close).unwrap_or(&[]).to_vec();
    if params.len() + 1 > SEQ_PARAMS_MAX {
        return Err(format!(
            "the numbers of {} are longer than keepalived's 63 bytes: {SEQ_FORM}",
            show(line)
        ));
    }
    let text_start = skip_blanks(line, close + 1);
    Ok(SeqHead {
        hex,
        var,
        params,
        text: line.get(text_start..).unwrap_or(&[]).to_vec(),
    })
}

/// C `strtol(s + i, &end, 0)`: the value and the index after it (`i` when nothing was read).
pub(crate) fn strtol(s: &[u8], i: usize) -> (i64, usize) {
    let mut p = i;
    while s
        .get(p)
        .is_some_and(|&b| matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c))
    {
        p += 1;
    }
    let negative = s.get(p) == Some(&b'-');
    if matches!(s.get(p), Some(b'-') | Some(b'+')) {
        p += 1;
    }
    let mut base = 10u32;
    if s.get(p) == Some(&b'0') {
        if matches!(s.get(p + 1), Some(b'x') | Some(b'X'))
            && s.get(p + 2).is_some_and(u8::is_ascii_hexdigit)
        {
            base = 16;
            p += 2;
        } else {
            base = 8;
        }
    }
    let start = p;
    let mut v: i128 = 0;
    while let Some(d) = s.get(p).and_then(|&b| char::from(b).to_digit(base)) {
        v = (v * i128::from(base) + i128::from(d)).min(i128::from(i64::MAX) + 1);
        p += 1;
    }
    if p == start {
        return (0, i);
    }
    let v = if negative { -v } else { v };
    let clamped = v.clamp(i128::from(i64::MIN), i128::from(i64::MAX));
    (i64::try_from(clamped).unwrap_or(0), p)
}

/// Reads START, STEP and END from expanded `~SEQ` numbers (`params` ends with `)`).
pub(crate) fn seq_numbers(line: &[u8], params: &[u8]) -> Result<(i64, i64, i64), String> {
    let bad = |what: &str| {
        format!(
            "{} is not a valid ~SEQ: {what}; numbers are decimal, 0x hex or 0 octal integers: {SEQ_FORM}",
            show(line)
        )
    };
    let (one, p) = strtol(params, 0);
    let p = skip_blanks(params, p);
    match params.get(p) {
        Some(b')') => {
            let step = if one < 1 { -1 } else { 1 };
            let start = if one < 0 { -1 } else { 1 };
            return Ok((start, step, one));
        }
        Some(b',') => {}
        _ => return Err(bad("the first number is not followed by ',' or ')'")),
    }
    let (two, p) = strtol(params, p + 1);
    let p = skip_blanks(params, p);
    match params.get(p) {
        Some(b')') => return Ok((one, if one <= two { 1 } else { -1 }, two)),
        Some(b',') => {}
        _ => return Err(bad("the second number is not followed by ',' or ')'")),
    }
    let (three, p) = strtol(params, p + 1);
    let p = skip_blanks(params, p);
    if params.get(p) != Some(&b')') {
        return Err(bad("the third number is not followed by ')'"));
    }
    let (start, step, end) = (one, two, three);
    if step == 0 || (start < end && step < 0) || (start > end && step > 0) {
        return Err(format!(
            "{}: step {step} never gets from {start} to {end}; use a non-zero step with the sign of END - START",
            show(line)
        ));
    }
    Ok((start, step, end))
}

/// How many lines a sequence produces.
pub(crate) fn seq_len(start: i64, step: i64, end: i64) -> u128 {
    if step == 0 {
        return 0;
    }
    let span = i128::from(end) - i128::from(start);
    let n = span / i128::from(step);
    if n < 0 {
        // keepalived still emits the first value before checking the end.
        1
    } else {
        u128::try_from(n).unwrap_or(0) + 1
    }
}

/// Parses a whole `~LST(...) TEXT` line.
pub(crate) fn lst(line: &[u8]) -> Result<Generator, String> {
    let invalid = || format!("{} is not a valid ~LST: {LST_FORM}", show(line));
    let mut p = skip_blanks(line, 4);
    if line.get(p) != Some(&b'(') {
        return Err(invalid());
    }
    p = skip_blanks(line, p + 1);
    let mut end_char = b',';
    if line.get(p) == Some(&b'{') {
        end_char = b'}';
        p = skip_blanks(line, p + 1);
    }
    let mut vars = Vec::new();
    loop {
        let start = p;
        while line
            .get(p)
            .is_some_and(|&b| !matches!(b, b' ' | b'\t' | b',' | b'}'))
        {
            p += 1;
        }
        vars.push(line.get(start..p).unwrap_or(&[]).to_vec());
        p = skip_blanks(line, p);
        match line.get(p) {
            Some(&c) if c == end_char => break,
            Some(b',') => p = skip_blanks(line, p + 1),
            _ => return Err(invalid()),
        }
    }
    if line.get(p) == Some(&b'}') {
        p = skip_blanks(line, p + 1);
    }
    if line.get(p) != Some(&b',') {
        return Err(invalid());
    }
    p = skip_blanks(line, p + 1);

    let mut sets = Vec::new();
    loop {
        let mut end_char = b',';
        if line.get(p) == Some(&b'{') {
            end_char = b'}';
            p = skip_blanks(line, p + 1);
        }
        let mut set = Vec::new();
        loop {
            let start = p;
            while line
                .get(p)
                .is_some_and(|&b| !matches!(b, b' ' | b'\t' | b',' | b'}' | b')'))
            {
                p += 1;
            }
            set.push(line.get(start..p).unwrap_or(&[]).to_vec());
            p = skip_blanks(line, p);
            match line.get(p) {
                Some(&c) if c == end_char || (c == b')' && end_char == b',') => break,
                Some(b',') => p = skip_blanks(line, p + 1),
                _ => return Err(invalid()),
            }
            if set.len() >= vars.len() {
                return Err(format!(
                    "{}: a value set has more values than the {} variable(s): {LST_FORM}",
                    show(line),
                    vars.len()
                ));
            }
        }
        set.resize(vars.len().max(set.len()), Vec::new());
        sets.push(set);
        if line.get(p) == Some(&b'}') && end_char == b'}' {
            p = skip_blanks(line, p + 1);
        }
        match line.get(p) {
            Some(b')') => break,
            Some(b',') => p = skip_blanks(line, p + 1),
            _ => return Err(invalid()),
        }
    }
    let text_start = skip_blanks(line, p + 1);
    Ok(Generator::Lst {
        vars,
        sets,
        next: 0,
        text: line.get(text_start..).unwrap_or(&[]).to_vec(),
    })
}

impl Generator {
    /// The next line; `None` once exhausted (a generator is dropped after its last line).
    pub fn emit(&mut self) -> Option<Emitted> {
        match self {
            Generator::Seq {
                var,
                next,
                step,
                last,
                hex,
                text,
            } => {
                let value = if *hex {
                    format!("{:x}", *next as u64)
                } else {
                    format!("{}", *next)
                };
                let (after, overflow) = next.overflowing_add(*step);
                let done = overflow || (*step > 0 && after > *last) || (*step < 0 && after < *last);
                *next = after;
                Some(Emitted {
                    assignments: alloc::vec![(var.clone(), value.into_bytes())],
                    text: text.clone(),
                    last: done,
                })
            }
            Generator::Lst {
                vars,
                sets,
                next,
                text,
            } => {
                let set = sets.get(*next)?;
                let assignments = vars.iter().cloned().zip(set.iter().cloned()).collect();
                *next += 1;
                Some(Emitted {
                    assignments,
                    text: text.clone(),
                    last: *next >= sets.len(),
                })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    fn seq(line: &str) -> Result<(i64, i64, i64), String> {
        let h = seq_head(line.as_bytes())?;
        seq_numbers(line.as_bytes(), &h.params)
    }

    fn values(g: &mut Generator) -> Vec<String> {
        let mut out = Vec::new();
        while let Some(e) = g.emit() {
            let vals: Vec<String> = e
                .assignments
                .iter()
                .map(|(k, v)| {
                    format!(
                        "{}={}",
                        String::from_utf8_lossy(k),
                        String::from_utf8_lossy(v)
                    )
                })
                .collect();
            out.push(vals.join(" "));
            if e.last {
                break;
            }
        }
        out
    }

    #[test]
    fn seq_forms() {
        assert_eq!(seq("~SEQ(i, 3) x"), Ok((1, 1, 3)));
        assert_eq!(seq("~SEQ(i, 0) x"), Ok((1, -1, 0)));
        assert_eq!(seq("~SEQ(i, -3) x"), Ok((-1, -1, -3)));
        assert_eq!(seq("~SEQ(i, 5, 2) x"), Ok((5, -1, 2)));
        assert_eq!(seq("~SEQ(i, 0x10, 2, 020) x"), Ok((16, 2, 16)));
        assert!(seq("~SEQ(i, 1, -1, 5) x").unwrap_err().contains("step -1"));
        assert!(seq("~SEQ(i, 1, 0, 5) x").is_err());
        assert!(seq("~SEQ(i, a) x")
            .unwrap_err()
            .contains("not a valid ~SEQ"));
        assert!(seq("~SEQ i, 3) x").unwrap_err().contains("no '('"));
        assert!(seq("~SEQ(i, 3 x").unwrap_err().contains("no closing ')'"));
        assert!(seq("~SEQ(, 3) x").is_err());
        let h = seq_head(b"~SEQx( v ,1,3)   text $v").unwrap();
        assert_eq!(
            (h.hex, h.var.as_slice(), h.text.as_slice()),
            (true, &b"v"[..], &b"text $v"[..])
        );
    }

    #[test]
    fn seq_emits_values() {
        let mut g = Generator::Seq {
            var: b"i".to_vec(),
            next: 1,
            step: 2,
            last: 6,
            hex: false,
            text: b"t".to_vec(),
        };
        assert_eq!(values(&mut g), vec!["i=1", "i=3", "i=5"]);
        let mut g = Generator::Seq {
            var: b"i".to_vec(),
            next: 9,
            step: 1,
            last: 11,
            hex: true,
            text: b"t".to_vec(),
        };
        assert_eq!(values(&mut g), vec!["i=9", "i=a", "i=b"]);
        assert_eq!(seq_len(1, 2, 6), 3);
        assert_eq!(seq_len(5, -1, 2), 4);
        assert_eq!(seq_len(i64::MIN, 1, i64::MAX), 1 << 64);
    }

    #[test]
    fn strtol_like_c() {
        assert_eq!(strtol(b" 42)", 0), (42, 3));
        assert_eq!(strtol(b"-0x1f", 0), (-31, 5));
        assert_eq!(strtol(b"0x", 0), (0, 1));
        assert_eq!(strtol(b"017", 0), (15, 3));
        assert_eq!(strtol(b"abc", 0), (0, 0));
        assert_eq!(strtol(b"99999999999999999999", 0).0, i64::MAX);
    }

    #[test]
    fn lst_forms() {
        let mut g = lst(b"~LST(i, a, b ,c) x $i").unwrap();
        assert_eq!(values(&mut g), vec!["i=a", "i=b", "i=c"]);
        let mut g = lst(b"~LST({a, b}, {1, 2}, {3}) x").unwrap();
        assert_eq!(values(&mut g), vec!["a=1 b=2", "a=3 b="]);
        assert!(lst(b"~LST({a, b}, {1, 2, 3}) x")
            .unwrap_err()
            .contains("more values"));
        assert!(lst(b"~LST(i, a b) x").is_err());
        assert!(lst(b"~LST i, a) x").is_err());
        match lst(b"~LST(i, a)   text").unwrap() {
            Generator::Lst { text, .. } => assert_eq!(text, b"text"),
            other => panic!("{other:?}"),
        }
    }
}
