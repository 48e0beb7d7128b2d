//! Fuzz target for the serial console's input path: arbitrary bytes pushed one at a time into
//! `LineBuffer`, each line through `parse_command` and its error text, and the same bytes through
//! a whole `Session` answering on a `ConsoleHandle` whose event ring holds the lines typed (so
//! `log N` and `status` render arbitrary event text). Checks that nothing panics, that a line
//! never exceeds `LINE_MAX` or holds a control character, and that the session answers every
//! completed line with exactly one prompt.
#![no_main]

use holdfast_yocto::console::{
    parse_command, Command, ConsoleHandle, LineBuffer, LineEvent, ReloadHook, Session, LINE_MAX,
    PROMPT,
};
use holdfast_yocto::events::Level;
use libfuzzer_sys::fuzz_target;
use std::fmt::Write as _;

fuzz_target!(|data: &[u8]| {
    let handle = ConsoleHandle::new();
    let mut lines = LineBuffer::new();
    let mut completed = 0usize;
    let mut scratch = String::new();
    for &b in data {
        let Some(event) = lines.push(b) else { continue };
        completed += 1;
        if let LineEvent::Line(line) = event {
            assert!(line.len() <= LINE_MAX, "line longer than LINE_MAX");
            assert!(
                !line.chars().any(char::is_control),
                "control character in a line"
            );
            match parse_command(line) {
                Ok(Some(Command::Log(n))) => assert!(n > 0, "log 0 parsed"),
                Ok(_) => {}
                Err(e) => {
                    scratch.clear();
                    let _ = write!(scratch, "{e}");
                    assert!(!scratch.is_empty());
                }
            }
            handle.event(Level::Warning, "fuzz", format_args!("{line}"));
        }
        lines.clear();
    }
    // Lossy text of the whole input as one more event: truncation at the ring's limit.
    handle.event(
        Level::Error,
        "fuzz",
        format_args!("{}", String::from_utf8_lossy(data)),
    );

    let mut session = Session::new();
    let mut reload: ReloadHook = Box::new(|| Err("fuzzing".into()));
    let mut out: Vec<u8> = Vec::new();
    session
        .input(data, &handle, &mut reload, &mut out)
        .expect("a Vec<u8> never fails to write");
    let prompts = out
        .windows(PROMPT.len())
        .filter(|w| *w == PROMPT.as_bytes())
        .count();
    // Event text may itself contain the prompt's characters, so at least one per line.
    assert!(
        prompts >= completed,
        "{prompts} prompts for {completed} lines"
    );
});
