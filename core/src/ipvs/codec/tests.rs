//! Codec tests with literal bytes, laid out as the kernel sends and expects them (host byte order
//! is little-endian on every target the vectors are written for; on a big-endian host the tests
//! do not build rather than pass vacuously).
#![cfg(target_endian = "little")]

use super::*;
use crate::ipvs::{
    AddrFamily, DestKey, Destination, FamilyId, FwdMethod, Name, Netmask, Op, Protocol, Service,
    ServiceFlags, ServiceKey,
};
use alloc::vec;
use alloc::vec::Vec;
use core::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use core::num::NonZeroU32;

fn family() -> FamilyId {
    FamilyId::new(36).expect("36 is a valid family id")
}

fn vip() -> ServiceKey {
    ServiceKey::Addr {
        protocol: Protocol::Tcp,
        addr: IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1)),
        port: 80,
    }
}

fn rr_service() -> Service {
    Service::new(vip(), Name::new("rr").expect("valid"))
}

fn real_server() -> Destination {
    Destination::new(
        IpAddr::V4(Ipv4Addr::new(198, 51, 100, 10)),
        8080,
        FwdMethod::Masq,
        1,
    )
}

fn encode(req: Request<'_>, seq: u32) -> Vec<u8> {
    // Start dirty, so bytes the encoder forgets to write show up.
    let mut out = vec![0xa5; 7];
    req.encode(family(), seq, &mut out);
    out
}

/// Feeds every message of `datagram` to `ex`, collecting data payloads, stopping at the first
/// error.
fn run<'a>(ex: &mut Exchange, datagram: &'a [u8]) -> Result<Vec<&'a [u8]>, ReplyError> {
    let mut data = Vec::new();
    for m in messages(datagram) {
        match ex.feed(&m?)? {
            Event::Data(a) => data.push(a),
            Event::Finished | Event::Ignored => {}
        }
    }
    Ok(data)
}

// ---- requests ----

#[test]
fn get_family_request() {
    let mut out = Vec::new();
    encode_get_family(1, IPVS_FAMILY_NAME, &mut out);
    #[rustfmt::skip]
    let expect = [
        32, 0, 0, 0,   0x10, 0,   5, 0,   1, 0, 0, 0,   0, 0, 0, 0, // len, GENL_ID_CTRL, REQUEST|ACK, seq 1, pid
        3, 2, 0, 0,                                                  // CTRL_CMD_GETFAMILY, version 2
        9, 0, 2, 0,   b'I', b'P', b'V', b'S', 0, 0, 0, 0,            // FAMILY_NAME "IPVS\0", padded
    ];
    assert_eq!(out, expect);
}

#[rustfmt::skip]
const SERVICE_ID_TCP_192_0_2_1_80: [u8; 44] = [
    6, 0, 1, 0,   2, 0, 0, 0,                           // AF = AF_INET
    6, 0, 2, 0,   6, 0, 0, 0,                           // PROTOCOL = TCP
    20, 0, 3, 0,  192, 0, 2, 1,  0, 0, 0, 0,  0, 0, 0, 0,  0, 0, 0, 0, // ADDR, 16 bytes
    6, 0, 4, 0,   0, 80, 0, 0,                          // PORT 80, big-endian
];

#[test]
fn new_service_request() {
    let out = encode(Request::NewService(&rr_service()), 7);
    let mut expect: Vec<u8> = vec![
        104, 0, 0, 0, 36, 0, 5, 0, 7, 0, 0, 0, 0, 0, 0, 0, // family 36, REQUEST|ACK, seq 7
        1, 1, 0, 0, // NEW_SERVICE, version 1
        84, 0, 1, 0, // IPVS_CMD_ATTR_SERVICE
    ];
    expect.extend_from_slice(&SERVICE_ID_TCP_192_0_2_1_80);
    #[rustfmt::skip]
    expect.extend_from_slice(&[
        7, 0, 6, 0,   b'r', b'r', 0, 0,                     // SCHED_NAME "rr\0"
        12, 0, 7, 0,  0, 0, 0, 0,  0xff, 0xff, 0xff, 0xff,  // FLAGS {flags 0, mask ~0}
        8, 0, 8, 0,   0, 0, 0, 0,                           // TIMEOUT 0
        8, 0, 9, 0,   255, 255, 255, 255,                   // NETMASK 255.255.255.255
    ]);
    assert_eq!(out, expect);
}

#[test]
fn persistent_ipv6_service_request_carries_flags_timeout_and_prefix() {
    let key = ServiceKey::Addr {
        protocol: Protocol::Udp,
        addr: IpAddr::V6(Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 1)),
        port: 53,
    };
    let mut s = Service::new(key, Name::new("wrr").expect("valid"));
    s.flags = ServiceFlags::PERSISTENT;
    s.timeout = 300;
    s.netmask = Netmask::for_prefix(AddrFamily::Ipv6, 64).expect("valid prefix");
    let out = encode(Request::SetService(&s), 9);
    #[rustfmt::skip]
    let expect_tail = [
        2, 1, 0, 0,                                         // SET_SERVICE
        84, 0, 1, 0,
        6, 0, 1, 0,   10, 0, 0, 0,                          // AF_INET6
        6, 0, 2, 0,   17, 0, 0, 0,                          // UDP
        20, 0, 3, 0,  0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1,
        6, 0, 4, 0,   0, 53, 0, 0,
        8, 0, 6, 0,   b'w', b'r', b'r', 0,
        12, 0, 7, 0,  1, 0, 0, 0,  0xff, 0xff, 0xff, 0xff,  // PERSISTENT
        8, 0, 8, 0,   0x2c, 1, 0, 0,                        // 300 s
        8, 0, 9, 0,   64, 0, 0, 0,                          // prefix length, host order
    ];
    assert_eq!(out.get(16..), Some(&expect_tail[..]));
    assert_eq!(out.first(), Some(&104));
}

#[test]
fn hashed_flag_is_never_sent() {
    let mut s = rr_service();
    // A deserialised value could carry the kernel's bit; the encoder strips it.
    s.flags = postcard::from_bytes(&[3]).expect("flags");
    let out = encode(Request::NewService(&s), 1);
    let flags_at = 24 + 44 + 8 + 4;
    assert_eq!(out.get(flags_at..flags_at + 4), Some(&[1, 0, 0, 0][..]));
}

#[test]
fn new_dest_request() {
    let out = encode(Request::NewDest(&vip(), &real_server()), 8);
    let mut expect: Vec<u8> = vec![
        140, 0, 0, 0, 36, 0, 5, 0, 8, 0, 0, 0, 0, 0, 0, 0, //
        5, 1, 0, 0, // NEW_DEST
        48, 0, 1, 0, // SERVICE (identity only)
    ];
    expect.extend_from_slice(&SERVICE_ID_TCP_192_0_2_1_80);
    #[rustfmt::skip]
    expect.extend_from_slice(&[
        72, 0, 2, 0,                                        // IPVS_CMD_ATTR_DEST
        20, 0, 1, 0,  198, 51, 100, 10,  0, 0, 0, 0,  0, 0, 0, 0,  0, 0, 0, 0,
        6, 0, 2, 0,   0x1f, 0x90, 0, 0,                     // PORT 8080, big-endian
        6, 0, 11, 0,  2, 0, 0, 0,                           // ADDR_FAMILY AF_INET
        8, 0, 3, 0,   0, 0, 0, 0,                           // FWD_METHOD masq
        8, 0, 4, 0,   1, 0, 0, 0,                           // WEIGHT 1
        8, 0, 5, 0,   0, 0, 0, 0,                           // U_THRESH
        8, 0, 6, 0,   0, 0, 0, 0,                           // L_THRESH
    ]);
    assert_eq!(out, expect);
}

#[test]
fn delete_and_dump_requests() {
    let out = encode(Request::DelService(&vip()), 2);
    assert_eq!(
        out.get(..20),
        Some(&[68, 0, 0, 0, 36, 0, 5, 0, 2, 0, 0, 0, 0, 0, 0, 0, 3, 1, 0, 0][..])
    );
    assert_eq!(out.get(24..), Some(&SERVICE_ID_TCP_192_0_2_1_80[..]));

    let out = encode(Request::DumpServices, 3);
    #[rustfmt::skip]
    let expect = [
        24, 0, 0, 0,  36, 0,  0x01, 0x03,  3, 0, 0, 0,  0, 0, 0, 0, // REQUEST|DUMP, no ACK
        4, 1, 0, 0,                                                  // GET_SERVICE
        4, 0, 1, 0,                                                  // empty SERVICE attr
    ];
    assert_eq!(out, expect);

    let out = encode(Request::DumpDests(&vip()), 4);
    assert_eq!(out.get(4..8), Some(&[36, 0, 0x01, 0x03][..]));
    assert_eq!(out.get(16..24), Some(&[8, 1, 0, 0, 48, 0, 1, 0][..]));

    let d = real_server().key;
    let out = encode(Request::DelDest(&vip(), &d), 5);
    assert_eq!(out.get(16..20), Some(&[7, 1, 0, 0][..]));
    // Identity only: ADDR, PORT, ADDR_FAMILY.
    assert_eq!(out.get(68..72), Some(&[40, 0, 2, 0][..]));
    assert_eq!(out.len(), 108);

    let out = encode(Request::Flush, 6);
    assert_eq!(
        out,
        [20, 0, 0, 0, 36, 0, 5, 0, 6, 0, 0, 0, 0, 0, 0, 0, 17, 1, 0, 0]
    );

    let out = encode(Request::GetInfo, 7);
    assert_eq!(
        out,
        [20, 0, 0, 0, 36, 0, 5, 0, 7, 0, 0, 0, 0, 0, 0, 0, 15, 1, 0, 0]
    );
}

#[test]
fn fwmark_service_request_has_no_address() {
    let key = ServiceKey::Fwmark {
        family: AddrFamily::Ipv4,
        mark: NonZeroU32::new(7).expect("non-zero"),
    };
    let out = encode(Request::DelService(&key), 1);
    #[rustfmt::skip]
    let expect_tail = [
        20, 0, 1, 0,
        6, 0, 1, 0,  2, 0, 0, 0,
        8, 0, 5, 0,  7, 0, 0, 0,
    ];
    assert_eq!(out.get(20..), Some(&expect_tail[..]));
}

#[test]
fn every_op_maps_to_its_command() {
    let ops = [
        (Op::AddService(rr_service()), 1),
        (Op::EditService(rr_service()), 2),
        (Op::DelService(vip()), 3),
        (Op::AddDest(vip(), real_server()), 5),
        (Op::EditDest(vip(), real_server()), 6),
        (Op::DelDest(vip(), real_server().key), 7),
    ];
    for (op, cmd) in &ops {
        let req = Request::for_op(op);
        assert_eq!(req.command(), *cmd, "{op}");
        assert!(!req.is_dump());
        assert_eq!(req.reply_command(), None);
    }
}

// ---- replies ----

/// A controller reply to GETFAMILY "IPVS", then the ACK, as one datagram.
#[rustfmt::skip]
const FAMILY_REPLY: [u8; 68] = [
    48, 0, 0, 0,  0x10, 0,  0, 0,  1, 0, 0, 0,  0xd2, 0x04, 0, 0,
    1, 2, 0, 0,                                     // CTRL_CMD_NEWFAMILY
    9, 0, 2, 0,   b'I', b'P', b'V', b'S', 0, 0, 0, 0, // FAMILY_NAME
    6, 0, 1, 0,   36, 0, 0, 0,                      // FAMILY_ID 36
    8, 0, 3, 0,   1, 0, 0, 0,                       // VERSION 1
    // NLMSG_ERROR 0 (ACK) with the request's header
    20, 0, 0, 0,  2, 0,  0, 1,  1, 0, 0, 0,  0xd2, 0x04, 0, 0,
    0, 0, 0, 0,
];

#[test]
fn family_reply_resolves_then_acks() {
    let mut ex = Exchange::get_family(1);
    let data = run(&mut ex, &FAMILY_REPLY[..48]).expect("reply");
    assert!(
        !ex.is_finished(),
        "data alone does not end a request with NLM_F_ACK"
    );
    assert_eq!(data.len(), 1);
    assert_eq!(
        data.first().map(|a| decode_family_id(a)),
        Some(Ok(family()))
    );
    let _ = run(&mut ex, &FAMILY_REPLY[48..]).expect("ack");
    assert!(ex.is_finished());
}

#[test]
fn family_not_registered_is_enoent() {
    #[rustfmt::skip]
    let reply = [
        36, 0, 0, 0,  2, 0,  0, 0,  1, 0, 0, 0,  0xd2, 0x04, 0, 0,
        0xfe, 0xff, 0xff, 0xff,                              // -2
        32, 0, 0, 0,  0x10, 0,  5, 0,  1, 0, 0, 0,  0, 0, 0, 0, // the request's header
    ];
    let mut ex = Exchange::get_family(1);
    assert_eq!(run(&mut ex, &reply), Err(ReplyError::Kernel(Errno::ENOENT)));
    assert!(ex.is_finished());
}

#[test]
fn family_id_zero_or_reserved_is_a_bad_reply() {
    assert_eq!(
        decode_family_id(&[6, 0, 1, 0, 0, 0, 0, 0]),
        Err(DecodeError::BadFamilyId(0))
    );
    assert_eq!(
        decode_family_id(&[6, 0, 1, 0, 0x10, 0, 0, 0]),
        Err(DecodeError::BadFamilyId(16))
    );
    assert_eq!(
        decode_family_id(&[8, 0, 1, 0, 36, 0, 0, 0]),
        Err(DecodeError::AttrSize {
            attr: Attr::CtrlFamilyId,
            len: 4
        })
    );
    assert_eq!(
        decode_family_id(&[]),
        Err(DecodeError::MissingAttr(Attr::CtrlFamilyId))
    );
}

#[test]
fn info_reply() {
    #[rustfmt::skip]
    let reply = [
        36, 0, 0, 0,  36, 0,  0, 0,  7, 0, 0, 0,  0, 0, 0, 0,
        14, 1, 0, 0,                                     // SET_INFO
        8, 0, 1, 0,   0x01, 0x02, 0x01, 0x00,            // VERSION 1.2.1
        8, 0, 2, 0,   0x00, 0x10, 0, 0,                  // CONN_TAB_SIZE 4096
    ];
    let mut ex = Exchange::new(&Request::GetInfo, family(), 7);
    let data = run(&mut ex, &reply).expect("reply");
    let info = data.first().map(|a| decode_info(a));
    assert_eq!(
        info,
        Some(Ok(Info {
            version: Version(0x010201),
            conn_tab_size: 4096
        }))
    );
    assert_eq!(alloc::format!("{}", Version(0x010201)), "1.2.1");
}

/// A GET_SERVICE dump part with one service and the dump's end, as one datagram.
#[rustfmt::skip]
const SERVICE_DUMP: [u8; 144] = [
    124, 0, 0, 0,  36, 0,  2, 0,  3, 0, 0, 0,  0xd2, 0x04, 0, 0, // NLM_F_MULTI
    1, 1, 0, 0,                                      // NEW_SERVICE
    104, 0, 1, 0,                                    // SERVICE
    6, 0, 1, 0,   2, 0, 0, 0,
    6, 0, 2, 0,   6, 0, 0, 0,
    20, 0, 3, 0,  192, 0, 2, 1,  0, 0, 0, 0,  0, 0, 0, 0,  0, 0, 0, 0,
    6, 0, 4, 0,   0, 80, 0, 0,
    8, 0, 6, 0,   b'w', b'r', b'r', 0,
    12, 0, 7, 0,  3, 0, 0, 0,  0xff, 0xff, 0xff, 0xff, // PERSISTENT | HASHED
    8, 0, 8, 0,   0x2c, 1, 0, 0,                     // 300 s
    8, 0, 9, 0,   255, 255, 255, 0,                  // /24
    20, 0, 10, 0,                                    // STATS (nested, skipped)
        8, 0, 1, 0,  5, 0, 0, 0,
        8, 0, 2, 0,  9, 0, 0, 0,
    // NLMSG_DONE
    20, 0, 0, 0,  3, 0,  2, 0,  3, 0, 0, 0,  0xd2, 0x04, 0, 0,
    0, 0, 0, 0,
];

#[test]
fn service_dump_reply() {
    let mut ex = Exchange::new(&Request::DumpServices, family(), 3);
    let data = run(&mut ex, &SERVICE_DUMP).expect("dump");
    assert!(ex.is_finished());
    let mut want = Service::new(vip(), Name::new("wrr").expect("valid"));
    want.flags = ServiceFlags::PERSISTENT;
    want.timeout = 300;
    want.netmask = Netmask::for_prefix(AddrFamily::Ipv4, 24).expect("valid");
    assert_eq!(
        data.iter().map(|a| decode_service(a)).collect::<Vec<_>>(),
        [Ok(want)]
    );
}

#[test]
fn ipv6_dest_dump_reply_with_16_byte_address() {
    #[rustfmt::skip]
    let reply = [
        108, 0, 0, 0,  36, 0,  2, 0,  4, 0, 0, 0,  0, 0, 0, 0,
        5, 1, 0, 0,                                  // NEW_DEST
        88, 0, 2, 0,                                 // DEST
        20, 0, 1, 0,  0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
        6, 0, 2, 0,   1, 187, 0, 0,                  // 443
        8, 0, 3, 0,   3, 0, 0, 0,                    // direct routing
        8, 0, 4, 0,   2, 0, 0, 0,                    // weight 2
        8, 0, 5, 0,   100, 0, 0, 0,
        8, 0, 6, 0,   10, 0, 0, 0,
        8, 0, 7, 0,   7, 0, 0, 0,                    // ACTIVE_CONNS (skipped)
        6, 0, 11, 0,  10, 0, 0, 0,                   // ADDR_FAMILY AF_INET6
        5, 0, 13, 0,  0, 0, 0, 0,                    // TUN_TYPE u8 (skipped)
        20, 0, 0, 0,  3, 0,  2, 0,  4, 0, 0, 0,  0, 0, 0, 0,  0, 0, 0, 0,
    ];
    let mut ex = Exchange::new(&Request::DumpDests(&vip()), family(), 4);
    let data = run(&mut ex, &reply).expect("dump");
    let mut want = Destination::new(
        IpAddr::V6(Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 0x10)),
        443,
        FwdMethod::Route,
        2,
    );
    want.u_thresh = 100;
    want.l_thresh = 10;
    let got: Vec<_> = data
        .iter()
        .map(|a| decode_dest(a, AddrFamily::Ipv6))
        .collect();
    assert_eq!(got, [Ok(want)]);
}

#[test]
fn dest_without_addr_family_uses_the_service_family() {
    #[rustfmt::skip]
    let attrs = [
        56, 0, 2, 0,
        20, 0, 1, 0,  198, 51, 100, 10,  0, 0, 0, 0,  0, 0, 0, 0,  0, 0, 0, 0,
        6, 0, 2, 0,   0x1f, 0x90, 0, 0,
        8, 0, 3, 0,   0, 0, 0, 0,
        8, 0, 4, 0,   1, 0, 0, 0,
        8, 0, 5, 0,   0, 0, 0, 0,
    ];
    // L_THRESH missing: a typed error, not a default.
    assert_eq!(
        decode_dest(&attrs, AddrFamily::Ipv4),
        Err(DecodeError::MissingAttr(Attr::DestLThresh))
    );
    let mut full = attrs.to_vec();
    full.extend_from_slice(&[8, 0, 6, 0, 0, 0, 0, 0]);
    full[0] = 64;
    assert_eq!(decode_dest(&full, AddrFamily::Ipv4), Ok(real_server()));
    // The same bytes read as an IPv6 service's real server: 16 bytes, an IPv6 address.
    assert!(matches!(
        decode_dest(&full, AddrFamily::Ipv6),
        Ok(Destination {
            key: DestKey {
                addr: IpAddr::V6(_),
                ..
            },
            ..
        })
    ));
}

#[test]
fn encoded_service_decodes_back() {
    // The kernel echoes a service in the same attribute layout it accepts.
    let mut s = rr_service();
    s.pe = Some(Name::new("sip").expect("valid"));
    let out = encode(Request::NewService(&s), 1);
    assert_eq!(out.get(20..).map(decode_service), Some(Ok(s)));
    let out = encode(Request::NewDest(&vip(), &real_server()), 1);
    let dest_attrs = out.get(20 + 48..).expect("dest nest");
    assert_eq!(decode_dest(dest_attrs, AddrFamily::Ipv4), Ok(real_server()));
}

// ---- bad replies: typed errors ----

#[test]
fn kernel_errors_end_the_exchange() {
    #[rustfmt::skip]
    let eexist = [
        36, 0, 0, 0,  2, 0,  0, 0,  5, 0, 0, 0,  0, 0, 0, 0,
        0xef, 0xff, 0xff, 0xff,                                     // -17
        104, 0, 0, 0,  36, 0,  5, 0,  5, 0, 0, 0,  0, 0, 0, 0,
    ];
    let s = rr_service();
    let mut ex = Exchange::new(&Request::NewService(&s), family(), 5);
    assert_eq!(
        run(&mut ex, &eexist),
        Err(ReplyError::Kernel(Errno::EEXIST))
    );

    // A dump that fails part-way reports the errno in NLMSG_DONE.
    let done_err = [
        20, 0, 0, 0, 3, 0, 2, 0, 3, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff,
    ];
    let mut ex = Exchange::new(&Request::DumpServices, family(), 3);
    assert_eq!(
        run(&mut ex, &done_err),
        Err(ReplyError::Kernel(Errno::EPERM))
    );
}

#[test]
fn late_replies_to_other_requests_are_ignored() {
    let mut ex = Exchange::new(&Request::DumpServices, family(), 4);
    // SERVICE_DUMP answers sequence 3.
    assert_eq!(run(&mut ex, &SERVICE_DUMP), Ok(vec![]));
    assert!(!ex.is_finished());
}

#[test]
fn protocol_violations_are_typed() {
    let mut ex = Exchange::new(&Request::DumpDests(&vip()), family(), 3);
    // A NEW_SERVICE message in answer to GET_DEST.
    assert_eq!(
        run(&mut ex, &SERVICE_DUMP),
        Err(ReplyError::Decode(DecodeError::UnexpectedCommand {
            expected: 5,
            got: 1
        }))
    );

    let other = FamilyId::new(37).expect("valid");
    let mut ex = Exchange::new(&Request::DumpServices, other, 3);
    assert_eq!(
        run(&mut ex, &SERVICE_DUMP),
        Err(ReplyError::Decode(DecodeError::UnexpectedMessageType(36)))
    );

    let overrun = [16, 0, 0, 0, 4, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0];
    let mut ex = Exchange::get_family(1);
    assert_eq!(
        run(&mut ex, &overrun),
        Err(ReplyError::Decode(DecodeError::Overrun))
    );

    let positive = [20, 0, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 5, 0, 0, 0];
    let mut ex = Exchange::get_family(1);
    assert_eq!(
        run(&mut ex, &positive),
        Err(ReplyError::Decode(DecodeError::BadErrorCode(5)))
    );

    // A DONE in answer to a request that is not a dump.
    let done = [20, 0, 0, 0, 3, 0, 2, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
    let mut ex = Exchange::get_family(1);
    assert_eq!(
        run(&mut ex, &done),
        Err(ReplyError::Decode(DecodeError::UnexpectedMessageType(3)))
    );
}

#[test]
fn framing_errors_are_typed() {
    let short_len = [8, 0, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0];
    assert_eq!(
        messages(&short_len).next(),
        Some(Err(DecodeError::BadMessageLength(8)))
    );
    let past_end = [200, 0, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0];
    assert_eq!(
        messages(&past_end).next(),
        Some(Err(DecodeError::Truncated))
    );
    assert_eq!(
        messages(&past_end[..10]).next(),
        Some(Err(DecodeError::Truncated))
    );
    let ack_without_code = [16, 0, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0];
    let m = messages(&ack_without_code)
        .next()
        .and_then(Result::ok)
        .expect("framed");
    assert_eq!(m.kind(), Err(DecodeError::Truncated));
    let genl_without_header = [18, 0, 0, 0, 36, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 1];
    let m = messages(&genl_without_header)
        .next()
        .and_then(Result::ok)
        .expect("framed");
    assert_eq!(m.kind(), Err(DecodeError::Truncated));
    let reserved_type = [16, 0, 0, 0, 9, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0];
    let m = messages(&reserved_type)
        .next()
        .and_then(Result::ok)
        .expect("framed");
    assert_eq!(m.kind(), Err(DecodeError::UnexpectedMessageType(9)));
}

#[test]
fn attribute_errors_are_typed() {
    let service = |inner: &[u8]| {
        let mut a = vec![0, 0, 1, 0];
        a.extend_from_slice(inner);
        a[0] = a.len() as u8;
        a
    };
    assert_eq!(
        decode_service(&[]),
        Err(DecodeError::MissingAttr(Attr::CmdService))
    );
    assert_eq!(
        decode_service(&service(&[])),
        Err(DecodeError::MissingAttr(Attr::SvcAf))
    );
    assert_eq!(
        decode_service(&service(&[6, 0, 1, 0, 7, 0, 0, 0])),
        Err(DecodeError::UnknownAddressFamily(7))
    );
    assert_eq!(
        decode_service(&service(&[6, 0, 1, 0, 2, 0, 0, 0])),
        Err(DecodeError::MissingAttr(Attr::SvcProtocol))
    );
    assert_eq!(
        decode_service(&service(&[6, 0, 1, 0, 2, 0, 0, 0, 8, 0, 5, 0, 0, 0, 0, 0])),
        Err(DecodeError::ZeroFwmark)
    );
    assert_eq!(
        decode_service(&service(&[2, 0, 1, 0])),
        Err(DecodeError::BadAttrLength { kind: 1, len: 2 })
    );
    assert_eq!(
        decode_service(&service(&[12, 0, 1, 0, 2, 0, 0, 0])),
        Err(DecodeError::BadAttrLength { kind: 1, len: 12 })
    );

    // Replace single attributes of the good dump and check the error names them.
    let good = SERVICE_DUMP.get(20..124).expect("attrs").to_vec();
    let patch = |at: usize, bytes: &[u8]| {
        let mut b = good.clone();
        b[at..at + bytes.len()].copy_from_slice(bytes);
        decode_service(&b)
    };
    // SCHED_NAME "wrr\0" -> "w r\0": not a name.
    assert_eq!(
        patch(52, b"w r\0"),
        Err(DecodeError::BadName(Attr::SvcSchedName))
    );
    // FLAGS shortened to 4 bytes (the rest becomes an unknown type-0 attribute).
    assert_eq!(
        patch(56, &[8, 0, 7, 0, 3, 0, 0, 0, 4, 0, 0, 0]),
        Err(DecodeError::AttrSize {
            attr: Attr::SvcFlags,
            len: 4
        })
    );
    // ADDR of 8 bytes.
    assert_eq!(
        patch(20, &[12, 0, 3, 0, 192, 0, 2, 1, 0, 0, 0, 0, 8, 0, 0, 0]),
        Err(DecodeError::AttrSize {
            attr: Attr::SvcAddr,
            len: 8
        })
    );
}

/// Every prefix and every single-byte corruption of the sample replies decodes to a value or a
/// typed error, never a panic.
#[test]
fn truncated_and_corrupted_replies_never_panic() {
    fn exercise(datagram: &[u8]) {
        for ex in [
            &mut Exchange::get_family(1),
            &mut Exchange::new(&Request::DumpServices, family(), 3),
        ] {
            if let Ok(data) = run(ex, datagram) {
                for a in data {
                    let _ = decode_family_id(a);
                    let _ = decode_info(a);
                    let _ = decode_service(a);
                    let _ = decode_dest(a, AddrFamily::Ipv4);
                    let _ = decode_dest(a, AddrFamily::Ipv6);
                }
            }
        }
    }
    let mut outcomes = 0usize;
    for sample in [&FAMILY_REPLY[..], &SERVICE_DUMP[..]] {
        for n in 0..=sample.len() {
            exercise(&sample[..n]);
            outcomes += 1;
        }
        for at in 0..sample.len() {
            for v in [0u8, 1, 3, 0x7f, 0xff] {
                let mut b = sample.to_vec();
                b[at] = v;
                exercise(&b);
                outcomes += 1;
            }
        }
    }
    assert_eq!(outcomes, 69 + 145 + 5 * (68 + 144));
    // And the truncated dump is an error, not a silently shorter table.
    let mut ex = Exchange::new(&Request::DumpServices, family(), 3);
    assert_eq!(
        run(&mut ex, &SERVICE_DUMP[..100]),
        Err(ReplyError::Decode(DecodeError::Truncated))
    );
}
