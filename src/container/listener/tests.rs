//! The agent socket with crafted clients: runc's message shape, split and hostile senders.

use super::*;
use rustix::net::{SendAncillaryBuffer, SendAncillaryMessage, SendFlags, sendmsg};
use std::io::{IoSlice, Read, Write};
use std::os::fd::BorrowedFd;

/// What runc 1.1.5 sends (`json.Marshal` of `specs.ContainerProcessState`).
fn runc_state(annotations: &str) -> String {
    format!(
        r#"{{"ociVersion":"1.0.2-dev","fds":["seccompFd"],"pid":4242,"metadata":"m","state":{{"ociVersion":"1.0.2-dev","id":"c1","status":"creating","pid":4242,"bundle":"/run/b","annotations":{annotations}}}}}"#
    )
}

/// One sendmsg with `data` and `fds` as SCM_RIGHTS, as runc's `utils.SendFds` does.
fn send(stream: &UnixStream, data: &[u8], fds: &[BorrowedFd<'_>]) {
    let mut space = [MaybeUninit::<u8>::uninit(); rustix::cmsg_space!(ScmRights(MAX_FDS))];
    let mut control = SendAncillaryBuffer::new(&mut space);
    if !fds.is_empty() {
        assert!(control.push(SendAncillaryMessage::ScmRights(fds)));
    }
    let sent = sendmsg(stream, &[IoSlice::new(data)], &mut control, SendFlags::empty()).unwrap();
    assert_eq!(sent, data.len());
}

/// Two connected ends: the first is sent as the "notify fd", the test writes through the second.
fn pipe() -> (UnixStream, UnixStream) {
    UnixStream::pair().unwrap()
}

#[test]
fn takes_runcs_state_and_a_working_fd() {
    let (client, server) = UnixStream::pair().unwrap();
    let (r, mut w) = pipe();
    send(&client, runc_state(r#"{"io.kubernetes.pod.name":"web"}"#).as_bytes(), &[r.as_fd()]);
    drop(r);
    // runc 1.1 keeps its end open: the message must end at the JSON value, not at EOF.
    let got = receive(&server, Limits::default()).unwrap();
    assert_eq!(got.state.pid, 4242);
    assert_eq!(got.state.metadata, "m");
    assert_eq!(got.state.state.id, "c1");
    assert_eq!(got.state.state.pid, Some(4242));
    assert_eq!(got.state.state.annotations["io.kubernetes.pod.name"], "web");
    w.write_all(b"x").unwrap();
    let mut byte = [0u8; 1];
    UnixStream::from(got.fd).read_exact(&mut byte).unwrap();
    assert_eq!(&byte, b"x", "the fd received is the pipe sent");
    drop(client);
}

#[test]
fn reassembles_a_state_sent_in_pieces() {
    let (client, server) = UnixStream::pair().unwrap();
    let (r, _w) = pipe();
    let text = runc_state("{}");
    let (head, tail) = text.as_bytes().split_at(40);
    send(&client, head, &[r.as_fd()]);
    send(&client, tail, &[]);
    let got = receive(&server, Limits::default()).unwrap();
    assert_eq!(got.state.state.bundle, "/run/b");
    assert!(got.state.state.annotations.is_empty());
}

#[test]
fn omitted_optional_fields_default() {
    let (client, server) = UnixStream::pair().unwrap();
    let (r, _w) = pipe();
    let text = r#"{"ociVersion":"1.2.0","fds":["seccompFd"],"pid":7,"state":{"ociVersion":"1.2.0","id":"x","status":"creating","bundle":"/b"}}"#;
    send(&client, text.as_bytes(), &[r.as_fd()]);
    let got = receive(&server, Limits::default()).unwrap();
    assert_eq!((got.state.metadata.as_str(), got.state.state.pid), ("", None));
}

#[test]
fn a_state_without_its_fd_is_refused() {
    let (client, server) = UnixStream::pair().unwrap();
    send(&client, runc_state("{}").as_bytes(), &[]);
    let err = receive(&server, Limits::default()).unwrap_err();
    assert!(matches!(err, ReceiveError::FdCount { got: 0, .. }), "{err}");
}

#[test]
fn fds_not_named_seccomp_fd_are_refused() {
    let (client, server) = UnixStream::pair().unwrap();
    let (r, _w) = pipe();
    let text = runc_state("{}").replace(r#"["seccompFd"]"#, r#"["other"]"#);
    send(&client, text.as_bytes(), &[r.as_fd()]);
    let err = receive(&server, Limits::default()).unwrap_err();
    assert!(matches!(err, ReceiveError::NoSeccompFd(_)), "{err}");
}

#[test]
fn a_silent_client_times_out() {
    let (_client, server) = UnixStream::pair().unwrap();
    let limits = Limits { timeout: Duration::from_millis(30), ..Limits::default() };
    let err = receive(&server, limits).unwrap_err();
    assert!(matches!(err, ReceiveError::Timeout(_)), "{err}");
}

#[test]
fn a_client_that_stops_halfway_times_out_or_is_closed() {
    let (client, server) = UnixStream::pair().unwrap();
    send(&client, b"{\"ociVersion\":", &[]);
    let limits = Limits { timeout: Duration::from_millis(30), ..Limits::default() };
    assert!(matches!(receive(&server, limits).unwrap_err(), ReceiveError::Timeout(_)));
    let (client, server) = UnixStream::pair().unwrap();
    send(&client, b"{\"ociVersion\":", &[]);
    drop(client);
    assert!(matches!(receive(&server, limits).unwrap_err(), ReceiveError::Closed(14)));
}

#[test]
fn an_endless_state_is_cut_at_the_limit() {
    let (mut client, server) = UnixStream::pair().unwrap();
    let writer = std::thread::spawn(move || {
        let _ = client.write_all(b"{\"ociVersion\":\"");
        let _ = client.write_all(&vec![b'a'; 300_000]);
    });
    let limits = Limits { max_bytes: 100_000, ..Limits::default() };
    let err = receive(&server, limits).unwrap_err();
    assert!(matches!(err, ReceiveError::TooLarge(100_000)), "{err}");
    drop(server);
    writer.join().unwrap();
}

#[test]
fn not_json_is_a_located_error() {
    let (client, server) = UnixStream::pair().unwrap();
    send(&client, b"{\"pid\": nope}", &[]);
    let err = receive(&server, Limits::default()).unwrap_err();
    assert!(err.to_string().contains("line 1 column"), "{err}");
}

#[test]
fn binds_0600_and_removes_its_socket_on_drop() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("agent.sock");
    let socket = AgentSocket::bind(&path).unwrap();
    let meta = std::fs::symlink_metadata(&path).unwrap();
    assert!(meta.file_type().is_socket());
    assert_eq!(meta.mode() & 0o777, 0o600);
    let client = UnixStream::connect(&path).unwrap();
    let (r, _w) = pipe();
    send(&client, runc_state("{}").as_bytes(), &[r.as_fd()]);
    let stream = socket.accept_timeout(Duration::from_secs(5)).unwrap().expect("a client");
    assert_eq!(receive(&stream, Limits::default()).unwrap().state.state.id, "c1");
    drop(socket);
    assert!(!path.exists(), "the socket file is gone");
}

#[test]
fn accept_timeout_returns_none_without_a_client() {
    let dir = tempfile::tempdir().unwrap();
    let socket = AgentSocket::bind(&dir.path().join("a.sock")).unwrap();
    assert!(socket.accept_timeout(Duration::from_millis(10)).unwrap().is_none());
}

#[test]
fn a_live_socket_is_refused_and_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("agent.sock");
    let _first = AgentSocket::bind(&path).unwrap();
    let err = AgentSocket::bind(&path).unwrap_err();
    assert!(matches!(err, BindError::InUse(_)), "{err}");
    assert!(err.to_string().contains("another agent is listening"));
    assert!(UnixStream::connect(&path).is_ok(), "the first agent still listens");
}

#[test]
fn a_stale_socket_is_replaced() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("agent.sock");
    drop(std::os::unix::net::UnixListener::bind(&path).unwrap());
    assert!(path.exists(), "std leaves the file behind");
    let _socket = AgentSocket::bind(&path).unwrap();
    assert!(UnixStream::connect(&path).is_ok());
}

#[test]
fn symlinks_and_other_files_are_refused_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("target");
    std::fs::write(&target, "keep").unwrap();
    let link = dir.path().join("link.sock");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    assert!(matches!(AgentSocket::bind(&link).unwrap_err(), BindError::Symlink(_)));
    let dangling = dir.path().join("dangling.sock");
    std::os::unix::fs::symlink(dir.path().join("nowhere"), &dangling).unwrap();
    assert!(matches!(AgentSocket::bind(&dangling).unwrap_err(), BindError::Symlink(_)));
    assert!(!dir.path().join("nowhere").exists(), "nothing created through the link");
    let err = AgentSocket::bind(&target).unwrap_err();
    assert!(err.to_string().contains("is a regular file, not a socket"), "{err}");
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "keep");
}

#[test]
fn drop_leaves_a_socket_that_replaced_its_own() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("agent.sock");
    let first = AgentSocket::bind(&path).unwrap();
    std::fs::remove_file(&path).unwrap();
    let _second = std::os::unix::net::UnixListener::bind(&path).unwrap();
    drop(first);
    assert!(path.exists(), "another listener's socket is not removed");
}
