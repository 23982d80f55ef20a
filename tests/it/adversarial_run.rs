//! `run` tried adversarially on the real kernel (issue 13 §2): every case compares what the
//! program sees under `run` with what it sees under `run --exact` (the profile installed as is),
//! and checks that the report says what happened. The programs are `seccompose-probe` (raw
//! syscalls, see src/bin/seccompose-probe.rs), sh and coreutils.

use crate::support::{TempDir, root};
use std::io::{Read, Write};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

const PROBE: &str = env!("CARGO_BIN_EXE_seccompose-probe");

/// The constant the sandbox used to recognise its own set-up call (kept here to prove that the
/// command can no longer use it to get a call through).
const OLD_RENDEZVOUS_COOKIE: &str = "0x5ecc0b05e5ad0001";

fn nr(n: libc::c_long) -> String {
    n.to_string()
}

/// A profile allowing everything but `rules` (`{"names": …, "action": …}` objects).
fn profile(tmp: &TempDir, name: &str, rules: &str) -> String {
    let path = tmp.path().join(format!("{name}.json"));
    std::fs::write(&path, format!(r#"{{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{rules}]}}"#)).unwrap();
    path.to_str().unwrap().to_string()
}

fn seccompose(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_seccompose"))
        .args(args)
        .current_dir(root())
        .stdin(Stdio::null())
        .output()
        .expect("binary runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Runs `cmd` under `profile` with `run` and with `run --exact`; asserts the program saw the
/// same (output and exit status) both ways and returns the `run` output (report on stderr).
fn same_as_exact(profile: &str, cmd: &[&str]) -> Output {
    let mut observed = vec!["run", profile, "--"];
    observed.extend_from_slice(cmd);
    let mut exact = vec!["run", "--exact", profile, "--"];
    exact.extend_from_slice(cmd);
    let (run, exact) = (seccompose(&observed), seccompose(&exact));
    assert_eq!(
        (text(&run.stdout), run.status.code()),
        (text(&exact.stdout), exact.status.code()),
        "{cmd:?}: run differs from --exact\nrun stderr: {}\nexact stderr: {}",
        text(&run.stderr),
        text(&exact.stderr)
    );
    run
}

#[test]
fn a_magic_argument_gets_no_call_through() {
    let tmp = TempDir::new("magic");
    let p = profile(&tmp, "p", r#"{"names": ["getppid"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13}"#);
    let out = same_as_exact(&p, &[PROBE, "call", &nr(libc::SYS_getppid), OLD_RENDEZVOUS_COOKIE]);
    assert_eq!(text(&out.stdout), "main: ret=-1 errno=13\n", "{}", text(&out.stderr));
    let report = text(&out.stderr);
    assert!(report.contains("getppid") && report.contains("ERRNO(13)"), "reported: {report}");
}

#[test]
fn kill_thread_in_a_worker_kills_only_that_thread_and_is_reported() {
    let tmp = TempDir::new("kill-thread");
    let p = profile(&tmp, "p", r#"{"names": ["getppid"], "action": "SCMP_ACT_KILL_THREAD"}"#);
    let out = same_as_exact(&p, &[PROBE, "thread", &nr(libc::SYS_getppid)]);
    assert_eq!(text(&out.stdout), "main: worker gone, main alive\n", "{}", text(&out.stderr));
    assert_eq!(out.status.code(), Some(0));
    let report = text(&out.stderr);
    assert!(report.contains("getppid") && report.contains("KILL_THREAD"), "reported: {report}");
}

#[test]
fn kill_process_is_reported_with_its_call() {
    let tmp = TempDir::new("kill-process");
    let p = profile(&tmp, "p", r#"{"names": ["getppid"], "action": "SCMP_ACT_KILL_PROCESS"}"#);
    let out = same_as_exact(&p, &[PROBE, "thread", &nr(libc::SYS_getppid)]);
    assert_eq!(out.status.code(), Some(128 + libc::SIGSYS));
    let report = text(&out.stderr);
    assert!(report.contains("the profile kills on getppid"), "reported: {report}");
}

#[test]
fn trap_delivers_the_kernels_sigsys_and_is_reported() {
    let tmp = TempDir::new("trap");
    let p = profile(&tmp, "p", r#"{"names": ["getppid"], "action": "SCMP_ACT_TRAP"}"#);
    let out = same_as_exact(&p, &[PROBE, "trap", &nr(libc::SYS_getppid)]);
    let want = format!("sigsys: code=1 syscall={} arch=0xc000003e errno=0 addr_ok=true", libc::SYS_getppid);
    assert!(text(&out.stdout).contains(&want), "{}\n{}", text(&out.stdout), text(&out.stderr));
    let report = text(&out.stderr);
    assert!(report.contains("getppid") && report.contains("TRAP"), "reported: {report}");
}

/// The command stacks a filter of its own: the kernel takes the strongest action over both
/// (ties: the newer filter's), and `run` must end the same way as the profile installed as is.
#[test]
fn an_inner_filter_meets_the_profile_as_it_would_the_installed_profile() {
    let tmp = TempDir::new("inner");
    let getppid = nr(libc::SYS_getppid);
    let rule = |action: &str| format!(r#"{{"names": ["getppid"], {action}}}"#);
    let errno13 = profile(&tmp, "errno13", &rule(r#""action": "SCMP_ACT_ERRNO", "errnoRet": 13"#));
    let kill = profile(&tmp, "kill", &rule(r#""action": "SCMP_ACT_KILL_PROCESS""#));
    let log = profile(&tmp, "log", &rule(r#""action": "SCMP_ACT_LOG""#));
    // (outer profile, inner action, what the program sees)
    let cases: [(&str, &str, Option<&str>); 7] = [
        (&kill, "errno:5", None),                              // KILL outranks ERRNO: killed by SIGSYS
        (&errno13, "errno:5", Some("main: ret=-1 errno=5\n")), // equal: the newer (inner) value
        (&errno13, "errno:13", Some("main: ret=-1 errno=13\n")),
        (&errno13, "allow", Some("main: ret=-1 errno=13\n")),
        (&errno13, "log", Some("main: ret=-1 errno=13\n")),
        (&errno13, "trace", Some("main: ret=-1 errno=13\n")), // ERRNO outranks TRACE
        (&log, "errno:5", Some("main: ret=-1 errno=5\n")),
    ];
    for (outer, inner, seen) in cases {
        let out = same_as_exact(outer, &[PROBE, "inner", inner, &getppid]);
        match seen {
            Some(line) => assert_eq!(text(&out.stdout), line, "{outer} vs inner {inner}: {}", text(&out.stderr)),
            None => assert_eq!(out.status.code(), Some(128 + libc::SIGSYS), "{outer} vs inner {inner}"),
        }
    }
}

/// Processes whose command line starts with `sleep ` and holds `marker`.
fn sleeps_with(marker: &str) -> Vec<i32> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<i32>() else { continue };
        let Ok(cmdline) = std::fs::read(entry.path().join("cmdline")) else { continue };
        let cmdline = text(&cmdline).replace('\0', " ");
        if cmdline.starts_with("sleep ") && cmdline.contains(marker) {
            found.push(pid);
        }
    }
    found
}

/// Asserts no `sleep` with `marker` is left; kills any that is, so a failure leaves nothing.
fn assert_none_left(marker: &str, context: &str) {
    let left = sleeps_with(marker);
    for &pid in &left {
        // SAFETY: signalling a process the test started.
        unsafe { libc::kill(pid, libc::SIGKILL) };
    }
    assert!(left.is_empty(), "{context}: escaped processes still running: {left:?}");
}

#[test]
fn a_setsid_background_child_does_not_outlive_the_run() {
    let marker = format!("1000.{}1", std::process::id());
    let script = format!("setsid sleep {marker} </dev/null >/dev/null 2>&1 & sleep 0.2; exit 0");
    let out = seccompose(&["run", "runtime-default", "--", "sh", "-c", &script]);
    assert_none_left(&marker, "after the command exited");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let report = text(&out.stderr);
    assert!(report.contains("1 descendant process was still running and was killed"), "{report}");
}

#[test]
fn a_setsid_background_child_does_not_outlive_the_timeout() {
    let marker = format!("1000.{}2", std::process::id());
    let script = format!("setsid sleep {marker} </dev/null >/dev/null 2>&1 & sleep 30");
    let out = seccompose(&["run", "runtime-default", "--timeout", "0.5", "--", "sh", "-c", &script]);
    assert_none_left(&marker, "after the timeout");
    let report = text(&out.stderr);
    assert!(report.contains("stopped at the timeout"), "{report}");
    // The group's own sleep may still be dying when the walk runs: one or two were killed.
    assert!(report.contains("descendant process") && report.contains("still running and w"), "{report}");
}

#[test]
fn timeouts_that_are_not_a_positive_finite_number_of_seconds_are_refused() {
    for bad in ["-1", "0", "nan", "inf", "1e20", "abc"] {
        let out = seccompose(&["run", "runtime-default", &format!("--timeout={bad}"), "--", "true"]);
        assert_eq!(out.status.code(), Some(2), "--timeout {bad}: {}", text(&out.stderr));
        let err = text(&out.stderr);
        assert!(err.contains("--timeout") && err.contains("seconds"), "--timeout {bad}: {err}");
        assert!(!err.contains("panicked"), "{err}");
        let out = seccompose(&["record", &format!("--timeout={bad}"), "--", "true"]);
        assert_eq!(out.status.code(), Some(2), "record --timeout {bad}: {}", text(&out.stderr));
    }
}

/// A profile that compiles to `len` instructions, `len` within a few of `target`: `count`
/// argument conditions on one syscall, the count found by bisection on the real compiler.
fn profile_of_length(tmp: &TempDir, target: usize) -> (String, usize) {
    use seccompose::policy::{context::Context, evaluator::Evaluator};
    let make = |count: usize| {
        let rules: Vec<String> = (0..count)
            .map(|i| {
                format!(
                    r#"{{"names": ["getppid"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13, "args": [{{"index": 0, "value": {}, "op": "SCMP_CMP_EQ"}}]}}"#,
                    1000 + i
                )
            })
            .collect();
        format!(r#"{{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{}]}}"#, rules.join(","))
    };
    let length = |count: usize| {
        let doc = seccompose::profile::Document::parse(&make(count), "gen").unwrap();
        let ev = Evaluator::new(&doc.profile, &Context::default()).unwrap();
        seccompose::bpf::compile(&ev).map_or(usize::MAX, |c| c.program.len())
    };
    let (mut low, mut high) = (1, 4096);
    while low + 1 < high {
        let mid = (low + high) / 2;
        if length(mid) <= target { low = mid } else { high = mid }
    }
    let path = tmp.path().join(format!("len-{target}.json"));
    std::fs::write(&path, make(low)).unwrap();
    (path.to_str().unwrap().to_string(), length(low))
}

#[test]
fn a_profile_at_the_instruction_limit_runs_as_it_installs() {
    let tmp = TempDir::new("limit");
    let (p, len) = profile_of_length(&tmp, 4096);
    assert!((4080..=4096).contains(&len), "generated {len} instructions");
    let compiled = seccompose(&["compile", &p, "-o", "/dev/null"]);
    assert!(compiled.status.success(), "compile accepts it: {}", text(&compiled.stderr));
    let out = same_as_exact(&p, &[PROBE, "call", &nr(libc::SYS_getppid), "1003"]);
    assert_eq!(text(&out.stdout), "main: ret=-1 errno=13\n", "{}", text(&out.stderr));
    // One step over: the error names the limit, in `run` as in `compile`.
    let over = tmp.path().join("over.json");
    let mut value: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap();
    let rules = value["syscalls"].as_array_mut().unwrap();
    for i in 0..8 {
        let mut more = rules[0].clone();
        more["args"][0]["value"] = serde_json::json!(900 + i);
        rules.push(more);
    }
    std::fs::write(&over, value.to_string()).unwrap();
    let out = seccompose(&["run", over.to_str().unwrap(), "--", "true"]);
    let err = text(&out.stderr);
    assert_ne!(out.status.code(), Some(0), "{err}");
    assert!(err.contains("the kernel's limit of 4096"), "{err}");
}

/// Runs `sh -c script` as the session leader of a new pty (as a login shell would run it),
/// types `line`, waits until `read(screen)` says the command has read it, sends ^C; returns
/// the exit status (killing the whole session if it hangs) and the screen text.
///
/// The wait must be for the command's own output, not the terminal's echo of the line: the
/// echo comes at once, and a ^C before the command has read the line flushes it unread.
fn in_a_terminal(script: &str, line: &str, read: impl Fn(&str) -> bool) -> (Option<i32>, String) {
    let (master, slave) = crate::support::openpty(24, 80);
    let mut command = Command::new("sh");
    command.args(["-c", script]).env("SECCOMPOSE", env!("CARGO_BIN_EXE_seccompose")).current_dir(root());
    crate::support::in_pty(&mut command, slave);
    let mut child = command.spawn().unwrap();
    let screen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let mut reader = std::fs::File::from(master.try_clone().unwrap());
    let sink = screen.clone();
    std::thread::spawn(move || {
        let mut buf = [0u8; 4096];
        while let Ok(n) = reader.read(&mut buf) {
            if n == 0 {
                break;
            }
            sink.lock().unwrap().extend_from_slice(&buf[..n]);
        }
    });
    let shown = || text(&screen.lock().unwrap());
    let mut input = std::fs::File::from(master);
    std::thread::sleep(Duration::from_millis(500));
    input.write_all(format!("{line}\r").as_bytes()).unwrap();
    let start = Instant::now();
    while !read(&shown()) && start.elapsed() < Duration::from_secs(5) {
        std::thread::sleep(Duration::from_millis(20));
    }
    input.write_all(b"\x03").unwrap();
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status.code();
        }
        if start.elapsed() > Duration::from_secs(5) {
            // SAFETY: ending the session the test started (sh is its leader and group).
            unsafe { libc::kill(-(child.id() as i32), libc::SIGKILL) };
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    (status, shown())
}

#[test]
fn cat_on_a_terminal_reads_its_line_and_ctrl_c_ends_the_run() {
    let (status, screen) = in_a_terminal("exec \"$SECCOMPOSE\" run runtime-default -- cat", "hello-pty", |screen| {
        screen.contains("hello-pty\r\nhello-pty")
    });
    assert!(screen.contains("hello-pty\r\nhello-pty"), "cat echoed the line: {screen:?}");
    assert_eq!(status, Some(130), "^C ends the run: {screen:?}");
}

#[test]
fn cat_with_its_output_in_a_file_reads_the_terminal_and_ctrl_c_ends_the_run() {
    let tmp = TempDir::new("ttin");
    let out = tmp.path().join("out.txt");
    let script = format!("exec \"$SECCOMPOSE\" run runtime-default -- cat > {}", out.display());
    let written = || std::fs::read_to_string(&out).unwrap_or_default();
    let (status, screen) = in_a_terminal(&script, "to-the-file", |_| written() == "to-the-file\n");
    assert_eq!(status, Some(130), "^C ends the run: {screen:?}");
    assert_eq!(written(), "to-the-file\n", "cat read the line: {screen:?}");
}

/// Two sessions in one process (the editor's run pane, tests): the end of one kills what its
/// command left, not the other session's command.
#[test]
fn one_sessions_end_leaves_another_sessions_command_running() {
    use seccompose::policy::{context::Context, evaluator::Evaluator};
    use seccompose::sandbox::observe::{RunOptions, run};
    use seccompose::sandbox::session::Exit;
    let doc = seccompose::profile::Document::parse(r#"{"defaultAction": "SCMP_ACT_ALLOW"}"#, "allow").unwrap();
    let ev = Evaluator::new(&doc.profile, &Context::default()).unwrap();
    let options = RunOptions { exact: false, timeout: None, stdio: seccompose::sandbox::spawn::Stdio::Inherit };
    let argv = |cmd: &str| cmd.split(' ').map(str::to_string).collect::<Vec<_>>();
    // The first session ends while the second, started after it, still runs.
    let (first_ev, first_argv) = (ev.clone(), argv("sleep 0.4"));
    let first = std::thread::spawn(move || run(&first_ev, &first_argv, options, |_| {}).unwrap());
    std::thread::sleep(Duration::from_millis(150));
    let second = run(&ev, &argv("sleep 1"), options, |_| {}).unwrap();
    let first = first.join().unwrap();
    assert_eq!((first.exit, first.descendants_killed), (Exit::Code(0), 0));
    assert_eq!(
        (second.exit, second.descendants_killed),
        (Exit::Code(0), 0),
        "the second session's sleep ran to its end"
    );
}
