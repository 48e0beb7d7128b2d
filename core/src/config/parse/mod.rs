//! Statements to the typed [`model`](super::model), with keepalived's meaning and defaults.
//!
//! [`parse`] walks the [`Statement`] tree block by block. Each keyword is first classified by the
//! [`keywords`](super::keywords) catalogue: unknown keywords are an [`Class::Error`] and their
//! block is skipped (keepalived does the same and still runs), keywords holdfast does not
//! implement are [`Class::CannotRun`], ignored ones a [`Class::Warning`]. Implemented keywords go
//! to their block's handler, which reads the words and reports a bad value naming the keyword,
//! the value and what would be valid. Nothing stops at the first problem.
//!
//! Like keepalived, a bad value leaves the default (or the previous value) in place, and
//! corrections keepalived makes while completing a block (rounding a VRRPv2 `advert_int`,
//! resetting a DR real server's port) are made here and reported at the block. Checks that need
//! the whole configuration or the running system are [`validate`](super::validate)'s.

mod address;
mod checker;
mod complete;
mod global;
mod instance;
mod track;
mod values;
mod virtual_server;
mod vsg;

#[cfg(test)]
pub(crate) mod tree;

use super::diag::{Class, Diagnostic, Location};
use super::keywords::{self, Context, Support};
use super::model::{Command, Config, NotifyScript, ScriptUser};
use super::syntax::Statement;
use crate::time::Duration;
use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::net::IpAddr;

/// The class of "a keepalived keyword holdfast does not implement": the daemon refuses to start.
pub(crate) const UNSUPPORTED: Class = Class::Unsupported;

/// Reads a configuration: the model plus every problem found, in file order.
pub fn parse(statements: &[Statement]) -> (Config, Vec<Diagnostic>) {
    let mut p = Parser::default();
    let mut config = Config::default();
    for st in statements {
        let Some(kw) = p.keyword(Context::Root, st) else {
            continue;
        };
        match kw {
            "global_defs" => global::global_defs(&mut p, st, &mut config.global),
            "vrrp_script" => track::vrrp_script(&mut p, st, &mut config),
            "track_file" | "vrrp_track_file" => track::track_file(&mut p, st, &mut config),
            "vrrp_sync_group" => track::sync_group(&mut p, st, &mut config),
            "vrrp_instance" => instance::vrrp_instance(&mut p, st, &mut config),
            "virtual_server_group" => virtual_server::group(&mut p, st, &mut config),
            "virtual_server" => virtual_server::virtual_server(&mut p, st, &mut config),
            _ => p.unhandled(Context::Root, st),
        }
    }
    complete::complete(&mut p, &mut config);
    (config, p.diags)
}

/// The diagnostics sink and the word readers every block handler shares.
#[derive(Default)]
pub(crate) struct Parser {
    pub(crate) diags: Vec<Diagnostic>,
}

/// The expected range of a number, for messages.
fn range_text(min: impl core::fmt::Display, max: impl core::fmt::Display) -> String {
    format!("{min}-{max}")
}

impl Parser {
    pub(crate) fn report(&mut self, class: Class, at: Location, msg: impl Into<String>) {
        self.diags.push(Diagnostic::at(class, at, msg));
    }

    pub(crate) fn error(&mut self, at: Location, msg: impl Into<String>) {
        self.report(Class::Error, at, msg);
    }

    /// An error at a place the model may not know (configs built without the parser).
    pub(crate) fn error_at(&mut self, at: Option<Location>, msg: impl Into<String>) {
        self.diags.push(Diagnostic {
            class: Class::Error,
            location: at,
            message: msg.into(),
        });
    }

    /// A keepalived feature holdfast does not implement.
    pub(crate) fn unsupported(&mut self, at: Location, msg: impl Into<String>) {
        self.report(UNSUPPORTED, at, msg);
    }

    /// Classifies a statement's keyword in `ctx`; returns it when holdfast implements it.
    pub(crate) fn keyword<'s>(&mut self, ctx: Context, st: &'s Statement) -> Option<&'s str> {
        let kw = st.keyword();
        match keywords::lookup(ctx, kw) {
            Some(Support::Implemented) => Some(kw),
            Some(Support::Ignored) => {
                self.report(
                    Class::Warning,
                    st.location,
                    format!("'{kw}' is a keepalived keyword holdfast ignores"),
                );
                None
            }
            Some(Support::Unsupported) => {
                self.report(
                    UNSUPPORTED,
                    st.location,
                    format!("'{kw}' is a keepalived keyword holdfast does not support"),
                );
                None
            }
            None => {
                self.error(st.location, format!("unknown keyword '{kw}'"));
                None
            }
        }
    }

    /// A catalogued keyword without a handler: a holdfast bug, so it must not pass silently.
    pub(crate) fn unhandled(&mut self, ctx: Context, st: &Statement) {
        self.report(
            Class::CannotRun,
            st.location,
            format!(
                "internal: '{}' in {ctx} is catalogued as implemented but has no handler",
                st.keyword()
            ),
        );
    }

    /// The statement's block, or an error when it has none.
    pub(crate) fn block<'s>(&mut self, st: &'s Statement) -> Option<&'s [Statement]> {
        match &st.block {
            Some(b) => Some(b.as_slice()),
            None => {
                self.error(
                    st.location,
                    format!("'{}' needs a {{ … }} block", st.keyword()),
                );
                None
            }
        }
    }

    /// Word `i` of the statement. Missing, it is [`Class::Abort`]: keepalived's handlers read
    /// the word unchecked, and its parser then stops and exits 2.
    pub(crate) fn arg<'s>(
        &mut self,
        st: &'s Statement,
        i: usize,
        expected: &str,
    ) -> Option<&'s str> {
        self.arg_as(Class::Abort, st, i, expected)
    }

    /// Word `i` for the few handlers that check for it first: missing is a [`Class::Error`].
    pub(crate) fn arg_soft<'s>(
        &mut self,
        st: &'s Statement,
        i: usize,
        expected: &str,
    ) -> Option<&'s str> {
        self.arg_as(Class::Error, st, i, expected)
    }

    fn arg_as<'s>(
        &mut self,
        class: Class,
        st: &'s Statement,
        i: usize,
        expected: &str,
    ) -> Option<&'s str> {
        match st.words.get(i) {
            Some(w) => Some(w.as_str()),
            None => {
                self.report(
                    class,
                    st.location,
                    format!("'{}' needs a value: expected {expected}", st.keyword()),
                );
                None
            }
        }
    }

    /// Word `i` as an unsigned number in `min..=max`.
    pub(crate) fn uint_at(&mut self, st: &Statement, i: usize, min: u64, max: u64) -> Option<u64> {
        let expected = range_text(min, max);
        let w = self.arg(st, i, &expected)?;
        match values::unsigned(w) {
            Some(v) if (min..=max).contains(&v) => Some(v),
            Some(_) => {
                self.out_of_range(st, w, &expected);
                None
            }
            None => {
                self.not_a(st, w, "a number", &expected);
                None
            }
        }
    }

    /// The first argument as an unsigned number in `min..=max`.
    pub(crate) fn uint(&mut self, st: &Statement, min: u64, max: u64) -> Option<u64> {
        self.uint_at(st, 1, min, max)
    }

    /// The first argument as a `u32` in `min..=max`.
    pub(crate) fn u32(&mut self, st: &Statement, min: u32, max: u32) -> Option<u32> {
        self.uint(st, min.into(), max.into())
            .and_then(|v| u32::try_from(v).ok())
    }

    /// Word `i` as a signed number in `min..=max`.
    pub(crate) fn int_at(&mut self, st: &Statement, i: usize, min: i64, max: i64) -> Option<i64> {
        let expected = range_text(min, max);
        let w = self.arg(st, i, &expected)?;
        match values::signed(w) {
            Some(v) if (min..=max).contains(&v) => Some(v),
            Some(_) => {
                self.out_of_range(st, w, &expected);
                None
            }
            None => {
                self.not_a(st, w, "a number", &expected);
                None
            }
        }
    }

    /// The first argument as decimal seconds in `min..=max`.
    pub(crate) fn seconds(
        &mut self,
        st: &Statement,
        min: Duration,
        max: Duration,
    ) -> Option<Duration> {
        let expected = format!("{}-{} seconds", secs_text(min), secs_text(max));
        let w = self.arg(st, 1, &expected)?;
        match values::seconds(w) {
            Some(v) if v >= min && v <= max => Some(v),
            Some(_) => {
                self.out_of_range(st, w, &expected);
                None
            }
            None => {
                self.not_a(st, w, "a time in seconds", &expected);
                None
            }
        }
    }

    /// The first argument as whole seconds in `min..=max` (keywords keepalived reads as integers).
    pub(crate) fn whole_seconds(&mut self, st: &Statement, min: u64, max: u64) -> Option<Duration> {
        self.uint(st, min, max).map(Duration::from_secs)
    }

    /// An optional boolean argument: the bare keyword means `true`.
    pub(crate) fn flag(&mut self, st: &Statement) -> Option<bool> {
        match st.words.get(1) {
            None => Some(true),
            Some(w) => match values::boolean(w) {
                Some(b) => Some(b),
                None => {
                    self.not_a(st, w, "a boolean", "on|off|true|false|yes|no");
                    None
                }
            },
        }
    }

    /// Word `i` as an IP address.
    pub(crate) fn ip_at(&mut self, st: &Statement, i: usize) -> Option<IpAddr> {
        let w = self.arg(st, i, "an IPv4 or IPv6 address")?;
        match values::ip(w) {
            Some(a) => Some(a),
            None => {
                self.not_a(st, w, "an IP address", "an IPv4 or IPv6 address");
                None
            }
        }
    }

    /// The first argument as a string (missing: [`Class::Abort`], see [`Parser::arg`]).
    pub(crate) fn string(&mut self, st: &Statement, expected: &str) -> Option<String> {
        self.arg(st, 1, expected).map(ToString::to_string)
    }

    /// The first argument as a string, for handlers that check for it (missing: an error).
    pub(crate) fn string_soft(&mut self, st: &Statement, expected: &str) -> Option<String> {
        self.arg_soft(st, 1, expected).map(ToString::to_string)
    }

    /// The first argument as a command line (see [`Command`]): keepalived takes only that word
    /// (quote the whole command) and splits it with its own quoting rules.
    pub(crate) fn command(&mut self, st: &Statement) -> Option<Command> {
        let w = self.arg(st, 1, "a command")?;
        match values::command_words(w) {
            Ok(args) if !args.is_empty() => Some(Command { args }),
            Ok(_) => {
                self.error(
                    st.location,
                    format!("'{}' has an empty command", st.keyword()),
                );
                None
            }
            Err(why) => {
                self.error(
                    st.location,
                    format!("{} '{w}' cannot be split into words: {why}", st.keyword()),
                );
                None
            }
        }
    }

    /// A command keyword that takes no user: keepalived silently ignores words after the first,
    /// which is how an unquoted `script /bin/check arg` loses its argument, so say so.
    pub(crate) fn lone_command(&mut self, st: &Statement) -> Option<Command> {
        if st.words.len() > 2 {
            self.report(
                Class::Warning,
                st.location,
                format!(
                    "{} uses only '{}'; keepalived ignores the words after it (quote the whole command)",
                    st.keyword(),
                    st.words.get(1).map(String::as_str).unwrap_or("")
                ),
            );
        }
        self.command(st)
    }

    /// `KEYWORD "command args" [USER [GROUP]]`.
    pub(crate) fn notify_script(&mut self, st: &Statement) -> Option<NotifyScript> {
        let command = self.command(st)?;
        let user = st.words.get(2).map(|u| ScriptUser {
            user: u.clone(),
            group: st.words.get(3).cloned(),
        });
        Some(NotifyScript { command, user })
    }

    /// Sets a notify slot, reporting a second definition as keepalived does.
    pub(crate) fn set_notify(&mut self, st: &Statement, slot: &mut Option<NotifyScript>) {
        if slot.is_some() {
            self.error(
                st.location,
                format!(
                    "'{}' script already specified - ignoring this one",
                    st.keyword()
                ),
            );
            return;
        }
        if let Some(s) = self.notify_script(st) {
            *slot = Some(s);
        }
    }

    /// `user USER [GROUP]`.
    pub(crate) fn script_user(&mut self, st: &Statement) -> Option<ScriptUser> {
        let user = self.string_soft(st, "a user name")?;
        Some(ScriptUser {
            user,
            group: st.words.get(2).cloned(),
        })
    }

    fn out_of_range(&mut self, st: &Statement, word: &str, expected: &str) {
        self.error(
            st.location,
            format!(
                "{} '{word}' out of range: expected {expected}",
                st.keyword()
            ),
        );
    }

    pub(crate) fn not_a(&mut self, st: &Statement, word: &str, what: &str, expected: &str) {
        self.error(
            st.location,
            format!(
                "{} '{word}' is not {what}: expected {expected}",
                st.keyword()
            ),
        );
    }
}

/// Seconds with up to three decimals, without trailing zeros.
pub(crate) fn secs_text(d: Duration) -> String {
    let ms = d.total_millis();
    if ms.is_multiple_of(1000) {
        format!("{}", ms / 1000)
    } else {
        let s = format!("{}.{:03}", ms / 1000, ms % 1000);
        s.trim_end_matches('0').to_string()
    }
}

#[cfg(test)]
mod tests;
