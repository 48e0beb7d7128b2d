//! One request's replies, as a state machine the socket loop feeds message by message: it drops
//! late replies to earlier requests (by sequence number), checks the message type and command,
//! hands out data messages, and says when the answer is complete (ACK or `NLMSG_DONE`) or failed.

use super::error::DecodeError;
use super::netlink::{Kind, Message};
use super::request::Request;
use super::uapi::{CTRL_CMD_NEWFAMILY, GENL_ID_CTRL};
use super::Errno;
use crate::ipvs::FamilyId;
use core::fmt;

/// Why a request failed, as seen from its replies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum ReplyError {
    /// The kernel refused the request with this errno.
    Kernel(Errno),
    /// The reply broke the protocol.
    Decode(DecodeError),
}

impl From<DecodeError> for ReplyError {
    fn from(e: DecodeError) -> ReplyError {
        ReplyError::Decode(e)
    }
}

impl fmt::Display for ReplyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReplyError::Kernel(e) => write!(f, "kernel: {e}"),
            ReplyError::Decode(e) => write!(f, "bad reply: {e}"),
        }
    }
}

/// What one fed message meant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event<'a> {
    /// A data message of the expected command; its attributes.
    Data(&'a [u8]),
    /// The answer is complete.
    Finished,
    /// Not part of this answer (another sequence number, a NOOP, or after the end).
    Ignored,
}

/// The state of one request's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exchange {
    family: u16,
    seq: u32,
    dump: bool,
    /// The command data messages must carry; 0 when no data is expected.
    reply_cmd: u8,
    finished: bool,
}

impl Exchange {
    /// Expects the answer to `request`, sent to `family` with sequence number `seq`.
    pub fn new(request: &Request<'_>, family: FamilyId, seq: u32) -> Exchange {
        Exchange {
            family: family.get(),
            seq,
            dump: request.is_dump(),
            reply_cmd: request.reply_command().unwrap_or(0),
            finished: false,
        }
    }

    /// Expects the answer to [`encode_get_family`](super::encode_get_family) sent with `seq`.
    pub fn get_family(seq: u32) -> Exchange {
        Exchange {
            family: GENL_ID_CTRL,
            seq,
            dump: false,
            reply_cmd: CTRL_CMD_NEWFAMILY,
            finished: false,
        }
    }

    /// Whether the answer is complete (successfully or not); later messages are ignored.
    pub fn is_finished(&self) -> bool {
        self.finished
    }

    /// Takes one received message.
    pub fn feed<'a>(&mut self, msg: &Message<'a>) -> Result<Event<'a>, ReplyError> {
        if self.finished || msg.seq != self.seq {
            return Ok(Event::Ignored);
        }
        let kind = msg.kind().inspect_err(|_| self.finished = true)?;
        match kind {
            Kind::Noop => Ok(Event::Ignored),
            Kind::Overrun => {
                self.finished = true;
                Err(DecodeError::Overrun.into())
            }
            // On a dump the kernel sends no ACK; an ACK there is harmless and ends it too.
            Kind::Ack => {
                self.finished = true;
                Ok(Event::Finished)
            }
            Kind::Error(e) | Kind::Done(Some(e)) => {
                self.finished = true;
                Err(ReplyError::Kernel(e))
            }
            Kind::Done(None) if self.dump => {
                self.finished = true;
                Ok(Event::Finished)
            }
            Kind::Done(None) => {
                self.finished = true;
                Err(DecodeError::UnexpectedMessageType(msg.kind).into())
            }
            Kind::Data { cmd, attrs, .. } => {
                if msg.kind != self.family {
                    self.finished = true;
                    return Err(DecodeError::UnexpectedMessageType(msg.kind).into());
                }
                if cmd != self.reply_cmd || self.reply_cmd == 0 {
                    self.finished = true;
                    return Err(DecodeError::UnexpectedCommand {
                        expected: self.reply_cmd,
                        got: cmd,
                    }
                    .into());
                }
                Ok(Event::Data(attrs))
            }
        }
    }
}
