//! `seccompose import-audit` on saved kernel logs: the profile it writes, the summary, filters,
//! warnings and exit statuses.

use crate::support::{TempDir, root};
use serde_json::Value;
use std::collections::BTreeSet;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

const FIXTURES: &str = "tests/fixtures/audit";

fn import(args: &[&str], stdin: Option<&[u8]>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_seccompose"))
        .arg("import-audit")
        .args(args)
        .current_dir(root())
        .stdin(if stdin.is_some() { Stdio::piped() } else { Stdio::null() })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("binary runs");
    if let Some(bytes) = stdin {
        child.stdin.take().unwrap().write_all(bytes).unwrap();
    }
    child.wait_with_output().unwrap()
}

fn fixture(name: &str) -> String {
    format!("{FIXTURES}/{name}")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn read_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Every syscall name the profile allows.
fn names(profile: &Value) -> BTreeSet<String> {
    let rules = profile["syscalls"].as_array().expect("syscalls array");
    rules.iter().flat_map(|r| r["names"].as_array().unwrap().iter().map(|n| n.as_str().unwrap().to_string())).collect()
}

/// Runs the command on `log` with `-o` and returns the profile it wrote.
fn profile_of(args: &[&str], tmp: &TempDir) -> (Output, Value) {
    let out_path = tmp.path().join("out.json");
    let mut all = args.to_vec();
    let out_arg = out_path.to_string_lossy().into_owned();
    all.extend_from_slice(&["-o", &out_arg]);
    let out = import(&all, None);
    assert_eq!(out.status.code(), Some(0), "{args:?}: {}", stderr(&out));
    assert!(out.stdout.is_empty(), "with -o nothing goes to stdout");
    (out, read_json(&out_path))
}

#[test]
fn writes_the_expected_profile_for_each_log_format() {
    let tmp = TempDir::new("import-audit-expected");
    let cases: &[(&str, &[&str], &str)] = &[
        ("audit.log", &[], "audit.log.expected.json"),
        ("kern.log", &[], "kern.log.expected.json"),
        ("dmesg.txt", &[], "dmesg.txt.expected.json"),
        ("journal.txt", &["--dialect", "docker"], "journal.txt.docker.expected.json"),
    ];
    for (log, extra, expected) in cases {
        let mut args = vec![fixture(log)];
        args.extend(extra.iter().map(|s| s.to_string()));
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let (_, profile) = profile_of(&args, &tmp);
        assert_eq!(profile, read_json(&root().join(fixture(expected))), "{log}");
    }
}

#[test]
fn audit_log_profile_has_both_abis_and_the_i386_call() {
    let tmp = TempDir::new("import-audit-arches");
    let (out, profile) = profile_of(&[&fixture("audit.log")], &tmp);
    assert_eq!(profile["architectures"], serde_json::json!(["SCMP_ARCH_X86_64", "SCMP_ARCH_X86"]));
    let names = names(&profile);
    for name in ["open", "execve", "accept4", "mkdir", "epoll_pwait"] {
        assert!(names.contains(name), "{name} missing from {names:?}");
    }
    let text = stderr(&out);
    assert!(text.contains("my app (/opt/my app/bin/app): 6 records, pid 4242"), "hex comm and exe decoded: {text}");
    assert!(text.contains("ERRNO(1) ×1, LOG ×5"), "actions per program: {text}");
    assert!(text.contains("http-echo (/http-echo): 21 records, pids 29064 29071"), "{text}");
    assert!(!text.contains("lost"), "no loss sign in this log: {text}");
}

#[test]
fn warns_when_the_kernel_dropped_records_and_reports_malformed_lines() {
    let out = import(&[&fixture("kern.log")], None);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stderr(&out);
    assert!(text.contains("tests/fixtures/audit/kern.log:15: seccomp record skipped: no syscall= field"), "{text}");
    assert!(text.contains("records were lost") && text.contains("at least 23 records"), "{text}");
    assert!(text.contains("kern.log:13") && text.contains("`seccompose record"), "{text}");
    let journal = stderr(&import(&[&fixture("journal.txt")], None));
    assert!(journal.contains("the kernel counts 4 lost audit records"), "{journal}");
    let dmesg = stderr(&import(&[&fixture("dmesg.txt")], None));
    assert!(!dmesg.contains("lost"), "{dmesg}");
}

#[test]
fn filters_by_comm_and_pid() {
    let tmp = TempDir::new("import-audit-filters");
    let (out, profile) = profile_of(&[&fixture("audit.log"), "--comm", "my app"], &tmp);
    let names = names(&profile);
    assert!(names.contains("mkdir") && names.contains("open"), "{names:?}");
    assert!(!names.contains("accept4") && !names.contains("arch_prctl"), "http-echo's calls left out: {names:?}");
    let text = stderr(&out);
    assert!(text.contains("6 seccomp records from 1 program (21 others skipped"), "{text}");
    let (_, by_pid) = profile_of(&[&fixture("audit.log"), "--pid", "29071", "--pid", "4242"], &tmp);
    let by_pid = self::names(&by_pid);
    assert!(by_pid.contains("accept4") && by_pid.contains("mkdir"), "{by_pid:?}");
    assert!(!by_pid.contains("arch_prctl") && !by_pid.contains("sched_getaffinity"), "pid 29064 left out: {by_pid:?}");
    let none = import(&[&fixture("audit.log"), "--comm", "nginx"], None);
    assert_eq!(none.status.code(), Some(2));
    assert!(stderr(&none).contains("no seccomp record matched --comm/--pid"), "{}", stderr(&none));
}

#[test]
fn reports_unknown_syscall_numbers() {
    let out = import(&[&fixture("dmesg.txt"), "--format", "json"], None);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let summary: Value = serde_json::from_str(stderr(&out).lines().next().unwrap()).expect("JSON summary on stderr");
    let curl = &summary["programs"][0];
    assert_eq!(curl["comm"], "curl");
    assert_eq!(curl["unknown"], serde_json::json!([{"arch": "x86_64", "number": 999, "count": 1}]));
    assert_eq!(curl["syscalls"][0], serde_json::json!({"name": "socket", "count": 2, "arches": ["x86_64"]}));
    assert_eq!(curl["actions"]["ERRNO(38)"], 1);
    assert_eq!(summary["records"], 8);
    let profile: Value = serde_json::from_slice(&out.stdout).expect("profile on stdout");
    assert_eq!(profile, read_json(&root().join(fixture("dmesg.txt.expected.json"))));
    let text = stderr(&import(&[&fixture("dmesg.txt")], None));
    assert!(text.contains("unknown syscall 999 on x86_64 ×1"), "{text}");
}

#[test]
fn json_summary_counts_programs_problems_and_losses() {
    let out = import(&[&fixture("audit.log"), &fixture("kern.log"), "--format", "json"], None);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let summary: Value = serde_json::from_str(stderr(&out).lines().next().unwrap()).expect("JSON summary");
    assert_eq!(summary["records"], 27 + 12);
    assert_eq!(summary["programs"].as_array().unwrap().len(), 2, "http-echo from both logs is one program");
    assert_eq!(summary["problems"][0]["line"], 15);
    assert_eq!(summary["lost"]["suppressed"], 23);
    assert_eq!(summary["profile"]["arches"], serde_json::json!(["x86_64", "x86"]));
    let comms: Vec<&str> =
        summary["programs"].as_array().unwrap().iter().map(|p| p["comm"].as_str().unwrap()).collect();
    assert_eq!(comms, ["http-echo", "my app"]);
}

#[test]
fn reads_standard_input() {
    let log = std::fs::read(root().join(fixture("dmesg.txt"))).unwrap();
    let expected = read_json(&root().join(fixture("dmesg.txt.expected.json")));
    for args in [&[][..], &["-"][..]] {
        let out = import(args, Some(&log));
        assert_eq!(out.status.code(), Some(0), "{args:?}: {}", stderr(&out));
        let profile: Value = serde_json::from_slice(&out.stdout).expect("profile on stdout");
        assert_eq!(profile, expected, "{args:?}");
    }
}

#[test]
fn exit_status_two_when_nothing_usable_and_no_file_is_written() {
    let tmp = TempDir::new("import-audit-failures");
    let out_path = tmp.path().join("never.json");
    let out_arg = out_path.to_string_lossy().into_owned();
    let missing = import(&["tests/fixtures/audit/no-such.log", "-o", &out_arg], None);
    assert_eq!(missing.status.code(), Some(2));
    assert!(stderr(&missing).contains("no-such.log: cannot read"), "{}", stderr(&missing));
    let unrelated =
        b"Nov 29 10:00:00 node1 kernel: [ 1.0] Linux version 6.8.0\nNov 29 10:00:01 node1 systemd[1]: Started.\n";
    let nothing = import(&["-o", &out_arg], Some(unrelated));
    assert_eq!(nothing.status.code(), Some(2));
    let text = stderr(&nothing);
    assert!(text.contains("no seccomp audit record found") && text.contains("SCMP_ACT_LOG"), "{text}");
    assert!(text.contains("actions_logged"), "{text}");
    let malformed = import(&["-"], Some(b"[ 1.0] audit: type=1326 audit(1.0:1): pid=1 comm=\"a\" arch=c000003e\n"));
    assert_eq!(malformed.status.code(), Some(2));
    assert!(
        stderr(&malformed).contains("stdin:1: seccomp record skipped: no syscall= field"),
        "{}",
        stderr(&malformed)
    );
    assert!(!out_path.exists(), "no profile is written when nothing was found");
    let bad_out = import(&[&fixture("dmesg.txt"), "-o", "/nonexistent-dir/p.json"], None);
    assert_eq!(bad_out.status.code(), Some(2));
    assert!(stderr(&bad_out).contains("/nonexistent-dir/p.json"), "{}", stderr(&bad_out));
}
