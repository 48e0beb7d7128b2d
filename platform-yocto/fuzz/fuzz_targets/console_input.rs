//! Fuzz target for the serial console's input path: arbitrary bytes pushed one at a time into
//! `LineBuffer`, each line through `parse_command` and its error text, and the same bytes through
//! a whole `Session` answering on a `ConsoleHandle` whose event ring holds the lines typed (so
//! `log N` and `status` render arbitrary event text). Checks that nothing panics, that a line
//! never exceeds `LINE_MAX` or holds a control character, and that the session answers every
//! completed line with a prompt unless the line is its own output coming back (an echoing far
//! end).
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
    let mut scratch = String::new();
    for &b in data {
        let Some(event) = lines.push(b) else { continue };
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

    // The same bytes through a whole session, cut after each completed line so every line's
    // answer can be told apart.
    let mut session = Session::new();
    let mut reload: ReloadHook = Box::new(|| Err("fuzzing".into()));
    let mut out: Vec<u8> = Vec::new();
    let mut cutter = LineBuffer::new();
    let mut start = 0usize;
    for (i, &b) in data.iter().enumerate() {
        if cutter.push(b).is_none() {
            continue;
        }
        cutter.clear();
        let chunk = data.get(start..=i).unwrap_or_default();
        start = i + 1;
        let before = out.len();
        session
            .input(chunk, &handle, &mut reload, &mut out)
            .expect("a Vec<u8> never fails to write");
        let answer = out.get(before..).unwrap_or_default();
        if answer.windows(PROMPT.len()).any(|w| w == PROMPT.as_bytes()) {
            continue;
        }
        // No answer is right only for our own output coming back: prompts alone, or a line
        // the console wrote before (the far end echoes).
        let text = String::from_utf8_lossy(chunk);
        let mut rest = text.trim_matches(['\r', '\n']);
        while let Some(r) = rest.strip_prefix(PROMPT.trim_end()) {
            rest = r.trim_start();
        }
        let earlier = String::from_utf8_lossy(out.get(..before).unwrap_or_default());
        assert!(
            rest.is_empty() || earlier.contains(rest),
            "line {rest:?} got no answer but is not our own output"
        );
    }
    session
        .input(
            data.get(start..).unwrap_or_default(),
            &handle,
            &mut reload,
            &mut out,
        )
        .expect("a Vec<u8> never fails to write");
});
