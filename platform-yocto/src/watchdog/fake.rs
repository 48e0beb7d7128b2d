//! An in-memory watchdog for tests: records the timeout, every feed and how it was closed, and
//! says whether a real one would have fired.

use super::{WatchdogDevice, WatchdogError, WatchdogOp};
use std::io;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

/// What happened to a [`FakeWatchdog`], shared with the test that holds it.
#[derive(Debug, Default, Clone)]
pub struct FakeWatchdogLog {
    pub timeout_s: Option<u32>,
    pub feeds: Vec<Instant>,
    pub magic_closed: bool,
    /// Closed (dropped) without the magic character: a real watchdog would stay armed.
    pub dropped_armed: bool,
    /// When set, keepalives fail with this errno.
    pub fail_keepalive: Option<i32>,
    opened: Option<Instant>,
}

impl FakeWatchdogLog {
    /// Whether a real watchdog with the same history would have fired by `now`: armed and not fed
    /// for longer than its timeout.
    pub fn would_fire(&self, now: Instant) -> bool {
        if self.magic_closed {
            return false;
        }
        let Some(since) = self.feeds.last().copied().or(self.opened) else {
            return false;
        };
        let timeout = Duration::from_secs(u64::from(self.timeout_s.unwrap_or(60)));
        now.saturating_duration_since(since) > timeout
    }
}

/// The fake device; clone the log handle with [`FakeWatchdog::log`] before handing it over.
#[derive(Debug)]
pub struct FakeWatchdog {
    log: Arc<Mutex<FakeWatchdogLog>>,
    /// Largest timeout the "hardware" accepts; larger requests are clamped, as drivers do.
    max_timeout_s: u32,
}

impl FakeWatchdog {
    pub fn open(max_timeout_s: u32) -> Self {
        let log = FakeWatchdogLog {
            opened: Some(Instant::now()),
            ..FakeWatchdogLog::default()
        };
        FakeWatchdog {
            log: Arc::new(Mutex::new(log)),
            max_timeout_s,
        }
    }

    pub fn log(&self) -> Arc<Mutex<FakeWatchdogLog>> {
        Arc::clone(&self.log)
    }

    fn lock(&self) -> MutexGuard<'_, FakeWatchdogLog> {
        self.log.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl WatchdogDevice for FakeWatchdog {
    fn set_timeout(&mut self, seconds: u32) -> Result<u32, WatchdogError> {
        if seconds == 0 {
            return Err(WatchdogError::new(
                WatchdogOp::SetTimeout,
                io::Error::from_raw_os_error(libc::EINVAL),
            ));
        }
        let set = seconds.min(self.max_timeout_s);
        self.lock().timeout_s = Some(set);
        Ok(set)
    }

    fn keepalive(&mut self) -> Result<(), WatchdogError> {
        let mut log = self.lock();
        if let Some(errno) = log.fail_keepalive {
            return Err(WatchdogError::new(
                WatchdogOp::Keepalive,
                io::Error::from_raw_os_error(errno),
            ));
        }
        log.feeds.push(Instant::now());
        Ok(())
    }

    fn magic_close(self) -> Result<(), WatchdogError> {
        self.lock().magic_closed = true;
        Ok(())
    }
}

impl Drop for FakeWatchdog {
    fn drop(&mut self) {
        let mut log = self.lock();
        if !log.magic_closed {
            log.dropped_armed = true;
        }
    }
}
