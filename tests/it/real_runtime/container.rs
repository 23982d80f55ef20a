//! `seccompose run`/`record --rootfs` under real runc, seccompose as the seccomp agent: what
//! the runtime is denied apart from what the program is, paths read from the container's
//! memory, a recorded profile that re-runs clean, and nothing left behind when killed.

use super::bundle::{Bundle, static_busybox};
use super::runtime::{self, Runtime};
use crate::support::{TempDir, root};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// busybox applets the tests run.
const APPLETS: &[&str] = &["sh", "ls", "cat", "find", "sleep", "echo"];

/// A busybox-static root filesystem (`dir/rootfs`), with the mount points runc would otherwise
/// create on the first run (so every run sees the same tree) and a file to read.
pub fn busybox_rootfs(name: &str) -> TempDir {
    Runtime::Runc.require();
    let dir = TempDir::new(&format!("rootfs-{name}"));
    let rootfs = dir.path().join("rootfs");
    for sub in ["bin", "proc", "dev", "sys", "tmp", "etc"] {
        std::fs::create_dir_all(rootfs.join(sub)).unwrap();
    }
    std::fs::copy(static_busybox(), rootfs.join("bin/busybox")).unwrap();
    for applet in APPLETS {
        std::os::unix::fs::symlink("busybox", rootfs.join("bin").join(applet)).unwrap();
    }
    std::fs::write(rootfs.join("etc/secret"), "s3cret\n").unwrap();
    dir
}

fn rootfs_of(dir: &TempDir) -> String {
    dir.path().join("rootfs").to_str().unwrap().to_string()
}

fn seccompose(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_seccompose")).args(args).stdin(Stdio::null()).output().unwrap()
}

/// `seccompose run PROFILE --rootfs … --format json -- CMD`: (stdout, the JSON summary).
fn run_json(profile: &str, rootfs: &str, command: &[&str]) -> (String, Value) {
    let o = seccompose(
        &[&["run", profile, "--rootfs", rootfs, "--format", "json", "--timeout", "60", "--"], command].concat(),
    );
    let stderr = String::from_utf8_lossy(&o.stderr);
    let start = stderr.find("{\n").unwrap_or_else(|| panic!("no JSON summary:\n{stderr}"));
    let summary: Value = serde_json::from_str(&stderr[start..]).unwrap_or_else(|e| panic!("{e}:\n{stderr}"));
    (String::from_utf8_lossy(&o.stdout).into_owned(), summary)
}

fn profile_file(dir: &TempDir, name: &str, text: &str) -> String {
    let path = dir.path().join(name);
    std::fs::write(&path, text).unwrap();
    path.to_str().unwrap().to_string()
}

fn names(denials: &Value) -> Vec<String> {
    denials.as_array().unwrap().iter().map(|d| d["syscall"].as_str().unwrap().to_string()).collect()
}

/// The command's stdout in the same container (the config seccompose writes) without seccomp.
fn unconfined(dir: &TempDir, command: &[&str]) -> String {
    use seccompose::container::bundle::{Target, config};
    let target = Target::Rootfs(dir.path().join("rootfs"));
    let words: Vec<String> = command.iter().map(|s| s.to_string()).collect();
    let mut c = config(&target, &words, &Default::default(), false).unwrap();
    c["linux"].as_object_mut().unwrap().remove("seccomp");
    let bundle = Bundle { dir: TempDir::new("unconfined") };
    std::fs::write(bundle.dir.path().join("config.json"), c.to_string()).unwrap();
    let run = runtime::run(Runtime::Runc, &bundle);
    assert_eq!(run.code, Some(0), "unconfined: {}", run.stderr);
    run.stdout
}

#[test]
fn violation_json_never_starts_the_program_and_says_why() {
    let dir = busybox_rootfs("violation");
    let violation = root().join("profiles/violation.json");
    let (stdout, s) = run_json(violation.to_str().unwrap(), &rootfs_of(&dir), &["ls", "/"]);
    assert_eq!(stdout, "", "ls never ran");
    assert_eq!(s["started"], false, "{s:#}");
    assert_ne!(s["exit"]["status"], 0);
    // It denies write, which runc init needs to hand its fd over: runc gets it as written.
    assert_eq!(s["observed"], false);
    assert!(names(&s["unobserved"]).contains(&"write".to_string()), "{s:#}");
    // A profile that only denies execve: the agent sees runc init's exec, the program never runs.
    let exec = profile_file(
        &dir,
        "exec.json",
        r#"{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["execve"], "action": "SCMP_ACT_ERRNO"}]}"#,
    );
    let o = seccompose(&["run", &exec, "--rootfs", &rootfs_of(&dir), "--", "ls", "/"]);
    let text = String::from_utf8_lossy(&o.stderr);
    assert!(text.contains("did not start"), "{text}");
    assert!(text.contains("the program never ran: the profile denies runc init's execve (ERRNO(1))"), "{text}");
    assert!(text.contains("seccompose: program: no syscall was denied"), "{text}");
}

#[test]
fn getpid_and_fstatfs_are_the_runtimes_denials() {
    let dir = busybox_rootfs("runtime-denials");
    let p = profile_file(
        &dir,
        "p.json",
        r#"{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["getpid", "fstatfs"], "action": "SCMP_ACT_ERRNO"}]}"#,
    );
    let (_, s) = run_json(&p, &rootfs_of(&dir), &["ls", "/"]);
    let runtime = names(&s["denials"]["runtime"]);
    assert!(runtime.contains(&"getpid".to_string()) && runtime.contains(&"fstatfs".to_string()), "{s:#}");
    assert!(names(&s["denials"]["program"]).is_empty(), "{s:#}");
}

#[test]
fn a_denied_openat_in_the_container_is_reported_with_its_path() {
    let dir = busybox_rootfs("openat");
    // Read-only opens (flags 0) only: runc init's opens carry O_CLOEXEC and go through.
    let p = profile_file(
        &dir,
        "p.json",
        r#"{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["openat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13,
            "args": [{"index": 2, "value": 0, "op": "SCMP_CMP_EQ"}]}]}"#,
    );
    let (stdout, s) = run_json(&p, &rootfs_of(&dir), &["cat", "/etc/secret"]);
    assert_eq!(stdout, "", "the read was denied");
    assert_eq!(s["started"], true);
    assert_eq!(s["exit"]["status"], 1);
    let program = s["denials"]["program"].as_array().unwrap();
    let openat = program.iter().find(|d| d["syscall"] == "openat").unwrap_or_else(|| panic!("{s:#}"));
    assert_eq!(openat["action"], "ERRNO(13)");
    assert!(openat["samples"][0].as_str().unwrap().contains("path=\"/etc/secret\""), "{openat}");
    assert!(names(&s["denials"]["runtime"]).is_empty(), "{s:#}");
}

#[test]
fn record_then_run_gives_no_denial_and_the_unconfined_output() {
    let dir = busybox_rootfs("record");
    let (rootfs, out) = (rootfs_of(&dir), dir.path().join("ls.json"));
    // Not /: the link count of /proc follows the processes on the host.
    let command = ["ls", "-la", "/bin", "/etc"];
    let o = seccompose(&[&["record", "--rootfs", &rootfs, "-o", out.to_str().unwrap(), "--"], &command[..]].concat());
    let summary = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(0), "{summary}");
    assert!(summary.contains("the runtime's share, in a rule of its own: "), "{summary}");
    let profile: Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    let last = profile["syscalls"].as_array().unwrap().last().unwrap().clone();
    for name in ["write", "execve", "fstatfs", "getpid"] {
        assert!(last["names"].as_array().unwrap().iter().any(|n| n == name), "{name} not in the runtime's rule {last}");
    }
    let check = seccompose(&["check", out.to_str().unwrap()]);
    assert_eq!(check.status.code(), Some(0), "{}", String::from_utf8_lossy(&check.stdout));
    let (stdout, s) = run_json(out.to_str().unwrap(), &rootfs, &command);
    assert_eq!(s["exit"]["status"], 0, "{s:#}");
    assert!(names(&s["denials"]["runtime"]).is_empty() && names(&s["denials"]["program"]).is_empty(), "{s:#}");
    assert_eq!(stdout, unconfined(&dir, &command));
    assert!(stdout.contains("busybox"), "{stdout}");
}

/// Processes whose command line mentions `needle`.
fn processes_with(needle: &str) -> Vec<String> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(cmdline) = std::fs::read(entry.path().join("cmdline")) else { continue };
        let text = String::from_utf8_lossy(&cmdline).replace('\0', " ");
        if text.contains(needle) {
            found.push(format!("{}: {text}", entry.file_name().to_string_lossy()));
        }
    }
    found
}

/// Waits (at most a minute: a hang fails the test) until `done` holds.
fn eventually(what: &str, mut done: impl FnMut() -> Option<String>) {
    let started = Instant::now();
    loop {
        let Some(why_not) = done() else { return };
        assert!(started.elapsed() < Duration::from_secs(60), "{what}: {why_not}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// `runc --root STATE list -q`: the container ids.
fn runc_list(state: &Path) -> Vec<String> {
    let out = Command::new("runc").arg("--root").arg(state).args(["list", "-q"]).output().unwrap();
    String::from_utf8_lossy(&out.stdout).lines().map(str::to_string).collect()
}

/// The containers runc's state root holds (what `runc list` reads), without creating it as
/// `runc list` would.
fn containers(state: &Path) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(state) else { return Vec::new() };
    entries.flatten().map(|e| e.file_name().to_string_lossy().into_owned()).collect()
}

/// A child killed (SIGKILL) and reaped when dropped, so that a failing test leaves no process.
struct Reaped(Child);

impl Drop for Reaped {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// seccompose running `sleep MARK` in a container, with its temp files under `tmp`; returns
/// once the container runs: (child, runc's state root).
fn sleeping(tmp: &Path, rootfs: &str, mark: &str) -> (Reaped, PathBuf) {
    let child = Reaped(
        Command::new(env!("CARGO_BIN_EXE_seccompose"))
            .args(["run", "runtime-default", "--rootfs", rootfs, "--", "sleep", mark])
            .env("TMPDIR", tmp)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let mut state = PathBuf::new();
    eventually("the container did not start", || {
        let Some(work) = std::fs::read_dir(tmp).unwrap().flatten().next() else {
            return Some("no directory yet".into());
        };
        state = work.path().join("state");
        // The program itself (busybox's argv), not seccompose's command line that names it.
        let sleeps = processes_with(&format!("sleep {mark}")).into_iter().filter(|p| !p.contains("seccompose"));
        let running = !runc_list(&state).is_empty() && sleeps.count() > 0;
        (!running).then(|| "not running yet".to_string())
    });
    (child, state)
}

#[test]
fn killing_seccompose_mid_run_leaves_nothing_behind() {
    let dir = busybox_rootfs("kill");
    for (i, signal) in [libc::SIGTERM, libc::SIGINT, libc::SIGKILL].into_iter().enumerate() {
        let tmp = TempDir::new(&format!("kill-tmp-{signal}"));
        let mark = format!("{}", 7000 + i * 100 + std::process::id() as usize % 100);
        let (mut child, state) = sleeping(tmp.path(), &rootfs_of(&dir), &mark);
        let id = runc_list(&state).remove(0);
        // SAFETY: signalling our own child.
        unsafe { libc::kill(child.0.id() as i32, signal) };
        let status = child.0.wait().unwrap();
        eventually(&format!("after signal {signal}"), || {
            let left = [
                Some(containers(&state)).filter(|c| !c.is_empty()).map(|c| format!("runc's state holds {c:?}")),
                Some(processes_with(&format!("sleep {mark}"))).filter(|p| !p.is_empty()).map(|p| format!("{p:?}")),
                Some(processes_with(&id)).filter(|p| !p.is_empty()).map(|p| format!("{p:?}")),
                std::fs::read_dir(tmp.path()).unwrap().next().map(|e| {
                    let left = Command::new("find").arg(e.unwrap().path()).output().unwrap();
                    format!("left {} (seccompose: {status})", String::from_utf8_lossy(&left.stdout))
                }),
            ];
            let left: Vec<String> = left.into_iter().flatten().collect();
            (!left.is_empty()).then(|| left.join("; "))
        });
        if signal != libc::SIGKILL {
            assert_eq!(status.code(), Some(128 + signal), "seccompose ends as interrupted by {signal}");
        }
    }
}
