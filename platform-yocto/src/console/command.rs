//! The console's command language: one word, at most one argument, parsed into [`Command`] or a
//! [`CommandError`] the console prints as `error: ...`.

use core::fmt;

/// Lines `log` prints when no count is given.
pub const LOG_DEFAULT: usize = 20;

/// A parsed console command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Command {
    Help,
    /// One screen: instances, virtual servers, modules, checks, console drops, last errors.
    Status,
    Vrrp,
    Ipvs,
    Modules,
    Checks,
    /// The newest N events from the ring.
    Log(usize),
    /// Ask the daemon to reload its configuration (as SIGHUP would).
    Reload,
    /// Turn the live event stream on this console on or off.
    Events(bool),
}

/// Why a line is not a command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CommandError<'a> {
    Unknown(&'a str),
    /// The command takes no argument, or this argument is not one it accepts.
    BadArgument {
        command: &'static str,
        arg: &'a str,
        expected: &'static str,
    },
    /// A required argument is missing.
    MissingArgument {
        command: &'static str,
        expected: &'static str,
    },
}

impl fmt::Display for CommandError<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CommandError::Unknown(word) => {
                write!(f, "unknown command '{word}' (type 'help')")
            }
            CommandError::BadArgument {
                command,
                arg,
                expected,
            } => write!(f, "{command}: bad argument '{arg}': expected {expected}"),
            CommandError::MissingArgument { command, expected } => {
                write!(f, "{command}: missing argument: expected {expected}")
            }
        }
    }
}

/// The help screen: one line per command.
pub const HELP: &[(&str, &str)] = &[
    ("help", "this list"),
    (
        "status",
        "one screen: VRRP, virtual servers, modules, checks, last errors",
    ),
    (
        "vrrp",
        "every VRRP instance: state, priority, interface, VIPs",
    ),
    (
        "ipvs",
        "every virtual server: up/down, real servers up/total, reason",
    ),
    (
        "modules",
        "kernel modules the configuration needs, with reasons",
    ),
    ("checks", "health checks: counts and the failing ones"),
    ("log [N]", "the newest N events (default 20)"),
    ("reload", "reload the configuration, as SIGHUP does"),
    ("events on|off", "live events on this console"),
];

/// Parses one line (already bounded and free of control characters). `Ok(None)` for a blank line.
pub fn parse(line: &str) -> Result<Option<Command>, CommandError<'_>> {
    let mut words = line.split_ascii_whitespace();
    let Some(word) = words.next() else {
        return Ok(None);
    };
    let arg = words.next();
    if let Some(extra) = words.next() {
        return Err(CommandError::BadArgument {
            command: name_of(word).unwrap_or("command"),
            arg: extra,
            expected: "at most one argument",
        });
    }
    let no_arg = |command: &'static str, cmd: Command| match arg {
        None => Ok(Some(cmd)),
        Some(arg) => Err(CommandError::BadArgument {
            command,
            arg,
            expected: "no argument",
        }),
    };
    match word {
        "help" | "?" => no_arg("help", Command::Help),
        "status" => no_arg("status", Command::Status),
        "vrrp" => no_arg("vrrp", Command::Vrrp),
        "ipvs" => no_arg("ipvs", Command::Ipvs),
        "modules" => no_arg("modules", Command::Modules),
        "checks" => no_arg("checks", Command::Checks),
        "reload" => no_arg("reload", Command::Reload),
        "log" => match arg {
            None => Ok(Some(Command::Log(LOG_DEFAULT))),
            Some(n) => match n.parse::<usize>() {
                Ok(n) if n > 0 => Ok(Some(Command::Log(n))),
                _ => Err(CommandError::BadArgument {
                    command: "log",
                    arg: n,
                    expected: "a positive number of events",
                }),
            },
        },
        "events" => match arg {
            Some("on") => Ok(Some(Command::Events(true))),
            Some("off") => Ok(Some(Command::Events(false))),
            Some(other) => Err(CommandError::BadArgument {
                command: "events",
                arg: other,
                expected: "on or off",
            }),
            None => Err(CommandError::MissingArgument {
                command: "events",
                expected: "on or off",
            }),
        },
        other => Err(CommandError::Unknown(other)),
    }
}

fn name_of(word: &str) -> Option<&'static str> {
    HELP.iter()
        .map(|(usage, _)| usage.split(' ').next().unwrap_or(usage))
        .find(|name| *name == word)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(line: &str, want: Result<Option<Command>, &str>) {
        let got = parse(line).map_err(|e| e.to_string());
        assert_eq!(got, want.map_err(str::to_string), "line {line:?}");
    }

    #[test]
    fn commands_and_errors() {
        check("", Ok(None));
        check("   ", Ok(None));
        check("help", Ok(Some(Command::Help)));
        check("  status  ", Ok(Some(Command::Status)));
        check("log", Ok(Some(Command::Log(LOG_DEFAULT))));
        check("log 5", Ok(Some(Command::Log(5))));
        check("events off", Ok(Some(Command::Events(false))));
        check("reload", Ok(Some(Command::Reload)));
        check("stauts", Err("unknown command 'stauts' (type 'help')"));
        check(
            "log 0",
            Err("log: bad argument '0': expected a positive number of events"),
        );
        check(
            "log -1",
            Err("log: bad argument '-1': expected a positive number of events"),
        );
        check(
            "log 99999999999999999999999",
            Err(
                "log: bad argument '99999999999999999999999': expected a positive number of events",
            ),
        );
        check(
            "status now",
            Err("status: bad argument 'now': expected no argument"),
        );
        check(
            "log 5 6",
            Err("log: bad argument '6': expected at most one argument"),
        );
        check(
            "events",
            Err("events: missing argument: expected on or off"),
        );
    }
}
