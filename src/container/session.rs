//! One container run under runc with seccompose as its seccomp agent: a private directory
//! (config, listener socket, runc's state root and log), `runc run`, the notify fd taken from
//! the socket and served by the sandbox's supervisor, and everything removed at the end, also
//! when seccompose is interrupted (SIGINT, SIGTERM, SIGHUP) or killed (the [`Guard`]).

use super::bundle::{self, BundleError, Target};
use super::listener::{AgentSocket, BindError, Limits, ProcessState, receive};
use super::runtime::{self, Guard, Names, RuntimeError};
use crate::sandbox::notify::{Listener, Notification, pidfd_open};
use crate::sandbox::session::Exit;
use crate::sandbox::supervisor::{Supervisor, Verdict};
use oci_spec::runtime::LinuxSeccomp;
use std::os::fd::OwnedFd;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// How to run the container.
#[derive(Debug, Clone, Default)]
pub struct ContainerOptions {
    /// `--runtime-path`; `runc` on PATH when None.
    pub runtime_path: Option<PathBuf>,
    /// `--socket`: where the agent socket goes; in the private directory when None.
    pub socket: Option<PathBuf>,
    pub timeout: Option<Duration>,
    /// Give a `--rootfs` container a terminal (when ours is one).
    pub terminal: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum ContainerError {
    #[error(transparent)]
    Runtime(#[from] RuntimeError),
    #[error(transparent)]
    Bundle(#[from] BundleError),
    #[error("the agent socket: {0}")]
    Bind(#[from] BindError),
    #[error("{what}: {reason}")]
    Io { what: String, reason: String },
}

fn io_error(what: impl Into<String>, e: &std::io::Error) -> ContainerError {
    ContainerError::Io { what: what.into(), reason: crate::fsutil::reason(e) }
}

/// How the container run ended.
#[derive(Debug, Clone)]
pub struct Ended {
    /// runc's exit status: the program's, 128 + a signal, or 1 when runc itself failed.
    pub exit: Exit,
    pub duration: Duration,
    pub timed_out: bool,
    /// The signal that interrupted seccompose (the container was killed for it).
    pub interrupted: Option<i32>,
    /// What runc logged as errors (the container did not start, or runc failed).
    pub runc_errors: Vec<String>,
    /// What runc sent the agent: the container's id, init pid, bundle, annotations.
    pub state: Option<ProcessState>,
    /// The container's id and runc's state root (both gone by now).
    pub names: Names,
}

/// The signal that asked us to stop, 0 for none.
static STOP_SIGNAL: AtomicI32 = AtomicI32::new(0);

extern "C" fn note_stop(sig: libc::c_int) {
    STOP_SIGNAL.store(sig, Ordering::Relaxed);
}

/// SIGINT, SIGTERM and SIGHUP noted (not fatal) while alive; the old dispositions back on drop.
struct StopSignals {
    previous: Vec<(nix::sys::signal::Signal, nix::sys::signal::SigAction)>,
}

impl StopSignals {
    fn catch() -> StopSignals {
        use nix::sys::signal::{SaFlags, SigAction, SigHandler, SigSet, Signal, sigaction};
        STOP_SIGNAL.store(0, Ordering::Relaxed);
        let action = SigAction::new(SigHandler::Handler(note_stop), SaFlags::SA_RESTART, SigSet::empty());
        let previous = [Signal::SIGINT, Signal::SIGTERM, Signal::SIGHUP]
            .into_iter()
            // SAFETY: the handler only stores to an atomic (async-signal-safe).
            .filter_map(|s| unsafe { sigaction(s, &action) }.ok().map(|old| (s, old)))
            .collect();
        StopSignals { previous }
    }
}

impl Drop for StopSignals {
    fn drop(&mut self) {
        for (sig, old) in &self.previous {
            // SAFETY: restoring the disposition that was there.
            let _ = unsafe { nix::sys::signal::sigaction(*sig, old) };
        }
    }
}

/// The private directory: mode 0700 (tempfile's default), removed on drop.
struct Workdir {
    dir: tempfile::TempDir,
}

impl Workdir {
    fn new() -> Result<Workdir, ContainerError> {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::Builder::new()
            .prefix("seccompose-run-")
            // Only we (and root) may reach the config, the socket and runc's state.
            .permissions(std::fs::Permissions::from_mode(0o700))
            .tempdir()
            .map_err(|e| io_error("creating a private directory", &e))?;
        Ok(Workdir { dir })
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }
}

/// Runs `command` in `target` under runc with the filter `seccomp(listener path)`; each
/// container that connects gets a supervisor running `handler(state)`.
pub fn run_container<H, F>(
    target: &Target,
    command: &[String],
    seccomp: impl FnOnce(&Path) -> LinuxSeccomp,
    handler: H,
    options: &ContainerOptions,
) -> Result<Ended, ContainerError>
where
    H: FnOnce(&ProcessState) -> F + Send + 'static,
    F: FnMut(&Listener, &Notification) -> Verdict + Send + 'static,
{
    let runc = runtime::find(options.runtime_path.as_deref())?;
    let work = Workdir::new()?;
    let socket_path = options.socket.clone().unwrap_or_else(|| work.path().join("agent.sock"));
    let socket = AgentSocket::bind(&socket_path)?;
    let config = bundle::config(target, command, &seccomp(&socket_path), options.terminal)?;
    runtime::check_privileges(bundle::is_rootless(&config))?;
    bundle::write(work.path(), &config).map_err(|e| io_error("writing the container's config.json", &e))?;
    let names = Names { runtime: runc, state: work.path().join("state"), id: container_id() };
    let log = work.path().join("runc.log");
    let guard = Guard::start(&names, work.path(), &socket_path).map_err(|e| io_error("starting /bin/sh", &e))?;
    let signals = StopSignals::catch();
    let started = Instant::now();
    let mut child =
        names.run(work.path(), &log).spawn().map_err(|e| io_error(format!("{}", names.runtime.display()), &e))?;
    let pidfd = pidfd_open(child.id() as i32).map_err(|e| io_error("pidfd_open on runc", &e))?;
    let stop_accepting = Arc::new(AtomicBool::new(false));
    let acceptor = accept_one(socket, stop_accepting.clone(), handler);
    let (timed_out, interrupted) = wait_for(&pidfd, &names, options.timeout);
    let status = child.wait().map_err(|e| io_error("waiting for runc", &e))?;
    let duration = started.elapsed();
    // The container is gone (its init died, and with it its pid namespace): nothing more can
    // be notified. Delete runc's record of it, then stop serving.
    names.delete();
    stop_accepting.store(true, Ordering::Release);
    let served = acceptor.join().ok().flatten();
    let state = served.map(|(supervisor, state)| {
        supervisor.stop();
        state
    });
    drop(signals);
    let runc_errors = runtime::log_errors(&log);
    guard.disarm();
    let exit = match (status.code(), interrupted) {
        (_, Some(sig)) => Exit::Signal(sig),
        (Some(c), None) => Exit::Code(c),
        (None, None) => Exit::Signal(std::os::unix::process::ExitStatusExt::signal(&status).unwrap_or(0)),
    };
    Ok(Ended { exit, duration, timed_out, interrupted, runc_errors, state, names })
}

/// A unique container id: our pid and a counter (several runs in one process, e.g. tests).
fn container_id() -> String {
    static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    format!("seccompose-{}-{}", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed))
}

/// Serves the first client that brings a notify fd; gives back its supervisor and state. The
/// socket is dropped (its file removed) when the thread ends.
fn accept_one<H, F>(
    socket: AgentSocket,
    stop: Arc<AtomicBool>,
    handler: H,
) -> JoinHandle<Option<(Supervisor, ProcessState)>>
where
    H: FnOnce(&ProcessState) -> F + Send + 'static,
    F: FnMut(&Listener, &Notification) -> Verdict + Send + 'static,
{
    std::thread::Builder::new()
        .name("container-agent".into())
        .spawn(move || {
            let mut handler = Some(handler);
            while !stop.load(Ordering::Acquire) {
                let Ok(Some(stream)) = socket.accept_timeout(Duration::from_millis(50)) else { continue };
                let Ok(received) = receive(&stream, Limits::default()) else { continue };
                let on_notify = handler.take().expect("one client is served")(&received.state);
                let supervisor = Supervisor::start(Listener::from_fd(received.fd), on_notify);
                return Some((supervisor, received.state));
            }
            None
        })
        .expect("spawning a thread")
}

/// Waits for runc to end. A stop signal or the timeout kills the container (runc then ends).
/// Returns (timed out, the stop signal).
fn wait_for(pidfd: &OwnedFd, names: &Names, timeout: Option<Duration>) -> (bool, Option<i32>) {
    let deadline = timeout.map(|t| Instant::now() + t);
    let (mut timed_out, mut interrupted) = (false, None);
    while !exited(pidfd, Duration::from_millis(100)) {
        let sig = STOP_SIGNAL.load(Ordering::Relaxed);
        if sig != 0 && interrupted.is_none() {
            interrupted = Some(sig);
        }
        timed_out |= deadline.is_some_and(|d| Instant::now() >= d);
        // Again on every turn: a container still being created cannot be killed yet.
        if timed_out || interrupted.is_some() {
            names.kill();
        }
    }
    (timed_out, interrupted)
}

fn exited(pidfd: &OwnedFd, wait: Duration) -> bool {
    use rustix::event::{PollFd, PollFlags, Timespec, poll};
    let mut fds = [PollFd::new(pidfd, PollFlags::IN)];
    let ts = Timespec { tv_sec: wait.as_secs() as i64, tv_nsec: i64::from(wait.subsec_nanos()) };
    matches!(poll(&mut fds, Some(&ts)), Ok(n) if n > 0)
}
