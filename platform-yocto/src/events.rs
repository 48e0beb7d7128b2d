//! Recent daemon events for the console's `log [N]` and `status`: a fixed-size ring of
//! fixed-size records, so recording an event from an actor never allocates and never grows.

use core::fmt::{self, Write as _};
use heapless::{Deque, String};

/// Events the ring keeps; the oldest is overwritten when it is full.
pub const RING_CAPACITY: usize = 128;
/// Bytes of event text kept; longer text is cut at a character boundary and ends in `~`.
pub const EVENT_TEXT_MAX: usize = 112;

/// How serious an event is; the console's "last errors" are the `Warning` and `Error` ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    Debug,
    Info,
    Warning,
    Error,
}

impl Level {
    /// The syslog priority number the kernel log (`/dev/kmsg`) takes as `<N>`.
    pub const fn syslog_priority(self) -> u8 {
        match self {
            Level::Error => 3,
            Level::Warning => 4,
            Level::Info => 6,
            Level::Debug => 7,
        }
    }

    /// Short fixed-width label for console lines.
    pub const fn label(self) -> &'static str {
        match self {
            Level::Error => "ERR ",
            Level::Warning => "WARN",
            Level::Info => "INFO",
            Level::Debug => "DBG ",
        }
    }
}

/// One recorded event: when (milliseconds since the daemon started), how serious, which actor,
/// and its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    pub at_ms: u64,
    pub level: Level,
    pub source: &'static str,
    pub text: String<EVENT_TEXT_MAX>,
}

impl Event {
    /// Formats `args` into a fixed-size record without allocating; text that does not fit is cut.
    pub fn new(at_ms: u64, level: Level, source: &'static str, args: fmt::Arguments<'_>) -> Self {
        let mut text = Truncating(String::new(), false);
        // Truncating never fails; it only records that it cut.
        let _ = text.write_fmt(args);
        let Truncating(mut text, cut) = text;
        if cut {
            while text.len() >= EVENT_TEXT_MAX {
                text.pop();
            }
            let _ = text.push('~');
        }
        Event {
            at_ms,
            level,
            source,
            text,
        }
    }
}

impl fmt::Display for Event {
    /// `[    12.345] WARN ipvs: text`, the layout of `dmesg` so serial-line readers know it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "[{:>6}.{:03}] {} {}: {}",
            self.at_ms / 1000,
            self.at_ms % 1000,
            self.level.label(),
            self.source,
            self.text
        )
    }
}

/// A `fmt::Write` into a bounded string that keeps what fits and remembers that it cut.
struct Truncating<const N: usize>(String<N>, bool);

impl<const N: usize> fmt::Write for Truncating<N> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        for c in s.chars() {
            // Control characters would break the one-line-per-event layout on a terminal.
            let c = if c.is_control() { ' ' } else { c };
            if self.0.push(c).is_err() {
                self.1 = true;
                return Ok(());
            }
        }
        Ok(())
    }
}

/// The last [`RING_CAPACITY`] events, oldest first.
#[derive(Debug, Default, Clone)]
pub struct EventRing {
    events: Deque<Event, RING_CAPACITY>,
    /// Events ever pushed, so a reader can tell how many the ring has forgotten.
    total: u64,
}

impl EventRing {
    pub const fn new() -> Self {
        EventRing {
            events: Deque::new(),
            total: 0,
        }
    }

    /// Appends `event`, forgetting the oldest when full.
    pub fn push(&mut self, event: Event) {
        if self.events.is_full() {
            self.events.pop_front();
        }
        // Cannot fail: a slot was just freed if the ring was full.
        let _ = self.events.push_back(event);
        self.total = self.total.saturating_add(1);
    }

    pub fn len(&self) -> usize {
        self.events.len()
    }

    pub fn is_empty(&self) -> bool {
        self.events.is_empty()
    }

    /// Events ever pushed (including the ones the ring has forgotten).
    pub fn total(&self) -> u64 {
        self.total
    }

    /// Oldest to newest.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &Event> + '_ {
        self.events.iter()
    }

    /// The newest `n` events, oldest first.
    pub fn last(&self, n: usize) -> impl Iterator<Item = &Event> + '_ {
        self.events.iter().skip(self.events.len().saturating_sub(n))
    }

    /// The newest `n` events at `Warning` or above, oldest first.
    pub fn last_problems(&self, n: usize) -> impl Iterator<Item = &Event> + '_ {
        let problems = self
            .events
            .iter()
            .filter(|e| e.level >= Level::Warning)
            .count();
        self.events
            .iter()
            .filter(|e| e.level >= Level::Warning)
            .skip(problems.saturating_sub(n))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(at_ms: u64, level: Level, text: &str) -> Event {
        Event::new(at_ms, level, "test", format_args!("{text}"))
    }

    #[test]
    fn ring_keeps_the_newest_and_counts_all() {
        let mut ring = EventRing::new();
        for i in 0..(RING_CAPACITY as u64 + 5) {
            ring.push(ev(i, Level::Info, "x"));
        }
        assert_eq!(ring.len(), RING_CAPACITY);
        assert_eq!(ring.total(), RING_CAPACITY as u64 + 5);
        assert_eq!(ring.iter().next().map(|e| e.at_ms), Some(5));
        let last: Vec<u64> = ring.last(3).map(|e| e.at_ms).collect();
        assert_eq!(last, [130, 131, 132]);
        assert_eq!(ring.last(1000).count(), RING_CAPACITY);
    }

    #[test]
    fn last_problems_skips_info() {
        let mut ring = EventRing::new();
        ring.push(ev(1, Level::Error, "a"));
        ring.push(ev(2, Level::Info, "b"));
        ring.push(ev(3, Level::Warning, "c"));
        ring.push(ev(4, Level::Error, "d"));
        let got: Vec<u64> = ring.last_problems(2).map(|e| e.at_ms).collect();
        assert_eq!(got, [3, 4]);
    }

    #[test]
    fn long_text_is_cut_and_marked_and_controls_become_spaces() {
        let long = "é".repeat(EVENT_TEXT_MAX);
        let e = ev(0, Level::Info, &long);
        assert!(e.text.len() <= EVENT_TEXT_MAX);
        assert!(e.text.ends_with('~'));
        let e = ev(0, Level::Info, "a\nb\x1b");
        assert_eq!(e.text.as_str(), "a b ");
    }

    #[test]
    fn display_is_dmesg_like() {
        let e = Event::new(12_345, Level::Warning, "ipvs", format_args!("n={}", 3));
        assert_eq!(e.to_string(), "[    12.345] WARN ipvs: n=3");
    }
}
