//! The seccomp agent socket: runc connects to `linux.seccomp.listenerPath` and sends, in one
//! `sendmsg`, the container's state as JSON (the data) and the seccomp notify fd (SCM_RIGHTS).
//!
//! runc 1.1.x does not close its end after sending (the connection lives as long as the runc
//! process), so the message ends where the JSON value ends, not at end of stream; newer runc
//! closes it. Both are read the same way: chunks until the buffer parses as one JSON value.

use rustix::net::{RecvAncillaryBuffer, RecvAncillaryMessage, RecvFlags, ReturnFlags, recvmsg};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::io::{self, IoSliceMut};
use std::mem::MaybeUninit;
use std::os::fd::{AsFd, AsRawFd, OwnedFd};
use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// The name runc gives the notify fd in `fds` (runtime-spec `SeccompFdName`).
pub const SECCOMP_FD_NAME: &str = "seccompFd";

/// More fds than runc ever sends, so that a client sending extra ones has them received (and
/// closed) rather than silently truncated.
const MAX_FDS: usize = 4;

/// What runc sends: runtime-spec `ContainerProcessState`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProcessState {
    pub oci_version: String,
    /// The names of the fds sent with the message, in order.
    pub fds: Vec<String>,
    /// The container process (runc's init, before it execs the program).
    pub pid: i32,
    /// `linux.seccomp.listenerMetadata` from the config, opaque to the runtime.
    #[serde(default)]
    pub metadata: String,
    pub state: State,
}

/// runtime-spec `State`: the container as `runc state` shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct State {
    pub oci_version: String,
    /// crun leaves `id` and `bundle` out when it has none.
    #[serde(default)]
    pub id: String,
    pub status: String,
    #[serde(default)]
    pub pid: Option<i32>,
    #[serde(default)]
    pub bundle: String,
    #[serde(default)]
    pub annotations: BTreeMap<String, String>,
}

/// One container handed over: its state and the notify fd of its filter.
#[derive(Debug)]
pub struct Received {
    pub state: ProcessState,
    pub fd: OwnedFd,
}

/// How long and how much a client may send.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// From accept to the end of the JSON value: a silent client is dropped after this.
    pub timeout: Duration,
    /// The largest state accepted (Kubernetes caps annotations at 256 KiB in all).
    pub max_bytes: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits { timeout: Duration::from_secs(5), max_bytes: 1 << 20 }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum BindError {
    #[error("{0}: another agent is listening on this socket (stop it, or choose another --socket)")]
    InUse(PathBuf),
    #[error("{0}: is a symbolic link; refusing to follow it (give the socket's own path)")]
    Symlink(PathBuf),
    #[error("{0}: exists and is {1}, not a socket; refusing to replace it")]
    NotSocket(PathBuf, &'static str),
    #[error("{path}: cannot {what}: {reason}")]
    Io { path: PathBuf, what: &'static str, reason: String },
}

fn io_err(path: &Path, what: &'static str, e: &io::Error) -> BindError {
    BindError::Io { path: path.to_path_buf(), what, reason: crate::fsutil::reason(e) }
}

#[derive(Debug, thiserror::Error)]
pub enum ReceiveError {
    #[error("the client sent nothing complete within {0:?}")]
    Timeout(Duration),
    #[error("the client's state is larger than {0} bytes")]
    TooLarge(usize),
    #[error("the client closed the connection before the state was complete ({0} bytes)")]
    Closed(usize),
    #[error("the client sent {got} fds for the names {names:?}")]
    FdCount { got: usize, names: Vec<String> },
    #[error("the client's fds do not include {SECCOMP_FD_NAME:?} (names: {0:?})")]
    NoSeccompFd(Vec<String>),
    #[error("the kernel truncated the client's fds (more than {MAX_FDS})")]
    Truncated,
    #[error("the client's state is not a container process state: {0}")]
    Json(String),
    #[error("reading from the client: {0}")]
    Io(String),
}

/// The bound agent socket. Dropping it removes the socket file, if the path still names the
/// socket this bound (not one another agent has put there since).
#[derive(Debug)]
pub struct AgentSocket {
    listener: UnixListener,
    path: PathBuf,
    identity: (u64, u64),
}

impl AgentSocket {
    /// Binds `path` (mode 0600: runc runs as root, or as this user when rootless). A socket
    /// file nobody listens on is replaced; anything else at the path is refused.
    pub fn bind(path: &Path) -> Result<AgentSocket, BindError> {
        clear_stale(path)?;
        // bind(2) never follows a symlink: an existing path of any kind fails with EADDRINUSE.
        let listener = UnixListener::bind(path).map_err(|e| match e.kind() {
            io::ErrorKind::AddrInUse => BindError::InUse(path.to_path_buf()),
            _ => io_err(path, "bind the socket", &e),
        })?;
        let meta = std::fs::symlink_metadata(path).map_err(|e| io_err(path, "inspect the new socket", &e))?;
        let socket = AgentSocket { listener, path: path.to_path_buf(), identity: (meta.dev(), meta.ino()) };
        socket.restrict_mode()?;
        Ok(socket)
    }

    /// chmod 0600 through an O_PATH fd of the socket itself, so a swapped path cannot redirect it.
    fn restrict_mode(&self) -> Result<(), BindError> {
        use rustix::fs::{Mode, OFlags, chmod, fstat, open};
        let path = &self.path;
        let fd = open(path, OFlags::PATH | OFlags::NOFOLLOW | OFlags::CLOEXEC, Mode::empty())
            .map_err(|e| io_err(path, "open the new socket", &e.into()))?;
        let st = fstat(&fd).map_err(|e| io_err(path, "inspect the new socket", &e.into()))?;
        if (st.st_dev, st.st_ino) != self.identity {
            return Err(io_err(path, "set the socket's mode", &io::Error::other("the path was replaced meanwhile")));
        }
        let magic = format!("/proc/self/fd/{}", fd.as_raw_fd());
        chmod(magic.as_str(), Mode::from_raw_mode(0o600)).map_err(|e| io_err(path, "set the socket's mode", &e.into()))
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Waits up to `timeout` for a client; `Ok(None)` when none came (or a signal interrupted).
    pub fn accept_timeout(&self, timeout: Duration) -> io::Result<Option<UnixStream>> {
        use rustix::event::{PollFd, PollFlags, Timespec, poll};
        let mut fds = [PollFd::new(&self.listener, PollFlags::IN)];
        let ts = Timespec { tv_sec: timeout.as_secs() as i64, tv_nsec: i64::from(timeout.subsec_nanos()) };
        match poll(&mut fds, Some(&ts)) {
            Ok(0) | Err(rustix::io::Errno::INTR) => return Ok(None),
            Ok(_) => {}
            Err(e) => return Err(e.into()),
        }
        match self.listener.accept() {
            Ok((stream, _)) => Ok(Some(stream)),
            Err(e) if matches!(e.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::Interrupted) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Blocks for the next client.
    pub fn accept(&self) -> io::Result<UnixStream> {
        self.listener.accept().map(|(s, _)| s)
    }
}

impl Drop for AgentSocket {
    fn drop(&mut self) {
        let ours = std::fs::symlink_metadata(&self.path)
            .is_ok_and(|m| m.file_type().is_socket() && (m.dev(), m.ino()) == self.identity);
        if ours {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

/// Removes a socket file at `path` that no one listens on; refuses a live one, a symlink or
/// anything that is not a socket. A missing path is fine.
fn clear_stale(path: &Path) -> Result<(), BindError> {
    let meta = match std::fs::symlink_metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(io_err(path, "inspect the path", &e)),
    };
    let kind = meta.file_type();
    if kind.is_symlink() {
        return Err(BindError::Symlink(path.to_path_buf()));
    }
    if !kind.is_socket() {
        return Err(BindError::NotSocket(path.to_path_buf(), crate::fsutil::kind_name(kind)));
    }
    match UnixStream::connect(path) {
        Ok(_) => Err(BindError::InUse(path.to_path_buf())),
        Err(e) if e.kind() == io::ErrorKind::ConnectionRefused => {
            std::fs::remove_file(path).map_err(|e| io_err(path, "remove the stale socket", &e))
        }
        Err(e) => Err(io_err(path, "check whether the socket is in use", &e)),
    }
}

/// Reads one container's state and notify fd from a client connection.
pub fn receive(stream: &UnixStream, limits: Limits) -> Result<Received, ReceiveError> {
    let deadline = Instant::now() + limits.timeout;
    let mut buf: Vec<u8> = Vec::new();
    let mut fds: Vec<OwnedFd> = Vec::new();
    let state = loop {
        let remaining = deadline.saturating_duration_since(Instant::now());
        if remaining.is_zero() {
            return Err(ReceiveError::Timeout(limits.timeout));
        }
        stream.set_read_timeout(Some(remaining)).map_err(|e| ReceiveError::Io(crate::fsutil::reason(&e)))?;
        let room = (limits.max_bytes + 1 - buf.len()).min(64 * 1024);
        let got = match read_chunk(stream, room, &mut fds) {
            Ok(chunk) => chunk,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Err(ReceiveError::Timeout(limits.timeout)),
            Err(e) if e.kind() == io::ErrorKind::InvalidData => return Err(ReceiveError::Truncated),
            Err(e) => return Err(ReceiveError::Io(crate::fsutil::reason(&e))),
        };
        if got.is_empty() {
            return Err(ReceiveError::Closed(buf.len()));
        }
        buf.extend_from_slice(&got);
        if buf.len() > limits.max_bytes {
            return Err(ReceiveError::TooLarge(limits.max_bytes));
        }
        match serde_json::from_slice::<ProcessState>(&buf) {
            Ok(state) => break state,
            Err(e) if e.is_eof() => continue,
            Err(e) => return Err(ReceiveError::Json(e.to_string())),
        }
    };
    let fd = pick_seccomp_fd(&state, fds)?;
    Ok(Received { state, fd })
}

/// One recvmsg: up to `room` bytes of data; any fds that came with them join `fds`.
fn read_chunk(stream: &UnixStream, room: usize, fds: &mut Vec<OwnedFd>) -> io::Result<Vec<u8>> {
    let mut data = vec![0u8; room];
    let mut space = [MaybeUninit::<u8>::uninit(); rustix::cmsg_space!(ScmRights(MAX_FDS))];
    let mut control = RecvAncillaryBuffer::new(&mut space);
    let msg = recvmsg(stream.as_fd(), &mut [IoSliceMut::new(&mut data)], &mut control, RecvFlags::CMSG_CLOEXEC)?;
    for message in control.drain() {
        if let RecvAncillaryMessage::ScmRights(received) = message {
            fds.extend(received);
        }
    }
    if msg.flags.contains(ReturnFlags::CTRUNC) {
        return Err(io::Error::new(io::ErrorKind::InvalidData, "control data truncated"));
    }
    data.truncate(msg.bytes);
    Ok(data)
}

/// The fd named `seccompFd`; the others (none from runc) are closed.
fn pick_seccomp_fd(state: &ProcessState, fds: Vec<OwnedFd>) -> Result<OwnedFd, ReceiveError> {
    if fds.len() != state.fds.len() {
        return Err(ReceiveError::FdCount { got: fds.len(), names: state.fds.clone() });
    }
    let index = state.fds.iter().position(|n| n == SECCOMP_FD_NAME);
    let index = index.ok_or_else(|| ReceiveError::NoSeccompFd(state.fds.clone()))?;
    Ok(fds.into_iter().nth(index).expect("counted above"))
}

#[cfg(test)]
mod tests;
