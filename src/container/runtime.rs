//! The OCI runtime binary (runc): finding it, checking we may run containers, its command
//! lines, and the guard that removes the container if seccompose is killed outright.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};

#[derive(Debug, thiserror::Error)]
pub enum RuntimeError {
    #[error(
        "runc not found on PATH: install it (Debian/Ubuntu: `apt-get install runc`; Fedora: `dnf install runc`) or name it with --runtime-path"
    )]
    NotFound,
    #[error("{0}: not an executable file (--runtime-path)")]
    NotExecutable(PathBuf),
    #[error(
        "running a container needs root: run seccompose as root (sudo), or give --bundle with a rootless config.json (a user namespace mapping your uid, as `runc spec --rootless` writes)"
    )]
    NotRoot,
}

/// The runtime binary: `--runtime-path`, or `runc` on PATH.
pub fn find(given: Option<&Path>) -> Result<PathBuf, RuntimeError> {
    match given {
        Some(path) => {
            let found = crate::sandbox::spawn::resolve(&path.to_string_lossy()).filter(|p| is_executable(p));
            found.ok_or_else(|| RuntimeError::NotExecutable(path.to_path_buf()))
        }
        None => crate::sandbox::spawn::resolve("runc").ok_or(RuntimeError::NotFound),
    }
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// Root, or a config that maps users in a user namespace (rootless runc).
pub fn check_privileges(rootless_config: bool) -> Result<(), RuntimeError> {
    privileges(rustix::process::geteuid().is_root(), rootless_config)
}

fn privileges(root: bool, rootless_config: bool) -> Result<(), RuntimeError> {
    if root || rootless_config { Ok(()) } else { Err(RuntimeError::NotRoot) }
}

/// One container's names: the runtime, its private state root, the container id.
#[derive(Debug, Clone)]
pub struct Names {
    pub runtime: PathBuf,
    pub state: PathBuf,
    pub id: String,
}

impl Names {
    fn base(&self) -> Command {
        let mut c = Command::new(&self.runtime);
        c.arg("--root").arg(&self.state);
        c
    }

    /// `runc --root STATE --log LOG --log-format json run --bundle DIR ID`: the container's
    /// stdio is ours; runc's own messages go to LOG (so they are not mixed with the program's).
    pub fn run(&self, bundle: &Path, log: &Path) -> Command {
        let mut c = self.base();
        c.arg("--log").arg(log).args(["--log-format", "json", "run", "--bundle"]).arg(bundle).arg(&self.id);
        c
    }

    /// `runc kill ID KILL`, quietly; whether runc said it did.
    pub fn kill(&self) -> bool {
        quiet(self.base().args(["kill", &self.id, "KILL"]))
    }

    /// `runc delete --force ID`, quietly.
    pub fn delete(&self) -> bool {
        quiet(self.base().args(["delete", "--force", &self.id]))
    }
}

fn quiet(c: &mut Command) -> bool {
    c.stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::null()).status().is_ok_and(|s| s.success())
}

/// A `sh` in a process group of its own that waits for a line on a pipe only we hold: when we
/// end without saying `done` (SIGKILL, a crash), it reads end-of-file and kills and deletes the
/// container, then removes our directory and socket. What it cannot undo: nothing of ours; but
/// if the guard itself is killed too (a `kill -9` of every process), the container stays until
/// `runc --root STATE delete --force ID`.
pub struct Guard {
    child: Child,
    stdin: Option<ChildStdin>,
}

const GUARD_SCRIPT: &str = r#"read -r line
[ "$line" = done ] && exit 0
"$0" --root "$1" kill "$2" KILL >/dev/null 2>&1
"$0" --root "$1" delete --force "$2" >/dev/null 2>&1
rm -f -- "$4"
# runc run, ending now, may still be removing its state beneath: try again briefly.
for i in 1 2 3 4 5 6 7 8 9 10; do rm -rf -- "$3" 2>/dev/null; [ -e "$3" ] || exit 0; sleep 0.2; done"#;

impl Guard {
    pub fn start(names: &Names, workdir: &Path, socket: &Path) -> std::io::Result<Guard> {
        use std::os::unix::process::CommandExt;
        let mut child = Command::new("/bin/sh")
            .arg("-c")
            .arg(GUARD_SCRIPT)
            .arg(&names.runtime)
            .arg(&names.state)
            .arg(&names.id)
            .arg(workdir)
            .arg(socket)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            // Not in our process group: Ctrl-C on the terminal must not end it.
            .process_group(0)
            .spawn()?;
        let stdin = child.stdin.take();
        Ok(Guard { child, stdin })
    }

    /// We cleaned up ourselves: the guard ends without doing anything.
    pub fn disarm(mut self) {
        if let Some(mut stdin) = self.stdin.take() {
            let _ = stdin.write_all(b"done\n");
        }
        let _ = self.child.wait();
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        // Dropped without disarm (an early return): let it clean up, and reap it.
        drop(self.stdin.take());
        let _ = self.child.wait();
    }
}

/// runc's own error messages in its JSON log (`--log-format json`), in order.
pub fn log_errors(log: &Path) -> Vec<String> {
    let Ok(text) = std::fs::read_to_string(log) else { return Vec::new() };
    text.lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|v| matches!(v["level"].as_str(), Some("error" | "fatal")))
        .filter_map(|v| v["msg"].as_str().map(str::to_string))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn without_root_a_rootless_config_is_needed_and_the_message_says_so() {
        assert!(privileges(true, false).is_ok() && privileges(false, true).is_ok());
        let e = privileges(false, false).unwrap_err().to_string();
        assert!(e.starts_with("running a container needs root") && e.contains("runc spec --rootless"), "{e}");
    }

    #[test]
    fn runc_errors_are_read_from_its_json_log() {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("runc.log");
        let lines = [
            r#"{"level":"info","msg":"starting","time":"t"}"#,
            r#"{"level":"error","msg":"runc run failed: container process is already dead","time":"t"}"#,
            "not json",
        ];
        std::fs::write(&log, lines.join("\n")).unwrap();
        assert_eq!(log_errors(&log), ["runc run failed: container process is already dead"]);
        assert!(log_errors(&dir.path().join("none")).is_empty());
    }
}
