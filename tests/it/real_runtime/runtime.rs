//! Runs a bundle with real runc or crun: unique ids, a private state root, always deleted.

use super::bundle::Bundle;
use crate::support::{TempDir, require, require_root};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

/// A container that has not ended by then is killed and the test fails.
const DEADLINE: Duration = Duration::from_secs(60);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Runtime {
    Runc,
    Crun,
}

impl Runtime {
    pub fn name(self) -> &'static str {
        match self {
            Runtime::Runc => "runc",
            Runtime::Crun => "crun",
        }
    }

    /// Fails naming the package when the runtime (or what runs it) is missing, or not root.
    pub fn require(self) {
        require_root();
        require(self.name(), self.name());
        if self == Runtime::Crun {
            require("unshare", "util-linux");
        }
    }

    /// `runc --version` / `crun --version`, first line.
    pub fn version(self) -> String {
        let out = Command::new(self.name()).arg("--version").output().expect("runtime runs");
        String::from_utf8_lossy(&out.stdout).lines().next().unwrap_or("").to_string()
    }

    /// The command that runs the bundle as container `id`, its state under `state`.
    fn run_command(self, state: &str, bundle: &str, id: &str) -> Command {
        match self {
            Runtime::Runc => {
                let mut c = Command::new("runc");
                c.args(["--root", state, "run", "--bundle", bundle, id]);
                c
            }
            // crun manages no cgroup here; on the hybrid layout it needs a cgroup2 mount, so it
            // runs in a private mount namespace where /sys/fs/cgroup is one.
            Runtime::Crun => {
                let mut c = Command::new("unshare");
                c.args([
                    "-m",
                    "sh",
                    "-c",
                    "umount -l /sys/fs/cgroup && mount -t cgroup2 none /sys/fs/cgroup && \
                     exec crun --root \"$1\" --cgroup-manager=disabled run --bundle \"$2\" \"$3\"",
                    "sh",
                    state,
                    bundle,
                    id,
                ]);
                c
            }
        }
    }
}

/// What a container run left: the process's stdout, stderr, exit code and how long it took.
pub struct Run {
    pub stdout: String,
    pub stderr: String,
    pub code: Option<i32>,
    pub elapsed: Duration,
}

/// Deletes the container (forced) when dropped, so a failing test leaves nothing behind; the
/// state root is a temp dir removed after it.
struct Container {
    runtime: Runtime,
    id: String,
    state: TempDir,
}

impl Drop for Container {
    fn drop(&mut self) {
        let state = self.state.path().to_str().unwrap();
        let _ = Command::new(self.runtime.name())
            .args(["--root", state, "delete", "--force", &self.id])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
}

/// Runs the bundle to its end (killed after [`DEADLINE`]).
pub fn run(runtime: Runtime, bundle: &Bundle) -> Run {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let id = format!("seccompose-test-{}-{}", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed));
    let container = Container { runtime, state: TempDir::new(&format!("state-{id}")), id };
    let (out_path, err_path) = (bundle.dir.path().join("stdout"), bundle.dir.path().join("stderr"));
    let started = Instant::now();
    let mut child = runtime
        .run_command(container.state.path().to_str().unwrap(), bundle.dir.path().to_str().unwrap(), &container.id)
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&out_path).unwrap())
        .stderr(std::fs::File::create(&err_path).unwrap())
        .spawn()
        .unwrap_or_else(|e| panic!("{} does not start: {e}", runtime.name()));
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > DEADLINE {
            let _ = child.kill();
            let _ = child.wait();
            drop(container);
            panic!("{} did not end within {DEADLINE:?}", runtime.name());
        }
        std::thread::sleep(Duration::from_millis(2));
    };
    let elapsed = started.elapsed();
    drop(container);
    Run {
        stdout: std::fs::read_to_string(out_path).unwrap(),
        stderr: std::fs::read_to_string(err_path).unwrap(),
        code: status.code(),
        elapsed,
    }
}
