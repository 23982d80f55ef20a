//! Seeing what the kernel does itself: a thread killed by KILL_THREAD or KILL_PROCESS, a
//! SIGSYS sent for TRAP. Those actions stay in the installed filter, so the kernel carries them
//! out exactly (only the thread dies; the program's handler gets the kernel's siginfo; they
//! outrank whatever filter the command stacks on top), and no notification ever tells us.
//!
//! A light ptrace: the command is seized before its exec, its threads are followed (clone
//! events), its child processes are not (a `strace` or `gdb` it starts still works). No syscall
//! stops: the command stops only when a thread starts or exits and when a signal arrives.
//! - A thread's exit stop with SIGSYS as its exit code is a KILL: `/proc/TID/syscall` still
//!   holds the call (the kernel rolled the registers back to it) and PTRACE_GET_SYSCALL_INFO its
//!   arch. (KILL_PROCESS sends SIGSYS with SA_IMMUTABLE, which ptrace never sees as a signal,
//!   and a KILL_THREAD on a thread that is not the last one is a plain `do_exit(SIGSYS)`: the exit
//!   stop is the one place both show.)
//! - A signal-delivery stop for SIGSYS with `si_code == SYS_SECCOMP` is a TRAP: the siginfo has
//!   the call and arch. Every signal is passed on unchanged; group stops are kept with
//!   PTRACE_LISTEN, so Ctrl-Z and SIGSTOP behave as without us.
//!
//! All waiting for the traced threads happens on the tracer thread, with `__WNOTHREAD`: it sees
//! its tracees and nothing else of ours. The command's exit status comes from here too (a
//! tracee whose parent is in our thread group is reaped by the tracer's wait).

use nix::sys::ptrace::{self, Options};
use nix::unistd::Pid;
use std::collections::HashSet;
use std::io;
use std::thread::JoinHandle;

/// What the kernel did to a thread of the command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KernelAction {
    /// The thread died of SIGSYS in a syscall (KILL_THREAD or KILL_PROCESS).
    Killed,
    /// A SIGSYS from a TRAP action was delivered.
    Trapped,
}

/// One call the kernel acted on.
#[derive(Debug, Clone, Copy)]
pub struct Seen {
    pub what: KernelAction,
    pub tid: i32,
    /// `seccomp_data.arch` of the call.
    pub arch: u32,
    pub nr: u32,
    pub args: [u64; 6],
}

/// Called on the tracer thread for every [`Seen`].
pub type Watch = Box<dyn FnMut(Seen) + Send>;

/// Whether `program` returns an action the kernel carries out without telling us.
pub fn needed_for(program: &[crate::bpf::Insn]) -> bool {
    use crate::bpf::insn::{K, RET};
    const ACTION_FULL: u32 = 0xffff_0000;
    program.iter().any(|i| {
        i.code == RET | K
            && matches!(
                i.k & ACTION_FULL,
                0x8000_0000 /* KILL_PROCESS */ | 0 /* KILL_THREAD */ | 0x0003_0000 /* TRAP */
            )
    })
}

pub struct Tracer {
    handle: JoinHandle<Option<i32>>,
}

impl Tracer {
    /// Seizes `pid` (waiting before its exec) on a new thread: ptrace requests must come from
    /// the thread that attached. Returns once the seize is done, or with its error.
    pub fn start(pid: i32, watch: Watch) -> io::Result<Tracer> {
        let (tx, rx) = std::sync::mpsc::channel();
        let handle = std::thread::Builder::new().name("seccomp-tracer".into()).spawn(move || {
            let options = Options::PTRACE_O_TRACECLONE | Options::PTRACE_O_TRACEEXIT;
            if let Err(e) = ptrace::seize(Pid::from_raw(pid), options) {
                let _ = tx.send(Err(io::Error::from(e)));
                return None;
            }
            let _ = tx.send(Ok(()));
            follow(pid, watch)
        })?;
        match rx.recv() {
            Ok(Ok(())) => Ok(Tracer { handle }),
            Ok(Err(e)) => {
                let _ = handle.join();
                Err(e)
            }
            Err(_) => Err(io::Error::other("the tracer thread ended")),
        }
    }

    /// Waits until every traced thread is gone; the command's wait status (`None` if it was
    /// not reaped here).
    pub fn finish(self) -> Option<i32> {
        self.handle.join().ok().flatten()
    }
}

const EVENT_EXIT: i32 = libc::PTRACE_EVENT_EXIT;
const EVENT_STOP: i32 = libc::PTRACE_EVENT_STOP;
/// `si_code` of a SIGSYS sent by seccomp.
const SYS_SECCOMP: i32 = 1;

/// The tracer's loop: every stop of every traced thread until none is left.
fn follow(pid: i32, mut watch: Watch) -> Option<i32> {
    // Threads that have run: a PTRACE_EVENT_STOP from any other is a new thread's first stop.
    let mut running: HashSet<i32> = HashSet::from([pid]);
    let mut exit = None;
    loop {
        let mut status = 0;
        // libc: nix's waitpid turns a realtime signal in the status into an error.
        // SAFETY: waitpid fills an int.
        let tid = unsafe { libc::waitpid(-1, &mut status, libc::__WALL | libc::__WNOTHREAD) };
        if tid < 0 {
            if io::Error::last_os_error().raw_os_error() == Some(libc::EINTR) {
                continue;
            }
            return exit; // ECHILD: every tracee is gone
        }
        if libc::WIFEXITED(status) || libc::WIFSIGNALED(status) {
            running.remove(&tid);
            if tid == pid {
                exit = Some(status);
            }
            continue;
        }
        if !libc::WIFSTOPPED(status) {
            continue;
        }
        let signal = libc::WSTOPSIG(status);
        match status >> 16 {
            0 => {
                running.insert(tid);
                if signal == libc::SIGSYS {
                    trapped(tid, &mut watch);
                }
                resume(libc::PTRACE_CONT, tid, signal);
            }
            EVENT_EXIT => {
                exiting(tid, &mut watch);
                resume(libc::PTRACE_CONT, tid, 0);
            }
            EVENT_STOP if running.insert(tid) => resume(libc::PTRACE_CONT, tid, 0),
            // A group stop (SIGSTOP, Ctrl-Z): stay stopped until SIGCONT, as without us.
            EVENT_STOP => resume(libc::PTRACE_LISTEN, tid, 0),
            _ => resume(libc::PTRACE_CONT, tid, 0), // a clone event
        }
    }
}

/// PTRACE_CONT with any signal (nix takes only the signals it names, not realtime ones, which
/// glibc itself uses) or PTRACE_LISTEN. Fails only if the thread died meanwhile.
fn resume(request: libc::c_uint, tid: i32, signal: i32) {
    // SAFETY: a ptrace request with integer arguments on our own tracee.
    unsafe { libc::ptrace(request, tid, 0, signal as libc::c_long) };
}

/// An exit stop: a thread dying of SIGSYS inside a syscall was killed by a KILL action.
fn exiting(tid: i32, watch: &mut Watch) {
    let Ok(code) = ptrace::getevent(Pid::from_raw(tid)) else { return };
    if code & 0x7f != libc::SIGSYS as libc::c_long {
        return;
    }
    let Some((nr, args)) = current_call(tid) else { return };
    let Ok(info) = ptrace::syscall_info(Pid::from_raw(tid)) else { return };
    watch(Seen { what: KernelAction::Killed, tid, arch: info.arch, nr, args });
}

/// The kernel's `_sigsys` siginfo fields (libc's `siginfo_t` does not expose them); also read
/// by the test probe's SIGSYS handler.
#[repr(C)]
pub struct SigsysInfo {
    pub signo: i32,
    pub errno: i32,
    pub code: i32,
    _pad: i32,
    pub call_addr: u64,
    pub syscall: i32,
    pub arch: u32,
}

/// A SIGSYS about to be delivered: from a TRAP action when seccomp sent it.
fn trapped(tid: i32, watch: &mut Watch) {
    let Ok(info) = ptrace::getsiginfo(Pid::from_raw(tid)) else { return };
    // SAFETY: siginfo_t is 128 bytes, larger than SigsysInfo; for SIGSYS the union holds _sigsys.
    let sys = unsafe { &*(&info as *const libc::siginfo_t as *const SigsysInfo) };
    if sys.code != SYS_SECCOMP {
        return;
    }
    let nr = sys.syscall as u32;
    let args = current_call(tid).filter(|(n, _)| *n == nr).map_or([0; 6], |(_, a)| a);
    watch(Seen { what: KernelAction::Trapped, tid, arch: sys.arch, nr, args });
}

/// The syscall a stopped thread is in, from `/proc/TID/syscall` ("NR ARG1 … ARG6 SP PC").
fn current_call(tid: i32) -> Option<(u32, [u64; 6])> {
    let text = std::fs::read_to_string(format!("/proc/{tid}/syscall")).ok()?;
    let mut fields = text.split_whitespace();
    let nr: i64 = fields.next()?.parse().ok()?;
    if nr < 0 {
        return None;
    }
    let mut args = [0u64; 6];
    for arg in &mut args {
        *arg = u64::from_str_radix(fields.next()?.trim_start_matches("0x"), 16).ok()?;
    }
    Some((nr as u32, args))
}
