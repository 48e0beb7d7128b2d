//! holdfast's emitted frames judged by an independent decoder: writes VRRP v2/v3 adverts over
//! IPv4 and IPv6, a gratuitous ARP and an unsolicited NA into a pcap file and, when `tshark` is
//! installed, asks it to decode them and validate every checksum.
//!
//! Without tshark the test prints why it skipped; with `CI=true` in the environment a missing
//! tshark is a failure, so CI cannot pass by not looking.

use std::fs;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::path::{Path, PathBuf};
use std::process::Command;

use holdfast_core::wire::advert::{self, GROUP_V4, GROUP_V6};
use holdfast_core::wire::arp::{self, GARP_FRAME_LEN};
use holdfast_core::wire::ndisc::{self, NA_FRAME_LEN};
use holdfast_core::wire::{EthernetAddress, VrrpAddresses, VrrpAuth, VrrpRepr, VrrpVariant};

const MAC: EthernetAddress = EthernetAddress([0x00, 0x00, 0x5e, 0x00, 0x53, 0x01]);
const SRC4: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 1);
const SRC6: Ipv6Addr = Ipv6Addr::new(0xfe80, 0, 0, 0, 0x0200, 0x5eff, 0xfe00, 0x5301);
const VIP4: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 10);
const VIP6: Ipv6Addr = Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 0x10);

/// The classic libpcap format: a 24-byte global header, then per packet a 16-byte record header
/// and the bytes. Little-endian, microsecond timestamps, link type 1 (Ethernet).
fn pcap(frames: &[Vec<u8>]) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend_from_slice(&0xa1b2_c3d4u32.to_le_bytes()); // magic
    out.extend_from_slice(&2u16.to_le_bytes()); // version major
    out.extend_from_slice(&4u16.to_le_bytes()); // version minor
    out.extend_from_slice(&0i32.to_le_bytes()); // thiszone
    out.extend_from_slice(&0u32.to_le_bytes()); // sigfigs
    out.extend_from_slice(&65_535u32.to_le_bytes()); // snaplen
    out.extend_from_slice(&1u32.to_le_bytes()); // LINKTYPE_ETHERNET
    for (index, frame) in frames.iter().enumerate() {
        let len = u32::try_from(frame.len()).expect("frame fits a pcap record");
        let seconds = u32::try_from(index).expect("few frames");
        out.extend_from_slice(&seconds.to_le_bytes());
        out.extend_from_slice(&0u32.to_le_bytes());
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(frame);
    }
    out
}

fn advert_frame(repr: &VrrpRepr, src: IpAddr, dst: IpAddr) -> Vec<u8> {
    let dst_mac = match dst {
        IpAddr::V4(group) => EthernetAddress::from_ipv4_multicast(group),
        IpAddr::V6(group) => EthernetAddress::from_ipv6_multicast(group),
    };
    let mut buffer = vec![0u8; 1600];
    let len = advert::emit_frame(repr, MAC, dst_mac, src, dst, &mut buffer).expect("frame fits");
    buffer.truncate(len);
    buffer
}

/// Each frame with what tshark must report for it.
struct Case {
    frame: Vec<u8>,
    what: &'static str,
    vrrp_version: Option<&'static str>,
}

fn cases() -> Vec<Case> {
    let v4 = |list: &[Ipv4Addr]| VrrpAddresses::Ipv4(heapless::Vec::from_slice(list).unwrap());
    let v2 = VrrpRepr {
        vrid: 51,
        priority: 255,
        variant: VrrpVariant::V2 {
            advert_int: 1,
            auth: VrrpAuth::None,
        },
        addresses: v4(&[VIP4]),
    };
    let v2_pass = VrrpRepr {
        variant: VrrpVariant::V2 {
            advert_int: 1,
            auth: VrrpAuth::SimpleText(*b"secret\0\0"),
        },
        addresses: v4(&[VIP4, Ipv4Addr::new(192, 0, 2, 11)]),
        ..v2.clone()
    };
    let v3 = VrrpRepr {
        priority: 200,
        variant: VrrpVariant::V3 { max_advert_int: 10 },
        addresses: v4(&[VIP4, Ipv4Addr::new(192, 0, 2, 11)]),
        ..v2.clone()
    };
    let v3_stop = VrrpRepr {
        priority: 0,
        ..v3.clone()
    };
    let v3_ipv6 = VrrpRepr {
        variant: VrrpVariant::V3 {
            max_advert_int: 100,
        },
        addresses: VrrpAddresses::Ipv6(
            heapless::Vec::from_slice(&[VIP6, Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 0x11)])
                .unwrap(),
        ),
        ..v2.clone()
    };
    let (s4, g4, s6, g6) = (
        IpAddr::V4(SRC4),
        IpAddr::V4(GROUP_V4),
        IpAddr::V6(SRC6),
        IpAddr::V6(GROUP_V6),
    );
    let mut garp = [0u8; GARP_FRAME_LEN];
    arp::emit_garp_frame(&mut garp, MAC, VIP4);
    let mut na = [0u8; NA_FRAME_LEN];
    ndisc::emit_unsolicited_na_frame(&mut na, MAC, VIP6, false);
    vec![
        Case {
            frame: advert_frame(&v2, s4, g4),
            what: "v2 advert",
            vrrp_version: Some("2"),
        },
        Case {
            frame: advert_frame(&v2_pass, s4, g4),
            what: "v2 advert, simple password",
            vrrp_version: Some("2"),
        },
        Case {
            frame: advert_frame(&v3, s4, g4),
            what: "v3 IPv4 advert",
            vrrp_version: Some("3"),
        },
        Case {
            frame: advert_frame(&v3_stop, s4, g4),
            what: "v3 IPv4 priority-0 advert",
            vrrp_version: Some("3"),
        },
        Case {
            frame: advert_frame(&v3_ipv6, s6, g6),
            what: "v3 IPv6 advert",
            vrrp_version: Some("3"),
        },
        Case {
            frame: garp.to_vec(),
            what: "gratuitous ARP",
            vrrp_version: None,
        },
        Case {
            frame: na.to_vec(),
            what: "unsolicited NA",
            vrrp_version: None,
        },
    ]
}

fn tshark_available() -> bool {
    Command::new("tshark")
        .arg("--version")
        .output()
        .map(|out| out.status.success())
        .unwrap_or(false)
}

fn scratch_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("holdfast-wire-tshark-{}", std::process::id()));
    fs::create_dir_all(&dir).expect("create scratch dir");
    dir
}

fn tshark_fields(file: &Path, fields: &[&str]) -> Vec<Vec<String>> {
    let mut command = Command::new("tshark");
    command
        .arg("-r")
        .arg(file)
        .args(["-T", "fields", "-E", "separator=|"]);
    for field in fields {
        command.args(["-e", field]);
    }
    let out = command.output().expect("run tshark");
    assert!(
        out.status.success(),
        "tshark failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .expect("tshark prints UTF-8")
        .lines()
        .map(|line| line.split('|').map(str::to_owned).collect())
        .collect()
}

#[test]
fn tshark_decodes_holdfast_frames_with_good_checksums() {
    let cases = cases();
    let dir = scratch_dir();
    let file = dir.join("holdfast-wire.pcap");
    fs::write(
        &file,
        pcap(&cases.iter().map(|c| c.frame.clone()).collect::<Vec<_>>()),
    )
    .expect("write pcap");

    if !tshark_available() {
        let ci = std::env::var("CI").is_ok_and(|value| value == "true");
        assert!(
            !ci,
            "CI=true but tshark is not installed: cannot check {}",
            file.display()
        );
        eprintln!("SKIP: tshark not installed, holdfast's frames were not cross-checked");
        fs::remove_dir_all(&dir).expect("remove scratch dir");
        return;
    }

    let rows = tshark_fields(
        &file,
        &[
            "vrrp.version",
            "vrrp.checksum.status",
            "vrrp.virt_rtr_id",
            "arp.isgratuitous",
            "arp.opcode",
            "icmpv6.type",
            "icmpv6.checksum.status",
            "icmpv6.nd.na.flag.o",
            "ip.checksum.status",
        ],
    );
    assert_eq!(rows.len(), cases.len(), "one line per frame: {rows:?}");
    for (case, row) in cases.iter().zip(&rows) {
        let field = |index: usize| row.get(index).map(String::as_str).unwrap_or("");
        match case.vrrp_version {
            Some(version) => {
                assert_eq!(field(0), version, "{}: {row:?}", case.what);
                assert_eq!(field(1), "1", "{}: checksum not Good: {row:?}", case.what);
                assert_eq!(field(2), "51", "{}: {row:?}", case.what);
            }
            None if case.what == "gratuitous ARP" => {
                assert!(matches!(field(3), "1" | "True"), "{}: {row:?}", case.what);
                assert_eq!(field(4), "1", "{}: not a request: {row:?}", case.what);
            }
            None => {
                assert_eq!(field(5), "136", "{}: {row:?}", case.what);
                assert_eq!(field(6), "1", "{}: checksum not Good: {row:?}", case.what);
                assert!(matches!(field(7), "1" | "True"), "{}: {row:?}", case.what);
            }
        }
    }
    // IPv4 header checksums are only validated when asked for.
    let out = Command::new("tshark")
        .arg("-r")
        .arg(&file)
        .args([
            "-o",
            "ip.check_checksum:TRUE",
            "-Y",
            "ip.checksum.status != 1",
        ])
        .output()
        .expect("run tshark");
    assert!(out.status.success());
    assert!(
        out.stdout.is_empty(),
        "IPv4 header checksum not Good: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    fs::remove_dir_all(&dir).expect("remove scratch dir");
}
