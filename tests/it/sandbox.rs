//! `run` and `record` with real commands in the real kernel: denials with decoded arguments,
//! errno values the program sees, round trips that end with zero denials, and cleanup.

use crate::cli::seccompose;
use crate::support::TempDir;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn stdout(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn violation_profile_stops_at_execve_and_says_so() {
    let out = seccompose(&["run", "profiles/violation.json", "--", "/bin/true"]);
    assert_eq!(out.status.code(), Some(126), "{}", stderr(&out));
    let text = stderr(&out);
    assert!(text.contains("could not start: the profile denies execve (ERRNO(1))"), "{text}");
    assert!(text.contains("execve") && text.contains("path=\"/bin/true\""), "{text}");
}

#[test]
fn fine_grained_profile_lists_what_ls_was_denied_with_paths() {
    let out = seccompose(&["run", "profiles/fine-grained.json", "--", "ls", "/"]);
    let text = stderr(&out);
    assert!(text.contains(" denied, "), "{text}");
    assert!(text.contains("path=\"/"), "decoded paths of the files ls tried: {text}");
}

#[test]
fn errno_values_in_the_profile_are_what_the_program_sees() {
    let tmp = TempDir::new("errno");
    let profile = tmp.path().join("p.json");
    std::fs::write(
        &profile,
        r#"{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
            {"names": ["getcwd"], "action": "SCMP_ACT_ERRNO", "errnoRet": 42},
            {"names": ["openat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13,
             "args": [{"index": 2, "value": 64, "valueTwo": 64, "op": "SCMP_CMP_MASKED_EQ"}]}]}"#,
    )
    .unwrap();
    // Base-system programs only (`cargo test` needs nothing but the toolchain): coreutils'
    // realpath of a relative path calls getcwd, and the shell's `>` opens with O_CREAT.
    let target = "/tmp/seccompose-denied-create.txt";
    let script = format!("realpath .; cat /dev/null > {target}; echo done");
    let out = seccompose(&["run", profile.to_str().unwrap(), "--", "sh", "-c", &script]);
    assert_eq!(stdout(&out), "done\n", "{}", stderr(&out));
    let text = stderr(&out);
    assert!(text.contains("realpath: .: No message of desired type"), "getcwd failed with errno 42 (ENOMSG): {text}");
    assert!(text.contains(&format!("{target}: Permission denied")), "the create failed with errno 13: {text}");
    assert!(text.contains(&format!("path=\"{target}\"")), "the denied openat with its path: {text}");
    assert!(text.contains("getcwd") && text.contains("ERRNO(42)"), "{text}");
    assert!(!std::path::Path::new(target).exists(), "the file was not created");
}

/// Records `argv`, runs it again under the recording, and checks zero denials and the same output.
fn round_trip(argv: &[&str]) {
    let tmp = TempDir::new(&format!("record-{}", argv.len()));
    let profile = tmp.path().join("recorded.json");
    let mut rec = vec!["record", "-o", profile.to_str().unwrap(), "--"];
    rec.extend_from_slice(argv);
    let first = seccompose(&rec);
    assert!(first.status.success(), "{}", stderr(&first));
    assert!(stderr(&first).contains("recorded"), "{}", stderr(&first));
    let mut run = vec!["run", profile.to_str().unwrap(), "--format", "json", "--"];
    run.extend_from_slice(argv);
    let second = seccompose(&run);
    let report: serde_json::Value = serde_json::from_str(&stderr(&second)).expect("a JSON report on stderr");
    assert_eq!(report["denials"], serde_json::json!([]), "{argv:?}: {report}");
    assert_eq!(report["exit"]["status"], 0);
    // /proc and /tmp change while tests run (process count, temp files): compare the rest,
    // with runs of spaces as one (ls widens its link-count column when /proc passes 99).
    let stable = |text: String| {
        text.lines()
            .filter(|l| !l.ends_with(" proc") && !l.ends_with(" tmp"))
            .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
            .collect::<Vec<_>>()
    };
    assert_eq!(stable(stdout(&first)), stable(stdout(&second)), "{argv:?}: same output under the recorded profile");
}

#[test]
fn recorded_profiles_run_the_program_without_denials() {
    round_trip(&["ls", "-la", "/"]);
    round_trip(&["sh", "-c", "ls / | wc -l; echo done"]);
    // A multi-threaded program from the base system: GNU sort sorts a large input with
    // threads (one per CPU, up to --parallel).
    let tmp = TempDir::new("record-sort");
    let input = tmp.path().join("numbers");
    std::fs::write(&input, (0..1_000_000).map(|i| format!("{i}\n")).collect::<String>()).unwrap();
    round_trip(&["sort", "--parallel=4", "-n", "-r", input.to_str().unwrap(), "-o", "/dev/null"]);
}

#[test]
fn exit_codes_and_kills_are_reported() {
    let out = seccompose(&["run", "runtime-default", "--", "sh", "-c", "exit 3"]);
    assert_eq!(out.status.code(), Some(3));
    let tmp = TempDir::new("kill");
    let profile = tmp.path().join("p.json");
    std::fs::write(
        &profile,
        r#"{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["uname"], "action": "SCMP_ACT_KILL_PROCESS"}]}"#,
    )
    .unwrap();
    let out = seccompose(&["run", profile.to_str().unwrap(), "--", "uname"]);
    assert_eq!(out.status.code(), Some(128 + libc::SIGSYS), "{}", stderr(&out));
    assert!(stderr(&out).contains("the profile kills on uname"), "{}", stderr(&out));
}

#[test]
fn timeout_ends_the_command() {
    let start = Instant::now();
    let out = seccompose(&["run", "runtime-default", "--timeout", "0.5", "--", "sleep", "30"]);
    assert!(start.elapsed() < Duration::from_secs(10));
    assert_eq!(out.status.code(), Some(128 + libc::SIGTERM), "{}", stderr(&out));
    assert!(stderr(&out).contains("stopped at the timeout"), "{}", stderr(&out));
}

fn processes_with(marker: &str) -> Vec<String> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        if let Ok(cmdline) = std::fs::read(entry.path().join("cmdline")) {
            let text = String::from_utf8_lossy(&cmdline).replace('\0', " ");
            if text.starts_with("sleep ") && text.contains(marker) {
                found.push(format!("{}: {text}", entry.file_name().to_string_lossy()));
            }
        }
    }
    found
}

#[test]
fn killing_seccompose_leaves_no_process_behind() {
    let marker = "987.654321";
    let mut child = Command::new(env!("CARGO_BIN_EXE_seccompose"))
        .args(["run", "runtime-default", "--", "sh", "-c", &format!("sleep {marker} & sleep {marker}; wait")])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while processes_with(marker).len() < 2 && start.elapsed() < Duration::from_secs(10) {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(processes_with(marker).len(), 2, "both sleeps started");
    child.kill().unwrap(); // SIGKILL: no cleanup code of ours runs
    child.wait().unwrap();
    let start = Instant::now();
    while !processes_with(marker).is_empty() && start.elapsed() < Duration::from_secs(5) {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(processes_with(marker), Vec::<String>::new());
}

#[test]
fn record_with_a_base_adds_only_what_is_missing() {
    let tmp = TempDir::new("record-base");
    // A base that allows everything ls needs: nothing to add, so the file comes back unchanged.
    let same = tmp.path().join("same.json");
    let out = seccompose(&[
        "record",
        "--base",
        "profiles/runtime-default.json",
        "--only-new",
        "-o",
        same.to_str().unwrap(),
        "--",
        "ls",
        "/",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(std::fs::read(&same).unwrap(), std::fs::read("profiles/runtime-default.json").unwrap());
    // A base that allows little: one rule is appended, and the result runs ls cleanly.
    let grown = tmp.path().join("grown.json");
    let out = seccompose(&[
        "record",
        "--base",
        "profiles/fine-grained.json",
        "--only-new",
        "-o",
        grown.to_str().unwrap(),
        "--",
        "ls",
        "/",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = std::fs::read_to_string(&grown).unwrap();
    let base = std::fs::read_to_string("profiles/fine-grained.json").unwrap();
    assert!(text.len() > base.len() && text.starts_with(&base[..base.len() - 10]), "the base's text is kept:\n{text}");
    let out = seccompose(&["run", grown.to_str().unwrap(), "--format", "json", "--", "ls", "/"]);
    let report: serde_json::Value = serde_json::from_str(&stderr(&out)).unwrap();
    assert_eq!(report["denials"], serde_json::json!([]), "{report}");
}

/// Issue 15: what `record` writes passes `check` and `install` as it is, and the summary names
/// what was added for the program to stop.
#[test]
fn recorded_profile_passes_check_and_install_without_edits() {
    let tmp = TempDir::new("record-check-install");
    let profile = tmp.path().join("ls.json");
    let out = seccompose(&["record", "-o", profile.to_str().unwrap(), "--", "ls", "-la", "/"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("added what every program needs to stop: exit"),
        "the summary says what was added: {}",
        stderr(&out)
    );
    let check = seccompose(&["check", profile.to_str().unwrap()]);
    assert_eq!(check.status.code(), Some(0), "check passes: {}", stdout(&check));
    let kubelet = tmp.path().join("kubelet");
    let install = seccompose(&["install", profile.to_str().unwrap(), "--root", kubelet.to_str().unwrap()]);
    assert_eq!(install.status.code(), Some(0), "install accepts it: {}{}", stdout(&install), stderr(&install));
    assert!(kubelet.join("profiles/ls.json").is_file(), "installed under the root");
}

/// Issue 15: a run that works on the host says in one line what runc itself still needs.
#[test]
fn run_says_what_runc_needs_when_the_command_works() {
    let tmp = TempDir::new("run-runc");
    let profile = tmp.path().join("p.json");
    std::fs::write(
        &profile,
        r#"{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["epoll_ctl", "sched_yield"], "action": "SCMP_ACT_ERRNO"}]}"#,
    )
    .unwrap();
    let p = profile.to_str().unwrap();
    let out = seccompose(&["run", p, "--engine", "docker", "--", "true"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stderr(&out);
    let lines: Vec<&str> = text.lines().filter(|l| l.contains("runc ") || l.contains("runc,")).collect();
    assert_eq!(
        lines,
        [
            "seccompose: works on the host; runc itself also needs epoll_ctl, sched_yield: allow them, or the container fails before the command starts"
        ],
        "{text}"
    );
    let failed = seccompose(&["run", p, "--engine", "docker", "--", "sh", "-c", "exit 3"]);
    assert!(!stderr(&failed).contains("works on the host"), "only when it works: {}", stderr(&failed));
}
