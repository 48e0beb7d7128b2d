//! Serial-console diagnostics: a line-oriented console on a configured device (`--console
//! /dev/ttyS1`) where an engineer sees in one screen why a virtual server is down.
//!
//! ```text
//!  daemon / actors ──publish(Snapshot)──▶ ConsoleHandle ◀──snapshot(), copy_events()── Session
//!                  ──event(..)─────────▶   ring (128, overwrite oldest)                  ▲ │
//!                                          live queue (LIVE_QUEUE, try_send; full: drop  │ ▼
//!                                          and count) ───────────────────────────▶ console thread
//!                                                                                  (TtyDevice)
//! ```
//!
//! Contract: nothing the daemon calls on [`ConsoleHandle`] waits for the device. Only the
//! console thread ([`spawn_console`]) reads and writes it. Commands: `help`, `status`, `vrrp`,
//! `ipvs`, `modules`, `checks`, `log [N]`, `reload`, `events on|off`; lines are at most
//! [`LINE_MAX`] bytes; anything else gets one `error: ...` line and the prompt.

mod command;
mod echo;
mod handle;
mod line;
pub mod render;
mod session;
mod tty;

pub use command::{parse as parse_command, Command, CommandError, LOG_DEFAULT};
pub use echo::{Echo, OutputLines, Recording, REMEMBERED};
pub use handle::{ConsoleHandle, LIVE_QUEUE};
pub use line::{LineBuffer, LineEvent, LINE_MAX};
pub use session::{ReloadHook, Session, PROMPT};
pub use tty::{
    serve, spawn_console, ConsoleDevice, ConsoleThread, TtyDevice, TtySettings, HANGUP_BACKOFF,
    POLL_INTERVAL,
};
