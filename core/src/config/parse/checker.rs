//! `TCP_CHECK`, `HTTP_GET`, `SSL_GET` and `MISC_CHECK` blocks (keepalived's `check_api.c`,
//! `check_tcp.c`, `check_http.c`, `check_misc.c`), and resolving their timing against the real
//! and virtual server (`validate_check_config` in `check_data.c`).

use super::global::set_some;
use super::{values, Parser};
use crate::config::diag::Location;
use crate::config::keywords::Context;
use crate::config::model::{
    Checker, CheckerKind, Command, Connection, HttpCheck, HttpProtocol, MiscCheck, ScriptUser,
    StatusRange, Url,
};
use crate::config::syntax::Statement;
use crate::time::Duration;
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use core::net::IpAddr;

/// keepalived's `TIMER_MAXIMUM` for `read_timer` keywords: effectively unbounded.
pub(super) const MAX_TIMER: Duration = Duration::from_secs(u32::MAX as u64);
/// `connect_timeout` is read into microseconds below `UINT_MAX`.
pub(super) const MAX_CONNECT_TIMEOUT: Duration = Duration::from_millis(u32::MAX as u64 / 1000);

/// Timing a checker, real server or virtual server may set; unset ones are inherited.
#[derive(Default, Clone, Copy)]
pub(super) struct Timing {
    pub retry: Option<u32>,
    pub delay_before_retry: Option<Duration>,
    pub warmup: Option<Duration>,
    pub delay_loop: Option<Duration>,
    pub connect_timeout: Option<Duration>,
    pub alpha: Option<bool>,
}

impl Timing {
    /// Handles a timing keyword shared by checkers, real servers and virtual servers.
    pub(super) fn keyword(
        &mut self,
        p: &mut Parser,
        kw: &str,
        st: &Statement,
        zero_retry: bool,
    ) -> bool {
        match kw {
            "retry" | "nb_get_retry" => {
                if kw == "nb_get_retry" {
                    p.error(
                        st.location,
                        "nb_get_retry is deprecated - please use 'retry'",
                    );
                }
                set_some(&mut self.retry, p.u32(st, u32::from(!zero_retry), u32::MAX));
            }
            "delay_before_retry" => set_some(
                &mut self.delay_before_retry,
                p.seconds(st, Duration::ZERO, MAX_TIMER),
            ),
            "warmup" => set_some(&mut self.warmup, p.seconds(st, Duration::ZERO, MAX_TIMER)),
            "delay_loop" => set_some(
                &mut self.delay_loop,
                p.seconds(st, Duration::from_millis(1), MAX_TIMER),
            ),
            "connect_timeout" => set_some(
                &mut self.connect_timeout,
                p.seconds(st, Duration::from_millis(1), MAX_CONNECT_TIMEOUT),
            ),
            "alpha" => set_some(&mut self.alpha, p.flag(st)),
            _ => return false,
        }
        true
    }
}

/// A checker as configured, before inheritance.
pub(super) struct CheckerBuilder {
    location: Location,
    kind: KindBuilder,
    timing: Timing,
    log_all_failures: bool,
}

enum KindBuilder {
    Tcp(ConnBuilder),
    Http {
        conn: ConnBuilder,
        tls: bool,
        urls: Vec<Url>,
        virtualhost: Option<String>,
        http_protocol: HttpProtocol,
        enable_sni: bool,
        fast_recovery: bool,
    },
    Misc {
        path: Option<Command>,
        timeout: Option<Duration>,
        dynamic: bool,
        user: Option<ScriptUser>,
    },
}

#[derive(Default)]
struct ConnBuilder {
    connect_ip: Option<IpAddr>,
    connect_port: Option<u16>,
    bindto: Option<IpAddr>,
    bind_port: Option<u16>,
    bind_if: Option<String>,
    fwmark: Option<u32>,
}

/// Reads a checker block; `kw` is `TCP_CHECK`, `HTTP_GET`, `SSL_GET` or `MISC_CHECK`.
pub(super) fn checker(p: &mut Parser, kw: &str, st: &Statement) -> Option<CheckerBuilder> {
    let block = p.block(st)?;
    let (ctx, kind) = match kw {
        "TCP_CHECK" => (Context::TcpCheck, KindBuilder::Tcp(ConnBuilder::default())),
        "HTTP_GET" | "SSL_GET" => (
            Context::HttpGet,
            KindBuilder::Http {
                conn: ConnBuilder::default(),
                tls: kw == "SSL_GET",
                urls: Vec::new(),
                virtualhost: None,
                http_protocol: HttpProtocol::Http10,
                enable_sni: false,
                fast_recovery: false,
            },
        ),
        _ => (
            Context::MiscCheck,
            KindBuilder::Misc {
                path: None,
                timeout: None,
                dynamic: false,
                user: None,
            },
        ),
    };
    let mut c = CheckerBuilder {
        location: st.location,
        kind,
        timing: Timing::default(),
        log_all_failures: false,
    };
    for st in block {
        let Some(kw) = p.keyword(ctx, st) else {
            continue;
        };
        // keepalived's checker `connect_timeout` lives on the connection but inherits the same way.
        if c.timing.keyword(p, kw, st, true) {
            continue;
        }
        if kw == "log_all_failures" {
            if let Some(v) = p.flag(st) {
                c.log_all_failures = v;
            }
            continue;
        }
        let handled = match &mut c.kind {
            KindBuilder::Tcp(conn) => conn.keyword(p, kw, st),
            KindBuilder::Http {
                conn,
                urls,
                virtualhost,
                http_protocol,
                enable_sni,
                fast_recovery,
                ..
            } => {
                conn.keyword(p, kw, st)
                    || match kw {
                        "virtualhost" => {
                            set_some(virtualhost, p.string_soft(st, "a host name"));
                            true
                        }
                        "http_protocol" => {
                            match p.arg_soft(st, 1, "1.0, 1.0C or 1.1") {
                                Some("1.0") => *http_protocol = HttpProtocol::Http10,
                                Some("1.1") => *http_protocol = HttpProtocol::Http11,
                                Some("1.0C" | "1.0c") => *http_protocol = HttpProtocol::Http10Close,
                                Some(o) => p.error(
                                    st.location,
                                    format!("http_protocol '{o}' is not valid: expected 1.0, 1.0C or 1.1"),
                                ),
                                None => {}
                            }
                            true
                        }
                        "enable_sni" => {
                            if let Some(v) = p.flag(st) {
                                *enable_sni = v;
                            }
                            true
                        }
                        "fast_recovery" => {
                            if let Some(v) = p.flag(st) {
                                *fast_recovery = v;
                            }
                            true
                        }
                        "url" => {
                            if let Some(u) = url(p, st) {
                                urls.push(u);
                            }
                            true
                        }
                        _ => false,
                    }
            }
            KindBuilder::Misc {
                path,
                timeout,
                dynamic,
                user,
            } => match kw {
                "misc_path" => {
                    set_some(path, p.lone_command(st));
                    true
                }
                "misc_timeout" => {
                    set_some(
                        timeout,
                        p.whole_seconds(st, 0, u64::from(u32::MAX) / 1_000_000),
                    );
                    true
                }
                "misc_dynamic" => {
                    *dynamic = true;
                    true
                }
                "user" => {
                    set_some(user, p.script_user(st));
                    true
                }
                _ => false,
            },
        };
        if !handled {
            p.unhandled(ctx, st);
        }
    }
    Some(c)
}

impl ConnBuilder {
    fn keyword(&mut self, p: &mut Parser, kw: &str, st: &Statement) -> bool {
        match kw {
            "connect_ip" | "bindto" => {
                let Some(a) = p.ip_at(st, 1) else { return true };
                let other = if kw == "connect_ip" {
                    self.bindto
                } else {
                    self.connect_ip
                };
                if other.is_some_and(|o| o.is_ipv4() != a.is_ipv4()) {
                    p.error(
                        st.location,
                        format!("{kw} address {a} does not match the address family of the other end - skipping"),
                    );
                } else if kw == "connect_ip" {
                    self.connect_ip = Some(a);
                } else {
                    self.bindto = Some(a);
                }
            }
            "connect_port" | "bind_port" => {
                let v = p.uint(st, 1, 65535).and_then(|v| u16::try_from(v).ok());
                if kw == "connect_port" {
                    set_some(&mut self.connect_port, v);
                } else {
                    set_some(&mut self.bind_port, v);
                }
            }
            "bind_if" => {
                if let Some(name) = p.string(st, "an interface name") {
                    if name.len() >= 16 {
                        p.error(
                            st.location,
                            format!("Interface name {name} is too long - ignoring"),
                        );
                    } else {
                        self.bind_if = Some(name);
                    }
                }
            }
            "fwmark" => set_some(&mut self.fwmark, p.u32(st, 0, u32::MAX)),
            _ => return false,
        }
        true
    }

    fn finish(
        self,
        rs_addr: IpAddr,
        rs_port: Option<u16>,
        connect_timeout: Duration,
    ) -> Connection {
        Connection {
            connect_ip: self.connect_ip.unwrap_or(rs_addr),
            connect_port: self.connect_port.or(rs_port),
            bindto: self.bindto,
            bind_port: self.bind_port,
            bind_if: self.bind_if,
            connect_timeout,
            fwmark: self.fwmark,
        }
    }
}

fn url(p: &mut Parser, st: &Statement) -> Option<Url> {
    let block = p.block(st)?;
    let mut path = None;
    let mut u = Url {
        path: String::new(),
        digest: None,
        status_codes: Vec::new(),
        virtualhost: None,
    };
    for line in block {
        let Some(kw) = p.keyword(Context::Url, line) else {
            continue;
        };
        match kw {
            "path" => set_some(&mut path, p.string(line, "a URL path")),
            "virtualhost" => set_some(&mut u.virtualhost, p.string_soft(line, "a host name")),
            "digest" => {
                let Some(d) = p.arg(line, 1, "32 hexadecimal digits") else {
                    continue;
                };
                if u.digest.is_some() {
                    p.error(line.location, format!("Digest '{d}' is a duplicate"));
                    continue;
                }
                match md5_hex(d) {
                    Some(bytes) => u.digest = Some(bytes),
                    None => p.error(
                        line.location,
                        format!("digest '{d}' is not valid: expected 32 hexadecimal digits"),
                    ),
                }
            }
            "status_code" => {
                for w in line.args() {
                    match status_range(w) {
                        Some(r) => u.status_codes.push(r),
                        None => p.error(
                            line.location,
                            format!("Invalid HTTP_GET status code '{w}': expected 100-599 or a range of them"),
                        ),
                    }
                }
            }
            _ => p.unhandled(Context::Url, line),
        }
    }
    let Some(path) = path else {
        p.error(
            st.location,
            "HTTP/SSL_GET checker url has no path - ignoring",
        );
        return None;
    };
    u.path = path;
    if u.status_codes.is_empty() {
        u.status_codes.push(StatusRange { min: 200, max: 299 });
    }
    Some(u)
}

fn md5_hex(s: &str) -> Option<[u8; 16]> {
    if s.len() != 32 || !s.is_ascii() {
        return None;
    }
    let mut out = [0u8; 16];
    for (i, byte) in out.iter_mut().enumerate() {
        let pair = s.get(2 * i..2 * i + 2)?;
        *byte = u8::from_str_radix(pair, 16).ok()?;
    }
    Some(out)
}

fn status_range(w: &str) -> Option<StatusRange> {
    let (a, b) = w.split_once('-').unwrap_or((w, w));
    let min = u16::try_from(values::unsigned(a)?).ok()?;
    let max = u16::try_from(values::unsigned(b)?).ok()?;
    ((100..=599).contains(&min) && (100..=599).contains(&max) && min <= max)
        .then_some(StatusRange { min, max })
}

/// What a checker inherits from its real server (already resolved against the virtual server).
pub(super) struct Inherited {
    pub addr: IpAddr,
    pub port: Option<u16>,
    pub timing: Timing,
    pub alpha: bool,
    pub virtualhost: Option<String>,
    pub vs_delay_loop: Duration,
}

impl CheckerBuilder {
    /// Resolves the checker; `None` (with a diagnostic) when keepalived would drop it.
    pub(super) fn finish(self, p: &mut Parser, from: &Inherited) -> Option<Checker> {
        let t = self.timing;
        let (default_retry, default_dbr) = match self.kind {
            KindBuilder::Misc { .. } => (0, Duration::from_secs(1)),
            KindBuilder::Http { .. } => (1, Duration::from_secs(3)),
            KindBuilder::Tcp(_) => (1, Duration::from_secs(1)),
        };
        let delay_loop = t
            .delay_loop
            .or(from.timing.delay_loop)
            .unwrap_or(from.vs_delay_loop);
        let connect_timeout = t
            .connect_timeout
            .or(from.timing.connect_timeout)
            .unwrap_or(Duration::from_secs(5));
        let kind = match self.kind {
            KindBuilder::Tcp(conn) => CheckerKind::Tcp(self::link_local(
                p,
                self.location,
                conn.finish(from.addr, from.port, connect_timeout),
            )?),
            KindBuilder::Http {
                conn,
                tls,
                urls,
                virtualhost,
                http_protocol,
                enable_sni,
                fast_recovery,
            } => {
                if urls.is_empty() {
                    p.error(
                        self.location,
                        "HTTP/SSL_GET checker has no urls specified - ignoring",
                    );
                    return None;
                }
                let connection = link_local(
                    p,
                    self.location,
                    conn.finish(from.addr, from.port, connect_timeout),
                )?;
                CheckerKind::Http(HttpCheck {
                    connection,
                    tls,
                    urls,
                    virtualhost: virtualhost.or_else(|| from.virtualhost.clone()),
                    http_protocol,
                    enable_sni,
                    fast_recovery,
                })
            }
            KindBuilder::Misc {
                path,
                timeout,
                dynamic,
                user,
            } => {
                let Some(path) = path else {
                    p.error(
                        self.location,
                        "No script path has been specified for MISC_CHECKER - skipping",
                    );
                    return None;
                };
                CheckerKind::Misc(MiscCheck {
                    path,
                    timeout: timeout
                        .filter(|t| *t > Duration::ZERO)
                        .unwrap_or(from.vs_delay_loop),
                    dynamic,
                    user,
                })
            }
        };
        Some(Checker {
            kind,
            retry: t.retry.or(from.timing.retry).unwrap_or(default_retry),
            delay_before_retry: t
                .delay_before_retry
                .or(from.timing.delay_before_retry)
                .unwrap_or(default_dbr),
            warmup: t.warmup.or(from.timing.warmup).unwrap_or(delay_loop),
            delay_loop,
            alpha: t.alpha.unwrap_or(from.alpha),
            log_all_failures: self.log_all_failures,
        })
    }
}

/// An IPv6 link-local target is ambiguous without `bind_if` (keepalived's `check_conn_opts`).
fn link_local(p: &mut Parser, at: Location, c: Connection) -> Option<Connection> {
    if let IpAddr::V6(v6) = c.connect_ip {
        let link_local = v6.segments().first().is_some_and(|s| s & 0xffc0 == 0xfe80);
        if link_local && c.bind_if.is_none() {
            p.error(
                at,
                format!("Checker link local address {v6} requires a bind_if"),
            );
            return None;
        }
    }
    Some(c)
}

#[cfg(test)]
mod tests {
    use super::{md5_hex, status_range};

    #[test]
    fn digests_and_status_ranges() {
        let d = md5_hex("9b3a0c85a887a256d6939da88aabd8cd").unwrap();
        assert_eq!(d[0], 0x9b);
        assert_eq!(d[15], 0xcd);
        assert_eq!(md5_hex("9b3a"), None);
        assert_eq!(md5_hex("zz3a0c85a887a256d6939da88aabd8cd"), None);
        assert_eq!(
            status_range("200-204").map(|r| (r.min, r.max)),
            Some((200, 204))
        );
        assert_eq!(
            status_range("301").map(|r| (r.min, r.max)),
            Some((301, 301))
        );
        assert_eq!(status_range("99"), None);
        assert_eq!(status_range("300-200"), None);
    }
}
