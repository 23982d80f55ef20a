//! Starting a command under a filter: its own process group (or session, with a pty), killed
//! if we die, and the notification listener handed to us without deadlock (DESIGN §5).

use super::filter::PreparedFilter;
use super::foreground::{Foreground, terminal_is_ours};
use super::gate::Gate;
use super::notify::{Listener, pidfd_getfd, pidfd_open};
use super::trace::{Tracer, Watch};
use std::ffi::{CString, OsStr};
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Where the command's terminal I/O goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stdio {
    /// The command shares our stdin/stdout/stderr.
    Inherit,
    /// A new pseudo-terminal of this size; the caller gets the master side.
    Pty { rows: u16, cols: u16 },
}

/// A started command.
pub struct Spawned {
    pub pid: i32,
    pub pidfd: OwnedFd,
    /// The user-notification listener, when the filter notifies.
    pub listener: Option<Listener>,
    pub pty_master: Option<OwnedFd>,
    /// Following the command's threads, when asked to and ptrace allowed it.
    pub tracer: Option<Tracer>,
    /// Why the command could not be traced when asked to.
    pub trace_error: Option<io::Error>,
    /// The terminal's foreground, given to the command until dropped.
    pub foreground: Option<Foreground>,
    /// Closed by a successful exec; carries the errno of a failed one.
    status_pipe: OwnedFd,
}

#[derive(Debug, thiserror::Error)]
pub enum SpawnError {
    #[error("{0}: command not found")]
    NotFound(String),
    #[error("{0}: {1}")]
    Exec(String, io::Error),
    #[error("could not install the seccomp filter: {0}")]
    Install(io::Error),
    #[error("{0}")]
    Os(#[from] io::Error),
}

/// Finds `cmd` on `$PATH` (as the shell would) unless it contains a slash.
pub fn resolve(cmd: &str) -> Option<PathBuf> {
    if cmd.contains('/') {
        return Some(PathBuf::from(cmd));
    }
    let path = std::env::var_os("PATH").unwrap_or_else(|| "/usr/local/bin:/usr/bin:/bin".into());
    std::env::split_paths(&path).map(|dir| dir.join(cmd)).find(|p| is_executable(p))
}

fn is_executable(p: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

fn cstring(s: &OsStr) -> io::Result<CString> {
    CString::new(s.as_bytes()).map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "argument contains a NUL byte"))
}

/// Everything the child needs, prepared before `fork` so the child does not allocate.
struct ChildPlan {
    path: CString,
    argv: Vec<CString>,
    envp: Vec<CString>,
    notify: bool,
    /// Take the foreground of the terminal on stdin (ours was, and the command shares it).
    foreground: bool,
}

/// Starts `argv` (argv[0] is the command) with `filter` installed right before exec.
/// `notify`: the filter has NEW_LISTENER; the returned `listener` answers its notifications.
/// `watch`: trace the command's threads (see [`super::trace`]) and report to it.
pub fn spawn(
    argv: &[String],
    filter: &PreparedFilter,
    notify: bool,
    stdio: Stdio,
    watch: Option<Watch>,
) -> Result<Spawned, SpawnError> {
    let cmd = argv.first().ok_or_else(|| SpawnError::NotFound(String::new()))?;
    let path = resolve(cmd).ok_or_else(|| SpawnError::NotFound(cmd.clone()))?;
    let plan = ChildPlan {
        path: cstring(path.as_os_str())?,
        argv: argv.iter().map(|a| cstring(OsStr::new(a))).collect::<io::Result<_>>()?,
        envp: std::env::vars_os()
            .map(|(k, v)| {
                let mut kv = k.as_bytes().to_vec();
                kv.push(b'=');
                kv.extend_from_slice(v.as_bytes());
                CString::new(kv).map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "NUL in the environment"))
            })
            .collect::<io::Result<_>>()?,
        notify,
        foreground: stdio == Stdio::Inherit && terminal_is_ours(),
    };
    let mut argv_ptrs: Vec<*const libc::c_char> = plan.argv.iter().map(|a| a.as_ptr()).collect();
    argv_ptrs.push(std::ptr::null());
    let mut envp_ptrs: Vec<*const libc::c_char> = plan.envp.iter().map(|a| a.as_ptr()).collect();
    envp_ptrs.push(std::ptr::null());

    let (master, slave) = match stdio {
        Stdio::Pty { rows, cols } => {
            let (m, s) = open_pty(rows, cols)?;
            (Some(m), Some(s))
        }
        Stdio::Inherit => (None, None),
    };
    let (status_read, status_write) = pipe_cloexec()?;
    // The child waits at the gate until we hold what must be taken before its exec.
    let gate = if notify || watch.is_some() { Some(Gate::new()?) } else { None };
    let parent = std::process::id() as i32;
    // SAFETY: the child runs only async-signal-safe calls (see `child`) and never returns.
    let pid = unsafe { libc::fork() };
    if pid < 0 {
        return Err(io::Error::last_os_error().into());
    }
    if pid == 0 {
        let slave_fd = slave.as_ref().map(|s| s.as_raw_fd());
        let master_fd = master.as_ref().map(|m| m.as_raw_fd());
        // SAFETY: we are the child of a fork.
        let fds = ChildFds { status: status_write.as_raw_fd(), slave: slave_fd, master: master_fd };
        // SAFETY: we are the child of a fork.
        unsafe { child(&plan, &argv_ptrs, &envp_ptrs, filter, parent, fds, gate.as_ref()) };
    }
    drop(slave);
    drop(status_write);
    // The child does the same: whichever runs first, the command reads the terminal as its own.
    let foreground = plan.foreground.then(|| Foreground::give(pid));
    let started = pidfd_open(pid).map_err(SpawnError::from).and_then(|pidfd| {
        let listener = if notify { Some(take_listener(pid, &pidfd, &status_read)?) } else { None };
        Ok((pidfd, listener))
    });
    let (pidfd, listener) = match started {
        Ok(started) => started,
        Err(e) => {
            end_child(pid);
            return Err(e);
        }
    };
    let (tracer, trace_error) = match watch.map(|w| Tracer::start(pid, w)) {
        Some(Ok(t)) => (Some(t), None),
        Some(Err(e)) => (None, Some(e)),
        None => (None, None),
    };
    if let Some(gate) = gate {
        gate.open();
    }
    Ok(Spawned { pid, pidfd, listener, pty_master: master, tracer, trace_error, foreground, status_pipe: status_read })
}

/// Kills and reaps a child that will not be handed out.
fn end_child(pid: i32) {
    // SAFETY: our own child.
    unsafe {
        libc::kill(pid, libc::SIGKILL);
        libc::waitpid(pid, std::ptr::null_mut(), 0);
    }
}

impl Spawned {
    /// After the supervisor serves notifications: waits until exec happened (or failed).
    pub fn exec_result(&self, cmd: &str) -> Result<(), SpawnError> {
        match read_i32(&self.status_pipe)? {
            None => Ok(()),
            Some(errno) if errno < 0 => Err(SpawnError::Install(io::Error::from_raw_os_error(-errno))),
            Some(errno) => Err(SpawnError::Exec(cmd.to_string(), io::Error::from_raw_os_error(errno))),
        }
    }
}

/// Reads the listener fd number the child announced, then copies the fd once the filter is
/// in. The child waits at its gate meanwhile, so nothing deadlocks.
fn take_listener(pid: i32, pidfd: &OwnedFd, status: &OwnedFd) -> Result<Listener, SpawnError> {
    let fd_number = match read_i32(status)? {
        Some(n) if n >= 0 => n,
        Some(errno) => return Err(SpawnError::Install(io::Error::from_raw_os_error(-errno))),
        None => {
            return Err(SpawnError::Install(io::Error::other(format!(
                "process {pid} ended before installing the filter"
            ))));
        }
    };
    let start = Instant::now();
    loop {
        match pidfd_getfd(pidfd, fd_number) {
            Ok(fd) => return Ok(Listener::from_fd(fd)),
            Err(e) if e.raw_os_error() == Some(libc::EBADF) && start.elapsed() < Duration::from_secs(5) => {
                if poll_readable(status, 0) {
                    return Err(install_failure(status, e));
                }
                std::thread::sleep(Duration::from_micros(50));
            }
            // The child may have failed and exited already (ESRCH): its own errno says why.
            Err(e) => return Err(install_failure(status, e)),
        }
    }
}

/// The errno the child announced for its failed install, else `fallback`.
fn install_failure(status: &OwnedFd, fallback: io::Error) -> SpawnError {
    let announced = if poll_readable(status, 1000) { read_i32(status).ok().flatten() } else { None };
    match announced {
        Some(errno) if errno < 0 => SpawnError::Install(io::Error::from_raw_os_error(-errno)),
        _ => SpawnError::Install(fallback),
    }
}

fn poll_readable(fd: &OwnedFd, timeout_ms: i32) -> bool {
    let mut p = libc::pollfd { fd: fd.as_raw_fd(), events: libc::POLLIN, revents: 0 };
    // SAFETY: one pollfd.
    unsafe { libc::poll(&mut p, 1, timeout_ms) > 0 }
}

/// Reads a native-endian i32; `None` at end of file.
fn read_i32(fd: &OwnedFd) -> io::Result<Option<i32>> {
    let mut buf = [0u8; 4];
    let mut got = 0;
    while got < 4 {
        // SAFETY: reading into our buffer.
        let n = unsafe { libc::read(fd.as_raw_fd(), buf[got..].as_mut_ptr().cast(), 4 - got) };
        if n < 0 {
            let e = io::Error::last_os_error();
            if e.kind() == io::ErrorKind::Interrupted {
                continue;
            }
            return Err(e);
        }
        if n == 0 {
            return Ok(None);
        }
        got += n as usize;
    }
    Ok(Some(i32::from_ne_bytes(buf)))
}

fn pipe_cloexec() -> io::Result<(OwnedFd, OwnedFd)> {
    let mut fds = [0; 2];
    // SAFETY: pipe2 fills two fds.
    if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } != 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: fresh fds we own.
    Ok(unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) })
}

/// A pty of `rows`×`cols`: (master, close-on-exec; slave).
pub fn open_pty(rows: u16, cols: u16) -> io::Result<(OwnedFd, OwnedFd)> {
    let (mut master, mut slave) = (0, 0);
    let size = libc::winsize { ws_row: rows, ws_col: cols, ws_xpixel: 0, ws_ypixel: 0 };
    // SAFETY: openpty fills two fds.
    if unsafe { libc::openpty(&mut master, &mut slave, std::ptr::null_mut(), std::ptr::null(), &size) } != 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: fresh fds we own; the master must not leak into the child.
    unsafe {
        libc::fcntl(master, libc::F_SETFD, libc::FD_CLOEXEC);
        Ok((OwnedFd::from_raw_fd(master), OwnedFd::from_raw_fd(slave)))
    }
}

/// `SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV`.
const WAIT_KILLABLE_RECV: libc::c_ulong = 1 << 5;

/// Writes an i32 to the status pipe (async-signal-safe).
unsafe fn announce(fd: RawFd, value: i32) {
    let bytes = value.to_ne_bytes();
    // SAFETY: writing 4 bytes from the stack.
    unsafe { libc::write(fd, bytes.as_ptr().cast(), 4) };
}

/// The child's ends: the status pipe, and the pty when there is one.
struct ChildFds {
    status: RawFd,
    slave: Option<RawFd>,
    master: Option<RawFd>,
}

/// The child between fork and exec: only async-signal-safe calls, no allocation.
unsafe fn child(
    plan: &ChildPlan,
    argv: &[*const libc::c_char],
    envp: &[*const libc::c_char],
    filter: &PreparedFilter,
    parent: i32,
    fds: ChildFds,
    gate: Option<&Gate>,
) -> ! {
    let ChildFds { status, slave, master } = fds;
    // SAFETY: async-signal-safe libc calls in a forked child.
    unsafe {
        match slave {
            Some(s) => {
                libc::setsid();
                libc::ioctl(s, libc::TIOCSCTTY, 0);
                for target in 0..3 {
                    libc::dup2(s, target);
                }
                if s > 2 {
                    libc::close(s);
                }
                if let Some(m) = master {
                    libc::close(m);
                }
            }
            None => {
                libc::setpgid(0, 0);
                if plan.foreground {
                    // A background group asking for the foreground gets SIGTTOU unless ignoring
                    // it (reset to the default below).
                    libc::signal(libc::SIGTTOU, libc::SIG_IGN);
                    libc::tcsetpgrp(0, libc::getpid());
                }
            }
        }
        // Die with us; if we are already gone, do not start at all.
        libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
        if libc::getppid() != parent {
            libc::_exit(127);
        }
        // Rust ignores SIGPIPE and tests may block signals: give the command the defaults.
        let mut empty: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut empty);
        libc::sigprocmask(libc::SIG_SETMASK, &empty, std::ptr::null_mut());
        for sig in [
            libc::SIGPIPE,
            libc::SIGINT,
            libc::SIGQUIT,
            libc::SIGTERM,
            libc::SIGHUP,
            libc::SIGTSTP,
            libc::SIGTTOU,
            libc::SIGTTIN,
        ] {
            libc::signal(sig, libc::SIG_DFL);
        }
        let mut flags: libc::c_ulong = 0;
        if plan.notify {
            // The listener will get the lowest free fd number: find it and tell the parent
            // now, while writing is still allowed.
            let probe = libc::fcntl(status, libc::F_DUPFD, 0);
            libc::close(probe);
            announce(status, probe);
            flags |= libc::SECCOMP_FILTER_FLAG_NEW_LISTENER;
        }
        // WAIT_KILLABLE_RECV (5.19+): once we have received a call, only a fatal signal can
        // interrupt it, so no call is notified twice and every count is one real call.
        let killable = if plan.notify { WAIT_KILLABLE_RECV } else { 0 };
        let mut installed = filter.install(flags | killable);
        if killable != 0 && installed.as_ref().is_err_and(|e| e.raw_os_error() == Some(libc::EINVAL)) {
            installed = filter.install(flags);
        }
        if let Err(e) = installed {
            announce(status, -e.raw_os_error().unwrap_or(libc::EIO));
            libc::_exit(127);
        }
        if let Some(gate) = gate {
            // Until the supervisor holds the listener (it is close-on-exec) and the tracer has
            // seized us: no syscall, so nothing of this wait is left for the command to use.
            gate.wait();
        }
        libc::execve(plan.path.as_ptr(), argv.as_ptr(), envp.as_ptr());
        let errno = *libc::__errno_location();
        announce(status, errno);
        libc::_exit(127);
    }
}
