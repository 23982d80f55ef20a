//! One container's notify fd, served until its last task is gone: every call is counted and
//! answered, let through when recording, as the profile asks when one is enforced.

use crate::catalog::{self, Arch};
use crate::policy::evaluator::Evaluator;
use crate::profile::Action;
use crate::sandbox::notify::{Listener, Notification, Response};
use crate::sandbox::observe::call_arch;
use rustc_hash::FxHashMap;
use rustix::event::{PollFd, PollFlags, Timespec, poll};
use rustix::io::Errno;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// Distinct (arch, nr) pairs kept per container: more than every arch's table together, so
/// only a container calling made-up numbers reaches it; the rest is counted as `overflow`.
const MAX_KEYS: usize = 8192;

/// How often a container's thread looks at the stop flag while its container is quiet.
const POLL_EVERY: Duration = Duration::from_millis(200);

/// Why serving a container ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum End {
    /// Every task of the container is gone (the fd hung up).
    Gone,
    /// The agent was told to stop.
    Stopped,
    /// The notify fd failed: why.
    Failed(String),
}

/// What one container did.
#[derive(Debug, Clone)]
pub struct Record {
    /// Calls per (`seccomp_data.arch`, nr).
    pub counts: FxHashMap<(u32, u32), u64>,
    pub total: u64,
    /// Calls not kept in `counts` (past `MAX_KEYS`).
    pub overflow: u64,
    /// With a profile: calls it did not let through, per (syscall, action).
    pub denials: BTreeMap<(String, String), u64>,
    pub duration: Duration,
    pub end: End,
}

impl Record {
    /// The syscall names seen and their arches; numbers without a name are left out.
    pub fn names(&self) -> (BTreeSet<String>, Vec<Arch>) {
        let mut names = BTreeSet::new();
        let mut arches = Vec::new();
        for &(audit, nr) in self.counts.keys() {
            let Some(arch) = call_arch(audit, nr) else { continue };
            let Some(name) = catalog::name_of(arch, nr) else { continue };
            names.insert(name.to_string());
            if !arches.contains(&arch) {
                arches.push(arch);
            }
        }
        (names, arches)
    }
}

/// Serves `listener` (a container's notify fd) until the container is gone or `stop` is set.
pub fn serve(listener: Listener, policy: Option<&Evaluator>, stop: &AtomicBool) -> Record {
    let started = Instant::now();
    let mut record = Record {
        counts: FxHashMap::default(),
        total: 0,
        overflow: 0,
        denials: BTreeMap::new(),
        duration: Duration::ZERO,
        end: End::Gone,
    };
    listener.set_sync_wakeup();
    let end = loop {
        if stop.load(Ordering::Acquire) {
            break End::Stopped;
        }
        match wait(&listener) {
            Ok(Ready::Call) => {}
            Ok(Ready::Quiet) => continue,
            Ok(Ready::Gone) => break End::Gone,
            Err(e) => break End::Failed(e.to_string()),
        }
        match listener.receive() {
            Ok(n) => answer(&listener, &n, policy, &mut record),
            // The caller died before we took it, or a signal: look again.
            Err(e) if matches!(e.raw_os_error(), Some(libc::ENOENT | libc::EINTR)) => {}
            Err(e) => break End::Failed(crate::fsutil::reason(&e)),
        }
    };
    finish(record, started, end)
}

fn finish(mut record: Record, started: Instant, end: End) -> Record {
    record.duration = started.elapsed();
    record.end = end;
    record
}

enum Ready {
    Call,
    Quiet,
    Gone,
}

/// A pending notification, nothing for a while, or no task left that could notify.
fn wait(fd: &Listener) -> Result<Ready, Errno> {
    let mut fds = [PollFd::new(fd, PollFlags::IN)];
    let ts = Timespec { tv_sec: 0, tv_nsec: POLL_EVERY.as_nanos() as i64 };
    match poll(&mut fds, Some(&ts)) {
        Ok(0) | Err(Errno::INTR) => return Ok(Ready::Quiet),
        Ok(_) => {}
        Err(e) => return Err(e),
    }
    let revents = fds[0].revents();
    if revents.contains(PollFlags::IN) {
        Ok(Ready::Call)
    } else if revents.intersects(PollFlags::HUP | PollFlags::ERR) {
        Ok(Ready::Gone)
    } else {
        Ok(Ready::Quiet)
    }
}

/// Counts the call and answers it: let through when recording, else as the profile decides.
fn answer(listener: &Listener, n: &Notification, policy: Option<&Evaluator>, record: &mut Record) {
    record.total += 1;
    let key = (n.arch, n.nr);
    if let Some(c) = record.counts.get_mut(&key) {
        *c += 1;
    } else if record.counts.len() < MAX_KEYS {
        record.counts.insert(key, 1);
    } else {
        record.overflow += 1;
    }
    let action = match (policy, call_arch(n.arch, n.nr)) {
        (None, _) => Action::Allow,
        (Some(ev), Some(arch)) => ev.decide(arch, n.nr, &n.args).action,
        // An ABI the catalog does not know: the kernel's filter would not match it either.
        (Some(_), None) => Action::KillProcess,
    };
    if !action.lets_through() {
        let name = call_arch(n.arch, n.nr)
            .and_then(|a| catalog::name_of(a, n.nr))
            .map_or_else(|| format!("#{}", n.nr), str::to_string);
        if record.denials.len() < MAX_KEYS || record.denials.contains_key(&(name.clone(), action.to_string())) {
            *record.denials.entry((name, action.to_string())).or_insert(0) += 1;
        }
    }
    let response = match action {
        Action::Allow | Action::Log | Action::Trace(_) => Response::Continue,
        Action::Errno(e) => Response::Errno(e),
        // The profile's own NOTIFY has no other agent behind this one: the kernel's answer
        // when no listener is attached.
        Action::Notify => Response::Errno(libc::ENOSYS as u32),
        Action::Trap | Action::KillThread | Action::KillProcess => {
            if kill(n.pid) {
                return;
            }
            // Not visible from our pid namespace: the call fails instead.
            Response::Errno(libc::EPERM as u32)
        }
    };
    let _ = listener.respond(n.id, response);
}

/// SIGKILL to the caller's process; false when its pid is not visible to us (0).
fn kill(pid: u32) -> bool {
    let Some(pid) = rustix::process::Pid::from_raw(pid as i32) else { return false };
    rustix::process::kill_process(pid, rustix::process::Signal::KILL).is_ok()
}
