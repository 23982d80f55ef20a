//! `run`: a command under a profile, with every denial observed and answered as the profile
//! says; `record`: a command with every syscall observed and let through.

use super::decode::describe;
use super::notify::{Listener, Notification, Response};
use super::session::{Ended, Exit, SessionSpec, run_session};
use super::spawn::{SpawnError, Spawned, Stdio};
use super::supervisor::Verdict;
use super::trace::{self, KernelAction, Seen, Watch};
use crate::bpf::{self, Insn};
use crate::catalog::{self, Arch, X32_SYSCALL_BIT};
use crate::policy::evaluator::Evaluator;
use crate::profile::Action;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How many calls per syscall keep their decoded arguments.
pub const SAMPLES: usize = 3;

/// One denied (or logged) syscall, summed over the run.
#[derive(Debug, Clone, PartialEq)]
pub struct Denial {
    pub name: String,
    pub arch: Arch,
    pub nr: u32,
    pub action: Action,
    pub count: u64,
    /// Decoded arguments of the first few calls.
    pub samples: Vec<String>,
    /// The raw arguments of the first call (to allow exactly these values).
    pub first_args: [u64; 6],
}

#[derive(Debug, Clone)]
pub struct RunReport {
    pub exit: Exit,
    pub duration: Duration,
    pub timed_out: bool,
    /// Syscalls the profile denied or logged, in the order first seen.
    pub denials: Vec<Denial>,
    /// Set when the command was ended for a KILL action: the syscall.
    pub killed_for: Option<String>,
    /// Set when the command could not start because the profile denies its execve.
    pub exec_denied: Option<Action>,
    /// Processes the command left running, killed at its end.
    pub descendants_killed: usize,
    /// Set when KILL and TRAP actions could not be watched (ptrace refused): why.
    pub unwatched: Option<String>,
}

#[derive(Debug, Clone, Copy)]
pub struct RunOptions {
    /// Install the profile unchanged (no observation).
    pub exact: bool,
    pub timeout: Option<Duration>,
    pub stdio: Stdio,
}

impl RunReport {
    /// The command ran to a clean end with nothing denied: it works on this host.
    pub fn works(&self) -> bool {
        self.exit.status_code() == 0
            && !self.timed_out
            && self.exec_denied.is_none()
            && self.denials.iter().all(|d| d.action.lets_through())
    }

    /// "exited with status 0 after 0.12 s", "was killed by SIGSYS (31): the profile kills on …".
    pub fn exit_text(&self) -> String {
        let how = match self.exit {
            Exit::Code(c) if self.exec_denied.is_some() => format!("did not start (status {c})"),
            Exit::Code(c) => format!("exited with status {c}"),
            Exit::Signal(s) if s == libc::SIGSYS && self.killed_for.is_some() => {
                format!(
                    "was killed by SIGSYS ({s}): the profile kills on {}",
                    self.killed_for.as_deref().unwrap_or("?")
                )
            }
            Exit::Signal(s) => format!(
                "was killed by signal {s}{}",
                if s == libc::SIGSYS { " (SIGSYS: a TRAP or KILL action)" } else { "" }
            ),
        };
        let timeout = if self.timed_out { " (stopped at the timeout)" } else { "" };
        format!("{how}{timeout} after {:.2} s", self.duration.as_secs_f64())
    }
}

/// The ABI of a notified call.
pub fn call_arch(audit: u32, nr: u32) -> Option<Arch> {
    let arch = Arch::all().find(|a| a.audit_value() == audit && *a != Arch::X32)?;
    Some(if arch == Arch::X86_64 && nr & X32_SYSCALL_BIT != 0 && nr != u32::MAX { Arch::X32 } else { arch })
}

pub(crate) fn syscall_name(arch: Arch, nr: u32) -> String {
    catalog::name_of(arch, nr).map_or_else(|| format!("#{nr}"), str::to_string)
}

/// The program for observing: what the profile allows stays in the kernel (and its cache);
/// so do the actions that outrank ERRNO (KILL_PROCESS, KILL_THREAD, TRAP: the kernel carries
/// them out exactly, also against a filter the command stacks on ours, and the tracer sees
/// them) and TRACE; ERRNO, LOG and NOTIFY become notifications, answered as the profile says.
/// (A notification ranks just above TRACE and LOG and below ERRNO, so against an inner filter
/// it decides as ERRNO would, except against an inner USER_NOTIF, which wins the tie, and an
/// inner TRACE under an outer LOG: see the README's Safety section.)
pub fn observing_program(ev: &Evaluator) -> Result<Vec<Insn>, bpf::CompileError> {
    let observed = bpf::compile::compile_mapped(ev, |a| match a {
        Action::Allow | Action::Trap | Action::Trace(_) | Action::KillProcess | Action::KillThread => a,
        Action::Errno(_) | Action::Log | Action::Notify => Action::Notify,
    })?;
    Ok(observed.program)
}

/// Runs `argv` under the profile in `ev`.
pub fn run<S: FnOnce(&Spawned)>(
    ev: &Evaluator,
    argv: &[String],
    options: RunOptions,
    on_spawn: S,
) -> Result<RunReport, RunError> {
    run_live(ev, argv, options, Arc::new(Mutex::new(Vec::new())), on_spawn)
}

/// [`run`], with the denials collected into `denials` as they happen (the editor shows them
/// while the command runs).
pub fn run_live<S: FnOnce(&Spawned)>(
    ev: &Evaluator,
    argv: &[String],
    options: RunOptions,
    denials: Arc<Mutex<Vec<Denial>>>,
    on_spawn: S,
) -> Result<RunReport, RunError> {
    let program = if options.exact { bpf::compile(ev)?.program } else { observing_program(ev)? };
    let killed_for: Arc<Mutex<Option<String>>> = Arc::new(Mutex::new(None));
    let exec_denied: Arc<Mutex<Option<Action>>> = Arc::new(Mutex::new(None));
    let started = Arc::new(AtomicBool::new(false));
    let evaluator = ev.clone();
    let (d, k, x, s) = (denials.clone(), killed_for.clone(), exec_denied.clone(), started.clone());
    let handler = move |l: &Listener, n: &Notification| -> Verdict {
        let Some(arch) = call_arch(n.arch, n.nr) else { return Verdict::Kill };
        let action = evaluator.decide(arch, n.nr, &n.args).action;
        note_denial(&d, l, n, arch, action);
        // Before the command started, only our child exists: if its execve is denied, what
        // follows is our own error path, not the command. End it there.
        let name = catalog::name_of(arch, n.nr).unwrap_or("");
        if !s.load(Ordering::Acquire) && matches!(name, "execve" | "execveat") && !action.lets_through() {
            *x.lock().expect("not poisoned") = Some(action);
            return Verdict::Kill;
        }
        if matches!(action, Action::KillProcess | Action::KillThread) {
            k.lock().expect("not poisoned").get_or_insert_with(|| syscall_name(arch, n.nr));
        }
        verdict(action)
    };
    let watch = (!options.exact && trace::needed_for(&program)).then(|| {
        let (ev, d, k, x, s) = (ev.clone(), denials.clone(), killed_for.clone(), exec_denied.clone(), started.clone());
        Box::new(move |seen: Seen| note_kernel_action(&ev, &d, &k, &x, &s, seen)) as Watch
    });
    let spec =
        SessionSpec { argv, program: &program, notify: !options.exact, stdio: options.stdio, timeout: options.timeout };
    let on_spawn = |spawned: &Spawned| {
        started.store(true, Ordering::Release);
        on_spawn(spawned);
    };
    let Ended { exit, duration, timed_out, descendants_killed, trace_error } =
        run_session(&spec, handler, on_spawn, watch)?;
    let killed_for = killed_for.lock().expect("not poisoned").clone();
    let exec_denied = *exec_denied.lock().expect("not poisoned");
    // A process we ended for a KILL action died as the kernel would have made it: by SIGSYS.
    // One that could not exec gets the shell's "cannot execute" status.
    let exit = match (exec_denied, &killed_for) {
        (Some(_), _) => Exit::Code(126),
        (None, Some(_)) if exit == Exit::Signal(libc::SIGKILL) => Exit::Signal(libc::SIGSYS),
        _ => exit,
    };
    let denials = denials.lock().expect("not poisoned").clone();
    let unwatched = trace_error.map(|e| {
        format!("could not watch the command's threads (ptrace: {e}): KILL and TRAP actions are done but not reported")
    });
    Ok(RunReport { exit, duration, timed_out, denials, killed_for, exec_denied, descendants_killed, unwatched })
}

/// The answer to a notified call the profile decides with `action` (the host sandbox and the
/// container agent answer alike).
pub fn verdict(action: Action) -> Verdict {
    match action {
        Action::Allow | Action::Log | Action::Trap | Action::Trace(_) => Verdict::Respond(Response::Continue),
        Action::Errno(e) => Verdict::Respond(Response::Errno(e)),
        // No agent listens for the profile's own NOTIFY: the kernel answers ENOSYS then.
        Action::Notify => Verdict::Respond(Response::Errno(libc::ENOSYS as u32)),
        Action::KillProcess | Action::KillThread => Verdict::Kill,
    }
}

/// A call the kernel acted on itself (on the tracer thread): reported when the profile's
/// decision for it is that action (not, say, a filter the command installed itself).
fn note_kernel_action(
    ev: &Evaluator,
    denials: &Mutex<Vec<Denial>>,
    killed_for: &Mutex<Option<String>>,
    exec_denied: &Mutex<Option<Action>>,
    started: &AtomicBool,
    seen: Seen,
) {
    let Some(arch) = call_arch(seen.arch, seen.nr) else { return };
    let action = ev.decide(arch, seen.nr, &seen.args).action;
    let expected = match seen.what {
        KernelAction::Killed => matches!(action, Action::KillProcess | Action::KillThread),
        KernelAction::Trapped => action == Action::Trap,
    };
    if !expected {
        return;
    }
    let name = syscall_name(arch, seen.nr);
    if seen.what == KernelAction::Killed {
        killed_for.lock().expect("not poisoned").get_or_insert_with(|| name.clone());
        if !started.load(Ordering::Acquire) && matches!(name.as_str(), "execve" | "execveat") {
            *exec_denied.lock().expect("not poisoned") = Some(action);
        }
    }
    let text = describe(&name, &seen.args, seen.tid as u32, None);
    add_denial(denials, &name, arch, seen.nr, action, seen.args, Some(text));
}

pub(crate) fn note_denial(denials: &Mutex<Vec<Denial>>, l: &Listener, n: &Notification, arch: Arch, action: Action) {
    let name = syscall_name(arch, n.nr);
    if let Some(index) = add_denial(denials, &name, arch, n.nr, action, n.args, None) {
        // Decoded outside the lock: it reads the caller's memory.
        let text = describe(&name, &n.args, n.pid, Some((l, n.id)));
        denials.lock().expect("not poisoned")[index].samples.push(text);
    }
}

/// Counts one call; with `sample` given, keeps it. Returns the entry's index when it wants a
/// sample and none was given.
fn add_denial(
    denials: &Mutex<Vec<Denial>>,
    name: &str,
    arch: Arch,
    nr: u32,
    action: Action,
    args: [u64; 6],
    sample: Option<String>,
) -> Option<usize> {
    let mut all = denials.lock().expect("not poisoned");
    let index = match all.iter().position(|d| d.arch == arch && d.nr == nr && d.action == action) {
        Some(i) => i,
        None => {
            let denial =
                Denial { name: name.to_string(), arch, nr, action, count: 0, samples: Vec::new(), first_args: args };
            all.push(denial);
            all.len() - 1
        }
    };
    let entry = &mut all[index];
    entry.count += 1;
    if entry.samples.len() >= SAMPLES {
        return None;
    }
    match sample {
        Some(text) => {
            entry.samples.push(text);
            None
        }
        None => Some(index),
    }
}

#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error(transparent)]
    Spawn(#[from] SpawnError),
    #[error(transparent)]
    Compile(#[from] bpf::CompileError),
}

/// What `record` saw: syscall names per arch with call counts.
#[derive(Debug, Clone, Default)]
pub struct Recording {
    pub seen: BTreeMap<(Arch, String), u64>,
    /// Calls the base profile does not allow (all of them without a base).
    pub needed: BTreeMap<(Arch, String), u64>,
    pub total: u64,
}

#[derive(Debug, Clone)]
pub struct RecordReport {
    pub exit: Exit,
    pub duration: Duration,
    pub timed_out: bool,
    pub recording: Recording,
    /// Processes the command left running, killed at its end.
    pub descendants_killed: usize,
}

/// Runs `argv` with every syscall notified and let through. With a `base`, calls it allows are
/// not `needed`; with `only_new` they are not even notified (they run at full speed).
pub fn record<S: FnOnce(&Spawned)>(
    base: Option<&Evaluator>,
    only_new: bool,
    argv: &[String],
    options: RunOptions,
    on_spawn: S,
) -> Result<RecordReport, RunError> {
    let program = match base {
        Some(ev) if only_new => {
            bpf::compile::compile_mapped(ev, |a| if a == Action::Allow { a } else { Action::Notify })?.program
        }
        _ => everything_notified(),
    };
    // Counted on the supervisor thread without locks or names; handed over when it ends.
    let sink: Arc<Mutex<Counts>> = Arc::new(Mutex::new(Counts::default()));
    let mut tally = Tally { counts: Counts::default(), sink: sink.clone() };
    let base = base.cloned();
    let handler = move |_: &Listener, n: &Notification| -> Verdict {
        let needed = match (&base, call_arch(n.arch, n.nr)) {
            (Some(b), Some(arch)) => b.decide(arch, n.nr, &n.args).action != Action::Allow,
            _ => true,
        };
        let entry = tally.counts.entry((n.arch, n.nr)).or_insert((0, 0));
        entry.0 += 1;
        entry.1 += u64::from(needed);
        Verdict::Respond(Response::Continue)
    };
    let spec = SessionSpec { argv, program: &program, notify: true, stdio: options.stdio, timeout: options.timeout };
    let Ended { exit, duration, timed_out, descendants_killed, .. } = run_session(&spec, handler, on_spawn, None)?;
    let recording = named(&sink.lock().expect("not poisoned"));
    Ok(RecordReport { exit, duration, timed_out, recording, descendants_killed })
}

/// Calls per (`seccomp_data.arch`, nr): (all, not allowed by the base).
pub(crate) type Counts = rustc_hash::FxHashMap<(u32, u32), (u64, u64)>;

/// The supervisor thread's counts; published to `sink` when the thread drops it.
struct Tally {
    counts: Counts,
    sink: Arc<Mutex<Counts>>,
}

impl Drop for Tally {
    fn drop(&mut self) {
        *self.sink.lock().expect("not poisoned") = std::mem::take(&mut self.counts);
    }
}

/// Counts by syscall name and arch.
pub(crate) fn named(counts: &Counts) -> Recording {
    let mut rec = Recording::default();
    for (&(audit, nr), &(all, needed)) in counts {
        let Some(arch) = call_arch(audit, nr) else { continue };
        let key = (arch, syscall_name(arch, nr));
        *rec.seen.entry(key.clone()).or_insert(0) += all;
        if needed > 0 {
            *rec.needed.entry(key).or_insert(0) += needed;
        }
        rec.total += all;
    }
    rec
}

/// `ret NOTIFY` for every call on every architecture.
fn everything_notified() -> Vec<Insn> {
    vec![Insn::stmt(crate::bpf::insn::RET | crate::bpf::insn::K, Action::Notify.ret_value())]
}
