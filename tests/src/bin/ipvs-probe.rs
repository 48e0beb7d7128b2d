//! `ipvs-probe`: the system tests' independent oracle for "is the IPVS generic-netlink family
//! reachable right now". It sends one raw CTRL_CMD_GETFAMILY for "IPVS" (hand-built bytes, sharing
//! no code with holdfast's IPVS port) and prints `IPVS family id N` (exit 0) or
//! `IPVS family: errno N (NAME)` (exit 1). Unlike ipvsadm it never loads a module itself.

use netlink_sys::{protocols::NETLINK_GENERIC, Socket, SocketAddr};
use std::process::ExitCode;

const GENL_ID_CTRL: u16 = 0x10;
const CTRL_CMD_GETFAMILY: u8 = 3;
const CTRL_ATTR_FAMILY_ID: u16 = 1;
const CTRL_ATTR_FAMILY_NAME: u16 = 2;
const NLMSG_ERROR: u16 = 2;
const NLM_F_REQUEST: u16 = 1;

fn request() -> Vec<u8> {
    let name = b"IPVS\0";
    let attr_len = 4 + name.len();
    let attr_padded = (attr_len + 3) & !3;
    let total = 16 + 4 + attr_padded;
    let mut m = Vec::with_capacity(total);
    m.extend_from_slice(&(total as u32).to_ne_bytes());
    m.extend_from_slice(&GENL_ID_CTRL.to_ne_bytes());
    m.extend_from_slice(&NLM_F_REQUEST.to_ne_bytes());
    m.extend_from_slice(&1u32.to_ne_bytes()); // sequence
    m.extend_from_slice(&0u32.to_ne_bytes()); // port id: the kernel fills it in
    m.extend_from_slice(&[CTRL_CMD_GETFAMILY, 1, 0, 0]);
    m.extend_from_slice(&(attr_len as u16).to_ne_bytes());
    m.extend_from_slice(&CTRL_ATTR_FAMILY_NAME.to_ne_bytes());
    m.extend_from_slice(name);
    m.resize(total, 0);
    m
}

fn u16_at(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_ne_bytes(b.get(at..at + 2)?.try_into().ok()?))
}

/// Reads the reply: the family id, or the kernel's negative errno.
fn parse_reply(b: &[u8]) -> Result<u16, i32> {
    let kind = u16_at(b, 4).ok_or(-libc_eproto())?;
    if kind == NLMSG_ERROR {
        let err = i32::from_ne_bytes(
            b.get(16..20)
                .and_then(|s| s.try_into().ok())
                .ok_or(-libc_eproto())?,
        );
        return Err(err);
    }
    let mut at = 20;
    while let (Some(len), Some(ty)) = (u16_at(b, at), u16_at(b, at + 2)) {
        if len < 4 {
            break;
        }
        if ty & 0x3fff == CTRL_ATTR_FAMILY_ID {
            return u16_at(b, at + 4).ok_or(-libc_eproto());
        }
        at += (usize::from(len) + 3) & !3;
    }
    Err(-libc_eproto())
}

const fn libc_eproto() -> i32 {
    71
}

fn errno_name(errno: i32) -> &'static str {
    match errno {
        2 => "ENOENT: family not registered (ip_vs not loaded and not autoloaded)",
        1 => "EPERM",
        13 => "EACCES",
        71 => "EPROTO: malformed reply",
        _ => "unexpected",
    }
}

fn main() -> ExitCode {
    let outcome = (|| -> std::io::Result<Result<u16, i32>> {
        let mut socket = Socket::new(NETLINK_GENERIC)?;
        socket.bind_auto()?;
        socket.connect(&SocketAddr::new(0, 0))?;
        socket.send(&request(), 0)?;
        let mut buf = vec![0u8; 8192];
        let n = socket.recv(&mut &mut buf[..], 0)?;
        Ok(parse_reply(buf.get(..n).unwrap_or(&[])))
    })();
    match outcome {
        Ok(Ok(id)) => {
            println!("IPVS family id {id}");
            ExitCode::SUCCESS
        }
        Ok(Err(neg)) => {
            println!("IPVS family: errno {} ({})", -neg, errno_name(-neg));
            ExitCode::FAILURE
        }
        Err(e) => {
            println!("IPVS family: socket error: {e}");
            ExitCode::from(2)
        }
    }
}
