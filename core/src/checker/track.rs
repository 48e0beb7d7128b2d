//! Tracked objects' weights and the per-instance sum (`vrrp_track.c`).
//!
//! For an object with weight `w` and direction `m` (+1, or −1 with `reverse`):
//!
//! | `w` | object ok | object failed |
//! |---|---|---|
//! | > 0 | `+w·m` | 0 |
//! | < 0 | 0 | `w·m` |
//! | 0 | nothing (`reverse`: Fault) | Fault (`reverse`: nothing) |
//!
//! A `track_file` holds a number `v`: with `w ≠ 0` it adds `v·w·m`, capped at 253, and a value at
//! or below −254 is a Fault; with `w = 0` a non-zero value is a Fault (`reverse`: zero is). The
//! instance's [`TrackStatus`] is the sum of its objects' weights and whether any is at Fault; the
//! VRRP state machine clamps the effective priority (see `vrrp::Priority::with_weights`).

use super::script::ScriptHealth;
use crate::vrrp::TrackStatus;
use serde::{Deserialize, Serialize};

/// One tracked object's effect on its instance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Contribution {
    /// Add this to the priority.
    Weight(i32),
    /// The instance must be in Fault.
    Fault,
    /// Not known yet: hold the instance (keepalived's Initialize).
    Waiting,
}

/// The effect of an object that is ok or failed (`track_script`, `track_interface`).
pub fn state_contribution(ok: bool, weight: i32, reverse: bool) -> Contribution {
    let m: i32 = if reverse { -1 } else { 1 };
    match weight {
        0 if ok != reverse => Contribution::Weight(0),
        0 => Contribution::Fault,
        w if w > 0 && ok => Contribution::Weight(w.saturating_mul(m)),
        w if w < 0 && !ok => Contribution::Weight(w.saturating_mul(m)),
        _ => Contribution::Weight(0),
    }
}

/// The effect of a `track_file` holding `value`.
pub fn file_contribution(value: i64, weight: i32, reverse: bool) -> Contribution {
    let m: i64 = if reverse { -1 } else { 1 };
    let status = if weight == 0 {
        if (value != 0) != reverse {
            -254
        } else {
            0
        }
    } else {
        value.saturating_mul(i64::from(weight)).saturating_mul(m)
    };
    if status <= -254 {
        Contribution::Fault
    } else {
        // In -253..=253 after the cap, so the conversion cannot fail.
        Contribution::Weight(i32::try_from(status.min(253)).unwrap_or(253))
    }
}

/// The number keepalived reads from a `track_file`'s text: C `strtol(text, NULL, 0)` over the
/// first [`TRACK_FILE_READ`] bytes. Leading whitespace, an optional sign, then `0x` hexadecimal, a
/// leading `0` octal, or decimal digits, up to the first other character; no digits read as 0.
/// A number beyond `i64` saturates, as `strtol` does (which also sets `ERANGE`); such a number is
/// out of [`track_file_accepts`]' range either way.
pub fn track_file_number(text: &[u8]) -> i64 {
    let text = text.get(..TRACK_FILE_READ).unwrap_or(text);
    let mut rest = text.trim_ascii_start();
    let negative = match rest.first() {
        Some(b'-') => true,
        Some(b'+') => false,
        _ => {
            return digits(rest);
        }
    };
    rest = rest.get(1..).unwrap_or_default();
    let v = digits(rest);
    if negative {
        v.saturating_neg()
    } else {
        v
    }
}

/// Whether keepalived takes `number`, read from a `track_file`, as the file's new value
/// (`process_track_file` in keepalived 2.2.7's `track_file.c`): a number below `i32::MIN` or
/// above `i32::MAX + 1` (that bound is keepalived's), or one `strtol` overflowed on, is logged
/// (`Invalid number N read from PATH - ignoring`) and ignored: the file keeps its last value.
/// Text without digits is not an error there: it reads as 0.
pub fn track_file_accepts(number: i64) -> bool {
    (i64::from(i32::MIN)..=i64::from(i32::MAX) + 1).contains(&number)
}

/// Bytes of a `track_file` keepalived reads (its 128-byte buffer, less the terminator).
pub const TRACK_FILE_READ: usize = 127;

fn digits(text: &[u8]) -> i64 {
    let (radix, body) = match text {
        [b'0', b'x' | b'X', d, ..] if d.is_ascii_hexdigit() => {
            (16, text.get(2..).unwrap_or_default())
        }
        [b'0', ..] => (8, text),
        _ => (10, text),
    };
    let mut v: i64 = 0;
    for &b in body {
        let Some(d) = char::from(b).to_digit(radix) else {
            break;
        };
        v = v
            .saturating_mul(i64::from(radix))
            .saturating_add(i64::from(d));
    }
    v
}

/// One tracked object of an instance: which source and its weight and direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct TrackLine {
    pub source: super::plan::TrackedSource,
    pub weight: i32,
    pub reverse: bool,
}

/// The current state of every source, indexed as in the [`TrackPlan`](super::TrackPlan).
#[derive(Debug, Clone, Copy)]
pub struct Sources<'a> {
    pub scripts: &'a [ScriptHealth],
    /// `None` while the interface's state is not known.
    pub interfaces: &'a [Option<bool>],
    /// The number in each file (a missing or unreadable file counts as 0, as in keepalived).
    pub files: &'a [i64],
}

/// An instance's status from its lines: `(status, initialising)`.
pub fn evaluate(lines: &[TrackLine], sources: &Sources<'_>) -> (TrackStatus, bool) {
    use super::plan::TrackedSource;
    let mut status = TrackStatus::default();
    let mut waiting = false;
    for line in lines {
        let c = match line.source {
            TrackedSource::Script(i) => match sources.scripts.get(i) {
                Some(ScriptHealth::Init) if line.weight == 0 => Contribution::Waiting,
                Some(ScriptHealth::Init) | None => Contribution::Weight(0),
                Some(h) => state_contribution(*h == ScriptHealth::Up, line.weight, line.reverse),
            },
            TrackedSource::Interface(i) => match sources.interfaces.get(i).copied().flatten() {
                Some(up) => state_contribution(up, line.weight, line.reverse),
                None => Contribution::Waiting,
            },
            TrackedSource::File(i) => {
                let v = sources.files.get(i).copied().unwrap_or(0);
                file_contribution(v, line.weight, line.reverse)
            }
        };
        match c {
            Contribution::Weight(w) => status.weight_sum = status.weight_sum.saturating_add(w),
            Contribution::Fault => status.fault = true,
            Contribution::Waiting => waiting = true,
        }
    }
    (status, waiting)
}
