//! Fuzz target ipvs_codec: any datagram fed to the IPVS reply path (framing, exchange state
//! machine, attribute decoders) gives values or typed errors, never a panic; and every service or
//! real server that decodes re-encodes to a request that decodes to the same value.
#![no_main]
use holdfast_core::ipvs::codec::{
    decode_dest, decode_family_id, decode_info, decode_service, messages, Event, Exchange,
    Request,
};
use holdfast_core::ipvs::{AddrFamily, FamilyId};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // Answer whatever sequence number and family the first message carries, so the fuzzer does
    // not have to guess them before reaching the decoders.
    let first = messages(data).next().and_then(Result::ok);
    let seq = first.map_or(1, |m| m.seq);
    let Some(family) = first.and_then(|m| FamilyId::new(m.kind)).or(FamilyId::new(36)) else {
        return;
    };
    let dump = Request::DumpServices;
    let dests = Request::DumpDests(&holdfast_core::ipvs::ServiceKey::Fwmark {
        family: AddrFamily::Ipv4,
        mark: core::num::NonZeroU32::MIN,
    });
    let mut exchanges = [
        Exchange::get_family(seq),
        Exchange::new(&dump, family, seq),
        Exchange::new(&dests, family, seq),
        Exchange::new(&Request::GetInfo, family, seq),
    ];
    for ex in &mut exchanges {
        for m in messages(data) {
            let Ok(m) = m else { break };
            let Ok(Event::Data(attrs)) = ex.feed(&m) else { continue };
            let _ = decode_family_id(attrs);
            let _ = decode_info(attrs);
            if let Ok(s) = decode_service(attrs) {
                let mut out = Vec::new();
                Request::NewService(&s).encode(family, 2, &mut out);
                assert_eq!(out.get(20..).map(decode_service), Some(Ok(s.clone())));
                for af in [AddrFamily::Ipv4, AddrFamily::Ipv6] {
                    if let Ok(d) = decode_dest(attrs, af) {
                        Request::NewDest(&s.key, &d).encode(family, 3, &mut out);
                        let dest_nest = out.get(20..).and_then(|b| {
                            let service_len = usize::from(u16::from_ne_bytes([*b.first()?, *b.get(1)?]));
                            b.get((service_len + 3) & !3..)
                        });
                        assert_eq!(dest_nest.map(|b| decode_dest(b, af)), Some(Ok(d)));
                    }
                }
            }
        }
    }
});
