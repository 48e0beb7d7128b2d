//! `ipvs-port-check`: exercises the Linux IPVS port against a real kernel, for the QEMU scenario
//! `tests/vm/vm-ipvs-port.sh` (the build machine's own kernel has no IPVS). Subcommands:
//!
//! - `program`: resolve, GET_INFO, flush, add/edit/delete services and real servers (IPv4,
//!   IPv6, fwmark), check each dump, check a missing scheduler is `SchedulerMissing`; leaves one
//!   service and prints `FAMILY <id>`;
//! - `gone <id>`: after `rmmod ip_vs`: resolve is `FamilyNotRegistered`, and so is GET_INFO with
//!   the old id;
//! - `again <id>`: after reloading: resolve gives a working id and the table is empty.
//!
//! Prints `CHECK ok <what>` per check and `RESULT ok|FAIL <why>`; exits non-zero on failure.

use holdfast_actors::ports::ipvs::{Ipvs, IpvsError};
use holdfast_core::ipvs::{
    AddrFamily, Destination, FamilyId, FwdMethod, Name, Netmask, Op, Protocol, Service,
    ServiceFlags, ServiceKey, Table,
};
use holdfast_linux::ipvs::{LinuxIpvs, DEFAULT_TIMEOUT};
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::process::ExitCode;

type Check = Result<(), String>;

fn ok(what: &str) {
    println!("CHECK ok {what}");
}

fn ensure(cond: bool, what: &str, detail: impl std::fmt::Debug) -> Check {
    if cond {
        ok(what);
        Ok(())
    } else {
        Err(format!("{what}: {detail:?}"))
    }
}

fn addr(literal: &str) -> IpAddr {
    literal.parse().expect("literal address")
}

fn name(literal: &str) -> Name {
    Name::new(literal).expect("literal scheduler name")
}

async fn apply(p: &mut LinuxIpvs, f: FamilyId, op: Op) -> Check {
    let what = op.to_string();
    p.apply(f, &op).await.map_err(|e| format!("{what}: {e}"))?;
    ok(&what);
    Ok(())
}

async fn expect_dump(p: &mut LinuxIpvs, f: FamilyId, want: &Table, what: &str) -> Check {
    let got = p.dump(f).await.map_err(|e| format!("dump: {e}"))?;
    ensure(&got == want, what, (&got, want))
}

async fn program() -> Check {
    let mut p = LinuxIpvs::open(DEFAULT_TIMEOUT).map_err(|e| format!("socket: {e}"))?;
    let f = p
        .resolve_family()
        .await
        .map_err(|e| format!("resolve: {e}"))?;
    ok("resolve");
    let info = p.info(f).await.map_err(|e| format!("info: {e}"))?;
    ensure(info.version.0 > 0, "GET_INFO", info)?;
    p.flush(f).await.map_err(|e| format!("flush: {e}"))?;
    expect_dump(&mut p, f, &Table::new(), "empty after flush").await?;

    let v4 = ServiceKey::Addr {
        protocol: Protocol::Tcp,
        addr: addr("192.0.2.1"),
        port: 80,
    };
    let svc4 = Service::new(v4, name("rr"));
    let mut d4 = Destination::new(addr("198.51.100.10"), 8080, FwdMethod::Masq, 1);
    let mut want = Table::new();
    apply(&mut p, f, Op::AddService(svc4.clone())).await?;
    apply(&mut p, f, Op::AddDest(v4, d4)).await?;
    want.insert(svc4.clone()).insert_dest(d4);
    expect_dump(&mut p, f, &want, "dump v4 service with real server").await?;

    d4.weight = 5;
    d4.u_thresh = 100;
    apply(&mut p, f, Op::EditDest(v4, d4)).await?;
    let mut svc4b = svc4.clone();
    svc4b.scheduler = name("wrr");
    svc4b.flags = ServiceFlags::PERSISTENT;
    svc4b.timeout = 300;
    svc4b.netmask = Netmask::for_prefix(AddrFamily::Ipv4, 24).ok_or("prefix")?;
    apply(&mut p, f, Op::EditService(svc4b.clone())).await?;
    want.insert(svc4b.clone()).insert_dest(d4);
    expect_dump(&mut p, f, &want, "dump after edits in place").await?;

    let v6 = ServiceKey::Addr {
        protocol: Protocol::Udp,
        addr: addr("2001:db8::1"),
        port: 53,
    };
    let mut svc6 = Service::new(v6, name("rr"));
    svc6.flags = ServiceFlags::PERSISTENT;
    svc6.timeout = 60;
    svc6.netmask = Netmask::for_prefix(AddrFamily::Ipv6, 64).ok_or("prefix")?;
    let d6 = Destination::new(addr("2001:db8::10"), 53, FwdMethod::Route, 2);
    apply(&mut p, f, Op::AddService(svc6.clone())).await?;
    apply(&mut p, f, Op::AddDest(v6, d6)).await?;
    want.insert(svc6).insert_dest(d6);

    let fwm = ServiceKey::Fwmark {
        family: AddrFamily::Ipv4,
        mark: NonZeroU32::new(7).ok_or("mark")?,
    };
    let dfwm = Destination::new(addr("198.51.100.11"), 0, FwdMethod::Tunnel, 1);
    apply(&mut p, f, Op::AddService(Service::new(fwm, name("rr")))).await?;
    apply(&mut p, f, Op::AddDest(fwm, dfwm)).await?;
    want.insert(Service::new(fwm, name("rr"))).insert_dest(dfwm);
    expect_dump(
        &mut p,
        f,
        &want,
        "dump v4 + v6 (16-byte addresses) + fwmark",
    )
    .await?;

    let mh = ServiceKey::Addr {
        protocol: Protocol::Tcp,
        addr: addr("192.0.2.2"),
        port: 80,
    };
    let r = p
        .apply(f, &Op::AddService(Service::new(mh, name("mh"))))
        .await;
    ensure(
        r == Err(IpvsError::SchedulerMissing {
            scheduler: name("mh"),
        }),
        "missing scheduler module is SchedulerMissing",
        &r,
    )?;
    let r = p.apply(f, &Op::AddService(svc4.clone())).await;
    ensure(
        matches!(r, Err(IpvsError::Other(_))),
        "duplicate service is EEXIST",
        &r,
    )?;
    let r = p.apply(f, &Op::DelService(mh)).await;
    ensure(
        r == Err(IpvsError::NoSuchService),
        "missing service is ESRCH",
        &r,
    )?;

    apply(&mut p, f, Op::DelDest(fwm, dfwm.key)).await?;
    apply(&mut p, f, Op::DelService(fwm)).await?;
    apply(&mut p, f, Op::DelService(v6)).await?;
    want.remove(&fwm);
    want.remove(&v6);
    expect_dump(&mut p, f, &want, "dump after deletes").await?;

    // The plan from the kernel's table to the wanted one is empty: the decoder and encoder agree.
    let plan =
        holdfast_core::ipvs::plan(&p.dump(f).await.map_err(|e| e.to_string())?, &want, |_| {
            true
        });
    ensure(
        plan.ops.is_empty(),
        "dump round-trips through plan",
        &plan.ops,
    )?;
    p.flush(f).await.map_err(|e| format!("flush: {e}"))?;
    println!("FAMILY {}", f.get());
    Ok(())
}

async fn gone(old: FamilyId) -> Check {
    let mut p = LinuxIpvs::open(DEFAULT_TIMEOUT).map_err(|e| format!("socket: {e}"))?;
    let r = p.resolve_family().await;
    ensure(
        r == Err(IpvsError::FamilyNotRegistered),
        "resolve after rmmod",
        &r,
    )?;
    let r = p.info(old).await;
    ensure(
        r == Err(IpvsError::FamilyNotRegistered),
        "stale id is ENOENT",
        &r,
    )
}

async fn again(old: FamilyId) -> Check {
    let mut p = LinuxIpvs::open(DEFAULT_TIMEOUT).map_err(|e| format!("socket: {e}"))?;
    let f = p
        .resolve_family()
        .await
        .map_err(|e| format!("resolve: {e}"))?;
    println!("FAMILY {} (was {})", f.get(), old.get());
    p.info(f).await.map_err(|e| format!("info: {e}"))?;
    ok("GET_INFO with the re-resolved id");
    expect_dump(&mut p, f, &Table::new(), "table empty after reload").await
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let old = || {
        args.get(1)
            .and_then(|s| s.parse().ok())
            .and_then(FamilyId::new)
            .ok_or_else(|| "need a family id".to_string())
    };
    let result = smol::block_on(async {
        match args.first().map(String::as_str) {
            Some("program") => program().await,
            Some("gone") => gone(old()?).await,
            Some("again") => again(old()?).await,
            _ => Err("usage: ipvs-port-check program | gone ID | again ID".into()),
        }
    });
    match result {
        Ok(()) => {
            println!("RESULT ok");
            ExitCode::SUCCESS
        }
        Err(e) => {
            println!("RESULT FAIL {e}");
            ExitCode::FAILURE
        }
    }
}
