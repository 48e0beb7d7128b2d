//! The console on a character device (a serial port such as `/dev/ttyS1`, a pty, a USB UART):
//! [`TtyDevice`] implements the `embedded_io` traits over a non-blocking file descriptor, and
//! [`spawn_console`] runs a [`Session`] on it in its own thread.
//!
//! The thread is the only thing that ever waits on the device. A reader that never reads fills
//! the tty's output buffer; the thread then waits in `poll` (checking the stop flag every
//! [`POLL_INTERVAL`]), live events pile up in the bounded queue and are dropped and counted, and
//! no actor notices.
//!
//! Closing a serial port waits until its unsent output has gone out (the port's `closing_wait`,
//! 30 s by default). A line that does not drain (the far end sent XOFF or dropped CTS, a cable
//! that backs up) made that close, and so the daemon's stop, hang past the init script's
//! `STOP_TIMEOUT`. Dropping a [`TtyDevice`] therefore turns its echo off and discards what is
//! still queued before the close: the console is going away, and nobody waits for its output.

use super::handle::ConsoleHandle;
use super::session::{ReloadHook, Session};
use crate::events::Event;
use embedded_io::{ErrorType, Read, Write};
use rustix::event::{poll, PollFd, PollFlags, Timespec};
use rustix::fs::{open, Mode, OFlags};
use rustix::io::Errno;
use rustix::termios::{self, InputModes, LocalModes, OptionalActions, OutputModes};
use std::io;
use std::os::fd::OwnedFd;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::Receiver;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

/// How often a waiting console thread looks at the stop flag and the live-event queue.
pub const POLL_INTERVAL: Duration = Duration::from_millis(50);
/// How long the console rests after the device reports hang-up or end of input (a pty whose
/// other side closed, a USB UART unplugged) before trying again.
pub const HANGUP_BACKOFF: Duration = Duration::from_millis(500);
/// Bytes read from the device at a time.
const READ_CHUNK: usize = 256;

/// A device the console can run on: `embedded_io` reads and writes plus a bounded wait for input,
/// so the same loop serves a tty, a pty or a UART driver.
pub trait ConsoleDevice: Read + Write {
    /// Waits up to `timeout` for input; `Ok(true)` when a read will return data or end of input.
    fn wait_input(&mut self, timeout: Duration) -> Result<bool, Self::Error>;

    /// The far end echoes what it receives: stop echoing its input back to it, or each byte
    /// would bounce between the two ends for as long as both run. Nothing to do by default.
    fn peer_echoes(&mut self) -> Result<(), Self::Error> {
        Ok(())
    }
}

/// Line settings for a dedicated console tty.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TtySettings {
    /// Baud rate to set (a serial port's own setting is kept when `None`).
    pub baud: Option<u32>,
}

/// A character device opened non-blocking, without becoming the daemon's controlling terminal.
#[derive(Debug)]
pub struct TtyDevice {
    fd: OwnedFd,
    stop: Arc<AtomicBool>,
}

impl TtyDevice {
    /// Opens `path` read-write, non-blocking, `O_NOCTTY` (a daemon must not acquire a
    /// controlling terminal: a hang-up would then signal it), and, when it is a terminal, puts it
    /// in canonical mode with echo so the kernel does line editing for the engineer.
    pub fn open(path: &Path, settings: TtySettings) -> io::Result<Self> {
        let fd = open(
            path,
            OFlags::RDWR | OFlags::NOCTTY | OFlags::NONBLOCK | OFlags::CLOEXEC,
            Mode::empty(),
        )?;
        let dev = TtyDevice {
            fd,
            stop: Arc::new(AtomicBool::new(false)),
        };
        if termios::isatty(&dev.fd) {
            dev.configure(settings)?;
        }
        Ok(dev)
    }

    fn configure(&self, settings: TtySettings) -> io::Result<()> {
        let mut t = termios::tcgetattr(&self.fd)?;
        t.local_modes |= LocalModes::ICANON | LocalModes::ECHO | LocalModes::ECHOE;
        // Ctrl-C on the console must not become a signal (there is no process group to get it
        // under O_NOCTTY anyway); it arrives as a byte and the line is rejected as malformed.
        t.local_modes &= !LocalModes::ISIG;
        // A serial terminal sends CR for Enter; the console takes either, but canonical mode
        // only completes a line on NL.
        t.input_modes |= InputModes::ICRNL;
        t.output_modes |= OutputModes::OPOST | OutputModes::ONLCR;
        if let Some(baud) = settings.baud {
            t.set_speed(baud)?;
        }
        termios::tcsetattr(&self.fd, OptionalActions::Now, &t)?;
        Ok(())
    }

    /// Turns the terminal's echo off (a no-op on a device that is not a terminal).
    fn echo_off(&self) -> io::Result<()> {
        if !termios::isatty(&self.fd) {
            return Ok(());
        }
        let mut t = termios::tcgetattr(&self.fd)?;
        t.local_modes &=
            !(LocalModes::ECHO | LocalModes::ECHOE | LocalModes::ECHOK | LocalModes::ECHONL);
        termios::tcsetattr(&self.fd, OptionalActions::Now, &t)?;
        Ok(())
    }

    /// A flag that makes a blocked write give up (with `ErrorKind::Interrupted`).
    pub fn stop_flag(&self) -> Arc<AtomicBool> {
        Arc::clone(&self.stop)
    }

    fn wait(&self, flags: PollFlags, timeout: Duration) -> io::Result<bool> {
        let mut fds = [PollFd::new(&self.fd, flags)];
        let ts = Timespec::try_from(timeout).unwrap_or(Timespec {
            tv_sec: 0,
            tv_nsec: 50_000_000,
        });
        match poll(&mut fds, Some(&ts)) {
            Ok(n) => Ok(n > 0),
            Err(Errno::INTR) => Ok(false),
            Err(e) => Err(e.into()),
        }
    }
}

impl ErrorType for TtyDevice {
    type Error = io::Error;
}

impl Read for TtyDevice {
    /// Returns `Ok(0)` only at end of input (hang-up); "no data yet" waits.
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            match rustix::io::read(&self.fd, &mut *buf) {
                Ok(n) => return Ok(n),
                Err(Errno::INTR) => {}
                Err(Errno::AGAIN) => {
                    if self.stop.load(Ordering::Relaxed) {
                        return Err(io::ErrorKind::Interrupted.into());
                    }
                    self.wait(PollFlags::IN, POLL_INTERVAL)?;
                }
                // A pty whose master side closed reads EIO: treat it as a hang-up.
                Err(Errno::IO) => return Ok(0),
                Err(e) => return Err(e.into()),
            }
        }
    }
}

impl Write for TtyDevice {
    /// Waits while the device is full (a slow or absent reader), giving up only when stopped.
    /// Output to a hung-up terminal (EIO) is discarded: nobody is there to read it, and the
    /// console must survive until someone is.
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        loop {
            match rustix::io::write(&self.fd, buf) {
                Ok(n) => return Ok(n),
                Err(Errno::IO) => return Ok(buf.len()),
                Err(Errno::INTR) => {}
                Err(Errno::AGAIN) => {
                    if self.stop.load(Ordering::Relaxed) {
                        return Err(io::ErrorKind::Interrupted.into());
                    }
                    self.wait(PollFlags::OUT, POLL_INTERVAL)?;
                }
                Err(e) => return Err(e.into()),
            }
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl ConsoleDevice for TtyDevice {
    fn wait_input(&mut self, timeout: Duration) -> io::Result<bool> {
        self.wait(PollFlags::IN, timeout)
    }

    /// Echo off, and the input queued so far discarded: until now each byte bounced between
    /// the two echoes, piling our prompts into the line buffer with no line end, where they
    /// would swallow what someone types next.
    fn peer_echoes(&mut self) -> io::Result<()> {
        self.echo_off()?;
        if termios::isatty(&self.fd) {
            termios::tcflush(&self.fd, termios::QueueSelector::IFlush)?;
        }
        Ok(())
    }
}

impl Drop for TtyDevice {
    /// Echo off first (input arriving before the close would otherwise queue new output), then
    /// the queues flushed, so the close does not wait for a line that may never drain.
    fn drop(&mut self) {
        if termios::isatty(&self.fd) {
            // Nothing to do about a failure: the close that follows is all that is left.
            let _ = self.echo_off();
            let _ = termios::tcflush(&self.fd, termios::QueueSelector::IOFlush);
        }
    }
}

/// A running console; [`ConsoleThread::stop`] ends it.
#[derive(Debug)]
pub struct ConsoleThread {
    stop: Arc<AtomicBool>,
    join: JoinHandle<io::Result<()>>,
}

impl ConsoleThread {
    /// Stops the console (within about [`POLL_INTERVAL`], even if its reader never reads) and
    /// returns how its loop ended.
    pub fn stop(self) -> io::Result<()> {
        self.stop.store(true, Ordering::Relaxed);
        self.join
            .join()
            .unwrap_or_else(|_| Err(io::Error::other("console thread panicked")))
    }
}

/// Opens `path` and serves the console on it in a new thread named `console`.
///
/// Fails if the device cannot be opened or configured, or if another console already serves this
/// handle's live events.
pub fn spawn_console(
    path: &Path,
    settings: TtySettings,
    handle: ConsoleHandle,
    reload: ReloadHook,
) -> io::Result<ConsoleThread> {
    let device = TtyDevice::open(path, settings)?;
    let live = handle
        .take_live()
        .ok_or_else(|| io::Error::other("a console is already running for this daemon"))?;
    // One flag stops both the loop and a write blocked on a full device.
    let stop = device.stop_flag();
    let thread_stop = Arc::clone(&stop);
    let join = std::thread::Builder::new()
        .name("console".into())
        .spawn(move || serve(device, &handle, &live, reload, &thread_stop))?;
    Ok(ConsoleThread { stop, join })
}

/// The console loop over any [`ConsoleDevice`]: echo live events, wait for input, answer lines.
/// Returns when `stop` is set, or on a device error other than hang-up.
pub fn serve<D>(
    mut device: D,
    handle: &ConsoleHandle,
    live: &Receiver<Event>,
    mut reload: ReloadHook,
    stop: &AtomicBool,
) -> Result<(), D::Error>
where
    D: ConsoleDevice,
{
    let mut session = Session::new();
    let mut buf = [0u8; READ_CHUNK];
    write_or_stop(session.prompt(&mut device), stop)?;
    while !stop.load(Ordering::Relaxed) {
        // Bounded per pass so input is answered even while events stream in.
        for event in live.try_iter().take(crate::console::LIVE_QUEUE) {
            if session.live_events() {
                write_or_stop(session.live_event(&mut device, &event), stop)?;
            }
        }
        if !device.wait_input(POLL_INTERVAL)? {
            continue;
        }
        match device.read(&mut buf) {
            Ok(0) => std::thread::sleep(HANGUP_BACKOFF),
            Ok(n) => {
                let input = buf.get(..n).unwrap_or_default();
                let echoed_before = session.peer_echoes();
                write_or_stop(session.input(input, handle, &mut reload, &mut device), stop)?;
                if session.peer_echoes() && !echoed_before {
                    device.peer_echoes()?;
                    handle.event(
                        crate::events::Level::Warning,
                        "console",
                        format_args!("the far end echoes the console's output: echo turned off, echoed lines ignored"),
                    );
                }
            }
            Err(e) if stop.load(Ordering::Relaxed) => drop(e),
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// A write that failed because the console is stopping is not an error.
fn write_or_stop<E: embedded_io::Error>(
    r: Result<(), embedded_io::WriteFmtError<E>>,
    stop: &AtomicBool,
) -> Result<(), E> {
    match r {
        Ok(()) => Ok(()),
        Err(_) if stop.load(Ordering::Relaxed) => Ok(()),
        Err(embedded_io::WriteFmtError::Other(e)) => Err(e),
        // Only a Display impl can fail this way, and none of the console's does.
        Err(_) => Ok(()),
    }
}
