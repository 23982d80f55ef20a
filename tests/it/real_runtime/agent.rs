//! `seccompose agent` behind real runc: three containers started at once under the recording
//! profile give three profiles, and a recorded profile lets the same container run with no
//! denial (the agent enforcing it reports none; runc enforcing it alone gives the same output).

use super::bundle::{self, Bundle};
use super::runtime::{self, Runtime};
use crate::support::TempDir;
use seccompose::catalog::Arch;
use seccompose::kube::recording::recording_profile;
use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};

/// What each container runs: a directory listing, a file read, a pipe, an exit status.
const SCRIPT: &str = "ls -l /bin | cut -c1-10 && cat /proc/self/status | grep -c Name && echo done";

fn busybox() -> std::path::PathBuf {
    let out = Command::new("sh").args(["-c", "command -v busybox"]).output().unwrap();
    std::path::PathBuf::from(String::from_utf8_lossy(&out.stdout).trim())
}

/// A busybox bundle running SCRIPT under `seccomp`, with Kubernetes-style annotations.
fn container(name: &str, seccomp: &Value) -> Bundle {
    // The probe slot takes busybox again: only its args are replaced below.
    let b = bundle::make(name, &busybox(), &[], Some(seccomp));
    let path = b.dir.path().join("config.json");
    let mut config: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    config["process"]["args"] = serde_json::json!(["/bin/sh", "-c", SCRIPT]);
    config["annotations"] = serde_json::json!({"io.kubernetes.pod.namespace": "test",
        "io.kubernetes.pod.name": name, "io.kubernetes.container.name": "main"});
    std::fs::write(&path, serde_json::to_string_pretty(&config).unwrap()).unwrap();
    b
}

/// A running `seccompose agent`; its stderr is collected as it comes. Dropped while still
/// running (a failed test), it is killed and its log printed, so nothing is left behind.
struct Agent {
    child: Child,
    log: Arc<Mutex<String>>,
    reader: Option<std::thread::JoinHandle<()>>,
}

/// `seccompose agent` on `socket`, until `n` containers are done; returns once it listens.
fn agent(socket: &Path, extra: &[&str], n: usize) -> Agent {
    let mut child = Command::new(env!("CARGO_BIN_EXE_seccompose"))
        .args(["agent", "--socket", socket.to_str().unwrap(), "--exit-after", &n.to_string()])
        .args(extra)
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = BufReader::new(child.stderr.take().unwrap());
    let log = Arc::new(Mutex::new(String::new()));
    let (tx, rx) = std::sync::mpsc::channel();
    let sink = log.clone();
    let reader = std::thread::spawn(move || {
        for line in stderr.lines().map_while(Result::ok) {
            if line.contains("listening on") {
                let _ = tx.send(());
            }
            sink.lock().unwrap().push_str(&(line + "\n"));
        }
    });
    let agent = Agent { child, log, reader: Some(reader) };
    let listening = rx.recv_timeout(std::time::Duration::from_secs(30));
    assert!(listening.is_ok(), "the agent did not start: {}", agent.log.lock().unwrap());
    agent
}

impl Agent {
    /// Waits for the agent's exit (status 0 expected); its log.
    fn finish(mut self) -> String {
        let status = self.child.wait().unwrap();
        self.reader.take().unwrap().join().unwrap();
        let log = self.log.lock().unwrap().clone();
        assert_eq!(status.code(), Some(0), "{log}");
        log
    }
}

impl Drop for Agent {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
            let _ = self.child.wait();
            eprintln!("the agent was still running; its log:\n{}", self.log.lock().unwrap());
        }
    }
}

#[test]
fn the_agent_records_three_containers_at_once_and_their_profiles_run_clean() {
    Runtime::Runc.require();
    let dir = TempDir::new("agent-real");
    let socket = dir.path().join("agent.sock");
    let out = dir.path().join("out");
    let recording = recording_profile(socket.to_str().unwrap(), Arch::host());
    let recorder = agent(&socket, &["--out", out.to_str().unwrap()], 3);
    let bundles: Vec<Bundle> = ["a", "b", "c"].iter().map(|n| container(n, &recording)).collect();
    let runs: Vec<runtime::Run> = std::thread::scope(|s| {
        let handles: Vec<_> = bundles.iter().map(|b| s.spawn(move || runtime::run(Runtime::Runc, b))).collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let log = recorder.finish();
    println!("{log}");
    for run in &runs {
        assert_eq!(run.code, Some(0), "{}", run.stderr);
        assert!(run.stdout.ends_with("1\ndone\n"), "{}", run.stdout);
    }
    for name in ["a", "b", "c"] {
        let file = out.join(format!("test_{name}_main.json"));
        assert!(file.exists(), "{} missing; agent said:\n{log}", file.display());
    }
    assert!(log.contains("served 3 containers"), "{log}");

    // The recorded profile, enforced by the agent (everything notified): no call is denied.
    let profile = out.join("test_a_main.json");
    let enforcer = agent(&socket, &["--profile", profile.to_str().unwrap()], 1);
    let again = runtime::run(Runtime::Runc, &container("a", &recording));
    let log = enforcer.finish();
    println!("{log}");
    assert_eq!(again.code, Some(0), "{}", again.stderr);
    assert!(!log.contains("denied:"), "the recorded profile denied calls:\n{log}");
    assert_eq!(again.stdout, runs[0].stdout);

    // And enforced by runc alone, as a pod's Localhost profile would be.
    let recorded: Value = serde_json::from_str(&std::fs::read_to_string(&profile).unwrap()).unwrap();
    let alone = runtime::run(Runtime::Runc, &container("a", &recorded));
    assert_eq!(alone.code, Some(0), "{}", alone.stderr);
    assert_eq!(alone.stdout, runs[0].stdout);
}
