//! Start-up code out of the resident set: once the daemon is steady, the pages of the program's
//! own read-only mappings (code, read-only data, relocations) are unmapped with
//! `madvise(MADV_DONTNEED)`, so the process's RSS and PSS count the code it runs from then on,
//! not the configuration reader, parser, admission and set-up that ran once.
//!
//! What this is and is not: the pages stay in the page cache (the file is not evicted, nothing
//! is written), and any code or data used again is mapped back by an ordinary minor fault, with
//! the kernel's fault-around (64 KiB around the page by default). Nothing is lost and nothing
//! changes behaviour; the first use of a released path costs a few microseconds. The page cache
//! is shared, reclaimable memory: it is what a `cat` of the binary would leave behind, and
//! it is not this process's resident set.
//!
//! Only mappings of the executable itself are released, only those that are not writable, and
//! only when none of their pages is private to the process (`Anonymous: 0 kB` in
//! `/proc/self/smaps`): a page the process wrote (relocated data, a text relocation) would lose
//! its contents. Read-only after relocation (RELRO) data is such a mapping and stays.
//!
//! Why it matters: the static binary's code is about 2.1 MB, and start-up touches most of it
//! (the kernel then maps 64 KiB around each touched page), while a running VRRP daemon uses a
//! small part.

mod sys;

use futures_lite::future;
use smol::channel::{Receiver, Sender};
use smol::LocalExecutor;
use std::fs;
use std::io;
use std::path::Path;
use std::time::Duration;

/// How long the daemon must have been quiet (no start-up, reload or VRRP event) before the
/// release runs: by then the configuration has been read and the instances have settled.
pub const STEADY_AFTER: Duration = Duration::from_secs(3);

/// One mapping of the executable that may be released.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Region {
    pub start: usize,
    pub end: usize,
}

/// The read-only mappings of `exe` in a `/proc/PID/smaps` text whose pages are all the file's
/// (no anonymous, that is copied-on-write, page).
pub fn releasable(smaps: &str, exe: &str) -> Vec<Region> {
    let mut out = Vec::new();
    // The mapping being read, if it is one of the executable's read-only mappings.
    let mut current: Option<Region> = None;
    let mut private = false;
    let finish = |current: Option<Region>, private: bool, out: &mut Vec<Region>| {
        if let Some(r) = current.filter(|_| !private) {
            out.push(r);
        }
    };
    for line in smaps.lines() {
        if let Some(header) = mapping_header(line) {
            finish(current.take(), private, &mut out);
            private = false;
            let (range, perms, path) = header;
            let read_only = perms.starts_with('r') && perms.get(1..2) == Some("-");
            if read_only && path == exe {
                current = parse_range(range);
            }
            continue;
        }
        if let Some(kb) = line.strip_prefix("Anonymous:") {
            private |= kb.trim().trim_end_matches("kB").trim() != "0";
        }
    }
    finish(current, private, &mut out);
    out
}

/// `(range, perms, path)` when `line` starts a mapping (`start-end perms offset dev inode path`).
fn mapping_header(line: &str) -> Option<(&str, &str, &str)> {
    let mut fields = line.splitn(6, ' ');
    let range = fields.next()?;
    if !range.contains('-') || !range.bytes().all(|b| b.is_ascii_hexdigit() || b == b'-') {
        return None;
    }
    let perms = fields.next()?;
    let (_offset, _dev, _inode) = (fields.next()?, fields.next()?, fields.next()?);
    let path = fields.next().unwrap_or("").trim_start();
    Some((range, perms, path))
}

fn parse_range(range: &str) -> Option<Region> {
    let (a, b) = range.split_once('-')?;
    let start = usize::from_str_radix(a, 16).ok()?;
    let end = usize::from_str_radix(b, 16).ok()?;
    (start < end).then_some(Region { start, end })
}

/// Releases the executable's read-only pages (see the module doc); returns the bytes of address
/// space advised.
pub fn release_program_pages() -> io::Result<usize> {
    let exe = fs::read_link("/proc/self/exe")?;
    let exe = exe.to_string_lossy();
    let smaps = fs::read_to_string(Path::new("/proc/self/smaps"))?;
    let mut total = 0;
    for region in releasable(&smaps, &exe) {
        sys::dont_need(region)?;
        total += region.end - region.start;
    }
    Ok(total)
}

/// The daemon's handle on the release task: [`Releaser::activity`] after start-up, a reload or
/// a VRRP event; the release runs once [`STEADY_AFTER`] has passed without further activity,
/// then waits for the next activity.
#[derive(Debug, Clone)]
pub struct Releaser {
    pokes: Sender<()>,
}

impl Releaser {
    /// Spawns the release task on `executor`; it ends when the last `Releaser` is dropped.
    pub fn spawn(executor: &LocalExecutor<'static>, quiet: Duration) -> Releaser {
        let (pokes, rx) = smol::channel::bounded(1);
        // A failure (no /proc) only leaves the pages resident.
        let release = || drop(release_program_pages());
        executor.spawn(run(rx, quiet, release)).detach();
        Releaser { pokes }
    }

    /// Something happened that runs code once (start-up, reload, a state change): release
    /// once the daemon has been quiet for a while after it.
    pub fn activity(&self) {
        // Full: a poke is already pending, which is all that is needed.
        let _ = self.pokes.try_send(());
    }
}

/// The release task: after each activity, `release` once `quiet` passed without another.
async fn run(pokes: Receiver<()>, quiet: Duration, mut release: impl FnMut()) {
    while pokes.recv().await.is_ok() {
        loop {
            let again = async { pokes.recv().await.is_ok() };
            let settled = async {
                smol::Timer::after(quiet).await;
                false
            };
            if !future::or(again, settled).await {
                break;
            }
        }
        release();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SMAPS: &str = "\
55d4c0a00000-55d4c0a1d000 r--p 00000000 fd:00 42 /usr/sbin/holdfast
Size:                116 kB
Anonymous:             0 kB
55d4c0a1d000-55d4c0c36000 r-xp 0001d000 fd:00 42 /usr/sbin/holdfast
Size:               2148 kB
Anonymous:             0 kB
55d4c0d01000-55d4c0d19000 r--p 00301000 fd:00 42 /usr/sbin/holdfast
Size:                 96 kB
Anonymous:            96 kB
55d4c0d19000-55d4c0d1a000 rw-p 00319000 fd:00 42 /usr/sbin/holdfast
Anonymous:             4 kB
7f0000000000-7f0000021000 r-xp 00000000 fd:00 43 /usr/lib/libc.so
Anonymous:             0 kB
7f0000100000-7f0000121000 rw-p 00000000 00:00 0 
Anonymous:           132 kB
";

    #[test]
    fn only_the_executables_clean_read_only_mappings() {
        let got = releasable(SMAPS, "/usr/sbin/holdfast");
        assert_eq!(
            got,
            vec![
                Region {
                    start: 0x55d4c0a00000,
                    end: 0x55d4c0a1d000
                },
                Region {
                    start: 0x55d4c0a1d000,
                    end: 0x55d4c0c36000
                },
            ]
        );
        assert!(releasable(SMAPS, "/usr/sbin/other").is_empty());
    }

    #[test]
    fn a_deleted_executable_is_still_matched_by_its_whole_name() {
        let smaps = "00400000-00401000 r-xp 00000000 fd:00 42 /usr/sbin/holdfast (deleted)\nAnonymous: 0 kB\n";
        assert_eq!(releasable(smaps, "/usr/sbin/holdfast (deleted)").len(), 1);
        assert!(releasable(smaps, "/usr/sbin/holdfast").is_empty());
    }

    #[test]
    fn releases_once_per_quiet_period_after_activity() {
        use std::cell::Cell;
        use std::rc::Rc;
        let quiet = Duration::from_millis(30);
        let released = Rc::new(Cell::new(0));
        let (pokes, rx) = smol::channel::bounded(1);
        let executor = LocalExecutor::new();
        let count = released.clone();
        let task = executor.spawn(run(rx, quiet, move || count.set(count.get() + 1)));
        let released = &released;
        let wait_for = |n: u32| async move {
            for _ in 0..500 {
                if released.get() >= n {
                    break;
                }
                smol::Timer::after(Duration::from_millis(10)).await;
            }
            released.get()
        };
        smol::block_on(executor.run(async {
            // Nothing happened yet: nothing released.
            smol::Timer::after(quiet * 3).await;
            assert_eq!(released.get(), 0);
            pokes.try_send(()).expect("room for one poke");
            assert_eq!(wait_for(1).await, 1);
            // Quiet for a while: no further release without activity.
            smol::Timer::after(quiet * 3).await;
            assert_eq!(released.get(), 1);
            pokes.try_send(()).expect("room for one poke");
            assert_eq!(wait_for(2).await, 2);
            drop(pokes);
            task.await;
        }));
    }

    #[test]
    fn the_running_test_binary_releases_and_keeps_running() {
        // The test binary's own code is released and faulted back in as this test goes on.
        let bytes = release_program_pages().expect("/proc/self is readable");
        assert!(bytes > 0);
        assert_eq!(releasable("garbage\nAnonymous: x\n", "x"), Vec::new());
    }
}
