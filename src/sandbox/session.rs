//! One supervised run of a command: start it under a filter, serve notifications, forward
//! signals, enforce the timeout, and leave nothing behind (no process, no zombie).

use super::descendants;
use super::filter::PreparedFilter;
use super::notify::{Listener, Notification};
use super::spawn::{SpawnError, Spawned, Stdio, spawn};
use super::supervisor::{Supervisor, Verdict};
use super::trace::Watch;
use crate::bpf::Insn;
use std::os::fd::{AsRawFd, OwnedFd};
use std::sync::atomic::{AtomicI32, Ordering};
use std::time::{Duration, Instant};

/// How a command ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    Code(i32),
    Signal(i32),
}

impl Exit {
    /// The shell convention: the exit code, or 128 + the signal.
    pub fn status_code(self) -> i32 {
        match self {
            Exit::Code(c) => c,
            Exit::Signal(s) => 128 + s,
        }
    }
}

/// The end of a session.
#[derive(Debug, Clone)]
pub struct Ended {
    pub exit: Exit,
    pub duration: Duration,
    pub timed_out: bool,
    /// Processes the command started that were still running at its end (all killed).
    pub descendants_killed: usize,
    /// Why the command's threads could not be traced when a [`Watch`] asked for it.
    pub trace_error: Option<String>,
}

/// What to run and how.
pub struct SessionSpec<'a> {
    pub argv: &'a [String],
    pub program: &'a [Insn],
    /// The program returns SECCOMP_RET_USER_NOTIF somewhere: serve a listener.
    pub notify: bool,
    pub stdio: Stdio,
    pub timeout: Option<Duration>,
}

/// The process group being supervised, for the signal forwarder.
static GROUP: AtomicI32 = AtomicI32::new(0);

extern "C" fn forward(sig: libc::c_int) {
    let group = GROUP.load(Ordering::Relaxed);
    if group > 0 {
        // SAFETY: kill is async-signal-safe.
        unsafe { libc::kill(-group, sig) };
    }
}

/// Forwards SIGINT, SIGTERM, SIGHUP and SIGQUIT to the group while alive.
struct Forwarding {
    previous: Vec<(i32, libc::sigaction)>,
}

impl Forwarding {
    fn start(group: i32) -> Forwarding {
        GROUP.store(group, Ordering::Relaxed);
        let mut previous = Vec::new();
        for sig in [libc::SIGINT, libc::SIGTERM, libc::SIGHUP, libc::SIGQUIT] {
            // SAFETY: replacing a disposition with a handler that only calls kill.
            unsafe {
                let mut sa: libc::sigaction = std::mem::zeroed();
                sa.sa_sigaction = forward as *const () as usize;
                sa.sa_flags = libc::SA_RESTART;
                let mut old: libc::sigaction = std::mem::zeroed();
                libc::sigaction(sig, &sa, &mut old);
                previous.push((sig, old));
            }
        }
        Forwarding { previous }
    }
}

impl Drop for Forwarding {
    fn drop(&mut self) {
        for (sig, old) in &self.previous {
            // SAFETY: restoring what was there.
            unsafe { libc::sigaction(*sig, old, std::ptr::null_mut()) };
        }
        GROUP.store(0, Ordering::Relaxed);
    }
}

/// A small process that kills the group if we die without cleaning up (SIGKILL): the
/// command itself has PR_SET_PDEATHSIG, but its children do not. In a process group of its
/// own, ignoring the terminal's signals: Ctrl-C or Ctrl-Z on our terminal must not end it.
struct Guard {
    pid: i32,
}

impl Guard {
    fn start(group: i32) -> Option<Guard> {
        let parent = std::process::id() as i32;
        // SAFETY: the child only sets signals, waits for one and kills (async-signal-safe).
        let pid = unsafe { libc::fork() };
        if pid == 0 {
            unsafe {
                libc::setpgid(0, 0);
                for sig in [libc::SIGINT, libc::SIGQUIT, libc::SIGHUP, libc::SIGTSTP, libc::SIGTTIN, libc::SIGTTOU] {
                    libc::signal(sig, libc::SIG_IGN);
                }
                let mut set: libc::sigset_t = std::mem::zeroed();
                libc::sigemptyset(&mut set);
                libc::sigaddset(&mut set, libc::SIGUSR1);
                libc::sigprocmask(libc::SIG_BLOCK, &set, std::ptr::null_mut());
                libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGUSR1);
                if libc::getppid() == parent {
                    let mut sig = 0;
                    libc::sigwait(&set, &mut sig);
                }
                libc::kill(-group, libc::SIGKILL);
                libc::_exit(0);
            }
        }
        (pid > 0).then_some(Guard { pid })
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        // SAFETY: our own child.
        unsafe {
            libc::kill(self.pid, libc::SIGKILL);
            libc::waitpid(self.pid, std::ptr::null_mut(), 0);
        }
    }
}

/// Runs a session. `on_notify` answers notifications (on the supervisor thread); `on_spawn`
/// gets the started process (for the pty relay) before waiting; `watch`, when given, hears of
/// the calls the kernel acted on itself (see [`super::trace`]).
pub fn run_session<F, S>(
    spec: &SessionSpec,
    on_notify: F,
    on_spawn: S,
    watch: Option<Watch>,
) -> Result<Ended, SpawnError>
where
    F: FnMut(&Listener, &Notification) -> Verdict + Send + 'static,
    S: FnOnce(&Spawned),
{
    // Orphaned descendants come to us, so they can be found, killed and reaped.
    // SAFETY: prctl with integer arguments.
    unsafe { libc::prctl(libc::PR_SET_CHILD_SUBREAPER, 1) };
    let filter = PreparedFilter::new(spec.program);
    let start = Instant::now();
    let mut spawned = spawn(spec.argv, &filter, spec.notify, spec.stdio, watch)?;
    let group = spawned.pid;
    // Everything the command starts starts no earlier than the command.
    let since = descendants::start_time(group).unwrap_or(0);
    let guard = Guard::start(group);
    let registration = descendants::register(group, guard.as_ref().map_or(0, |g| g.pid));
    let forwarding = Forwarding::start(group);
    let supervisor = spawned.listener.take().map(|l| Supervisor::start(l, on_notify));
    if let Err(e) = spawned.exec_result(&spec.argv[0]) {
        cleanup(group);
        if let Some(tracer) = spawned.tracer.take() {
            tracer.finish();
        }
        drop(supervisor);
        return Err(e);
    }
    on_spawn(&spawned);
    let (status, timed_out) = wait(&mut spawned, spec.timeout);
    let duration = start.elapsed();
    drop(spawned.foreground.take());
    let descendants_killed = descendants::kill_all(since, &registration);
    drop(forwarding);
    if let Some(s) = supervisor {
        s.stop();
    }
    drop(guard);
    let trace_error = spawned.trace_error.as_ref().map(|e| e.to_string());
    Ok(Ended { exit: status, duration, timed_out, descendants_killed, trace_error })
}

/// Waits for the command (not its children); on timeout, TERM then KILL the group.
fn wait(spawned: &mut Spawned, timeout: Option<Duration>) -> (Exit, bool) {
    let deadline = timeout.map(|t| Instant::now() + t);
    let mut timed_out = false;
    loop {
        let wait_ms = match deadline {
            Some(d) => d.saturating_duration_since(Instant::now()).as_millis().min(i32::MAX as u128) as i32,
            None => -1,
        };
        if poll_exit(&spawned.pidfd, wait_ms) {
            break;
        }
        if deadline.is_some_and(|d| Instant::now() >= d) && !timed_out {
            timed_out = true;
            // SAFETY: signalling our own process group.
            unsafe { libc::kill(-spawned.pid, libc::SIGTERM) };
            if !poll_exit(&spawned.pidfd, 1000) {
                unsafe { libc::kill(-spawned.pid, libc::SIGKILL) };
            }
            break;
        }
    }
    // A traced command is reaped by the tracer (our own wait would take its ptrace stops).
    if let Some(tracer) = spawned.tracer.take() {
        return (tracer.finish().map_or(Exit::Code(-1), exit_of), timed_out);
    }
    let mut status = 0;
    // SAFETY: our own child.
    while unsafe { libc::waitpid(spawned.pid, &mut status, 0) } < 0 {
        if std::io::Error::last_os_error().raw_os_error() != Some(libc::EINTR) {
            return (Exit::Code(-1), timed_out);
        }
    }
    (exit_of(status), timed_out)
}

fn exit_of(status: i32) -> Exit {
    if libc::WIFSIGNALED(status) { Exit::Signal(libc::WTERMSIG(status)) } else { Exit::Code(libc::WEXITSTATUS(status)) }
}

fn poll_exit(pidfd: &OwnedFd, timeout_ms: i32) -> bool {
    let mut p = libc::pollfd { fd: pidfd.as_raw_fd(), events: libc::POLLIN, revents: 0 };
    loop {
        // SAFETY: one pollfd.
        let rc = unsafe { libc::poll(&mut p, 1, timeout_ms) };
        if rc >= 0 || std::io::Error::last_os_error().raw_os_error() != Some(libc::EINTR) {
            return rc > 0;
        }
    }
}

/// Ends whatever is left of the group and reaps it (orphans were reparented to us).
fn cleanup(group: i32) {
    // SAFETY: signalling and reaping our own process group.
    unsafe {
        libc::kill(-group, libc::SIGKILL);
        while libc::waitpid(-group, std::ptr::null_mut(), 0) > 0 {}
    }
}
