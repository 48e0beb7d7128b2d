//! Renders the console's screens straight into an `embedded_io::Write`: formatting goes through
//! `write!` into the device, with fixed widths and bounded lists, so no screen allocates and
//! `status` always fits 80 columns by 24 lines.

use super::command::HELP;
use crate::events::{Event, Level};
use crate::snapshot::{InstanceView, ModuleState, Snapshot, Vip, VirtualServerView};
use core::fmt::{self, Write as _};
use embedded_io::{Write, WriteFmtError};
use holdfast_core::vrrp::State;

/// What rendering into `W` can fail with.
pub type RenderResult<W> = Result<(), WriteFmtError<<W as embedded_io::ErrorType>::Error>>;

/// Lines for instances (and the reasons of those in FAULT or INIT) on the status screen; with the
/// other limits the worst case is 23 lines plus the prompt.
pub const STATUS_INSTANCE_LINES: usize = 5;
/// Virtual-server lines `status` shows (down and degraded ones only).
pub const STATUS_VIRTUAL_SERVERS: usize = 3;
/// Error lines `status` shows.
pub const STATUS_ERRORS: usize = 3;

/// Console-side counters shown by `status`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ConsoleStats {
    /// Live events dropped because this console could not keep up.
    pub dropped: u64,
    /// Whether live events are echoed on this console.
    pub live_events: bool,
    /// Milliseconds since the daemon started, now.
    pub now_ms: u64,
}

/// Durations as `3d04h05m06s`, leading zero units left out.
struct Uptime(u64);

impl fmt::Display for Uptime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.0 / 1000;
        let (d, h, m, s) = (s / 86_400, s / 3600 % 24, s / 60 % 60, s % 60);
        if d > 0 {
            write!(f, "{d}d{h:02}h{m:02}m{s:02}s")
        } else if h > 0 {
            write!(f, "{h}h{m:02}m{s:02}s")
        } else if m > 0 {
            write!(f, "{m}m{s:02}s")
        } else {
            write!(f, "{s}s")
        }
    }
}

/// VIPs separated by spaces, as many as fit in `budget` columns, then `(+N)` for the rest.
struct Vips<'a> {
    vips: &'a [Vip],
    budget: usize,
}

impl fmt::Display for Vips<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut used = 0;
        for (i, vip) in self.vips.iter().enumerate() {
            // The longest IPv6 text form is 45 bytes, plus "/128".
            let mut one = heapless::String::<52>::new();
            write!(one, "{}/{}", vip.addr, vip.prefix)?;
            let sep = usize::from(i > 0);
            // Room for this address, and for a " (+N)" marker if more follow.
            let rest = self.vips.len() - i - 1;
            let marker = if rest > 0 {
                4 + decimal_digits(rest)
            } else {
                0
            };
            if used + sep + one.len() + marker > self.budget {
                return write!(
                    f,
                    "{}(+{})",
                    if i > 0 { " " } else { "" },
                    self.vips.len() - i
                );
            }
            if sep == 1 {
                f.write_str(" ")?;
            }
            f.write_str(&one)?;
            used += sep + one.len();
        }
        Ok(())
    }
}

fn decimal_digits(mut n: usize) -> usize {
    let mut digits = 1;
    while n >= 10 {
        n /= 10;
        digits += 1;
    }
    digits
}

/// keepalived's state words, as `&str` so fixed-width padding applies (a `Display` that calls
/// `write_str` ignores width).
const fn state_label(s: State) -> &'static str {
    match s {
        State::Initialize => "INIT",
        State::Backup => "BACKUP",
        State::Master => "MASTER",
        State::Fault => "FAULT",
    }
}

/// Instances in FAULT or INIT come first on the status screen.
fn instance_needs_attention(i: &InstanceView) -> bool {
    matches!(i.state, State::Fault | State::Initialize)
}

fn vs_needs_attention(vs: &VirtualServerView) -> bool {
    !vs.up || vs.real_up < vs.real_total
}

pub fn help<W: Write>(out: &mut W) -> RenderResult<W> {
    writeln!(out, "commands:")?;
    for (usage, what) in HELP {
        writeln!(out, "  {usage:<14} {what}")?;
    }
    Ok(())
}

fn instance_line<W: Write>(out: &mut W, i: &InstanceView, vip_budget: usize) -> RenderResult<W> {
    write!(
        out,
        "  {:<16.16} {:<6} prio {:>3}",
        i.name,
        state_label(i.state),
        i.effective_priority
    )?;
    if i.effective_priority != i.priority {
        write!(out, "/{:<3}", i.priority)?;
    } else {
        write!(out, "    ")?;
    }
    write!(
        out,
        " {:<10.10} {}",
        i.interface,
        Vips {
            vips: &i.vips,
            budget: vip_budget
        }
    )?;
    writeln!(out)
}

fn vs_line<W: Write>(out: &mut W, vs: &VirtualServerView) -> RenderResult<W> {
    write!(
        out,
        "  {:<4} {:<28.28} real {:>3}/{:<3}",
        if vs.up { "UP" } else { "DOWN" },
        vs.key,
        vs.real_up,
        vs.real_total
    )?;
    match &vs.reason {
        Some(reason) => writeln!(out, " {reason:.27}"),
        None => writeln!(out),
    }
}

/// An event cut to 80 columns, for `status`.
fn event_line<W: Write>(out: &mut W, e: &Event) -> RenderResult<W> {
    let source = e.source.get(..e.source.len().min(10)).unwrap_or(e.source);
    let mut head = heapless::String::<64>::new();
    write!(
        head,
        "  [{:>6}.{:03}] {} {}: ",
        e.at_ms / 1000,
        e.at_ms % 1000,
        e.level.label(),
        source
    )
    .map_err(|_| WriteFmtError::FmtError)?;
    let room = 80usize.saturating_sub(head.chars().count());
    let mut end = e.text.len().min(room);
    while !e.text.is_char_boundary(end) {
        end -= 1;
    }
    writeln!(out, "{head}{}", e.text.get(..end).unwrap_or_default())
}

/// The one-screen summary.
pub fn status<'e, W: Write>(
    out: &mut W,
    snap: &Snapshot,
    last_errors: impl Iterator<Item = &'e Event>,
    stats: ConsoleStats,
) -> RenderResult<W> {
    writeln!(
        out,
        "holdfast {} router {:.16} up {} snapshot age {}",
        env!("CARGO_PKG_VERSION"),
        snap.router_id,
        Uptime(stats.now_ms),
        Uptime(stats.now_ms.saturating_sub(snap.taken_at_ms))
    )?;
    writeln!(
        out,
        "config   {:.50}  loads {}",
        snap.config.path, snap.config.loads
    )?;
    if let Some(err) = &snap.config.last_reload_error {
        writeln!(out, "  last reload REFUSED: {err:.55}")?;
    }

    let count = |s: State| snap.instances.iter().filter(|i| i.state == s).count();
    writeln!(
        out,
        "VRRP     {} instances: {} MASTER, {} BACKUP, {} FAULT, {} INIT",
        snap.instances.len(),
        count(State::Master),
        count(State::Backup),
        count(State::Fault),
        count(State::Initialize)
    )?;
    let ordered = snap
        .instances
        .iter()
        .filter(|i| instance_needs_attention(i))
        .chain(
            snap.instances
                .iter()
                .filter(|i| !instance_needs_attention(i)),
        );
    let mut lines = 0;
    let mut shown = 0;
    for i in ordered {
        let reason = i.reason.as_deref().filter(|_| instance_needs_attention(i));
        let needed = 1 + usize::from(reason.is_some());
        if lines + needed > STATUS_INSTANCE_LINES {
            break;
        }
        // 80 columns less the 50 before the VIPs.
        instance_line(out, i, 30)?;
        if let Some(reason) = reason {
            writeln!(out, "      {reason:.74}")?;
        }
        lines += needed;
        shown += 1;
    }
    if snap.instances.len() > shown {
        writeln!(
            out,
            "  ... {} more: see 'vrrp'",
            snap.instances.len() - shown
        )?;
    }

    let down = snap.virtual_servers.iter().filter(|v| !v.up).count();
    writeln!(
        out,
        "IPVS     {} virtual servers: {} up, {} DOWN",
        snap.virtual_servers.len(),
        snap.virtual_servers.len() - down,
        down
    )?;
    let attention = snap.virtual_servers.iter().filter(|v| !v.up).chain(
        snap.virtual_servers
            .iter()
            .filter(|v| v.up && vs_needs_attention(v)),
    );
    for (shown, vs) in attention.enumerate() {
        if shown == STATUS_VIRTUAL_SERVERS {
            writeln!(out, "  ... more: see 'ipvs'")?;
            break;
        }
        vs_line(out, vs)?;
    }

    let mcount = |s: ModuleState| snap.modules.iter().filter(|m| m.state == s).count();
    write!(
        out,
        "modules  {} needed: {} live, {} builtin, {} pending, {} FAILED",
        snap.modules.len(),
        mcount(ModuleState::Live),
        mcount(ModuleState::Builtin),
        mcount(ModuleState::Pending),
        mcount(ModuleState::Failed)
    )?;
    match snap.modules.iter().find(|m| m.state == ModuleState::Failed) {
        Some(m) => writeln!(
            out,
            "\n  {:.20}: {:.55}",
            m.name,
            m.reason.as_deref().unwrap_or("no reason given")
        )?,
        None => writeln!(out)?,
    }

    writeln!(
        out,
        "checks   {} passing, {} failing, {} pending",
        snap.checks.passing, snap.checks.failing, snap.checks.pending
    )?;
    writeln!(
        out,
        "console  live events {}, dropped {}",
        if stats.live_events { "on" } else { "off" },
        stats.dropped
    )?;

    let mut any = false;
    for e in last_errors {
        if !any {
            writeln!(out, "last errors:")?;
            any = true;
        }
        event_line(out, e)?;
    }
    if !any {
        writeln!(out, "last errors: none")?;
    }
    Ok(())
}

/// Every VRRP instance.
pub fn vrrp<W: Write>(out: &mut W, snap: &Snapshot) -> RenderResult<W> {
    if snap.instances.is_empty() {
        return writeln!(out, "no VRRP instances");
    }
    for i in &snap.instances {
        instance_line(out, i, usize::MAX)?;
        if let Some(reason) = &i.reason {
            writeln!(out, "      {reason}")?;
        }
    }
    Ok(())
}

/// Every virtual server.
pub fn ipvs<W: Write>(out: &mut W, snap: &Snapshot) -> RenderResult<W> {
    if snap.virtual_servers.is_empty() {
        return writeln!(out, "no virtual servers");
    }
    for vs in &snap.virtual_servers {
        write!(
            out,
            "  {:<4} {:<40} real {:>3}/{:<3}",
            if vs.up { "UP" } else { "DOWN" },
            vs.key,
            vs.real_up,
            vs.real_total
        )?;
        match &vs.reason {
            Some(reason) => writeln!(out, " {reason}")?,
            None => writeln!(out)?,
        }
    }
    Ok(())
}

/// Every module the configuration needs.
pub fn modules<W: Write>(out: &mut W, snap: &Snapshot) -> RenderResult<W> {
    if snap.modules.is_empty() {
        return writeln!(out, "no kernel modules needed");
    }
    for m in &snap.modules {
        write!(out, "  {:<20} {:<8}", m.name, m.state.label())?;
        match &m.reason {
            Some(reason) => writeln!(out, " {reason}")?,
            None => writeln!(out)?,
        }
    }
    Ok(())
}

/// Check counts and the failing checks.
pub fn checks<W: Write>(out: &mut W, snap: &Snapshot) -> RenderResult<W> {
    let c = &snap.checks;
    writeln!(
        out,
        "{} passing, {} failing, {} pending",
        c.passing, c.failing, c.pending
    )?;
    for f in &c.failures {
        writeln!(out, "  FAIL {f}")?;
    }
    Ok(())
}

/// The newest events, oldest first; `total` is how many were ever recorded.
pub fn log<'e, W: Write>(
    out: &mut W,
    events: impl Iterator<Item = &'e Event>,
    total: u64,
) -> RenderResult<W> {
    let mut shown = 0u64;
    for e in events {
        writeln!(out, "  {e}")?;
        shown += 1;
    }
    writeln!(out, "({shown} shown, {total} recorded since start)")
}

/// One live event, as echoed when live events are on.
pub fn live_event<W: Write>(out: &mut W, e: &Event) -> RenderResult<W> {
    // Errors stand out on a busy serial line.
    let mark = if e.level >= Level::Warning { '!' } else { '*' };
    writeln!(out, "{mark} {e}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::snapshot::{ConfigView, ModuleView};

    /// Everything as bad and as long as it gets: the status screen still fits 80x23.
    #[test]
    fn worst_case_status_fits_one_screen() {
        let long = "x".repeat(200);
        let vip = Vip {
            addr: "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff"
                .parse()
                .expect("address"),
            prefix: 128,
        };
        let snap = Snapshot {
            taken_at_ms: 0,
            router_id: long.clone(),
            config: ConfigView {
                path: long.clone(),
                loads: u32::MAX,
                last_reload_error: Some(long.clone()),
            },
            instances: (0..50)
                .map(|n| InstanceView {
                    name: format!("{long}{n}"),
                    state: if n % 2 == 0 {
                        State::Fault
                    } else {
                        State::Master
                    },
                    priority: 255,
                    effective_priority: 1,
                    interface: long.clone(),
                    vips: vec![vip; 20],
                    reason: Some(long.clone()),
                })
                .collect(),
            virtual_servers: (0..50)
                .map(|_| VirtualServerView {
                    key: long.clone(),
                    up: false,
                    real_up: u16::MAX,
                    real_total: u16::MAX,
                    reason: Some(long.clone()),
                })
                .collect(),
            modules: vec![ModuleView {
                name: long.clone(),
                state: ModuleState::Failed,
                reason: Some(long.clone()),
            }],
            checks: Default::default(),
        };
        let errors: Vec<Event> = (0..10)
            .map(|_| {
                Event::new(
                    u64::MAX,
                    Level::Error,
                    "sourcesourcesource",
                    format_args!("{long}"),
                )
            })
            .collect();
        let stats = ConsoleStats {
            dropped: u64::MAX,
            live_events: true,
            now_ms: 99 * 86_400_000,
        };
        let mut out = Vec::new();
        status(&mut out, &snap, errors.iter().take(STATUS_ERRORS), stats).expect("Vec write");
        let text = String::from_utf8(out).expect("UTF-8");
        assert!(text.lines().count() <= 23, "{text}");
        for line in text.lines() {
            assert!(line.chars().count() <= 80, "over 80 columns: {line:?}");
        }
        assert!(text.contains("more: see 'vrrp'"), "{text}");
        assert!(text.contains("more: see 'ipvs'"), "{text}");
    }

    #[test]
    fn vips_that_do_not_fit_are_counted() {
        let v = |s: &str| Vip {
            addr: s.parse().expect("address"),
            prefix: 24,
        };
        let vips = [v("192.0.2.1"), v("192.0.2.2"), v("192.0.2.3")];
        let shown = Vips {
            vips: &vips,
            budget: 30,
        }
        .to_string();
        assert_eq!(shown, "192.0.2.1/24 192.0.2.2/24 (+1)");
        let all = Vips {
            vips: &vips,
            budget: usize::MAX,
        }
        .to_string();
        assert_eq!(all, "192.0.2.1/24 192.0.2.2/24 192.0.2.3/24");
    }
}
