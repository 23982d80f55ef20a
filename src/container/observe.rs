//! `run` and `record` in a container: the agent's answers and what it saw, split between the
//! runtime (runc init, between installing the filter and exec'ing the program) and the program.

use super::bundle::Target;
use super::profile;
use super::session::{ContainerError, ContainerOptions, Ended, run_container};
use crate::catalog::Arch;
use crate::policy::evaluator::Evaluator;
use crate::profile::Action;
use crate::sandbox::notify::{Listener, Notification, Response};
use crate::sandbox::observe::{Counts, Denial, Recording, call_arch, named, note_denial, syscall_name, verdict};
use crate::sandbox::session::Exit;
use crate::sandbox::supervisor::Verdict;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

/// Who made a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Maker {
    /// runc's init process (comm `runc:[2:INIT]`) before it execs the program.
    Runtime,
    Program,
}

/// Tells runtime calls from program calls. runc's init (and its Go threads) are named
/// `runc:[2:INIT]` until the exec; the first call from anything else is the program, and from
/// then on every call is (the exec replaced the init and ended its other threads).
#[derive(Debug, Default)]
pub struct Attribution {
    program_started: bool,
    /// Set when runc init's exec of the program was let through (or the program was seen).
    pub started: Arc<AtomicBool>,
}

/// The command name runc gives its init process (and its stages): `runc:[2:INIT]`.
pub const RUNC_INIT_PREFIX: &str = "runc:[";

impl Attribution {
    pub fn maker(&mut self, tid: u32) -> Maker {
        if self.program_started {
            return Maker::Program;
        }
        match std::fs::read_to_string(format!("/proc/{tid}/comm")) {
            Ok(comm) if !comm.starts_with(RUNC_INIT_PREFIX) => {
                self.program_started = true;
                self.started.store(true, Ordering::Release);
                Maker::Program
            }
            // Gone already, or still runc.
            _ => Maker::Runtime,
        }
    }

    /// Notes the answer to a call: runc init's exec let through starts the program.
    pub fn answered(&self, maker: Maker, arch: Arch, nr: u32, lets_through: bool) {
        if maker == Maker::Runtime && lets_through && profile::EXECS.contains(&syscall_name(arch, nr).as_str()) {
            self.started.store(true, Ordering::Release);
        }
    }
}

/// What `run` in a container saw.
#[derive(Debug, Clone)]
pub struct ContainerRunReport {
    pub ended: Ended,
    /// Denied (or logged) calls of runc's init, in the order first seen.
    pub runtime: Vec<Denial>,
    /// Denied (or logged) calls of the program.
    pub program: Vec<Denial>,
    /// The syscall the agent killed the container for.
    pub killed_for: Option<String>,
    /// The calls kept as the profile writes them ([`profile::KEPT`]) that it does not allow:
    /// enforced, not observed.
    pub unobserved: Vec<(&'static str, Action)>,
    /// The profile denies `write`: runc got it as written, without a listener (nothing seen).
    pub as_written: bool,
    /// runc init exec'd the program (the agent let its execve through, or saw the program).
    pub program_started: bool,
}

impl ContainerRunReport {
    /// The exit status to pass on: a kill for the profile looks as the kernel's would (SIGSYS).
    pub fn exit(&self) -> Exit {
        match (&self.killed_for, self.ended.exit) {
            (Some(_), Exit::Code(137)) => Exit::Signal(libc::SIGSYS),
            (_, exit) => exit,
        }
    }

    /// The program never ran: runc failed before its exec, or the profile denied that exec.
    pub fn not_started(&self) -> bool {
        !self.program_started
    }

    /// runc init's execve of the program, when the profile denied it.
    pub fn execve_denied(&self) -> Option<&Denial> {
        self.runtime.iter().find(|d| matches!(d.name.as_str(), "execve" | "execveat") && !d.action.lets_through())
    }

    /// Nothing denied, a clean exit.
    pub fn works(&self) -> bool {
        self.exit().status_code() == 0
            && !self.ended.timed_out
            && self.runtime.iter().chain(&self.program).all(|d| d.action.lets_through())
    }
}

/// Runs `command` in `target` under the profile of `ev`: every call the profile does not allow
/// is notified and answered as the profile says (see [`profile::observing`]).
pub fn run(
    ev: &Evaluator,
    target: &Target,
    command: &[String],
    options: &ContainerOptions,
) -> Result<ContainerRunReport, ContainerError> {
    run_live(ev, target, command, options, Live::default())
}

/// Where the denials go as they happen (the editor's run pane reads them while it runs).
#[derive(Debug, Clone, Default)]
pub struct Live {
    /// runc init's denials.
    pub runtime: Arc<Mutex<Vec<Denial>>>,
    /// The program's denials.
    pub program: Arc<Mutex<Vec<Denial>>>,
}

/// [`run`], the denials kept in `live` as they come (and copied into the report at the end).
pub fn run_live(
    ev: &Evaluator,
    target: &Target,
    command: &[String],
    options: &ContainerOptions,
    live: Live,
) -> Result<ContainerRunReport, ContainerError> {
    let Live { runtime, program } = live;
    let killed_for: Arc<Mutex<Option<String>>> = Arc::default();
    let (rt, pg, kf, evaluator) = (runtime.clone(), program.clone(), killed_for.clone(), ev.clone());
    let started = Arc::new(AtomicBool::new(false));
    let ran = started.clone();
    let handler = move |_: &super::listener::ProcessState| {
        let mut attribution = Attribution { started: ran, ..Attribution::default() };
        move |l: &Listener, n: &Notification| -> Verdict {
            let Some(arch) = call_arch(n.arch, n.nr) else { return Verdict::Kill };
            let action = evaluator.decide(arch, n.nr, &n.args).action;
            let maker = attribution.maker(n.pid);
            attribution.answered(maker, arch, n.nr, action.lets_through());
            if action != Action::Allow {
                let into = if maker == Maker::Runtime { &rt } else { &pg };
                note_denial(into, l, n, arch, action);
            }
            if matches!(action, Action::KillProcess | Action::KillThread) {
                kf.lock().expect("not poisoned").get_or_insert_with(|| syscall_name(arch, n.nr));
            }
            verdict(action)
        }
    };
    let ended = run_container(target, command, |socket| profile::observing(ev, socket), handler, options)?;
    let take = |d: &Arc<Mutex<Vec<Denial>>>| d.lock().expect("not poisoned").clone();
    let unobserved = unobserved(ev);
    let as_written = profile::denies_write(ev);
    let killed_for = killed_for.lock().expect("not poisoned").take();
    let program_started = started.load(Ordering::Acquire);
    Ok(ContainerRunReport {
        ended,
        runtime: take(&runtime),
        program: take(&program),
        killed_for,
        unobserved,
        as_written,
        program_started,
    })
}

/// The kept calls the profile does not allow on the native arch, with their action.
fn unobserved(ev: &Evaluator) -> Vec<(&'static str, Action)> {
    let decide = |name: &str| ev.decide_name(ev.context.native, name, &[1, 0, 0, 0, 0, 0]).map(|d| d.action);
    profile::KEPT.iter().filter_map(|n| decide(n).filter(|a| *a != Action::Allow).map(|a| (*n, a))).collect()
}

/// What `record` in a container saw.
#[derive(Debug, Clone)]
pub struct ContainerRecordReport {
    pub ended: Ended,
    /// runc init's calls.
    pub runtime: Recording,
    /// The program's calls.
    pub program: Recording,
    /// runc init exec'd the program.
    pub program_started: bool,
}

/// Runs `command` in `target` with every syscall (but `write`) notified and let through.
pub fn record(
    base: Option<&Evaluator>,
    only_new: bool,
    arches: &[Arch],
    lib: &'static crate::catalog::Libseccomp,
    target: &Target,
    command: &[String],
    options: &ContainerOptions,
) -> Result<ContainerRecordReport, ContainerError> {
    let sinks: Arc<Mutex<(Counts, Counts)>> = Arc::default();
    let (sink, base_ev) = (sinks.clone(), base.cloned());
    let started = Arc::new(AtomicBool::new(false));
    let ran = started.clone();
    let handler = move |_: &super::listener::ProcessState| {
        let mut tally = Tally { counts: Default::default(), sink };
        let mut attribution = Attribution { started: ran, ..Attribution::default() };
        move |_: &Listener, n: &Notification| -> Verdict {
            let maker = attribution.maker(n.pid);
            if let Some(arch) = call_arch(n.arch, n.nr) {
                attribution.answered(maker, arch, n.nr, true);
            }
            let needed = match (&base_ev, call_arch(n.arch, n.nr)) {
                (Some(b), Some(arch)) => b.decide(arch, n.nr, &n.args).action != Action::Allow,
                _ => true,
            };
            let counts = if maker == Maker::Runtime { &mut tally.counts.0 } else { &mut tally.counts.1 };
            let entry = counts.entry((n.arch, n.nr)).or_insert((0, 0));
            entry.0 += 1;
            entry.1 += u64::from(needed);
            Verdict::Respond(Response::Continue)
        }
    };
    let filter_base = base.filter(|_| only_new);
    let seccomp = |socket: &std::path::Path| profile::recording(arches, filter_base, lib, socket);
    let ended = run_container(target, command, seccomp, handler, options)?;
    let counts = sinks.lock().expect("not poisoned");
    let program_started = started.load(Ordering::Acquire);
    Ok(ContainerRecordReport { ended, runtime: named(&counts.0), program: named(&counts.1), program_started })
}

/// The supervisor thread's counts (runtime, program); published when the thread drops them.
struct Tally {
    counts: (Counts, Counts),
    sink: Arc<Mutex<(Counts, Counts)>>,
}

impl Drop for Tally {
    fn drop(&mut self) {
        *self.sink.lock().expect("not poisoned") = std::mem::take(&mut self.counts);
    }
}
