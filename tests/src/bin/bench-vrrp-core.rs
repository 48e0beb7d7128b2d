//! `bench-vrrp-core`: prints how fast the sans-IO VRRP core is with 1,000 instances: adverts
//! parsed and validated per second per core (IPv4 datagram in, checked `Received` out), and
//! state-machine steps per second (advert and timeout inputs to 1,000 instances).
//! Run in release: `cargo run --release -p holdfast-tests --bin bench-vrrp-core`.

use holdfast_core::time::{Duration, Instant};
use holdfast_core::vrrp::{self, Advert, Input, Priority};
use holdfast_core::wire::advert::{emit_ipv4, parse_ipv4, TtlCheck};
use holdfast_core::wire::{VrrpAddresses, VrrpRepr, VrrpVariant};
use std::hint::black_box;
use std::net::{IpAddr, Ipv4Addr};
use std::num::NonZeroU8;

const INSTANCES: usize = 1000;
const ROUNDS: usize = 2000;

fn adverts() -> Vec<Vec<u8>> {
    (0..INSTANCES)
        .map(|i| {
            let vip = Ipv4Addr::new(192, 0, 2, (i % 250) as u8 + 1);
            let mut addresses = heapless::Vec::new();
            addresses.push(vip).expect("capacity");
            let repr = VrrpRepr {
                vrid: (i % 255) as u8 + 1,
                priority: 100,
                variant: VrrpVariant::V3 {
                    max_advert_int: 100,
                },
                addresses: VrrpAddresses::Ipv4(addresses),
            };
            let mut buf = vec![0u8; 128];
            let len = emit_ipv4(
                &repr,
                Ipv4Addr::new(198, 51, 100, 2),
                Ipv4Addr::new(224, 0, 0, 18),
                &mut buf,
            )
            .expect("buffer large enough");
            buf.truncate(len);
            buf
        })
        .collect()
}

fn main() {
    let packets = adverts();
    let start = std::time::Instant::now();
    let mut ok = 0usize;
    for _ in 0..ROUNDS {
        for p in &packets {
            ok += usize::from(parse_ipv4(black_box(p), TtlCheck::Require255).is_ok());
        }
    }
    let secs = start.elapsed().as_secs_f64();
    assert_eq!(
        ok,
        ROUNDS * INSTANCES,
        "every generated advert must validate"
    );
    println!(
        "adverts parsed+validated: {:>12.0} /s per core ({} x {} instances)",
        (ok as f64) / secs,
        ROUNDS,
        INSTANCES
    );

    let mut instances: Vec<vrrp::Instance> = (0..INSTANCES)
        .map(|i| {
            let vrid = NonZeroU8::new((i % 255) as u8 + 1).expect("non-zero");
            let mut config = vrrp::Config::new(
                vrid,
                Priority::DEFAULT,
                IpAddr::V4(Ipv4Addr::new(198, 51, 100, 1)),
            );
            config.version = vrrp::Version::V3;
            vrrp::Instance::new(config).expect("valid config")
        })
        .collect();
    let mut now = Instant::ZERO;
    for inst in &mut instances {
        inst.handle(Input::Startup, now);
    }
    let advert = Advert {
        version: vrrp::Version::V3,
        priority: 200,
        max_adver_int_cs: 100,
        source: IpAddr::V4(Ipv4Addr::new(198, 51, 100, 2)),
    };
    let start = std::time::Instant::now();
    let mut steps = 0usize;
    for round in 0..ROUNDS {
        now += Duration::from_millis(1000);
        for inst in &mut instances {
            // Mostly adverts from a better master, with a timeout now and then, as a backup sees.
            let input = if round % 16 == 15 {
                Input::Timeout
            } else {
                Input::Advert(advert)
            };
            black_box(inst.handle(input, now));
            steps += 1;
        }
    }
    let secs = start.elapsed().as_secs_f64();
    println!(
        "state-machine steps:      {:>12.0} /s per core ({} x {} instances)",
        steps as f64 / secs,
        ROUNDS,
        INSTANCES
    );
}
