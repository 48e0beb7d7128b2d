//! The stream of finished lines: keepalived 2.2.7's `read_line()`.
//!
//! Each call of [`Stream::next_line`] returns one line ready to be split into words: a lone
//! `{`, a lone `}`, or text with neither outside quotes. Lines come, in this priority order,
//! from (1) the rest of the previous line after a brace, (2) the newest generator or
//! multi-line definition still producing lines, (3) the file on top of the include stack.
//! That order is keepalived's, and it has a visible consequence kept here: an `include`
//! produced by a generator is opened only after the generator has finished, so
//! `~SEQ(i, 3) include f$i.conf` reads `f3.conf`, `f2.conf`, `f1.conf` in that order.
//!
//! Every line then goes through: continuation of an open multi-line definition; `@ID` /
//! `@^ID` conditions; `$NAME=VALUE` definitions; `~SEQ`/`~LST` generators; reference
//! expansion (repeated while the result starts with `@` or still has a `$`); `include`; and
//! finally the cut at the first brace outside double quotes.
//!
//! Lines made by generators and multi-line definitions carry the location of the line that
//! made them; the other lines carry their own file and line number.

use super::defines::{name_after_dollar, Definitions};
use super::diagnostics::{quote, Sink};
use super::expand::{replace_params, Context, MoreLines, Stop};
use super::generators::{self, Generator, SEQ_PARAMS_MAX};
use super::includes::{self, Checks};
use super::lines::{decomment, Cursor, MAX_LINE};
use super::ReaderOptions;
use crate::config::diag::{Class, FileId, Location, SourceMap};
use crate::config::source::SourceLoader;
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

/// Generators and multi-line definitions nested deeper than this stop the reading.
const MAX_NESTING: usize = 1024;
/// Most patterns one include may expand to through braces.
const MAX_BRACE_PATTERNS: usize = 256;

/// One finished line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Line {
    pub location: Location,
    pub text: Vec<u8>,
}

struct OpenFile {
    id: FileId,
    path: String,
    dir: String,
    text: Vec<u8>,
    cursor: Cursor,
}

/// One include (or the main file): its matches, read one after the other.
struct GlobFrame {
    matches: Vec<String>,
    next: usize,
    checks: Checks,
    /// The include line (`None` for the main file).
    at: Option<Location>,
    file: Option<OpenFile>,
}

enum Producer {
    Gen(Generator),
    More(MoreLines),
}

struct Frame {
    producer: Producer,
    origin: Location,
}

enum FileRead {
    Line(Location, Vec<u8>),
    Eof,
}

pub(crate) struct Stream<'a> {
    loader: &'a mut dyn SourceLoader,
    opts: &'a ReaderOptions,
    pub sources: SourceMap,
    pub sink: Sink,
    defs: Definitions,
    includes: Vec<GlobFrame>,
    gens: Vec<Frame>,
    residue: Option<Line>,
    open_definition: Option<Vec<u8>>,
    definition_too_long_reported: bool,
    quote_reported: Option<Location>,
    rng: u64,
    files_opened: usize,
    generated: usize,
    steps_total: usize,
    stopped: bool,
}

fn is_blank(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

fn trim_end_blanks(v: &mut Vec<u8>) {
    while v.last().is_some_and(|&b| is_blank(b)) {
        v.pop();
    }
}

/// Cuts `buf` at its first brace outside double quotes: returns what comes after (if
/// anything) and leaves `buf` as the text before it, or as the lone brace.
pub(crate) fn split_at_brace(buf: &mut Vec<u8>) -> Option<Vec<u8>> {
    let first = buf.first().copied();
    let pos = if matches!(first, Some(b'{') | Some(b'}')) {
        Some(0)
    } else {
        let mut p = 0;
        loop {
            let Some(i) = buf
                .get(p..)
                .and_then(|r| r.iter().position(|&b| matches!(b, b'{' | b'}' | b'"')))
                .map(|i| i + p)
            else {
                break None;
            };
            if buf.get(i) != Some(&b'"') {
                break Some(i);
            }
            match buf
                .get(i + 1..)
                .and_then(|r| r.iter().position(|&b| b == b'"'))
            {
                Some(close) => p = i + 1 + close + 1,
                None => break None,
            }
        }
    };
    let mut residue = None;
    if let Some(i) = pos {
        let mut rest = i;
        if i == 0 {
            rest = 1;
            while buf.get(rest).is_some_and(|&b| is_blank(b)) {
                rest += 1;
            }
        }
        if rest < buf.len() {
            let mut r = buf.split_off(rest);
            trim_end_blanks(&mut r);
            residue = Some(r);
        }
    }
    trim_end_blanks(buf);
    residue
}

impl<'a> Stream<'a> {
    pub fn new(loader: &'a mut dyn SourceLoader, opts: &'a ReaderOptions) -> Self {
        Stream {
            loader,
            opts,
            sources: SourceMap::default(),
            sink: Sink::new(opts.max_diagnostics),
            defs: Definitions::with_builtins(),
            includes: Vec::new(),
            gens: Vec::new(),
            residue: None,
            open_definition: None,
            definition_too_long_reported: false,
            quote_reported: None,
            rng: opts.random_seed,
            files_opened: 0,
            generated: 0,
            steps_total: 0,
            stopped: false,
        }
    }

    /// Whether reading stopped early at a limit (what was read so far is incomplete).
    pub fn stopped(&self) -> bool {
        self.stopped
    }

    /// Reports an unmatched quote once per line.
    pub fn report_quote(&mut self, location: Location, text: &[u8], what: &str) {
        if self.quote_reported == Some(location) {
            return;
        }
        self.quote_reported = Some(location);
        self.sink.at(
            Class::Error,
            location,
            format!("{what} in {}: add the closing '\"'", quote(text)),
        );
    }

    /// Opens the main configuration file. keepalived checks it like `includew`, but only
    /// `-e` makes a problem with it count for `-t`.
    pub fn open_main(&mut self, path: &str) {
        let fatal = self.opts.missing_include_is_fatal;
        let checks = Checks {
            read: fatal,
            missing: fatal,
            wildcard: fatal,
            brace: fatal,
        };
        self.open_glob(path.as_bytes(), checks, None);
    }

    fn current_dir(&self) -> String {
        self.includes
            .iter()
            .rev()
            .find_map(|g| g.file.as_ref().map(|f| f.dir.clone()))
            .unwrap_or_default()
    }

    /// Reports an include problem. keepalived makes a checked one (`-e`, `includem`, ...)
    /// exit 6 right after reading for an include, while for the main file `-t` exits 4 with
    /// `-e` and 0 without it (the daemon then runs with an empty configuration).
    fn include_problem(&mut self, fatal: bool, at: Option<Location>, message: String) {
        let (class, message) = match (fatal, at) {
            (true, Some(_)) => (Class::MissingFileStrict, message),
            (true, None) => (Class::CannotRun, message),
            (false, Some(_)) => (
                Class::Warning,
                format!("{message}; keepalived skips it (with -e it is an error)"),
            ),
            (false, None) => (
                Class::Warning,
                format!(
                    "{message}; keepalived runs with an empty configuration (with -e it is an \
                     error)"
                ),
            ),
        };
        match at {
            Some(loc) => self.sink.at(class, loc, message),
            None => self.sink.global(class, message),
        }
    }

    /// Starts reading the files `pattern` names (keepalived's `open_glob_file()`).
    fn open_glob(&mut self, pattern: &[u8], checks: Checks, at: Option<Location>) {
        let pattern_text = String::from_utf8_lossy(pattern).into_owned();
        if pattern_text.is_empty() {
            self.include_problem(
                checks.missing,
                at,
                String::from("'include' has no file name or glob pattern after it"),
            );
            return;
        }
        if self.includes.len() >= self.opts.max_include_depth {
            let msg = format!(
                "include of {} is nested {} levels deep, more than holdfast allows ({}); \
                 flatten the includes",
                quote(pattern),
                self.includes.len() + 1,
                self.opts.max_include_depth
            );
            match at {
                Some(loc) => self.sink.at(Class::CannotRun, loc, msg),
                None => self.sink.global(Class::CannotRun, msg),
            }
            return;
        }
        let full = includes::join(&self.current_dir(), &pattern_text);
        let Some(patterns) = includes::expand_braces(&full, MAX_BRACE_PATTERNS) else {
            let msg = format!(
                "{} expands to more than {MAX_BRACE_PATTERNS} patterns through braces; use fewer \
                 alternatives",
                quote(pattern)
            );
            match at {
                Some(loc) => self.sink.at(Class::CannotRun, loc, msg),
                None => self.sink.global(Class::CannotRun, msg),
            }
            return;
        };
        let braces = patterns.len() > 1;
        let mut matches: Vec<String> = Vec::new();
        let mut empty_alternatives = Vec::new();
        for p in &patterns {
            match self.loader.glob(p) {
                Ok(found) => {
                    if found.is_empty() {
                        empty_alternatives.push(p.clone());
                    }
                    matches.extend(found);
                }
                Err(e) => self.include_problem(
                    checks.read,
                    at,
                    format!("cannot list files matching {}: {}", quote(p.as_bytes()), e),
                ),
            }
        }
        if matches.is_empty() {
            if patterns.iter().any(|p| includes::has_wildcard(p)) {
                if checks.wildcard || at.is_none() {
                    self.include_problem(
                        checks.wildcard,
                        at,
                        format!("no file matches {}", quote(full.as_bytes())),
                    );
                }
            } else {
                let fatal = if braces { checks.brace } else { checks.missing };
                self.include_problem(
                    fatal,
                    at,
                    if at.is_some() {
                        format!(
                            "{} does not exist; check the path (relative paths start at the \
                             including file's directory)",
                            quote(full.as_bytes())
                        )
                    } else {
                        format!("{} does not exist", quote(full.as_bytes()))
                    },
                );
            }
            return;
        }
        if braces && !empty_alternatives.is_empty() {
            let missing: Vec<String> = empty_alternatives
                .iter()
                .map(|p| quote(p.as_bytes()))
                .collect();
            self.include_problem(
                checks.brace,
                at,
                format!(
                    "{} has alternatives that match no file: {}",
                    quote(pattern),
                    missing.join(", ")
                ),
            );
        }
        self.includes.push(GlobFrame {
            matches,
            next: 0,
            checks,
            at,
            file: None,
        });
        self.open_next_match();
    }

    /// Opens the next readable match of the top include; pops it when none is left.
    fn open_next_match(&mut self) {
        loop {
            let Some(top) = self.includes.last_mut() else {
                return;
            };
            top.file = None;
            let at = top.at;
            let Some(path) = top.matches.get(top.next).cloned() else {
                self.includes.pop();
                return;
            };
            top.next += 1;
            let read_check = top.checks.read;
            let report = |s: &mut Self, class: Class, msg: String| match at {
                Some(loc) => s.sink.at(class, loc, msg),
                None => s.sink.global(class, msg),
            };
            if self
                .includes
                .iter()
                .any(|g| g.file.as_ref().is_some_and(|f| f.path == path))
            {
                let msg = format!(
                    "{} includes itself (directly or through other files); this include is skipped, \
                     keepalived would read it until it runs out of file descriptors",
                    quote(path.as_bytes())
                );
                report(self, Class::CannotRun, msg);
                continue;
            }
            if self.files_opened >= self.opts.max_files {
                let msg = format!(
                    "{} would be file number {} to be read, more than holdfast allows ({}); \
                     it is skipped",
                    quote(path.as_bytes()),
                    self.files_opened + 1,
                    self.opts.max_files
                );
                report(self, Class::CannotRun, msg);
                continue;
            }
            let text = match self.loader.read(&path) {
                Ok(t) => t,
                Err(e) => {
                    self.include_problem(
                        read_check,
                        at,
                        format!("cannot read {}: {}", quote(path.as_bytes()), e),
                    );
                    continue;
                }
            };
            let existing = self.sources.files().iter().position(|f| *f == path);
            let id = match existing.and_then(|i| u16::try_from(i).ok()) {
                Some(i) => Some(FileId(i)),
                None => self.sources.add(&path),
            };
            let Some(id) = id else {
                let msg = format!(
                    "too many configuration files; {} is skipped",
                    quote(path.as_bytes())
                );
                report(self, Class::CannotRun, msg);
                continue;
            };
            self.files_opened += 1;
            let dir = String::from(includes::dir_of(&path));
            if let Some(top) = self.includes.last_mut() {
                top.file = Some(OpenFile {
                    id,
                    path,
                    dir,
                    text: text.into_bytes(),
                    cursor: Cursor::default(),
                });
            }
            return;
        }
    }

    /// The next non-empty, decommented line of the files (keepalived's inner `fgets` loop).
    fn next_file_line(&mut self) -> FileRead {
        loop {
            let Some(top) = self.includes.last_mut() else {
                return FileRead::Eof;
            };
            let Some(file) = top.file.as_mut() else {
                self.open_next_match();
                continue;
            };
            let Some(piece) = file.cursor.next_piece(&file.text) else {
                self.open_next_match();
                continue;
            };
            let loc = Location {
                file: file.id,
                line: piece.line,
            };
            if let Some(len) = piece.split_line_len {
                self.sink.at(
                    Class::Warning,
                    loc,
                    format!(
                        "line is {len} bytes long; keepalived 2.2.7 reads 1023 bytes at a time and \
                         takes the rest as separate lines (a comment ends at the cut); shorten it, \
                         for example with a definition"
                    ),
                );
            }
            if piece.had_nul {
                self.sink.at(
                    Class::Warning,
                    loc,
                    "line contains a NUL byte; keepalived ignores the rest of the line after it \
                     (and counts lines wrongly from here); remove it",
                );
            }
            let mut bytes = piece.bytes;
            if bytes.is_empty() {
                // An empty line ends a multi-line definition.
                if let Some(name) = self.open_definition.take() {
                    self.defs.end_multiline(&name);
                }
                continue;
            }
            let d = decomment(&mut bytes);
            if d.unterminated_quote {
                self.report_quote(loc, &bytes, "unterminated quote");
            }
            if bytes.is_empty() {
                continue;
            }
            return FileRead::Line(loc, bytes);
        }
    }

    fn stop(&mut self, location: Location, message: String) {
        self.sink.at(Class::CannotRun, location, message);
        self.stopped = true;
    }

    /// The next line of a generator or multi-line definition, if one is producing.
    fn next_generated(&mut self) -> Option<(Location, Vec<u8>)> {
        let frame = self.gens.last_mut()?;
        let origin = frame.origin;
        let (text, last) = match &mut frame.producer {
            Producer::Gen(g) => match g.emit() {
                Some(e) => {
                    for (k, v) in &e.assignments {
                        self.defs.set(k, v);
                    }
                    (e.text, e.last)
                }
                None => (Vec::new(), true),
            },
            Producer::More(m) => {
                let rest = m.value.get(m.start..).unwrap_or(&[]);
                match rest.iter().position(|&b| b == b'\n') {
                    Some(nl) => {
                        let line = rest.get(..nl).unwrap_or(&[]).to_vec();
                        m.start += nl + 1;
                        (line, false)
                    }
                    None => (rest.to_vec(), true),
                }
            }
        };
        if last {
            self.gens.pop();
        }
        Some((origin, text))
    }

    fn add_generator(&mut self, buf: &[u8], loc: Location) {
        if self.gens.len() >= MAX_NESTING {
            self.stop(
                loc,
                format!(
                    "generators and multi-line definitions are nested more than {MAX_NESTING} deep \
                     at {}; a definition probably generates itself",
                    quote(buf)
                ),
            );
            return;
        }
        let generator = if buf.starts_with(b"~SEQ") {
            match self.seq(buf, loc) {
                Some(g) => g,
                None => return,
            }
        } else {
            match generators::lst(buf) {
                Ok(g) => g,
                Err(msg) => {
                    self.sink.at(Class::Error, loc, msg);
                    return;
                }
            }
        };
        self.gens.push(Frame {
            producer: Producer::Gen(generator),
            origin: loc,
        });
    }

    fn seq(&mut self, buf: &[u8], loc: Location) -> Option<Generator> {
        let head = match generators::seq_head(buf) {
            Ok(h) => h,
            Err(msg) => {
                self.sink.at(Class::Error, loc, msg);
                return None;
            }
        };
        let mut params = head.params;
        let pwd = self.pwd();
        let mut steps = self.opts.max_expansions_per_line;
        let mut ctx = Context {
            pwd: pwd.as_bytes(),
            instance: self.opts.instance.as_bytes(),
            rng: &mut self.rng,
            steps_left: &mut steps,
        };
        let exp = replace_params(&self.defs, &mut params, SEQ_PARAMS_MAX, &mut ctx);
        if !exp.more.is_empty() {
            self.sink.at(
                Class::Error,
                loc,
                format!(
                    "a number of {} is a multi-line definition; use one-line definitions in ~SEQ",
                    quote(buf)
                ),
            );
            return None;
        }
        if let Stop::TooLong { reference } | Stop::Runaway { reference } = &exp.stop {
            self.sink.at(
                Class::Warning,
                loc,
                format!(
                    "expanding {} in the numbers of {} would exceed keepalived's 63 bytes; it is \
                     left as written",
                    quote(reference.as_bytes()),
                    quote(buf)
                ),
            );
        }
        let (start, step, end) = match generators::seq_numbers(buf, &params) {
            Ok(n) => n,
            Err(msg) => {
                self.sink.at(Class::Error, loc, msg);
                return None;
            }
        };
        if head.hex && (start < 0 || end < 0) {
            self.sink.at(
                Class::Error,
                loc,
                format!(
                    "{}: ~SEQx prints hexadecimal and needs START and END of 0 or more, not {start} \
                     and {end}",
                    quote(buf)
                ),
            );
            return None;
        }
        let count = generators::seq_len(start, step, end);
        let budget = self.opts.max_generated_lines.saturating_sub(self.generated);
        if count > budget as u128 {
            self.sink.at(
                Class::CannotRun,
                loc,
                format!(
                    "{} would generate {count} lines, more than the {budget} holdfast still allows \
                     (at most {} in all); it is skipped",
                    quote(buf),
                    self.opts.max_generated_lines
                ),
            );
            return None;
        }
        Some(Generator::Seq {
            var: head.var,
            next: start,
            step,
            last: end,
            hex: head.hex,
            text: head.text,
        })
    }

    fn pwd(&self) -> String {
        let dir = self.current_dir();
        if dir.is_empty() {
            String::from(".")
        } else {
            dir
        }
    }

    /// Handles `@ID` / `@^ID`: `false` when the line is dropped.
    fn conditional(&mut self, buf: &mut Vec<u8>, loc: Location) -> bool {
        let reverse = buf.get(1) == Some(&b'^');
        let ofs = if reverse { 2 } else { 1 };
        let Some(end) = buf
            .get(ofs..)
            .and_then(|r| r.iter().position(|&b| is_blank(b)))
            .map(|e| e + ofs)
        else {
            self.sink.at(
                Class::Warning,
                loc,
                format!(
                    "{} has nothing after the config id, so keepalived ignores it; write '@ID \
                     TEXT' or '@^ID TEXT'",
                    quote(buf)
                ),
            );
            return false;
        };
        let id = buf.get(ofs..end).unwrap_or(&[]);
        if (id == self.opts.config_id.as_bytes()) == reverse {
            return false;
        }
        let mut start = end;
        while buf.get(start).is_some_and(|&b| is_blank(b)) {
            start += 1;
        }
        buf.drain(..start);
        true
    }

    /// Expands references; `false` stops the re-check loop.
    fn expand(&mut self, buf: &mut Vec<u8>, loc: Location, steps: &mut usize) -> bool {
        let pwd = self.pwd();
        let before = *steps;
        let mut ctx = Context {
            pwd: pwd.as_bytes(),
            instance: self.opts.instance.as_bytes(),
            rng: &mut self.rng,
            steps_left: steps,
        };
        let exp = replace_params(&self.defs, buf, MAX_LINE, &mut ctx);
        self.steps_total = self.steps_total.saturating_add(before - *steps);
        for note in exp.notes {
            self.sink.at(Class::Warning, loc, note);
        }
        for more in exp.more {
            if self.gens.len() >= MAX_NESTING {
                self.stop(
                    loc,
                    format!(
                        "multi-line definitions are nested more than {MAX_NESTING} deep at {}; a \
                         definition probably uses itself",
                        quote(buf)
                    ),
                );
                return false;
            }
            self.gens.push(Frame {
                producer: Producer::More(more),
                origin: loc,
            });
        }
        if self.steps_total > self.opts.max_expansion_steps {
            self.stop(
                loc,
                format!(
                    "more than {} definition substitutions in all; holdfast stops reading here",
                    self.opts.max_expansion_steps
                ),
            );
            return false;
        }
        match exp.stop {
            Stop::Unchanged => false,
            Stop::Changed => {
                if decomment(buf).unterminated_quote {
                    self.report_quote(loc, buf, "unterminated quote after expanding definitions");
                }
                buf.first() == Some(&b'@') || buf.contains(&b'$')
            }
            Stop::TooLong { reference } => {
                self.sink.at(
                    Class::Warning,
                    loc,
                    format!(
                        "expanding {} would make the line 1024 bytes or longer; keepalived stops \
                         expanding there and keeps the rest as written; shorten the definitions",
                        quote(reference.as_bytes())
                    ),
                );
                false
            }
            Stop::Runaway { reference } => {
                self.sink.at(
                    Class::CannotRun,
                    loc,
                    format!(
                        "expanding {} did not finish after {} substitutions: a definition refers \
                         to itself (keepalived would loop forever); break the cycle",
                        quote(reference.as_bytes()),
                        self.opts.max_expansions_per_line
                    ),
                );
                false
            }
        }
    }

    /// Warns about `$` references keepalived leaves as written.
    fn note_unexpanded(&mut self, buf: &[u8], loc: Location) {
        let mut i = 0;
        while let Some(off) = buf.get(i..).and_then(|r| r.iter().position(|&b| b == b'$')) {
            let dollar = i + off;
            i = dollar + 1;
            let Some((name, braces)) = name_after_dollar(buf, dollar) else {
                continue;
            };
            let name_text = buf.get(name.clone()).unwrap_or(&[]);
            let shown = String::from_utf8_lossy(name_text);
            let next = buf.get(name.end).copied();
            let message = match self.defs.get(name_text) {
                None if braces && next == Some(b'}') => format!(
                    "'${{{shown}}}' is not defined, so keepalived keeps it as written and its \
                     braces split the line; define it with '${shown}=VALUE' before this line"
                ),
                None => continue,
                Some(_)
                    if !braces
                        && next.is_some_and(|c| !matches!(c, b' ' | b'\t' | b',' | b')')) =>
                {
                    format!(
                        "'${shown}' is followed by {}, so keepalived does not expand it; write \
                         '${{{shown}}}'",
                        quote(&[next.unwrap_or(b' ')])
                    )
                }
                Some(def) if def.multiline => {
                    let end = if braces { name.end + 1 } else { name.end };
                    if end >= buf.len() {
                        continue;
                    }
                    format!(
                        "'${shown}' is a multi-line definition, which keepalived expands only at \
                         the end of a line; it is kept as written here"
                    )
                }
                Some(_) => continue,
            };
            self.sink.at(Class::Warning, loc, message);
        }
    }

    /// The next finished line, or `None` at the end of the configuration (or at a limit).
    pub fn next_line(&mut self) -> Option<Line> {
        loop {
            if self.stopped {
                return None;
            }
            let (loc, mut buf, from_residue) = if let Some(r) = self.residue.take() {
                (r.location, r.text, true)
            } else if !self.gens.is_empty() {
                self.generated += 1;
                let Some((origin, text)) = self.next_generated() else {
                    continue;
                };
                if self.generated > self.opts.max_generated_lines {
                    self.stop(
                        origin,
                        format!(
                            "generators and multi-line definitions started here produced more than \
                             {} lines; holdfast stops reading (a definition may generate itself)",
                            self.opts.max_generated_lines
                        ),
                    );
                    return None;
                }
                (origin, text, false)
            } else {
                match self.next_file_line() {
                    FileRead::Line(loc, bytes) => (loc, bytes, false),
                    FileRead::Eof => {
                        self.open_definition = None;
                        return None;
                    }
                }
            };

            if let Some(name) = self.open_definition.clone() {
                match self
                    .defs
                    .continue_multiline(&name, &buf, self.opts.max_definition_len)
                {
                    Ok(true) => {}
                    Ok(false) => self.open_definition = None,
                    Err(open) => {
                        if !self.definition_too_long_reported {
                            self.definition_too_long_reported = true;
                            self.sink.at(
                                Class::CannotRun,
                                loc,
                                format!(
                                    "definition '${}' grows beyond {} bytes; the rest is dropped",
                                    String::from_utf8_lossy(&name),
                                    self.opts.max_definition_len
                                ),
                            );
                        }
                        if !open {
                            self.open_definition = None;
                        }
                    }
                }
                continue;
            }
            if buf.is_empty() {
                continue;
            }

            let mut steps = self.opts.max_expansions_per_line;
            loop {
                if buf.first() == Some(&b'@') && !self.conditional(&mut buf, loc) {
                    buf.clear();
                    break;
                }
                if buf.first() == Some(&b'$') {
                    if let Some(d) = self.defs.define(&buf) {
                        if d.continues {
                            self.open_definition = Some(d.name);
                        }
                        buf.clear();
                        break;
                    }
                }
                if buf.starts_with(b"~SEQ") || buf.starts_with(b"~LST") {
                    self.add_generator(&buf, loc);
                    buf.clear();
                    break;
                }
                if buf.first() == Some(&b'~') || !buf.contains(&b'$') {
                    break;
                }
                if !self.expand(&mut buf, loc, &mut steps) {
                    break;
                }
            }
            if self.stopped {
                return None;
            }
            if buf.is_empty() {
                continue;
            }
            if let Some(inc) = includes::parse(&buf) {
                let pattern = inc.pattern.to_vec();
                let mut checks = inc.checks;
                if self.opts.missing_include_is_fatal {
                    checks = checks.union(Checks::ALL);
                }
                self.open_glob(&pattern, checks, Some(loc));
                continue;
            }
            if !from_residue {
                self.note_unexpanded(&buf, loc);
            }
            if let Some(rest) = split_at_brace(&mut buf) {
                self.residue = Some(Line {
                    location: loc,
                    text: rest,
                });
            }
            return Some(Line {
                location: loc,
                text: buf,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::split_at_brace;
    use alloc::string::String;
    use alloc::vec::Vec;

    fn split_all(s: &str) -> Vec<String> {
        let mut out = Vec::new();
        let mut buf = s.as_bytes().to_vec();
        loop {
            let rest = split_at_brace(&mut buf);
            out.push(String::from_utf8(buf).unwrap());
            match rest {
                Some(r) => buf = r,
                None => return out,
            }
        }
    }

    #[test]
    fn braces_split_lines() {
        assert_eq!(
            split_all("vrrp_instance VI_1 {"),
            ["vrrp_instance VI_1", "{"]
        );
        assert_eq!(split_all("{"), ["{"]);
        assert_eq!(split_all("} }"), ["}", "}"]);
        assert_eq!(split_all("}}"), ["}", "}"]);
        assert_eq!(
            split_all("authentication { auth_type PASS }"),
            ["authentication", "{", "auth_type PASS", "}"]
        );
        assert_eq!(split_all("a}b"), ["a", "}", "b"]);
        assert_eq!(
            split_all("x \"{ in quotes }\" y"),
            ["x \"{ in quotes }\" y"]
        );
        assert_eq!(split_all("x \"open { y"), ["x \"open { y"]);
        assert_eq!(split_all("{   x  "), ["{", "x"]);
    }
}
