//! One console conversation, independent of the device: bytes in, screens out through any
//! `embedded_io::Write`. The device loop ([`super::tty`]) feeds it; tests feed it directly.
//! Everything it writes is remembered ([`super::echo`]) so that a far end echoing it back is
//! recognised: such lines get no answer, and [`Session::peer_echoes`] tells the device loop to
//! stop echoing itself.

use super::command::{self, Command};
use super::echo::{Echo, OutputLines, Recording};
use super::handle::ConsoleHandle;
use super::line::{LineBuffer, LineEvent, LINE_MAX};
use super::render::{self, ConsoleStats, RenderResult, STATUS_ERRORS};
use crate::events::Event;
use embedded_io::Write;

/// What `reload` does: the daemon's hook, which starts a reload (for example by sending itself
/// SIGHUP) and says whether the request was accepted. The outcome of the reload itself shows in
/// the next snapshot's [`crate::snapshot::ConfigView`].
pub type ReloadHook = Box<dyn FnMut() -> Result<(), String> + Send>;

/// The prompt printed after every answer.
pub const PROMPT: &str = "holdfast> ";

/// Line state, the live-events switch, what was written lately and a reusable event buffer.
pub struct Session {
    line: LineBuffer,
    live_events: bool,
    scratch: Vec<Event>,
    written: OutputLines,
    peer_echoes: bool,
    /// The line in progress began with our prompt, which was taken out of it.
    prompted: bool,
}

impl Default for Session {
    fn default() -> Self {
        Self::new()
    }
}

impl Session {
    /// A session with live events on.
    pub fn new() -> Self {
        Session {
            line: LineBuffer::new(),
            live_events: true,
            scratch: ConsoleHandle::event_scratch(),
            written: OutputLines::new(),
            peer_echoes: false,
            prompted: false,
        }
    }

    /// Whether the far end has been seen echoing our output (our prompt came back as input).
    pub fn peer_echoes(&self) -> bool {
        self.peer_echoes
    }

    pub fn live_events(&self) -> bool {
        self.live_events
    }

    pub fn prompt<W: Write>(&mut self, out: &mut W) -> RenderResult<W> {
        Recording::new(out, &mut self.written).write_all(PROMPT.as_bytes())?;
        Ok(())
    }

    /// Writes one live event (whether live events are on is the caller's check).
    pub fn live_event<W: Write>(&mut self, out: &mut W, event: &Event) -> RenderResult<W> {
        render::live_event(&mut Recording::new(out, &mut self.written), event)
    }

    /// Handles input bytes: each complete line is answered on `out`, followed by the prompt. A
    /// line that is our own output coming back gets neither.
    pub fn input<W: Write>(
        &mut self,
        bytes: &[u8],
        handle: &ConsoleHandle,
        reload: &mut ReloadHook,
        out: &mut W,
    ) -> RenderResult<W> {
        // Split borrows: the writer records into `written` while the rest of `self` is used.
        let mut written = core::mem::take(&mut self.written);
        let result = self.input_recorded(
            bytes,
            handle,
            reload,
            &mut Recording::new(out, &mut written),
        );
        self.written = written;
        result
    }

    fn input_recorded<W: Write>(
        &mut self,
        bytes: &[u8],
        handle: &ConsoleHandle,
        reload: &mut ReloadHook,
        out: &mut Recording<'_, W>,
    ) -> RenderResult<W> {
        for &b in bytes {
            // Copy the line out so the buffer is free while the command runs.
            let mut line = heapless::String::<LINE_MAX>::new();
            let problem = match self.line.push(b) {
                None => {
                    // A prompt that came back leaves the line: prompts piling up (one per
                    // answer) must not push what someone types there past LINE_MAX.
                    if self.line.pending() == PROMPT.as_bytes() {
                        self.line.clear();
                        self.prompted = true;
                    }
                    continue;
                }
                Some(LineEvent::Line(l)) => {
                    // Cannot fail: the line buffer holds at most LINE_MAX bytes.
                    let _ = line.push_str(l);
                    None
                }
                Some(LineEvent::TooLong) => Some(true),
                Some(LineEvent::Malformed) => Some(false),
            };
            self.line.clear();
            let prompted = core::mem::take(&mut self.prompted);
            match problem {
                None => {
                    if prompted || OutputLines::is_prompted(&line) {
                        self.peer_echoes = true;
                    }
                    match out.lines().classify(&line, prompted) {
                        Echo::Ours => continue,
                        Echo::Typed(text) => self.line_entered(text, handle, reload, out)?,
                    }
                }
                Some(true) => writeln!(
                    out,
                    "error: line longer than {LINE_MAX} bytes ignored (type 'help')"
                )?,
                Some(false) => writeln!(
                    out,
                    "error: line with control characters or invalid UTF-8 ignored (type 'help')"
                )?,
            }
            out.write_all(PROMPT.as_bytes())?;
        }
        Ok(())
    }

    fn line_entered<W: Write>(
        &mut self,
        line: &str,
        handle: &ConsoleHandle,
        reload: &mut ReloadHook,
        out: &mut W,
    ) -> RenderResult<W> {
        let cmd = match command::parse(line) {
            Ok(Some(cmd)) => cmd,
            Ok(None) => return Ok(()),
            Err(e) => return writeln!(out, "error: {e}"),
        };
        match cmd {
            Command::Help => render::help(out),
            Command::Status => {
                let snap = handle.snapshot();
                handle.copy_events(&mut self.scratch);
                let stats = ConsoleStats {
                    dropped: handle.dropped(),
                    live_events: self.live_events,
                    now_ms: handle.now_ms(),
                };
                let errors = {
                    let n = self
                        .scratch
                        .iter()
                        .filter(|e| e.level >= crate::events::Level::Warning)
                        .count();
                    self.scratch
                        .iter()
                        .filter(|e| e.level >= crate::events::Level::Warning)
                        .skip(n.saturating_sub(STATUS_ERRORS))
                };
                render::status(out, &snap, errors, stats)
            }
            Command::Vrrp => render::vrrp(out, &handle.snapshot()),
            Command::Ipvs => render::ipvs(out, &handle.snapshot()),
            Command::Modules => render::modules(out, &handle.snapshot()),
            Command::Checks => render::checks(out, &handle.snapshot()),
            Command::Log(n) => {
                let total = handle.copy_events(&mut self.scratch);
                let skip = self.scratch.len().saturating_sub(n);
                render::log(out, self.scratch.iter().skip(skip), total)
            }
            Command::Reload => match reload() {
                Ok(()) => writeln!(
                    out,
                    "reload requested; 'status' shows the configuration loads and any refusal"
                ),
                Err(why) => writeln!(out, "error: reload refused: {why}"),
            },
            Command::Events(on) => {
                self.live_events = on;
                writeln!(out, "live events {}", if on { "on" } else { "off" })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::Level;

    fn run(session: &mut Session, handle: &ConsoleHandle, input: &str) -> String {
        let mut out = Vec::new();
        let mut reload: ReloadHook = Box::new(|| Err("test hook".into()));
        session
            .input(input.as_bytes(), handle, &mut reload, &mut out)
            .expect("a Vec does not fail");
        String::from_utf8(out).expect("console output is UTF-8")
    }

    #[test]
    fn each_line_gets_an_answer_and_a_prompt() {
        let h = ConsoleHandle::new();
        let mut s = Session::new();
        let out = run(&mut s, &h, "help\nbogus\n\n");
        assert!(out.contains("log [N]"), "{out}");
        assert!(out.contains("error: unknown command 'bogus'"), "{out}");
        assert_eq!(out.matches(PROMPT).count(), 3, "{out}");
    }

    #[test]
    fn log_shows_the_newest_n() {
        let h = ConsoleHandle::new();
        for i in 0..10 {
            h.event(Level::Info, "vrrp", format_args!("event {i}"));
        }
        let out = run(&mut Session::new(), &h, "log 3\n");
        assert!(!out.contains("event 6"), "{out}");
        assert!(out.contains("event 7") && out.contains("event 9"), "{out}");
        assert!(out.contains("(3 shown, 10 recorded since start)"), "{out}");
    }

    #[test]
    fn reload_reports_the_hooks_refusal_and_events_toggle() {
        let h = ConsoleHandle::new();
        let mut s = Session::new();
        let out = run(&mut s, &h, "reload\nevents off\n");
        assert!(out.contains("error: reload refused: test hook"), "{out}");
        assert!(!s.live_events());
    }
}

#[cfg(test)]
mod echo_tests {
    use super::*;
    use crate::events::Level;

    /// A far end that echoes: everything written comes back, twice over.
    #[test]
    fn our_own_output_coming_back_gets_no_answer() {
        let h = ConsoleHandle::new();
        h.event(Level::Info, "vrrp", format_args!("event number 1"));
        let mut events = ConsoleHandle::event_scratch();
        h.copy_events(&mut events);
        let mut reload: ReloadHook = Box::new(|| Err("test hook".into()));
        let mut s = Session::new();
        let mut out = Vec::new();
        s.prompt(&mut out).expect("a Vec does not fail");
        for e in &events {
            s.live_event(&mut out, e).expect("a Vec does not fail");
        }
        s.input(b"bogus\n", &h, &mut reload, &mut out)
            .expect("a Vec does not fail");
        s.input(b"help\n", &h, &mut reload, &mut out)
            .expect("a Vec does not fail");
        assert!(!s.peer_echoes());
        let echoed = out.clone();
        let mut answers = Vec::new();
        for _ in 0..2 {
            s.input(&echoed, &h, &mut reload, &mut answers)
                .expect("a Vec does not fail");
        }
        assert_eq!(String::from_utf8_lossy(&answers), "");
        assert!(s.peer_echoes());
        // Typed at that terminal after the prompt came back: answered.
        s.input(b"holdfast> events off\n", &h, &mut reload, &mut answers)
            .expect("a Vec does not fail");
        assert_eq!(
            String::from_utf8_lossy(&answers),
            format!("live events off\n{PROMPT}")
        );
    }
}
