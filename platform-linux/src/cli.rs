//! The command line, accepted as keepalived accepts it so that init scripts written for
//! keepalived start holdfast unchanged.
//!
//! Flags keepalived has and holdfast implements change behaviour; flags keepalived has that only
//! tune keepalived internals (`-R`, `-m`, `-a`, ...) are accepted and reported as ignored, because
//! refusing them would break an existing init script for no operator benefit. `-x` (SNMP) and `-s`
//! (network namespace) change what the daemon does, so they are refused.

use std::ffi::OsString;
use std::fmt;
use std::path::PathBuf;

/// keepalived's default configuration file, which holdfast reads by default too.
pub const DEFAULT_CONFIG: &str = "/etc/keepalived/keepalived.conf";

/// `--watchdog-timeout` when not given: long enough for a TCG-emulated or heavily loaded board
/// to keep up, short enough that a hung daemon is reset within seconds.
pub const DEFAULT_WATCHDOG_TIMEOUT: u32 = 10;
/// Largest `--watchdog-timeout` accepted (most watchdog hardware counts far less; the driver
/// clamps and holdfast logs the timeout the driver really set).
pub const MAX_WATCHDOG_TIMEOUT: u32 = 3600;

/// Which subsystems run (`-P` VRRP only, `-C` checkers only).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subsystems {
    All,
    VrrpOnly,
    CheckersOnly,
}

/// The output format of `--dump-config`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DumpFormat {
    Json,
}

/// Everything the command line sets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    pub config_file: PathBuf,
    /// `-t`: check the configuration and exit; `Some(Some(path))` writes the report to a file.
    pub config_test: Option<Option<PathBuf>>,
    /// `--dump-config json` (holdfast's addition): print the resolved model.
    pub dump_config: Option<DumpFormat>,
    /// `-d`: dump the configuration in the log at start-up.
    pub dump_conf: bool,
    /// `-i`: the id `@ID` lines are matched against; default: hostname up to the first dot.
    pub config_id: Option<String>,
    /// `-e`: a missing include file is fatal.
    pub missing_include_is_fatal: bool,
    pub subsystems: Subsystems,
    /// `-n`: stay in the foreground.
    pub foreground: bool,
    /// `-l`: log to the console (unbuffered stderr) instead of syslog.
    pub log_console: bool,
    /// `-D`: detailed logging.
    pub log_detail: bool,
    /// `-S`: syslog facility LOG_LOCAL0..7.
    pub syslog_facility: Option<u8>,
    /// `-p`, `-r`, `-c`: pid files of the main, VRRP and checker processes.
    pub pid_file: Option<PathBuf>,
    pub vrrp_pid_file: Option<PathBuf>,
    pub checkers_pid_file: Option<PathBuf>,
    /// keepalived flags accepted for compatibility that change nothing in holdfast.
    pub ignored: Vec<String>,
    /// `--console DEV` (holdfast's addition): serve the diagnostics console on this tty.
    pub console: Option<PathBuf>,
    /// `--watchdog DEV` (holdfast's addition): feed this hardware watchdog while every actor
    /// is alive.
    pub watchdog: Option<PathBuf>,
    /// `--watchdog-timeout SECONDS`: the timeout set on the watchdog device.
    pub watchdog_timeout: u32,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            config_file: PathBuf::from(DEFAULT_CONFIG),
            config_test: None,
            dump_config: None,
            dump_conf: false,
            config_id: None,
            missing_include_is_fatal: false,
            subsystems: Subsystems::All,
            foreground: false,
            log_console: false,
            log_detail: false,
            syslog_facility: None,
            pid_file: None,
            vrrp_pid_file: None,
            checkers_pid_file: None,
            ignored: Vec::new(),
            console: None,
            watchdog: None,
            watchdog_timeout: DEFAULT_WATCHDOG_TIMEOUT,
        }
    }
}

/// What the command line asks for.
// Made once per process: a boxed `Options` would save nothing that matters.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    Run(Options),
    Version,
    Help,
}

/// A command line holdfast cannot accept; the message says what would be valid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CliError(pub String);

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}; see 'holdfast --help'", self.0)
    }
}

impl std::error::Error for CliError {}

impl From<lexopt::Error> for CliError {
    fn from(e: lexopt::Error) -> Self {
        CliError(e.to_string())
    }
}

/// Parses the arguments after the program name.
pub fn parse<I>(args: I) -> Result<Command, CliError>
where
    I: IntoIterator,
    I::Item: Into<OsString>,
{
    use lexopt::prelude::*;
    let mut opts = Options::default();
    let mut subsystem_flags = (false, false);
    let mut parser = lexopt::Parser::from_args(args);
    while let Some(arg) = parser.next()? {
        match arg {
            Short('h') | Long("help") => return Ok(Command::Help),
            Short('v') | Long("version") => return Ok(Command::Version),
            Short('f') | Long("use-file") => opts.config_file = parser.value()?.into(),
            Short('t') | Long("config-test") => {
                opts.config_test = Some(parser.optional_value().map(PathBuf::from));
            }
            Long("dump-config") => {
                let format = parser.value()?.string()?;
                opts.dump_config = match format.as_str() {
                    "json" => Some(DumpFormat::Json),
                    other => return Err(CliError(format!("--dump-config: unknown format '{other}', expected 'json'"))),
                };
            }
            Short('d') | Long("dump-conf") => opts.dump_conf = true,
            Short('i') | Long("config-id") => opts.config_id = Some(parser.value()?.string()?),
            Short('e') | Long("errors") => opts.missing_include_is_fatal = true,
            Short('P') | Long("vrrp") => subsystem_flags.0 = true,
            Short('C') | Long("check") => subsystem_flags.1 = true,
            Short('n') | Long("dont-fork") => opts.foreground = true,
            Short('l') | Long("log-console") => opts.log_console = true,
            Short('D') | Long("log-detail") => opts.log_detail = true,
            Short('S') | Long("log-facility") => {
                let value = parser.value()?.string()?;
                match value.parse::<u8>() {
                    Ok(n) if n <= 7 => opts.syslog_facility = Some(n),
                    _ => return Err(CliError(format!("-S: facility '{value}' invalid, expected 0-7 (LOG_LOCAL0-7)"))),
                }
            }
            Short('p') | Long("pid") => opts.pid_file = Some(parser.value()?.into()),
            Short('r') | Long("vrrp_pid") => opts.vrrp_pid_file = Some(parser.value()?.into()),
            Short('c') | Long("checkers_pid") => opts.checkers_pid_file = Some(parser.value()?.into()),
            // Tuning flags of keepalived's own process model: harmless to accept.
            Short(c @ ('B' | 'G' | 'X' | 'V' | 'I' | 'R' | 'a' | 'm')) => opts.ignored.push(format!("-{c}")),
            Long(l @ ("no_bfd" | "no-syslog" | "release-vips" | "dont-release-vrrp" | "dont-release-ipvs"
            | "dont-respawn" | "address-monitoring" | "core-dump" | "all" | "flush-log-file")) => {
                opts.ignored.push(format!("--{l}"))
            }
            Long("console") => opts.console = Some(parser.value()?.into()),
            Long("watchdog") => opts.watchdog = Some(parser.value()?.into()),
            Long("watchdog-timeout") => {
                let value = parser.value()?.string()?;
                match value.parse::<u32>() {
                    Ok(n) if (1..=MAX_WATCHDOG_TIMEOUT).contains(&n) => opts.watchdog_timeout = n,
                    _ => return Err(CliError(format!("--watchdog-timeout: '{value}' invalid, expected 1-{MAX_WATCHDOG_TIMEOUT} seconds"))),
                }
            }
            Short('M') | Long("core-dump-pattern") => {
                let _ = parser.optional_value();
                opts.ignored.push("-M".into());
            }
            Short('g') | Long("log-file") => {
                return Err(CliError("-g/--log-file is not supported: use -l (console) or syslog".into()))
            }
            Short('x') | Long("snmp") => {
                return Err(CliError("-x/--snmp: holdfast has no SNMP agent".into()))
            }
            Short('s') | Long("namespace") => {
                return Err(CliError("-s/--namespace is not supported: start holdfast with 'ip netns exec NAME holdfast'".into()))
            }
            _ => return Err(arg.unexpected().into()),
        }
    }
    opts.subsystems = match subsystem_flags {
        (true, false) => Subsystems::VrrpOnly,
        (false, true) => Subsystems::CheckersOnly,
        // keepalived runs both when given both.
        _ => Subsystems::All,
    };
    if opts.dump_config.is_some() && opts.config_test.is_none() {
        return Err(CliError("--dump-config needs -t".into()));
    }
    Ok(Command::Run(opts))
}

/// The `--help` text.
pub const HELP: &str = "\
holdfast: keepalived-compatible VRRP, IPVS and health-check daemon

Usage: holdfast [OPTION...]
  -f, --use-file=FILE          configuration file (default /etc/keepalived/keepalived.conf)
  -t, --config-test[=FILE]     check the configuration and exit: 0 ok, 4 cannot run,
                               5 errors but would run, 6 script security
      --dump-config json       with -t: print the resolved configuration as JSON
  -d, --dump-conf              log the configuration at start-up
  -i, --config-id=ID           keep '@ID' lines for ID (default: hostname up to the first dot)
  -e, --errors                 a missing include file is fatal
  -P, --vrrp                   run VRRP only
  -C, --check                  run health checkers and IPVS only
  -n, --dont-fork              stay in the foreground
  -l, --log-console            log to the console
  -D, --log-detail             detailed log messages
  -S, --log-facility=[0-7]     syslog facility LOG_LOCAL0-7
  -p, --pid=FILE               main pid file
  -r, --vrrp_pid=FILE          VRRP pid file
  -c, --checkers_pid=FILE      checkers pid file
  -v, --version                print the version
  -h, --help                   print this help
holdfast's own options, for small appliances without systemd:
      --console=DEV            diagnostics console on the tty DEV (e.g. /dev/ttyS1, a pty):
                               help, status, vrrp, ipvs, modules, checks, log [N], reload
      --watchdog=DEV           feed the hardware watchdog DEV (e.g. /dev/watchdog) only while
                               every actor is alive; a clean stop disarms it (magic close)
      --watchdog-timeout=SECS  timeout set on the watchdog device (default 10)
Accepted for keepalived compatibility and ignored: -B -G -X -V -I -R -a -m -M.
";

#[cfg(test)]
mod tests {
    use super::*;

    fn run(args: &[&str]) -> Options {
        match parse(args.iter().copied()) {
            Ok(Command::Run(o)) => o,
            other => panic!("expected Run, got {other:?}"),
        }
    }

    #[test]
    fn keepalived_init_script_line_is_accepted() {
        let o = run(&[
            "-D",
            "-f",
            "/etc/keepalived/x.conf",
            "-p",
            "/run/k.pid",
            "-r",
            "/run/v.pid",
            "-c",
            "/run/c.pid",
            "-S",
            "2",
        ]);
        assert_eq!(o.config_file, PathBuf::from("/etc/keepalived/x.conf"));
        assert!(o.log_detail);
        assert_eq!(o.pid_file, Some(PathBuf::from("/run/k.pid")));
        assert_eq!(o.vrrp_pid_file, Some(PathBuf::from("/run/v.pid")));
        assert_eq!(o.checkers_pid_file, Some(PathBuf::from("/run/c.pid")));
        assert_eq!(o.syslog_facility, Some(2));
    }

    #[test]
    fn clustered_short_flags_and_long_forms() {
        let o = run(&["-nlD", "--use-file=/tmp/k.conf", "--config-id", "lb1", "-P"]);
        assert!(o.foreground && o.log_console && o.log_detail);
        assert_eq!(o.config_file, PathBuf::from("/tmp/k.conf"));
        assert_eq!(o.config_id.as_deref(), Some("lb1"));
        assert_eq!(o.subsystems, Subsystems::VrrpOnly);
    }

    #[test]
    fn config_test_with_optional_log_file_and_json_dump() {
        assert_eq!(run(&["-t"]).config_test, Some(None));
        assert_eq!(
            run(&["--config-test=/tmp/r.log"]).config_test,
            Some(Some(PathBuf::from("/tmp/r.log")))
        );
        let o = run(&["-t", "--dump-config", "json", "-f", "k.conf"]);
        assert_eq!(o.dump_config, Some(DumpFormat::Json));
        assert_eq!(o.config_test, Some(None));
    }

    #[test]
    fn both_subsystem_flags_mean_both() {
        assert_eq!(run(&["-P", "-C"]).subsystems, Subsystems::All);
        assert_eq!(run(&["-C"]).subsystems, Subsystems::CheckersOnly);
    }

    #[test]
    fn compatibility_flags_are_recorded_as_ignored() {
        assert_eq!(
            run(&["-R", "--dont-release-vrrp", "-M"]).ignored,
            ["-R", "--dont-release-vrrp", "-M"]
        );
    }

    #[test]
    fn bad_command_lines_say_what_is_valid() {
        let err = |a: &[&str]| parse(a.iter().copied()).unwrap_err().to_string();
        assert!(err(&["-S", "9"]).contains("expected 0-7"));
        assert!(err(&["-t", "--dump-config", "yaml"]).contains("expected 'json'"));
        assert!(err(&["--dump-config", "json"]).contains("needs -t"));
        assert!(err(&["-x"]).contains("SNMP"));
        assert!(err(&["--frobnicate"]).contains("--frobnicate"));
        assert!(err(&["-f"]).contains("missing argument"));
    }

    #[test]
    fn appliance_options() {
        let o = run(&[
            "--console",
            "/dev/ttyS1",
            "--watchdog=/dev/watchdog",
            "--watchdog-timeout",
            "3",
        ]);
        assert_eq!(o.console, Some(PathBuf::from("/dev/ttyS1")));
        assert_eq!(o.watchdog, Some(PathBuf::from("/dev/watchdog")));
        assert_eq!(o.watchdog_timeout, 3);
        assert_eq!(run(&[]).watchdog_timeout, DEFAULT_WATCHDOG_TIMEOUT);
        let err = |a: &[&str]| parse(a.iter().copied()).unwrap_err().to_string();
        assert!(err(&["--watchdog-timeout", "0"]).contains("expected 1-3600"));
        assert!(err(&["--watchdog-timeout", "x"]).contains("expected 1-3600"));
        assert!(err(&["--console"]).contains("missing argument"));
        assert!(HELP.contains("--console=DEV") && HELP.contains("--watchdog-timeout=SECS"));
    }

    #[test]
    fn version_and_help() {
        assert_eq!(parse(["-v"]).unwrap(), Command::Version);
        assert_eq!(parse(["--help"]).unwrap(), Command::Help);
    }
}
