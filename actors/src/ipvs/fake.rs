//! An in-memory IPVS kernel and a jumping virtual clock for the ipvs actor's tests. The kernel follows
//! the real one's rules (ESRCH for a missing service, EEXIST, ENOENT for a missing scheduler or
//! real server and for every request with a stale family id) and maps errnos with the port's own
//! [`IpvsError::from_errno`], so the actor is tested against the same errors Linux gives.

use crate::ports::clock::Clock;
use crate::ports::ipvs::{Call, Ipvs, IpvsError};
use holdfast_core::ipvs::codec::{DecodeError, Errno, Info, Version};
use holdfast_core::ipvs::{FamilyId, Op, ServiceKey, Table};
use holdfast_core::time::Instant;
use std::cell::{Cell, RefCell};
use std::collections::BTreeSet;
use std::rc::Rc;

/// The kernel's state and the faults to inject, shared between a test and the actor's port.
#[derive(Debug, Default)]
pub struct KernelState {
    /// The registered IPVS family id; `None` while `ip_vs` is not loaded.
    pub family: Option<u16>,
    /// The IPVS table.
    pub table: Table,
    /// Scheduler modules the kernel has.
    pub schedulers: BTreeSet<String>,
    /// The next this-many lookups answer ENOENT.
    pub fail_resolves: u32,
    /// The next this-many dumps return garbage.
    pub bad_dumps: u32,
    /// Ops on this service fail with this errno.
    pub fail_service: Option<(ServiceKey, Errno)>,
    /// The next this-many ops time out.
    pub op_timeouts: u32,
    /// The next op first reloads `ip_vs`: a new family id and an empty table.
    pub reload_before_next_op: bool,
    /// Every request, in order, as text.
    pub log: Vec<String>,
}

impl KernelState {
    /// Unloads and loads `ip_vs` again: the id moves on and the table is empty.
    pub fn reload(&mut self) {
        self.family = Some(self.family.map_or(36, |f| f + 1));
        self.table = Table::new();
    }

    fn check(&self, family: FamilyId, call: Call<'_>) -> Result<(), IpvsError> {
        if self.family == Some(family.get()) {
            Ok(())
        } else {
            Err(IpvsError::from_errno(Errno::ENOENT, call))
        }
    }

    fn apply(&mut self, op: &Op) -> Result<(), Errno> {
        if let Some((key, errno)) = &self.fail_service {
            if op.service() == key {
                return Err(*errno);
            }
        }
        let t = &mut self.table;
        match op {
            Op::AddService(s) => {
                if t.contains(&s.key) {
                    return Err(Errno::EEXIST);
                }
                if !self.schedulers.contains(s.scheduler.as_str()) {
                    return Err(Errno::ENOENT);
                }
                t.insert(s.clone());
            }
            Op::EditService(s) => {
                if !self.schedulers.contains(s.scheduler.as_str()) {
                    return Err(Errno::ENOENT);
                }
                t.get_mut(&s.key).ok_or(Errno::ESRCH)?.service = s.clone();
            }
            Op::DelService(k) => {
                t.remove(k).ok_or(Errno::ESRCH)?;
            }
            Op::AddDest(k, d) => {
                let vs = t.get_mut(k).ok_or(Errno::ESRCH)?;
                if vs.dest(&d.key).is_some() {
                    return Err(Errno::EEXIST);
                }
                vs.insert_dest(*d);
            }
            Op::EditDest(k, d) => {
                let vs = t.get_mut(k).ok_or(Errno::ESRCH)?;
                vs.dest(&d.key).ok_or(Errno::ENOENT)?;
                vs.insert_dest(*d);
            }
            Op::DelDest(k, d) => {
                let vs = t.get_mut(k).ok_or(Errno::ESRCH)?;
                vs.remove_dest(d).ok_or(Errno::ENOENT)?;
            }
        }
        Ok(())
    }
}

/// The port over a shared [`KernelState`].
#[derive(Debug, Clone, Default)]
pub struct FakeKernel(pub Rc<RefCell<KernelState>>);

impl FakeKernel {
    /// A kernel with `ip_vs` loaded under id 36 and the given schedulers.
    pub fn loaded(schedulers: &[&str]) -> FakeKernel {
        let k = FakeKernel::default();
        {
            let mut s = k.0.borrow_mut();
            s.family = Some(36);
            s.schedulers = schedulers.iter().map(|s| s.to_string()).collect();
        }
        k
    }

    /// The shared state.
    pub fn state(&self) -> std::cell::RefMut<'_, KernelState> {
        self.0.borrow_mut()
    }
}

impl Ipvs for FakeKernel {
    async fn resolve_family(&mut self) -> Result<FamilyId, IpvsError> {
        let mut s = self.state();
        s.log.push("resolve".into());
        if s.fail_resolves > 0 {
            s.fail_resolves -= 1;
            return Err(IpvsError::FamilyNotRegistered);
        }
        s.family
            .and_then(FamilyId::new)
            .ok_or(IpvsError::FamilyNotRegistered)
    }

    async fn info(&mut self, family: FamilyId) -> Result<Info, IpvsError> {
        let mut s = self.state();
        s.log.push(format!("info {family}"));
        s.check(family, Call::Info)?;
        Ok(Info {
            version: Version(0x010201),
            conn_tab_size: 4096,
        })
    }

    async fn dump(&mut self, family: FamilyId) -> Result<Table, IpvsError> {
        let mut s = self.state();
        s.log.push(format!("dump {family}"));
        s.check(family, Call::Dump)?;
        if s.bad_dumps > 0 {
            s.bad_dumps -= 1;
            return Err(IpvsError::BadReply(DecodeError::Truncated));
        }
        Ok(s.table.clone())
    }

    async fn apply(&mut self, family: FamilyId, op: &Op) -> Result<(), IpvsError> {
        let mut s = self.state();
        s.log.push(format!("{op}"));
        if s.reload_before_next_op {
            s.reload_before_next_op = false;
            s.reload();
        }
        if s.op_timeouts > 0 {
            s.op_timeouts -= 1;
            return Err(IpvsError::Timeout);
        }
        s.check(family, Call::Apply(op))?;
        s.apply(op)
            .map_err(|e| IpvsError::from_errno(e, Call::Apply(op)))
    }

    async fn flush(&mut self, family: FamilyId) -> Result<(), IpvsError> {
        let mut s = self.state();
        s.log.push("flush".into());
        s.check(family, Call::Flush)?;
        s.table = Table::new();
        Ok(())
    }
}

/// Virtual time that jumps: `now` moves when a test sets it or when the actor sleeps. Sleeping
/// jumps to the deadline and yields once, as a real timer would, so the other futures of a test
/// get to run. (The shared [`crate::ports::clock::FakeClock`] waits for the test instead; this one
/// lets the actor's own loop run to completion in one `block_on`.)
#[derive(Debug, Clone, Default)]
pub struct JumpClock(pub Rc<Cell<Instant>>);

impl JumpClock {
    /// Moves time to `at` (never backwards).
    pub fn set(&self, at: Instant) {
        self.0.set(self.0.get().max(at));
    }
}

impl Clock for JumpClock {
    fn now(&self) -> Instant {
        self.0.get()
    }

    fn sleep_until(&self, deadline: Instant) -> impl std::future::Future<Output = ()> {
        let clock = self.clone();
        async move {
            clock.set(deadline);
            futures_lite::future::yield_now().await;
        }
    }
}
