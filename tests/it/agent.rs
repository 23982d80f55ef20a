//! The seccomp agent with a stand-in for runc: a child under a notify-everything filter (the
//! host sandbox's spawn), its listener fd sent to the agent's socket with an OCI state, exactly
//! as runc's `sendContainerProcessState` does. Real runc is in real_runtime/agent.rs.

use rustix::net::{SendAncillaryBuffer, SendAncillaryMessage, SendFlags, sendmsg};
use seccompose::bpf::Insn;
use seccompose::container::agent::{self, Config};
use seccompose::container::listener::{AgentSocket, Limits};
use seccompose::profile::Action;
use seccompose::sandbox::filter::PreparedFilter;
use seccompose::sandbox::spawn::{Spawned, Stdio, spawn};
use std::io::IoSlice;
use std::mem::MaybeUninit;
use std::os::fd::AsFd;
use std::os::unix::net::UnixStream;
use std::path::Path;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// Starts `argv` with every syscall notified, and hands its notify fd to the agent at `socket`
/// with a state naming the pod (or only the id when `pod` is None).
pub fn fake_runc(socket: &Path, argv: &[&str], id: &str, pod: Option<(&str, &str, &str)>) -> Spawned {
    let program = [Insn::stmt(seccompose::bpf::insn::RET | seccompose::bpf::insn::K, Action::Notify.ret_value())];
    let argv: Vec<String> = argv.iter().map(|s| s.to_string()).collect();
    let mut spawned = spawn(&argv, &PreparedFilter::new(&program), true, Stdio::Inherit, None).unwrap();
    let fd = spawned.listener.take().unwrap().into_fd();
    let annotations = match pod {
        Some((ns, pod, c)) => serde_json::json!({
            "io.kubernetes.pod.namespace": ns, "io.kubernetes.pod.name": pod, "io.kubernetes.container.name": c}),
        None => serde_json::json!({}),
    };
    let state = serde_json::json!({"ociVersion": "1.0.2-dev", "fds": ["seccompFd"], "pid": spawned.pid,
        "metadata": "", "state": {"ociVersion": "1.0.2-dev", "id": id, "status": "creating",
        "pid": spawned.pid, "bundle": "/nonexistent", "annotations": annotations}});
    let stream = UnixStream::connect(socket).unwrap();
    let mut space = [MaybeUninit::<u8>::uninit(); rustix::cmsg_space!(ScmRights(1))];
    let mut control = SendAncillaryBuffer::new(&mut space);
    let fds = [fd.as_fd()];
    assert!(control.push(SendAncillaryMessage::ScmRights(&fds)));
    let bytes = state.to_string();
    sendmsg(&stream, &[IoSlice::new(bytes.as_bytes())], &mut control, SendFlags::empty()).unwrap();
    // Like runc 1.1, keep the connection open a while: the agent must not wait for its end.
    std::mem::forget(stream);
    spawned
}

/// Waits for the child to end; the exit status.
pub fn reap(spawned: &Spawned) -> i32 {
    let pid = rustix::process::Pid::from_raw(spawned.pid).unwrap();
    let (_, status) = rustix::process::waitpid(Some(pid), rustix::process::WaitOptions::empty()).unwrap().unwrap();
    status.exit_status().unwrap_or(-1)
}

fn config(out: &Path, exit_after: usize) -> Config {
    Config {
        out: Some(out.to_path_buf()),
        policy: None,
        native: seccompose::catalog::Arch::host(),
        limits: Limits::default(),
        exit_after: Some(exit_after),
        max_containers: 16,
    }
}

fn allowed(path: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(path).unwrap();
    seccompose::container::naming::previously_allowed(&text).unwrap().0.into_iter().collect()
}

/// Runs the agent on a thread until `n` containers are done (a minute at most: then stopped,
/// and the test fails on what is missing).
fn with_agent<T>(dir: &Path, n: usize, clients: impl FnOnce(&Path) -> T) -> (T, Vec<String>) {
    let socket_path = dir.join("agent.sock");
    let socket = AgentSocket::bind(&socket_path).unwrap();
    let out = dir.join("out");
    std::fs::create_dir(&out).unwrap();
    let stop = AtomicBool::new(false);
    let lines = Mutex::new(Vec::new());
    let log = |l: &str| lines.lock().unwrap().push(l.to_string());
    let result = std::thread::scope(|s| {
        let server = s.spawn(|| agent::serve(&socket, &config(&out, n), &stop, &log).unwrap());
        let result = clients(&socket_path);
        for _ in 0..600 {
            if server.is_finished() {
                break;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        stop.store(true, Ordering::Release);
        let summary = server.join().unwrap();
        assert_eq!(summary.containers, n, "{:?}", lines.lock().unwrap());
        result
    });
    (result, lines.into_inner().unwrap())
}

#[test]
fn three_containers_at_once_give_three_profiles() {
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    let empty = empty.to_str().unwrap();
    let (statuses, lines) = with_agent(dir.path(), 3, |socket| {
        let children: Vec<Spawned> = [("a", "web"), ("b", "db"), ("c", "cache")]
            .iter()
            .map(|(id, pod)| fake_runc(socket, &["ls", empty], id, Some(("shop", pod, "main"))))
            .collect();
        children.iter().map(reap).collect::<Vec<_>>()
    });
    assert_eq!(statuses, [0, 0, 0], "{lines:?}");
    for pod in ["web", "db", "cache"] {
        let names = allowed(&dir.path().join(format!("out/shop_{pod}_main.json")));
        for needed in ["execve", "getdents64", "exit_group", "write"] {
            assert!(names.contains(&needed.to_string()), "{pod}: {needed} missing from {names:?}");
        }
    }
    assert_eq!(std::fs::read_dir(dir.path().join("out")).unwrap().count(), 3);
    assert!(lines.iter().filter(|l| l.contains("container gone; wrote")).count() == 3, "{lines:?}");
}

#[test]
fn a_second_run_of_a_workload_merges_into_its_file() {
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    let (_, lines) = with_agent(dir.path(), 2, |socket| {
        let first = fake_runc(socket, &["true"], "run1", None);
        reap(&first);
        // Same id: the same workload. `ls` makes calls `true` does not (getdents64).
        let second = fake_runc(socket, &["ls", empty.to_str().unwrap()], "run1", None);
        reap(&second);
    });
    let names = allowed(&dir.path().join("out/run1.json"));
    assert!(names.contains(&"getdents64".to_string()), "{names:?}");
    assert!(lines.iter().any(|l| l.contains("merged with")), "{lines:?}");
}

#[test]
fn a_garbage_client_does_not_stop_the_agent() {
    let dir = tempfile::tempdir().unwrap();
    let (_, lines) = with_agent(dir.path(), 1, |socket| {
        let mut bad = UnixStream::connect(socket).unwrap();
        std::io::Write::write_all(&mut bad, b"{\"not\": \"a state\"}").unwrap();
        let good = fake_runc(socket, &["true"], "ok", None);
        reap(&good);
    });
    assert!(lines.iter().any(|l| l.contains("dropped a connection")), "{lines:?}");
    assert!(dir.path().join("out/ok.json").exists());
}

fn seccompose() -> std::process::Command {
    std::process::Command::new(env!("CARGO_BIN_EXE_seccompose"))
}

#[test]
fn sigterm_writes_running_containers_and_removes_the_socket() {
    use std::io::BufRead;
    let dir = tempfile::tempdir().unwrap();
    let socket = dir.path().join("agent.sock");
    let out = dir.path().join("out");
    let mut agent = seccompose()
        .args(["agent", "--socket", socket.to_str().unwrap(), "--out", out.to_str().unwrap()])
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = std::io::BufReader::new(agent.stderr.take().unwrap());
    let mut line = String::new();
    stderr.read_line(&mut line).unwrap();
    assert!(line.contains("listening on"), "{line}");
    let second = seccompose().args(["agent", "--socket", socket.to_str().unwrap(), "--out", "x"]).output().unwrap();
    assert_eq!(second.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&second.stderr).contains("another agent is listening"));
    let child = fake_runc(&socket, &["sleep", "30"], "long", None);
    line.clear();
    stderr.read_line(&mut line).unwrap();
    assert!(line.contains("serving long"), "{line}");
    rustix::process::kill_process(
        rustix::process::Pid::from_raw(agent.id() as i32).unwrap(),
        rustix::process::Signal::TERM,
    )
    .unwrap();
    let status = agent.wait().unwrap();
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut stderr, &mut rest).unwrap();
    assert_eq!(status.code(), Some(0), "{rest}");
    assert!(rest.contains("agent stopped; wrote"), "{rest}");
    assert!(!socket.exists(), "the socket is removed");
    let names = allowed(&out.join("long.json"));
    assert!(names.contains(&"execve".to_string()), "{names:?}");
    rustix::process::kill_process(rustix::process::Pid::from_raw(child.pid).unwrap(), rustix::process::Signal::KILL)
        .unwrap();
    reap(&child);
}

#[test]
fn install_record_via_writes_the_recording_profile() {
    let root = tempfile::tempdir().unwrap();
    let run = seccompose()
        .args(["install", "--record-via", "/run/seccompose/agent.sock", "--root", root.path().to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(0), "{}", String::from_utf8_lossy(&run.stderr));
    let text = std::fs::read_to_string(root.path().join("profiles/seccompose-record.json")).unwrap();
    let p: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(p["listenerPath"], "/run/seccompose/agent.sock");
    assert_eq!(p["defaultAction"], "SCMP_ACT_ALLOW");
    let names = p["syscalls"][0]["names"].as_array().unwrap();
    assert!(names.contains(&"execve".into()) && !names.contains(&"write".into()));
    let relative = seccompose()
        .args(["install", "--record-via", "agent.sock", "--root", root.path().to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(relative.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&relative.stderr).contains("is relative"));
    let both = seccompose().args(["install", "p.json", "--record-via", "/a.sock"]).output().unwrap();
    assert_eq!(both.status.code(), Some(2), "a FILE and --record-via conflict");
}
